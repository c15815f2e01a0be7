"""Document endpoints: ``/datasets/{id}/documents`` and parsing (``/datasets/{id}/chunks``)."""

from __future__ import annotations

import json
from typing import Any

from .._dialect import Dialect
from .._envelope import load_json, unwrap
from .._exceptions import InvalidArgumentError, NotFoundError
from .._http import Request, encode_multipart, header, path
from ..types._base import fit
from ..types.configs import ParserConfig, settings_from
from ..types.document import DocumentFields
from ._core import Op, call, delete_body, expect_dict, expect_list, fetch_window, page_window, query

__all__ = [
    "by_ids",
    "cancel_parse",
    "cancel_running",
    "delete",
    "download",
    "list_page",
    "list_paged",
    "list_window",
    "newest",
    "parse",
    "update",
    "upload",
]

_ALIASES = {"parser_method": "chunk_method", "parse_method": "chunk_method"}
_UPDATABLE = {"name", "chunk_method", "parser_config", "meta_fields", "enabled", "pipeline_id"}
#: Read-only counters every version's server checks itself (``Can't change `progress`.``).
_SERVER_CHECKED = {"chunk_count", "token_count", "progress"}


def upload(d: Dialect, dataset_id: str, files: list[tuple[str, bytes]]) -> Op[list[dict[str, Any]]]:
    """Upload files (one multipart request); returns the new documents. The server checks
    the names and that there are files at all.
    """
    for name, blob in files:
        if not isinstance(blob, bytes | bytearray):
            raise InvalidArgumentError(
                f"the blob of {name!r} must be bytes, got {type(blob).__name__}"
            )
    content, content_type = encode_multipart([(n, bytes(b)) for n, b in files])
    req = Request(
        "POST",
        path("/datasets/{}/documents", dataset_id),
        "upload documents",
        content=content,
        content_type=content_type,
        idempotent=False,
    )
    return expect_list((yield from call(req)), req)


def list_page(
    d: Dialect,
    dataset_id: str,
    page: int,
    page_size: int,
    *,
    orderby: str = "create_time",
    desc: bool = True,
    keywords: str | None = None,
    id: str | None = None,
    name: str | None = None,
    **filters: Any,
) -> Op[tuple[list[dict[str, Any]], int]]:
    """One page of a dataset's documents and the server's total."""
    params: dict[str, Any] = {
        **d.page_params(page, page_size),
        "orderby": orderby,
        "desc": desc,
        "keywords": keywords,
        "id": id,
        "name": name,
    }
    for key, value in filters.items():
        if key == "metadata_condition" and value is not None:
            value = json.dumps(value, separators=(",", ":"))
        params[key] = value
    req = Request(
        "GET", path("/datasets/{}/documents", dataset_id), "list documents", params=query(params)
    )
    data = expect_dict((yield from call(req)), req)
    docs = expect_list(data, req, "docs")
    total = data.get("total")
    return docs, int(total) if isinstance(total, int) else len(docs)


def list_window(
    d: Dialect, dataset_id: str, start: int, count: int | None, **filters: Any
) -> Op[list[dict[str, Any]]]:
    """Documents ``[start, start + count)`` (``count=None``: all) in as few pages as allowed."""
    cap = d.max_page_size or 1024

    def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
        docs, _ = yield from list_page(d, dataset_id, p, size, **filters)
        return docs

    size = min(count, cap) if count else min(100, cap)
    return (yield from fetch_window(one, start, count, size))


def by_ids(d: Dialect, dataset_id: str, ids: list[str]) -> Op[list[dict[str, Any]]]:
    """The named documents that exist (unknown ids are left out).

    One request per 100 ids where the server filters by ``ids`` (v0.25.1+), otherwise one
    per document.
    """
    wanted = list(dict.fromkeys(ids))
    found: list[dict[str, Any]] = []
    if d.has("list_documents_by_ids"):
        step = d.max_ids_per_list
        for start in range(0, len(wanted), step):
            group = wanted[start : start + step]
            docs, _ = yield from list_page(d, dataset_id, 1, len(group), ids=group)
            found.extend(doc for doc in docs if doc.get("id") in group)
        return found
    for doc_id in wanted:
        try:
            docs, _ = yield from list_page(d, dataset_id, 1, 1, id=doc_id)
        except NotFoundError:
            continue
        found.extend(doc for doc in docs if doc.get("id") == doc_id)
    return found


def newest(d: Dialect, dataset_id: str, wanted: set[str]) -> Op[list[dict[str, Any]]]:
    """The dataset's documents, newest first, a page of 100 at a time, until every id in
    ``wanted`` was seen (or the list ends): recent uploads cost one request per 100.
    """
    size = min(100, d.max_page_size or 100)
    missing = set(wanted)
    seen: list[dict[str, Any]] = []
    page = 1
    while missing:
        docs, _ = yield from list_page(d, dataset_id, page, size, orderby="create_time", desc=True)
        seen.extend(docs)
        missing.difference_update(doc.get("id") for doc in docs)
        if len(docs) < size:
            break
        page += 1
    return seen


