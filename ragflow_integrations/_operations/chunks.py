"""Chunk endpoints: ``/datasets/{id}/documents/{doc}/chunks``."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._exceptions import InvalidArgumentError
from .._http import Request, path
from ._core import Op, call, delete_body, expect_dict, expect_list, fetch_window, page_window, query

__all__ = ["add", "delete", "list_page", "list_paged", "list_window", "update"]

_UPDATABLE = {"content", "important_keywords", "available", "questions", "positions", "tag_kwd"}


def _path(dataset_id: str, document_id: str) -> str:
    return path("/datasets/{}/documents/{}/chunks", dataset_id, document_id)


def add(
    d: Dialect,
    dataset_id: str,
    document_id: str,
    content: str,
    important_keywords: list[str] | None = None,
    questions: list[str] | None = None,
    image_base64: str | None = None,
    tag_kwd: list[str] | None = None,
) -> Op[dict[str, Any]]:
    """Add a chunk; returns it. The server checks the content (empty is refused)."""
    body: dict[str, Any] = {
        "content": content,
        "important_keywords": list(important_keywords or []),
    }
    if questions:
        d.require("questions", "chunk questions")
        body["questions"] = list(questions)
    if tag_kwd is not None:
        d.require("chunk_tags_images", "chunk tags (tag_kwd)")
        body["tag_kwd"] = list(tag_kwd)
    if image_base64 is not None:
        d.require("chunk_tags_images", "chunk images (image_base64)")
        body["image_base64"] = image_base64
    req = Request("POST", _path(dataset_id, document_id), "add chunk", json=body, idempotent=False)
    data = expect_dict((yield from call(req)), req)
    return expect_dict(data.get("chunk", data), req)


def list_page(
    d: Dialect,
    dataset_id: str,
    document_id: str,
    page: int,
    page_size: int,
    *,
    keywords: str | None = None,
    id: str | None = None,
) -> Op[tuple[list[dict[str, Any]], int, dict[str, Any]]]:
    """One page of a document's chunks, the total, and the document."""
    params = {**d.page_params(page, page_size), "keywords": keywords, "id": id}
    req = Request("GET", _path(dataset_id, document_id), "list chunks", params=query(params))
    data = expect_dict((yield from call(req)), req)
    chunks = expect_list(data, req, "chunks")
    total = data.get("total")
    doc = data.get("doc")
    doc = doc if isinstance(doc, dict) else {}
    return chunks, int(total) if isinstance(total, int) else len(chunks), doc


def list_window(
    d: Dialect,
    dataset_id: str,
    document_id: str,
    start: int,
    count: int | None,
    keywords: str | None = None,
    id: str | None = None,
) -> Op[list[dict[str, Any]]]:
    """Chunks ``[start, start + count)`` (``count=None``: all)."""
    cap = d.max_page_size or 1024

    def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
        chunks, _, _ = yield from list_page(
            d, dataset_id, document_id, p, size, keywords=keywords, id=id
        )
        return chunks

    size = min(count, cap) if count else min(100, cap)
    return (yield from fetch_window(one, start, count, size))


def list_paged(
    d: Dialect,
    dataset_id: str,
    document_id: str,
    page: int,
    page_size: int,
    keywords: str | None = None,
    id: str | None = None,
) -> Op[list[dict[str, Any]]]:
    """The caller's page of chunks (``page_size=0``: as the server reads it, all of them)."""

    def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
        chunks, _, _ = yield from list_page(
            d, dataset_id, document_id, p, size, keywords=keywords, id=id
        )
        return chunks

    return (yield from page_window(one, page, page_size, d.max_page_size or 1024))


def update(
    d: Dialect, dataset_id: str, document_id: str, chunk_id: str, fields: dict[str, Any]
) -> Op[None]:
    """Update a chunk (PUT, or PATCH from v0.25.1)."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise InvalidArgumentError(
            f"Chunk.update cannot change {sorted(unknown)}; it takes {sorted(_UPDATABLE)}"
        )
    body = dict(fields)
    if "available" in body and body["available"] is not None:
        body["available"] = bool(body["available"])
    req = Request(  # sent even when empty: the server still checks the chunk is there
        d.chunk_update_method,
        path("/datasets/{}/documents/{}/chunks/{}", dataset_id, document_id, chunk_id),
        "update chunk",
        json=body,
    )
    yield from call(req)
    return None


def delete(
    d: Dialect,
    dataset_id: str,
    document_id: str,
    ids: list[str] | None,
    *,
    delete_all: bool = False,
) -> Op[None]:
    """Delete chunks; never sends an empty list where it would mean "all"."""
    body = delete_body(d.delete_mode("chunks"), ids, delete_all, "delete_chunks", key="chunk_ids")
    if body is None:
        return None
    req = Request("DELETE", _path(dataset_id, document_id), "delete chunks", json=body)
    yield from call(req)
    return None
