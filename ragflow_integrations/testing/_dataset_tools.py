"""Dataset routes beyond create/list/update/delete: search, tags, metadata and ingestion.

Each follows ``restful_apis/dataset_api.py`` and ``services/dataset_api_service.py`` (and the
metadata routes of ``restful_apis/document_api.py``) at the version that routes it: metadata
summary from v0.23, the rest from v0.25.1 (the multi-dataset search from v0.25.2).
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from typing import Any

from ._common import rest_page, rest_page_size, validate_json
from ._retrieval import doc_aggs, rank
from ._schemas import REST_API_MAX_IDS, schemas
from ._search import convert_conditions, flatten_metas, meta_filter
from ._store import Dataset, Document
from ._wire import Call, Fail, Reply, err, json_result, result

__all__ = [
    "aggregate_tags",
    "batch_update_metadata",
    "delete_index",
    "delete_tags",
    "document_metadata_config",
    "document_status",
    "flattened_metadata",
    "get_ingestion_log",
    "get_metadata_config",
    "ingestion_logs",
    "ingestion_summary",
    "list_tags",
    "metadata_summary",
    "rename_tag",
    "search_dataset",
    "search_datasets",
    "update_metadata_config",
]

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def _accessible(call: Call, dataset_id: str, message: str) -> Dataset:
    ds = call.store.datasets.get(dataset_id)
    if ds is None:
        raise Fail(err(message))
    return ds


def _id_list(call: Call, name: str) -> list[str]:
    """A comma-separated id list of the query, at most ``REST_API_MAX_IDS`` ids."""
    ids = [i for i in (call.q(name) or "").split(",") if i]
    if not ids:
        raise Fail(err(f"Lack of {name} in query parameters"))
    if len(ids) > REST_API_MAX_IDS:
        raise Fail(err(f"{name} must contain at most {REST_API_MAX_IDS} IDs", 101))
    for ds_id in ids:
        _accessible(call, ds_id, f"No authorization for dataset '{ds_id}'")
    return ids


# -- search (v0.25.1+) -----------------------------------------------------------------


def _search(call: Call, req: dict[str, Any], dataset_ids: list[str]) -> Reply:
    """``search_datasets``: retrieval over the datasets with the raw chunk fields."""
    d, store = call.d, call.store
    for ds_id in dataset_ids:
        if ds_id not in store.datasets:
            return err(f"Only owner of dataset {ds_id} authorized for this operation.")
    models = {store.datasets[i].embedding_model for i in dataset_ids}
    if len(models) > 1:
        return err("Datasets use different embedding models.")
    doc_ids = list(req.get("doc_ids") or [])
    filters = req.get("meta_data_filter") or {}
    if isinstance(filters, dict) and filters.get("method") == "manual" and filters.get("manual"):
        metas = flatten_metas(
            {
                doc.id: doc.meta_fields
                for doc in store.documents.values()
                if doc.dataset_id in dataset_ids
            }
        )
        kept = meta_filter(metas, filters["manual"], str(filters.get("logic") or "and"), "literal")
        doc_ids = [i for i in doc_ids if i in kept] if doc_ids else kept or ["-999"]
    hits = rank(
        store,
        dataset_ids,
        req["question"],
        doc_ids=doc_ids or None,
        similarity_threshold=float(req["similarity_threshold"]),
        vector_similarity_weight=float(req["vector_similarity_weight"]),
        top_k=max(1, min(int(req["top_k"]), 2048)),
    )
    page, size = int(req["page"]), int(req["size"])
    shown = hits[(page - 1) * size : page * size]
    chunks = [
        {
            "chunk_id": hit.chunk.id,
            "content_ltks": hit.chunk.content.lower(),
            "content_with_weight": hit.chunk.content,
            "doc_id": hit.chunk.doc_id,
            "docnm_kwd": hit.doc_name,
            "kb_id": hit.chunk.dataset_id,
            "important_kwd": list(hit.chunk.important_keywords),
            "question_kwd": list(hit.chunk.questions),
            "tag_kwd": list(hit.chunk.tag_kwd),
            "image_id": hit.chunk.image_id,
            "positions": list(hit.chunk.positions),
            "doc_type_kwd": "text",
            "similarity": hit.similarity,
            "vector_similarity": hit.vector_similarity,
            "term_similarity": hit.term_similarity,
        }
        for hit in shown
    ]
    return result(
        d, {"chunks": chunks, "doc_aggs": doc_aggs(hits), "total": len(chunks), "labels": []}
    )


def _search_body(call: Call, many: bool) -> dict[str, Any]:
    model = schemas(call.d).search_many if many else schemas(call.d).search
    assert model is not None
    return validate_json(call, model)


def search_dataset(call: Call) -> Reply:
    """``POST /datasets/{id}/search``."""
    req = _search_body(call, many=False)
    return _search(call, req, [call.params["dataset_id"]])


def search_datasets(call: Call) -> Reply:
    """``POST /datasets/search`` (v0.25.2+)."""
    req = _search_body(call, many=True)
    return _search(call, req, list(dict.fromkeys(req["dataset_ids"])))


# -- tags ------------------------------------------------------------------------------


def _tag_counts(call: Call, dataset_ids: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for chunk in call.store.chunks.values():
        if chunk.dataset_id in dataset_ids:
            counts.update(chunk.tag_kwd)
    return counts


def list_tags(call: Call) -> Reply:
    """``GET /datasets/{id}/tags``: ``[[tag, count], ...]``."""
    ds = _accessible(call, call.params["dataset_id"], "no authorization")
    return result(call.d, [[tag, n] for tag, n in _tag_counts(call, [ds.id]).items()])


def aggregate_tags(call: Call) -> Reply:
    """``GET /datasets/tags/aggregation?dataset_ids=a,b``."""
    ids = _id_list(call, "dataset_ids")
    counts = _tag_counts(call, ids)
    return result(call.d, [{"value": tag, "count": n} for tag, n in counts.items()])


def _tag_body(call: Call, *keys: str) -> dict[str, Any]:
    req = call.json()
    if not req or any(k not in req for k in keys):
        names = " or ".join(keys)
        raise Fail(err(f"Lack of {names} in request body"))
    return req


def delete_tags(call: Call) -> Reply:
    """``DELETE /datasets/{id}/tags`` ``{"tags": [...]}``."""
    req = _tag_body(call, "tags")
    tags = req["tags"]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return err("tags must be a list of strings", 101)
    ds = _accessible(call, call.params["dataset_id"], "no authorization")
    for chunk in call.store.chunks.values():
        if chunk.dataset_id == ds.id:
            chunk.tag_kwd = [t for t in chunk.tag_kwd if t not in tags]
    return result(call.d, {})


def rename_tag(call: Call) -> Reply:
    """``PUT /datasets/{id}/tags`` ``{"from_tag", "to_tag"}``."""
    req = _tag_body(call, "from_tag", "to_tag")
    old, new = req["from_tag"], req["to_tag"]
    if not isinstance(old, str) or not isinstance(new, str):
        return err("from_tag and to_tag must be strings", 101)
    if not old.strip() or not new.strip():
        return err("from_tag and to_tag must not be empty", 101)
    ds = _accessible(call, call.params["dataset_id"], "no authorization")
    for chunk in call.store.chunks.values():
        if chunk.dataset_id == ds.id and old in chunk.tag_kwd:
            chunk.tag_kwd = [new if t == old else t for t in chunk.tag_kwd]
    return result(call.d, {"from": old, "to": new})


# -- index deletion (v0.25.1+) ---------------------------------------------------------


def _index_types(call: Call) -> set[str]:
    """``dataset_api_service._VALID_INDEX_TYPES`` of the version (v0.26.4's "artifact" and
    "skill" are not served: v0.26.4 speaks the v0.26.1 dialect)."""
    kinds = {"graph", "raptor", "mindmap"}
    if call.d.ge(0, 27):
        structure = {"structure_graph", "structure_mindmap", "timeline", "session_graph"}
        return kinds | structure | {"session_essence", "structure", "wiki", "skill"}
    return kinds


def delete_index(call: Call) -> Reply:
    """``DELETE /datasets/{id}/{index_type}``: drop a GraphRAG/RAPTOR/mindmap index.

    LocalRAGFlow builds none of these indexes, so there is never anything to drop; the
    route still answers its checks, and takes part in routing as werkzeug's does (a path
    ``/datasets/x/y`` it matches is a method not allowed, not an unknown route).
    """
    kind = call.params["index_type"].lower()
    if kind not in _index_types(call):
        return err(f"Invalid index type '{kind}'", 101)
    _accessible(call, call.params["dataset_id"], _no_authorization(call))
    return result(call.d, {})


def _no_authorization(call: Call) -> str:
    return "no authorization" if call.d.ge(0, 27) else "No authorization."


# -- metadata --------------------------------------------------------------------------


def _value_type(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "time" if isinstance(value, str) and _TIME.match(value) else "string"
    return "number"


def metadata_summary(call: Call) -> Reply:
    """``GET /datasets/{id}/metadata/summary`` (v0.23+): each field's type and value counts."""
    ds_id = call.params["dataset_id"]
    _accessible(call, ds_id, f"You don't own the dataset {ds_id}. ")
    wanted = [i for i in (call.q("doc_ids") or "").split(",") if i]
    if len(wanted) > REST_API_MAX_IDS:
        return err(f"doc_ids must contain at most {REST_API_MAX_IDS} IDs", 101)
    docs = [doc for doc in call.store.dataset_docs(ds_id) if not wanted or doc.id in wanted]
    values: dict[str, Counter[str]] = {}
    types: dict[str, Counter[str]] = {}
    for doc in docs:
        for key, value in doc.meta_fields.items():
            kind = _value_type(value)
            if kind:
                types.setdefault(key, Counter())[kind] += 1
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    values.setdefault(key, Counter())[str(item)] += 1
    summary = {
        key: {
            "type": types[key].most_common(1)[0][0] if key in types else "string",
            "values": sorted(counts.items(), key=lambda kv: kv[1], reverse=True),
        }
        for key, counts in values.items()
    }
    return result(call.d, {"summary": summary})