def list_paged(
    d: Dialect, dataset_id: str, page: int, page_size: int, **filters: Any
) -> Op[list[dict[str, Any]]]:
    """The caller's page of documents, in server pages no larger than the version allows."""

    def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
        docs, _ = yield from list_page(d, dataset_id, p, size, **filters)
        return docs

    return (yield from page_window(one, page, page_size, d.max_page_size or 1024))


def update(
    d: Dialect, dataset_id: str, document_id: str, fields: dict[str, Any]
) -> Op[dict[str, Any] | None]:
    """Update name, chunk method, parser config or metadata (PUT, or PATCH from v0.25)."""
    body: dict[str, Any] = {}
    for key, value in fields.items():
        key = _ALIASES.get(key, key)
        if key not in _UPDATABLE | _SERVER_CHECKED:
            raise InvalidArgumentError(
                f"Document.update can't change `{key}`; it takes {sorted(_UPDATABLE)}"
            )
        body[key] = settings_from(value, ParserConfig, key) if key == "parser_config" else value
    if "meta_fields" in body:
        d.require("document_meta_fields", "document metadata (meta_fields)")
        if not isinstance(body["meta_fields"], dict):
            raise InvalidArgumentError("meta_fields must be a dictionary")
    if not body:
        return None
    req = Request(
        d.document_update_method,
        path("/datasets/{}/documents/{}", dataset_id, document_id),
        "update document",
        json=body,
    )
    data = yield from call(req)
    return data if isinstance(data, dict) else None


def download(d: Dialect, dataset_id: str, document_id: str) -> Op[bytes]:
    """The document's file. The server sends a file as an attachment; an answer that is
    not one is an error when it reads as an error envelope (a JSON object with a non-zero
    ``code``), and the file otherwise (a ``.json`` file is a file, whatever its keys).
    """
    req = Request(
        "GET", path("/datasets/{}/documents/{}", dataset_id, document_id), "download document"
    )
    resp = yield req
    disposition = header(resp.headers, "content-disposition") or ""
    if resp.status < 400 and disposition.lstrip().lower().startswith("attachment"):
        return resp.body
    if resp.status >= 400 or _is_error_envelope(resp.body):
        unwrap(resp, req)  # raises the error the envelope stands for
    return resp.body


def _is_error_envelope(body: bytes) -> bool:
    try:
        raw = load_json(body)
    except ValueError:  # not JSON, or nested too deeply to be an envelope
        return False
    if not isinstance(raw, dict):
        return False
    code = raw.get("code", raw.get("retcode"))
    return isinstance(code, int) and not isinstance(code, bool) and code != 0


def delete(
    d: Dialect, dataset_id: str, ids: list[str] | None, *, delete_all: bool = False
) -> Op[None]:
    """Delete documents; never sends an empty list where it would mean "all"."""
    body = delete_body(d.delete_mode("documents"), ids, delete_all, "delete_documents")
    if body is None:
        return None
    req = Request(
        "DELETE", path("/datasets/{}/documents", dataset_id), "delete documents", json=body
    )
    yield from call(req)
    return None


def parse(d: Dialect, dataset_id: str, document_ids: list[str]) -> Op[None]:
    """Start parsing documents (at least one: old servers may read none as all)."""
    if not document_ids:
        raise InvalidArgumentError("`document_ids` is required: name the documents to parse")
    req = Request(
        "POST",
        path("/datasets/{}/chunks", dataset_id),
        "parse documents",
        json={"document_ids": list(document_ids)},
        idempotent=False,
    )
    yield from call(req)
    return None


def cancel_parse(d: Dialect, dataset_id: str, document_ids: list[str]) -> Op[None]:
    """Stop parsing documents."""
    if not document_ids:
        return None
    req = Request(
        "DELETE",
        path("/datasets/{}/chunks", dataset_id),
        "stop parsing documents",
        json={"document_ids": list(document_ids)},
    )
    yield from call(req)
    return None


def cancel_running(d: Dialect, dataset_id: str, document_ids: list[str]) -> Op[None]:
    """Stop parsing the named documents that are being parsed; documents that are not are
    left alone, and ids the dataset does not hold are sent for the server to refuse.
    """
    listed = {doc.get("id"): doc for doc in (yield from list_window(d, dataset_id, 0, None))}
    running = [
        doc_id
        for doc_id in document_ids
        if doc_id not in listed or fit(DocumentFields, listed[doc_id]).run == "RUNNING"
    ]
    yield from cancel_parse(d, dataset_id, running)
