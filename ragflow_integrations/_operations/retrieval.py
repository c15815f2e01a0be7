"""``POST /retrieval``: hybrid search over datasets, with metadata filters on every version."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._exceptions import APIStatusError, InvalidArgumentError
from .._http import Request
from ..types._base import fit
from ..types.chunk import ChunkFields
from . import documents
from ._core import Op, call, expect_dict, expect_list, page_window

__all__ = ["retrieve"]

# Option -> the feature that introduced it (contract section 7).
_OPTION_FEATURES = {
    "use_kg": "use_kg",
    "cross_languages": "cross_languages",
    "metadata_condition": "metadata_condition",
    "toc_enhance": "toc_enhance",
    "reference_metadata": "reference_metadata",
}


def _body(
    d: Dialect,
    question: str,
    dataset_ids: list[str],
    document_ids: list[str] | None,
    page: int,
    page_size: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    body: dict[str, Any] = {"question": question, "dataset_ids": list(dataset_ids)}
    if document_ids:
        body["document_ids"] = list(document_ids)
    body.update(d.page_params(page, page_size))
    for key, value in options.items():
        if value is None:
            continue
        feature = _OPTION_FEATURES.get(key)
        if feature is not None and value is not False:
            d.require(feature, f"the retrieval option {key!r}")
        elif feature is not None and not d.has(feature):
            continue  # False is the old servers' behaviour anyway
        if key == "highlight" and d.highlight_as_string:
            value = "true" if value else "false"
        body[key] = value
    if "highlight" not in body and d.highlight_as_string:
        body["highlight"] = "false"  # up to v0.23 the server highlights unless told not to
    return body


def _page(
    d: Dialect,
    question: str,
    dataset_ids: list[str],
    document_ids: list[str] | None,
    page: int,
    page_size: int,
    options: dict[str, Any],
) -> Op[list[dict[str, Any]]]:
    body = _body(d, question, dataset_ids, document_ids, page, page_size, options)
    req = Request("POST", "/retrieval", "retrieve chunks", json=body)
    try:
        data = yield from call(req)
    except APIStatusError as exc:
        # A tenant that never parsed anything has no search index yet: nothing matches.
        if exc.code == 102 and "No chunk found" in exc.message:
            return []
        raise
    if data is None:
        return []
    chunks = expect_list(expect_dict(data, req), req, "chunks")
    return [c for c in chunks if isinstance(c, dict)]


def retrieve(
    d: Dialect,
    question: str,
    dataset_ids: list[str],
    document_ids: list[str] | None = None,
    *,
    page: int = 1,
    page_size: int = 30,
    filter: Any = None,
    document_metadata: bool = False,
    **options: Any,
) -> Op[list[dict[str, Any]]]:
    """Retrieve chunks (as the server sent them); ``filter`` (a dict or a
    :mod:`ragflow_integrations.filters` expression) is answered exactly on every version.
    With ``document_metadata`` each chunk's ``document_metadata`` holds its document's
    ``meta_fields``: sent along by the server where it can (``reference_metadata``,
    v0.25.2+), otherwise read once per distinct document.
    """
    if document_metadata and d.has("reference_metadata"):
        options.setdefault("reference_metadata", {"include": True})
    chunks = yield from _retrieve(
        d, question, dataset_ids, document_ids, page, page_size, filter, options
    )
    if document_metadata and d.has("reference_metadata"):
        for chunk in chunks:  # the server leaves out documents without metadata
            if chunk.get("document_metadata") is None:
                chunk["document_metadata"] = {}
    elif document_metadata:
        yield from _fill_document_metadata(d, chunks)
    return chunks


def _retrieve(
    d: Dialect,
    question: str,
    dataset_ids: list[str],
    document_ids: list[str] | None,
    page: int,
    page_size: int,
    filter: Any,
    options: dict[str, Any],
) -> Op[list[dict[str, Any]]]:
    if not dataset_ids:
        raise InvalidArgumentError("retrieval needs at least one dataset id")
    if page < 1 or page_size < 1:
        raise InvalidArgumentError(f"page and page_size must be >= 1, got {page}, {page_size}")
    if filter is not None:
        if options.get("metadata_condition") is not None:
            raise InvalidArgumentError("pass either filter or metadata_condition, not both")
        from ..filters import parse_filter, plan_filter

        plan = plan_filter(
            parse_filter(filter), server_version=d.version, document_ids_given=bool(document_ids)
        )
        if plan.metadata_condition is not None:
            options["metadata_condition"] = plan.metadata_condition
        elif plan.local is not None:
            document_ids = yield from _matching_documents(d, dataset_ids, document_ids, plan.local)
            if not document_ids:
                return []

    def one(server_page: int, size: int) -> Op[list[dict[str, Any]]]:
        return (
            yield from _page(d, question, dataset_ids, document_ids, server_page, size, options)
        )

    # above the version's cap, the caller's window is read in pages the server accepts
    return (yield from page_window(one, page, page_size, d.max_page_size))


def _fill_document_metadata(d: Dialect, chunks: list[dict[str, Any]]) -> Op[None]:
    """Set each chunk's ``document_metadata``, reading what the server did not send."""
    missing = [
        (chunk, fit(ChunkFields, chunk))
        for chunk in chunks
        if chunk.get("document_metadata") is None
    ]
    wanted: dict[str, set[str]] = {}
    for _, fields in missing:
        if fields.document_id and fields.dataset_id:
            wanted.setdefault(fields.dataset_id, set()).add(fields.document_id)
    metas: dict[str, dict[str, Any]] = {}
    for dataset_id, ids in wanted.items():
        for doc in (yield from documents.by_ids(d, dataset_id, sorted(ids))):
            metas[doc["id"]] = doc.get("meta_fields") or {}
    for chunk, fields in missing:
        chunk["document_metadata"] = dict(metas.get(fields.document_id, {}))


def _matching_documents(
    d: Dialect, dataset_ids: list[str], document_ids: list[str] | None, expr: Any
) -> Op[list[str]]:
    """Ids of the datasets' documents whose metadata matches (within ``document_ids`` if given)."""
    from ..filters import matches

    wanted = set(document_ids) if document_ids else None
    found: list[str] = []
    for dataset_id in dataset_ids:
        docs = yield from documents.list_window(d, dataset_id, 0, None)
        for doc in docs:
            doc_id = doc.get("id")
            if not isinstance(doc_id, str) or (wanted is not None and doc_id not in wanted):
                continue
            if matches(expr, doc.get("meta_fields") or {}):
                found.append(doc_id)
    return found