def flattened_metadata(call: Call) -> Reply:
    """``GET /datasets/metadata/flattened?dataset_ids=a,b``: ``{field: {value: [doc ids]}}``."""
    ids = _id_list(call, "dataset_ids")
    metas = {
        doc.id: doc.meta_fields for doc in call.store.documents.values() if doc.dataset_id in ids
    }
    return result(call.d, flatten_metas(metas))


def _own_dataset(call: Call) -> Dataset:
    ds_id = call.params["dataset_id"]
    return _accessible(
        call, ds_id, f"User '{call.tenant_id}' lacks permission for dataset '{ds_id}'"
    )


def get_metadata_config(call: Call) -> Reply:
    """``GET /datasets/{id}/metadata/config``: the dataset's auto-metadata fields."""
    cfg = _own_dataset(call).parser_config
    data = {
        "metadata": cfg.get("metadata") or [],
        "built_in_metadata": cfg.get("built_in_metadata") or [],
    }
    return result(call.d, data)


def update_metadata_config(call: Call) -> Reply:
    """``PUT /datasets/{id}/metadata/config``: checked with the ``AutoMetadataConfig`` model."""
    model = schemas(call.d).auto_metadata
    assert model is not None
    cfg = validate_json(call, model)
    ds = _own_dataset(call)
    ds.parser_config["metadata"] = copy.deepcopy(cfg.get("metadata"))
    ds.parser_config["built_in_metadata"] = copy.deepcopy(cfg.get("built_in_metadata"))
    return result(call.d, cfg)


def document_metadata_config(call: Call) -> Reply:
    """``PUT /datasets/{id}/documents/{doc}/metadata/config``."""
    ds_id, doc_id = call.params["dataset_id"], call.params["document_id"]
    if ds_id not in call.store.datasets:
        return err("you don't own the dataset")
    doc = call.store.documents.get(doc_id)
    if doc is None or doc.dataset_id != ds_id:
        return err(f"document {doc_id} not found in dataset {ds_id}")
    req = call.json()
    if "metadata" not in req:
        return err("metadata is required", 101)
    doc.parser_config = {**doc.parser_config, "metadata": copy.deepcopy(req["metadata"])}
    if "raptor" in doc.parser_config:  # update_parser_config drops raptor when not sent
        del doc.parser_config["raptor"]
    return result(call.d, _document_row(doc))


def batch_update_metadata(call: Call) -> Reply:
    """``PATCH /datasets/{id}/documents/metadatas`` (v0.25.1+): the same updates and deletes
    for the selected documents, as ``DocMetadataService.batch_update_metadata`` applies them.
    """
    ds_id = call.params["dataset_id"]
    if ds_id not in call.store.datasets:
        return err(f"You don't own the dataset {ds_id}.")
    req = call.json()
    selector = req.get("selector") or {}
    updates = req.get("updates") or []
    deletes = req.get("deletes") or []
    if not isinstance(selector, dict):
        return err("selector must be an object.")
    if not isinstance(updates, list) or not isinstance(deletes, list):
        return err("updates and deletes must be lists.")
    condition = selector.get("metadata_condition") or {}
    if condition and not isinstance(condition, dict):
        return err("metadata_condition must be an object.")
    doc_ids = selector.get("document_ids") or []
    if doc_ids and not isinstance(doc_ids, list):
        return err("document_ids must be a list.")
    if any(not isinstance(u, dict) or not u.get("key") or "value" not in u for u in updates):
        return err("Each update requires key and value.")
    if any(not isinstance(x, dict) or not x.get("key") for x in deletes):
        return err("Each delete requires key.")
    docs = {i: doc for i, doc in call.store.documents.items() if doc.dataset_id == ds_id}
    foreign = [str(i) for i in dict.fromkeys(doc_ids) if i not in docs]
    if foreign:
        return err(f"These documents do not belong to dataset {ds_id}: {', '.join(foreign)}")
    targets = set(doc_ids)
    if condition:  # the server intersects with the selected ids (none selected: none kept)
        metas = flatten_metas({i: doc.meta_fields for i, doc in docs.items()})
        logic = str(condition.get("logic") or "and")
        targets &= set(meta_filter(metas, convert_conditions(condition), logic, "literal"))
        if condition.get("conditions") and not targets:
            return result(call.d, {"updated": 0, "matched_docs": 0})
    updated = 0
    for doc_id in targets:
        doc = docs[doc_id]
        meta = copy.deepcopy(doc.meta_fields) if isinstance(doc.meta_fields, dict) else {}
        before = copy.deepcopy(meta)
        changed = _apply_updates(meta, updates)
        changed = _apply_deletes(meta, deletes) or changed
        if changed and meta != before:
            doc.meta_fields = meta
            updated += 1
    return result(call.d, {"updated": updated, "matched_docs": len(targets)})


def _dedupe(values: list[Any]) -> list[Any]:
    """``dedupe_list``: the first of the items that read the same as text."""
    seen: set[str] = set()
    kept = []
    for item in values:
        if str(item) not in seen:
            seen.add(str(item))
            kept.append(item)
    return kept


def _apply_updates(meta: dict[str, Any], updates: list[dict[str, Any]]) -> bool:
    changed = False
    for upd in updates:
        key, value, match = upd["key"], upd.get("value"), upd.get("match")
        matching = match is not None and match != ""
        if key not in meta:
            if not matching:
                meta[key] = _dedupe(value) if isinstance(value, list) else value
                changed = True
        elif isinstance(meta[key], list):
            if not matching:
                meta[key] = _dedupe(meta[key] + (value if isinstance(value, list) else [value]))
                changed = True
            elif any(str(item) == str(match) for item in meta[key]):
                meta[key] = _dedupe([value if str(i) == str(match) else i for i in meta[key]])
                changed = True
        elif not matching or str(meta[key]) == str(match):
            meta[key] = value
            changed = True
    return changed


def _apply_deletes(meta: dict[str, Any], deletes: list[dict[str, Any]]) -> bool:
    changed = False
    for item in deletes:
        key, value = item["key"], item.get("value")
        if key not in meta:
            continue
        if isinstance(meta[key], list) and value is not None:
            kept = [v for v in meta[key] if str(v) != str(value)]
            if len(kept) != len(meta[key]):
                if kept:
                    meta[key] = kept
                else:
                    del meta[key]
                changed = True
        elif value is None or str(meta[key]) == str(value):
            del meta[key]
            changed = True
    return changed


def _document_row(doc: Document) -> dict[str, Any]:
    """A document as ``Document.to_dict()`` gives it (the database column names)."""
    return {
        "id": doc.id,
        "kb_id": doc.dataset_id,
        "name": doc.name,
        "parser_id": doc.chunk_method,
        "parser_config": copy.deepcopy(doc.parser_config),
        "run": doc.run,
        "status": doc.status,
        "size": doc.size,
        "chunk_num": doc.chunk_num,
        "token_num": doc.token_num,
        "progress": doc.progress,
        "progress_msg": doc.progress_msg,
    }


def document_status(call: Call) -> Reply:
    """``POST /datasets/{id}/documents/batch-update-status``: enable or disable documents."""
    d, store = call.d, call.store
    req = call.json()
    doc_ids = req.get("doc_ids", [])
    if not isinstance(doc_ids, list) or not doc_ids:
        return err('"doc_ids" must be a non-empty list.', 101)
    if any(not isinstance(i, str) or not i for i in doc_ids):
        return err('"doc_ids" must contain non-empty document IDs.', 101)
    status = str(req.get("status", -1))
    if status not in ("0", "1"):
        return err(f'"Status" must be either 0 or 1:{status}!', 101)
    ds_id = call.params["dataset_id"]
    if ds_id not in store.datasets:
        return err("you don't own the dataset")
    data: dict[str, Any] = {}
    failed = False
    for doc_id in doc_ids:
        doc = store.documents.get(doc_id)
        if doc is None or doc.dataset_id != ds_id:
            data[doc_id] = {
                "error": "Document not found"
                if doc is None
                else "Document not found in this dataset."
            }
            failed = True
            continue
        doc.status = status
        data[doc_id] = {"status": status}
    if failed:
        return json_result(d, data, 500, "Partial failure")
    return json_result(d, data)


# -- ingestion -------------------------------------------------------------------------


def ingestion_summary(call: Call) -> Reply:
    """``GET /datasets/{id}/ingestions/summary``: counters and documents per run status."""
    ds_id = call.params["dataset_id"]
    _accessible(call, ds_id, f"User '{call.tenant_id}' lacks permission for dataset '{ds_id}'")
    docs = call.store.dataset_docs(ds_id)
    names = {
        "0": "unstart_count",
        "1": "running_count",
        "2": "cancel_count",
        "3": "done_count",
        "4": "fail_count",
    }
    status = dict.fromkeys(names.values(), 0)
    for doc in docs:
        call.store.refresh(doc, call.d.chunk_id_md5)
        status[names[doc.run]] += 1
    chunks = sum(doc.chunk_num for doc in docs)
    tokens = sum(doc.token_num for doc in docs)
    return result(
        call.d, {"doc_num": len(docs), "chunk_num": chunks, "token_num": tokens, "status": status}
    )


def ingestion_logs(call: Call) -> Reply:
    """``GET /datasets/{id}/ingestions``: LocalRAGFlow runs no ingestion pipeline, so the
    list of pipeline logs is empty."""
    _accessible(call, call.params["dataset_id"], "no authorization")
    rest_page(call.q("page"))
    rest_page_size(call.d, call.q("page_size"))
    log_type = call.q("log_type") or "dataset"
    if log_type not in ("dataset", "file"):
        return err('Invalid "log_type", expected "dataset" or "file"')
    return result(call.d, {"total": 0, "logs": []})


def get_ingestion_log(call: Call) -> Reply:
    """``GET /datasets/{id}/ingestions/{log_id}``."""
    _accessible(call, call.params["dataset_id"], "no authorization")
    return err("Log not found")
