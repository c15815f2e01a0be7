"""Document, parse/stop, chunk and retrieval handlers."""

from __future__ import annotations

import copy
import json
import math
import mimetypes
import posixpath
import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from ._common import (
    cap_page_size,
    dedupe_name,
    deep_merge,
    is_false,
    order,
    page_slice,
    paging,
    rest_page,
    rest_page_size,
    to_int,
    validate_json,
)
from ._datasets import chunk_methods
from ._dialects import Dialect
from ._parser_config import parser_config
from ._parsing import KNOWN_SUFFIXES, suffix_of
from ._retrieval import Hit, doc_aggs, filter_by_metadata, rank, retrieval_chunk
from ._schemas import FILE_NAME_LEN_LIMIT, format_validation_error, schemas
from ._search import highlight, title_terms, tokenize
from ._store import RUN_CODES, Chunk, Dataset, Document
from ._tenant import RERANK, ModelError, resolve_model
from ._views import (
    chunk_list_view,
    document_view,
    new_chunk_view,
    stored_chunk_view,
    upload_view,
)
from ._wire import Call, Fail, Reply, err, exc_result, json_result, result

__all__ = [
    "add_chunk",
    "bulk_chunk_switch",
    "chunk_image",
    "delete_chunks",
    "delete_documents",
    "download_by_id",
    "download_document",
    "get_chunk",
    "list_chunks",
    "list_documents",
    "parse_batch",
    "parse_documents",
    "retrieval",
    "stop_batch",
    "stop_parsing",
    "update_chunk",
    "update_document",
    "upload_documents",
]


def _dataset(call: Call) -> Dataset:
    dataset_id = call.params["dataset_id"]
    ds = call.store.datasets.get(dataset_id)
    if ds is None:
        raise Fail(err(f"You don't own the dataset {dataset_id}. "))
    return ds


def _document(call: Call, ds: Dataset, doc_id: str) -> Document:
    doc = call.store.documents.get(doc_id)
    if doc is None or doc.dataset_id != ds.id:
        raise Fail(err(f"You don't own the document {doc_id}."))
    call.store.refresh(doc, call.d.chunk_id_md5)
    return doc


# -- documents -------------------------------------------------------------------------


def upload_documents(call: Call) -> Reply:
    d, store = call.d, call.store
    dataset_id = call.params["dataset_id"]
    ds = store.datasets.get(dataset_id)
    if ds is None:
        if d.lt(0, 25):
            return exc_result(d, f'LookupError("Can\'t find the dataset with ID {dataset_id}!")')
        return err(f"Can't find the dataset with ID {dataset_id}!")
    if not call.files:
        return err("No file part!", 101)
    for name, _ in call.files:
        if not name:
            return err("No file selected!", 101)
    if d.lt(0, 14) and sum(len(b) for _, b in call.files) > 10 * 1024 * 1024:
        return err("Exceed the maximum file size.", 101)
    taken = {doc.name for doc in store.dataset_docs(ds.id)}
    uploaded: list[dict[str, Any]] = []
    errors: list[str] = []
    for name, blob in call.files:
        if len(name.encode("utf-8")) > 255:
            errors.append(f"File name must be 255 bytes or less: {name}")
            continue
        if suffix_of(name) not in KNOWN_SUFFIXES:
            errors.append(f"{name}: This type of file has not been supported yet!")
            continue
        final = dedupe_name(name, taken)
        taken.add(final)
        doc = Document(
            id=store.new_id(),
            dataset_id=ds.id,
            tenant_id=call.tenant_id,
            name=final,
            blob=blob,
            chunk_method=ds.chunk_method,
            parser_config=copy.deepcopy(ds.parser_config),
        )
        store.documents[doc.id] = doc
        uploaded.append(upload_view(d, store, doc))
    if errors:
        if d.ge(0, 27):
            return err("\n".join(errors), 500, data=uploaded)
        return err("\n".join(errors), 500)
    return result(d, uploaded)


def _run_filter(values: list[str]) -> set[str]:
    codes: set[str] = set()
    for raw in values:
        for item in raw.split(","):
            item = item.strip()
            if not item:
                continue
            if item in RUN_CODES:
                codes.add(RUN_CODES[item])
            elif item.upper() in RUN_CODES:
                codes.add(RUN_CODES[item.upper()])
            elif item in ("0", "1", "2", "3", "4"):
                codes.add(item)
            else:
                raise Fail(err(f"Invalid filter run status conditions: {item}", 102))
    return codes


def list_documents(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    page, size = paging(call, offset_limit=d.offset_limit_paging)
    docs = store.dataset_docs(ds.id)
    for doc in docs:
        store.refresh(doc, d.chunk_id_md5)
    doc_id = call.q("id")
    name = call.q("name")
    for value, key in ((doc_id, "id"), (name, "name")):
        if value and not any(getattr(doc, key) == value for doc in docs):
            raise _not_owned(call, value)
    if doc_id:
        docs = [doc for doc in docs if doc.id == doc_id]
    if name:
        docs = [doc for doc in docs if doc.name == name]
    keywords = call.q("keywords")
    if keywords:
        docs = [doc for doc in docs if keywords.lower() in doc.name.lower()]
    if d.doc_list_run_filter:
        suffixes = {s.lower().lstrip(".") for v in call.q_all("suffix") for s in v.split(",") if s}
        if suffixes:
            docs = [doc for doc in docs if doc.suffix in suffixes]
        runs = _run_filter(call.q_all("run"))
        if runs:
            docs = [doc for doc in docs if doc.run in runs]
    docs = _only_ids(call, docs)
    if d.doc_list_metadata_condition and call.q("metadata_condition"):
        try:
            condition = json.loads(call.q("metadata_condition") or "")
        except ValueError:
            return err("metadata_condition must be valid JSON.", 102)
        if not isinstance(condition, dict):
            return err("metadata_condition must be an object.", 102)
        if condition.get("conditions"):
            wanted = set(filter_by_metadata(store, d, [ds.id], condition))
            docs = [doc for doc in docs if doc.id in wanted]
    orderby = call.q("orderby") or "create_time"
    if d.ge(0, 27) and orderby not in ("create_time", "update_time", "name"):
        return json_result(d, None, 101, f"invalid orderby field: {orderby}")
    desc = not is_false(call.q("desc"), exact=d.desc_exact_false_only)
    if orderby == "name" and d.ge(0, 27):
        docs = order(docs, lambda doc: doc.name, desc)
    else:
        key = "update_time" if orderby == "update_time" else "create_time"
        docs = order(docs, lambda doc: getattr(doc, key), desc)
    total = len(docs)
    shown = page_slice(docs, page, size)
    if d.lt(0, 14):
        total = len(shown)
    if d.ge(0, 21):  # applied to the page only: ``total`` counts the unfiltered documents
        t_from = to_int(d, call.q("create_time_from", "0"))
        t_to = to_int(d, call.q("create_time_to", "0"))
        shown = [
            doc
            for doc in shown
            if (not t_from or doc.create_time >= t_from) and (not t_to or doc.create_time <= t_to)
        ]
    data = {"total": total, "docs": [document_view(d, store, doc) for doc in shown]}
    if d.ge(0, 25):
        return json_result(d, data)
    return result(d, data)


def _only_ids(call: Call, docs: list[Document]) -> list[Document]:
    """The repeated ``ids`` filter of v0.25.1+ (at most 100 on v0.27; not with ``id``)."""
    ids = call.q_all("ids") if call.d.doc_list_ids_filter else []
    if not ids:
        return docs
    limit = call.d.max_list_ids
    if limit is not None and len(ids) > limit:
        raise Fail(err(f"ids must contain at most {limit} IDs", 101))
    if call.q("id"):
        raise Fail(err(f"Should not provide both 'id':{call.q('id')} and 'ids'{ids}"))
    wanted = set(ids)
    return [doc for doc in docs if doc.id in wanted]


def reference_metadata(req: dict[str, Any]) -> tuple[bool, set[str] | None]:
    """``reference_metadata`` (or the legacy ``include_metadata``/``metadata_fields``):
    whether to attach document metadata, and which fields (``None``: all)."""
    ref = req.get("reference_metadata")
    resolved = dict(ref) if isinstance(ref, dict) else {}
    if "include_metadata" in req:
        resolved["include"] = bool(req.get("include_metadata"))
    if "metadata_fields" in req:
        resolved["fields"] = req.get("metadata_fields")
    fields = resolved.get("fields")
    if fields is None:
        return bool(resolved.get("include", False)), None
    if not isinstance(fields, list):
        return bool(resolved.get("include", False)), set()
    return bool(resolved.get("include", False)), {f for f in fields if isinstance(f, str)}


def _hit_metadata(store: Any, hit: Hit, fields: set[str] | None) -> dict[str, Any] | None:
    """A hit's ``document_metadata``: left out when empty, as the server does."""
    meta = copy.deepcopy(store.documents[hit.chunk.doc_id].meta_fields)
    if fields is not None:
        meta = {k: v for k, v in meta.items() if k in fields}
    return meta or None


def download_document(call: Call) -> Reply:
    d, store = call.d, call.store
    dataset_id, doc_id = call.params["dataset_id"], call.params["document_id"]
    if dataset_id not in store.datasets:
        if d.lt(0, 25, 6):
            return err(f"You do not own the dataset {dataset_id}.")
        if d.ge(0, 27):
            return err("document not found")
    doc = store.documents.get(doc_id)
    if doc is None and d.ge(0, 27):  # ``DocumentService.accessible`` comes first in v0.27
        return err("document not found")
    if doc is None or doc.dataset_id != dataset_id:
        return err(f"The dataset not own the document {doc_id}.")
    return _attachment(call, doc)


def _attachment(call: Call, doc: Document) -> Reply:
    if call.d.ge(0, 27):
        ctype = mimetypes.guess_type(doc.name)[0] or "application/octet-stream"
    else:
        ctype = "application/octet-stream"
    disposition = f"attachment; filename*=UTF-8''{quote(doc.name)}"
    return Reply(
        status=200, body=doc.blob, content_type=ctype, headers={"Content-Disposition": disposition}
    )


def download_by_id(call: Call) -> Reply:
    """``GET /documents/{id}`` (v0.25.6+): the file of any document the caller can reach."""
    doc = call.store.documents.get(call.params["document_id"])
    if doc is None:
        return err("document not found")
    return _attachment(call, doc)


_ARTIFACT_TYPES = (".png", ".jpg", ".jpeg", ".svg", ".pdf", ".csv", ".json", ".html")


def artifact(call: Call) -> Reply:
    """``GET /documents/artifact/{name}`` (v0.25.1+): files an agent's code sandbox made.

    The name is checked as ``document_api.get_artifact`` checks it; LocalRAGFlow runs no
    agents, so a well-formed name is never found.
    """
    name = call.params["filename"]
    if posixpath.basename(name) != name or "\\" in name:
        return err("Invalid filename.")
    if posixpath.splitext(name)[1].lower() not in _ARTIFACT_TYPES:
        return err("invalid file type" if call.d.ge(0, 27) else "Invalid file type.")
    return err("Artifact not found.")


def chunk_image(call: Call) -> Reply:
    """``GET /documents/images/{id}`` (v0.25.1+): chunk images; LocalRAGFlow stores none."""
    return err("Image not found.")


def update_document(call: Call) -> Reply:
    if call.d.lt(0, 25):
        return _update_document_old(call)
    return _update_document_rest(call)


def _immutable_fields(d: Dialect, req: Any, doc: Document, counts: tuple[int, int]) -> None:
    """``validate_immutable_fields``: 0.25-0.26 compare only truthy values."""
    fields = (("chunk_count", counts[0]), ("token_count", counts[1]), ("progress", doc.progress))
    for key, current in fields:
        value = getattr(req, key)
        given = value is not None if d.ge(0, 27) else bool(value)
        if given and not math.isclose(float(value), float(current)):
            raise Fail(err(f"can't change `{key}`" if d.ge(0, 27) else f"Can't change `{key}`."))


def _check_new_name(call: Call, doc: Document, name: Any) -> None:
    """``validate_document_name``."""
    if not isinstance(name, str):
        message = f"AttributeError('{type(name).__name__}' object has no attribute 'encode')"
        raise Fail(err(message, 100))
    if len(name.encode("utf-8")) > FILE_NAME_LEN_LIMIT:
        raise Fail(err(f"File name must be {FILE_NAME_LEN_LIMIT} bytes or less.", 101))
    if PurePath(name.lower()).suffix != PurePath(doc.name.lower()).suffix:
        raise Fail(err("The extension of file can't be changed", 101))
    if any(o.name == name for o in call.store.dataset_docs(doc.dataset_id)):
        raise Fail(err("Duplicated document name in the same dataset."))


def _merge_doc_parser_config(d: Dialect, doc: Document, config: dict[str, Any]) -> None:
    """``DocumentService.update_parser_config``: merged in deeply, except that from v0.15 a
    config without ``raptor`` drops the document's ``raptor`` settings."""
    if not config:
        return
    doc.parser_config = deep_merge(doc.parser_config, copy.deepcopy(config))
    if d.ge(0, 15) and not config.get("raptor"):
        doc.parser_config.pop("raptor", None)


def _reset_for_reparse(call: Call, doc: Document) -> None:
    doc.run, doc.progress, doc.progress_msg = "0", 0.0, ""
    doc.parse_started = None
    doc.process_duration = 0.0
    call.store.clear_chunks(doc)


def _update_document_rest(call: Call) -> Reply:
    """0.25+ (``PATCH``, ``restful_apis/document_api.update_document``)."""
    d, store = call.d, call.store
    new = d.ge(0, 27)  # v0.27 lower-cased these messages
    req = call.json()
    if new and "name" in req and req["name"] is None:
        return err("Field: <name> - Message: <Input should be a valid string> - Value: <None>")
    ds = store.datasets.get(call.params["dataset_id"])
    if ds is None:
        return err("you don't own the dataset" if new else "You don't own the dataset.")
    doc = store.documents.get(call.params["document_id"])
    if doc is None or doc.dataset_id != ds.id:
        if new:
            return err("the dataset doesn't own the document")
        return err("The dataset doesn't own the document.")
    model = schemas(d).update_document
    assert model is not None
    try:
        parsed: Any = model(**req)
    except ValidationError as error:
        return err(format_validation_error(error))
    store.refresh(doc, d.chunk_id_md5)
    _immutable_fields(d, parsed, doc, store.doc_counts(doc.id))
    if "name" in req and req["name"] != doc.name:
        _check_new_name(call, doc, req["name"])
    if "chunk_method" in req:
        if req["chunk_method"] is not None and len(req["chunk_method"]) == 0:
            return err("`chunk_method` (empty string) is not valid")
        if doc.type == "visual" or re.search(r"\.(ppt|pptx|pages)$", doc.name):
            return err("Not supported yet!")
    if "meta_fields" in req:
        doc.meta_fields = copy.deepcopy(parsed.meta_fields or {})
    if "name" in req and req["name"] != doc.name:
        doc.name = req["name"]
    if parsed.parser_config:
        given = copy.deepcopy(req["parser_config"])
        if new:
            given.update(parsed.parser_config.ext)
        _merge_doc_parser_config(d, doc, given)
    if new and "pipeline_id" in req:
        _reset_for_reparse(call, doc)
    elif parsed.chunk_method:
        method = parsed.chunk_method
        if doc.chunk_method.lower() != method.lower():
            doc.chunk_method = method
            _reset_for_reparse(call, doc)
        if not req.get("parser_config"):
            _merge_doc_parser_config(d, doc, parser_config(d, method, None))
    if "enabled" in req:
        doc.status = str(int(req["enabled"]))
    doc.update_time = max(doc.update_time + 1, doc.create_time)
    return result(d, document_view(d, store, doc))


def _update_document_old(call: Call) -> Reply:
    """<=0.24 (``PUT``, ``sdk/doc.update_doc``): hand-written checks."""
    d, store = call.d, call.store
    ds = _dataset(call)
    req = call.json()
    doc_id = call.params["document_id"]
    doc = store.documents.get(doc_id)
    if doc is None or doc.dataset_id != ds.id:
        return err("The dataset doesn't own the document.")
    store.refresh(doc, d.chunk_id_md5)
    chunk_count, token_count = store.doc_counts(doc.id)
    if d.lt(0, 25):
        for key, current in (("chunk_count", chunk_count), ("token_count", token_count)):
            if key in req and req[key] != current:
                return err(f"Can't change `{key}`.")
        if "progress" in req and req["progress"] != doc.progress:
            return err("Can't change `progress`.")
    if "meta_fields" in req and d.meta_fields:
        if not isinstance(req["meta_fields"], dict):
            return err("meta_fields must be a dictionary")
        for value in req["meta_fields"].values():
            if not isinstance(value, (str, int, float, list)):
                return err(f"The type is not supported: {value}")
    if "name" in req and req["name"] != doc.name:
        new_name = req["name"]
        if not isinstance(new_name, str) or not new_name.strip():
            return err("`name` can not be empty.", 102)
        if suffix_of(new_name) != doc.suffix:
            return err("The extension of file can't be changed", 101 if d.ge(0, 25) else 102)
        if len(new_name.encode("utf-8")) > 255:
            return err("File name must be 255 bytes or less.", 101)
        if any(o.name == new_name for o in store.dataset_docs(ds.id) if o.id != doc.id):
            return err("Duplicated document name in the same dataset.")
        doc.name = new_name
    if "meta_fields" in req and d.meta_fields:
        doc.meta_fields = copy.deepcopy(req["meta_fields"])
    method = req.get("chunk_method")
    if method:
        if method not in chunk_methods(call):
            return err(f"`chunk_method` {method} doesn't exist")
        visual = doc.type == "visual" or doc.suffix in ("ppt", "pptx", "pages")
        if visual and method != doc.chunk_method:
            return err("Not supported yet!")
        if method != doc.chunk_method:
            doc.chunk_method = method
            _merge_doc_parser_config(d, doc, parser_config(d, method, None))
            _reset_for_reparse(call, doc)
    if isinstance(req.get("parser_config"), dict):
        _merge_doc_parser_config(d, doc, req["parser_config"])
    if d.ge(0, 27) and "enabled" in req:
        doc.status = "1" if req["enabled"] in (1, True, "1") else "0"
    doc.update_time = max(doc.update_time + 1, doc.create_time)
    if d.doc_update_returns_data:
        return result(d, document_view(d, store, doc))
    return result(d)


def _remove_document(call: Call, doc: Document) -> None:
    call.store.clear_chunks(doc)
    del call.store.documents[doc.id]


def delete_documents(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    if d.ge(0, 25, 1):
        return _delete_documents_rest(call, ds)
    req = call.json()
    ids = req.get("ids")
    docs = store.dataset_docs(ds.id)
    if not ids:
        everything = d.delete_empty_means_all or req.get("delete_all") is True
        ids = [doc.id for doc in docs] if everything else []
    if d.lt(0, 18):
        by_id = {doc.id: doc for doc in docs}
        missing = [i for i in ids if i not in by_id]
        if missing:
            return err(f"Documents not found: {missing}")
        for doc_id in dict.fromkeys(ids):
            _remove_document(call, by_id[doc_id])
        return result(d)
    # v0.18-v0.25.0 (sdk/doc.delete): the found ones go, the rest are reported
    unique, duplicates = _unique(ids)
    not_found, deleted = [], 0
    for doc_id in unique:
        doc = store.documents.get(doc_id)
        if doc is None:
            not_found.append(doc_id)
            continue
        _remove_document(call, doc)
        deleted += 1
    if not_found:
        return err(f"Documents not found: {not_found}")
    if duplicates:
        return _partial(d, deleted, duplicates)
    return result(d)


def _delete_documents_rest(call: Call, ds: Dataset) -> Reply:
    """0.25.1+ (``restful_apis/document_api.delete_documents``)."""
    d, store = call.d, call.store
    model = schemas(d).delete_documents
    req = validate_json(call, model)
    ids: list[str] = req.get("ids") or []
    everything = bool(req.get("delete_all"))
    where = f"dataset: {ds.id}. "
    if not everything and not ids:
        return err(f"should either provide doc ids or set delete_all(true), {where}")
    if ids and everything:
        return err(f"should not provide both doc ids and delete_all(true), {where}")
    mine = {doc.id for doc in store.dataset_docs(ds.id)}
    if everything:
        ids = sorted(mine)
    invalid = [i for i in ids if i not in mine]
    if invalid and d.ge(0, 25, 2):
        return err(
            f"These documents do not belong to dataset {ds.id} or Document not found: "
            + ", ".join(invalid)
        )
    for doc_id in ids:
        if doc_id in store.documents:
            _remove_document(call, store.documents[doc_id])
    return result(d, {"deleted": len(ids)})


# -- parse / stop ----------------------------------------------------------------------


def _document_ids(call: Call) -> list[str]:
    ids = call.json().get("document_ids")
    if not ids:
        raise Fail(err("`document_ids` is required"))
    if not isinstance(ids, list):
        raise Fail(err("`document_ids` should be a list"))
    return [str(i) for i in ids]


def _chunk_api_dataset(call: Call) -> Dataset:
    """The parse/stop routes under ``/chunks`` end the message without a space."""
    ds = call.store.datasets.get(call.params["dataset_id"])
    if ds is None:
        raise Fail(err(f"You don't own the dataset {call.params['dataset_id']}."))
    return ds


def _not_owned(call: Call, doc_id: str) -> Fail:
    if call.d.ge(0, 27):
        return Fail(err(f"you don't own the document {doc_id}"))
    return Fail(err(f"You don't own the document {doc_id}."))


def _unique(ids: list[str], kind: str = "document") -> tuple[list[str], list[str]]:
    """``check_duplicate_ids``: the ids once each, and a message per repeated id."""
    unique = list(dict.fromkeys(ids))
    return unique, [f"Duplicate {kind} ids: {i}" for i in unique if ids.count(i) > 1]


def _partial(d: Dialect, done: int, duplicates: list[str]) -> Reply:
    """What parse/stop answer when some ids were repeated (v0.18+)."""
    if not done:
        return err(";".join(duplicates))
    # "Partially <verb> ..." goes in ``message``, which ``get_result`` leaves out on success
    return result(d, {"success_count": done, "errors": duplicates})


def parse_documents(call: Call) -> Reply:
    """``POST /datasets/{id}/chunks``: the ids found start parsing, the others are reported."""
    d, store = call.d, call.store
    ds = _chunk_api_dataset(call)
    if d.ge(0, 27) and ds.extra.get("pipeline_id"):
        return err(
            "Datasets configured with an ingestion pipeline cannot be parsed with "
            "`/datasets/{dataset_id}/chunks`. Use `/documents/ingest` instead.",
            101,
        )
    ids = _document_ids(call)
    if d.lt(0, 18):
        for old in [_document(call, ds, doc_id) for doc_id in ids]:
            store.start_parse(old)
        return result(d)
    unique, duplicates = _unique(ids)
    not_found, started = [], 0
    for doc_id in unique:
        doc = store.documents.get(doc_id)
        if doc is None or doc.dataset_id != ds.id:
            not_found.append(doc_id)
            continue
        store.refresh(doc, d.chunk_id_md5)
        busy = doc.run == "1" if d.ge(0, 27) else 0.0 < doc.progress < 1.0
        if busy:
            return err("Can't parse document that is currently being processed")
        store.start_parse(doc)
        started += 1
    if not_found:
        return err(f"Documents not found: {not_found}")
    if duplicates:
        return _partial(d, started, duplicates)
    return result(d)


def stop_parsing(call: Call) -> Reply:
    """``DELETE /datasets/{id}/chunks``: only a running parse can be stopped."""
    d, store = call.d, call.store
    ds = _chunk_api_dataset(call)
    ids = _document_ids(call)
    unique, duplicates = _unique(ids) if d.ge(0, 18) else (ids, [])
    stopped = 0
    for doc_id in unique:
        doc = store.documents.get(doc_id)
        if doc is None or doc.dataset_id != ds.id:
            raise _not_owned(call, doc_id)
        store.refresh(doc, d.chunk_id_md5)
        if doc.run != "1":
            if d.ge(0, 25):
                return err(
                    "Can't stop parsing document that has not started or already completed",
                    data={"error_code": "DOC_STOP_PARSING_INVALID_STATE"},
                )
            limit = "1" if d.ge(0, 18) else "100"
            return err(f"Can't stop parsing document with progress at 0 or {limit}")
        store.cancel_parse(doc)
        stopped += 1
    if duplicates:
        return _partial(d, stopped, duplicates)
    return result(d)


def _batch_ids(call: Call) -> list[str]:
    """The body of the v0.25.1 ``/documents/parse`` and ``/documents/stop`` routes."""
    ids = call.json().get("document_ids")
    if not isinstance(ids, list) or not ids:
        raise Fail(err("`document_ids` is required"))
    return [str(i) for i in ids]


def parse_batch(call: Call) -> Reply:
    """``POST /datasets/{id}/documents/parse`` (v0.25.1+): a running parse starts again."""
    d, store = call.d, call.store
    ds = _chunk_api_dataset(call)
    unique, errors = _unique(_batch_ids(call))
    mine = [i for i in unique if i in store.documents and store.documents[i].dataset_id == ds.id]
    not_found = [i for i in unique if i not in mine]
    if not_found and not mine:
        return err(f"Documents not found: {not_found}")
    for doc_id in mine:
        store.start_parse(store.documents[doc_id])
    if not_found:
        return err(f"Documents not found: {not_found}")
    data: dict[str, Any] = {"success_count": len(mine)}
    if errors:
        data["errors"] = errors
    return result(d, data)


def stop_batch(call: Call) -> Reply:
    """``POST /datasets/{id}/documents/stop`` (v0.25.1+): idle documents are reported, not
    refused."""
    d, store = call.d, call.store
    ds = _chunk_api_dataset(call)
    unique, errors = _unique(_batch_ids(call))
    not_found = [
        i for i in unique if i not in store.documents or store.documents[i].dataset_id != ds.id
    ]
    if not_found:
        return err(f"Documents not found: {not_found}")
    stopped = 0
    for doc_id in unique:
        doc = store.documents[doc_id]
        store.refresh(doc, d.chunk_id_md5)
        if doc.run not in ("1", "2"):
            errors.append("Can't stop parsing document that has not started or already completed")
            continue
        store.cancel_parse(doc)
        stopped += 1
    data: dict[str, Any] = {"success_count": stopped}
    if errors:
        data["errors"] = errors
    return result(d, data)


# -- chunks ----------------------------------------------------------------------------


def _chunk_doc(call: Call) -> tuple[Dataset, Document]:
    """The dataset and document of a chunk route, with the chunk API's messages."""
    ds = _chunk_api_dataset(call)
    doc = call.store.documents.get(call.params["document_id"])
    if doc is None or doc.dataset_id != ds.id:
        raise _not_owned(call, call.params["document_id"])
    call.store.refresh(doc, call.d.chunk_id_md5)
    return ds, doc


def _str_list(
    call: Call, req: dict[str, Any], name: str, not_a_list: str, *, refuse: bool
) -> list[str]:
    """A list of strings from the body. Items that are not strings are refused with code 102
    where the handler checks them (``refuse``); elsewhere they break its ``" ".join`` (code
    100 with the ``TypeError``'s repr)."""
    value = req.get(name)
    if not isinstance(value, list):
        raise Fail(err(f"`{name}` {not_a_list}"))
    index = next((i for i, v in enumerate(value) if not isinstance(v, str)), None)
    if index is not None:
        if refuse:
            raise Fail(err(f"`{name}` must be a list of strings"))
        kind = type(value[index]).__name__
        message = f"sequence item {index}: expected str instance, {kind} found"
        raise Fail(exc_result(call.d, repr(TypeError(message))))
    return list(value)


def _questions(values: list[str]) -> list[str]:
    """``question_kwd``: stripped, empty ones dropped."""
    return [q.strip() for q in values if q.strip()]


def add_chunk(call: Call) -> Reply:
    d, store = call.d, call.store
    ds, doc = _chunk_doc(call)
    req = call.json()
    content = req.get("content")
    if content is None or not str(content).strip():
        return err("`content` is required")
    content = str(content)
    checks = d.ge(0, 27)  # v0.27 checks the items of these lists before using them
    missing = "is required to be a list"
    keywords: list[str] = []
    questions: list[str] = []
    if "important_keywords" in req:
        keywords = _str_list(call, req, "important_keywords", missing, refuse=checks)
    if "questions" in req and d.chunk_questions:
        questions = _questions(_str_list(call, req, "questions", missing, refuse=checks))
    tags: list[str] | None = None
    if "tag_kwd" in req and d.ge(0, 25):
        if not isinstance(req["tag_kwd"], list):
            return err(f"`tag_kwd` {missing}")
        tags = _str_list(call, req, "tag_kwd", missing, refuse=True) if checks else req["tag_kwd"]
    cid = store.chunk_id(content, doc.id, d.chunk_id_md5)
    chunk = Chunk(
        id=cid,
        doc_id=doc.id,
        dataset_id=ds.id,
        content=content,
        important_keywords=keywords,
        questions=questions,
        tag_kwd=tags or [],
    )
    store.chunks[cid] = chunk
    store.indexed = True
    store.count_chunks(doc, [content])
    view = new_chunk_view(d, chunk)
    if tags is None:
        view.pop("tag_kwd", None)
    return result(d, {"chunk": view})


def list_chunks(call: Call) -> Reply:
    d, store = call.d, call.store
    ds, doc = _chunk_doc(call)
    page, size = paging(call, offset_limit=d.offset_limit_paging)
    chunks = order(store.doc_chunks(doc.id), lambda c: c.create_ms, False)
    chunk_id = call.q("id")
    doc_out = document_view(d, store, doc)
    if chunk_id:
        found = [c for c in chunks if c.id == chunk_id]
        if not found:
            if d.lt(0, 18):
                return err(f"Chunk `{chunk_id}` not found.")
            code = 404 if d.lt(0, 25, 1) else 102
            return err(f"Chunk not found: {ds.id}/{chunk_id}", code)
        return result(
            d, {"total": 1, "chunks": [chunk_list_view(d, found[0], doc.name)], "doc": doc_out}
        )
    keywords = call.q("keywords")
    contents: dict[str, str] = {}
    if keywords:  # the full-text query also matches the title a parse indexed with a chunk
        terms = set(tokenize(keywords))
        chunks = [c for c in chunks if terms & set(tokenize(c.content) + title_terms(c.title))]
        contents = {c.id: highlight(c.content, keywords) for c in chunks}
    if d.ge(0, 27) and call.q("available") is not None:
        flag = (call.q("available") or "").lower() in ("1", "true")
        chunks = [c for c in chunks if c.available == flag]
    total = len(chunks)
    shown = page_slice(chunks, page, size)
    data = {
        "total": total,
        "chunks": [chunk_list_view(d, c, doc.name, contents.get(c.id)) for c in shown],
        "doc": doc_out,
    }
    return result(d, data)


def get_chunk(call: Call) -> Reply:
    d, store = call.d, call.store
    _, doc = _chunk_doc(call)
    chunk = store.chunks.get(call.params["chunk_id"])
    if chunk is None or chunk.doc_id != doc.id:
        return err("Chunk not found!", data=False)
    return result(d, stored_chunk_view(chunk, doc.name))


def delete_chunks(call: Call) -> Reply:
    d, store = call.d, call.store
    _, doc = _chunk_doc(call)
    req = call.json()
    ids = req.get("chunk_ids")
    chunks = store.doc_chunks(doc.id)
    if not ids:
        everything = d.delete_empty_means_all or req.get("delete_all") is True
        if everything:
            store.clear_chunks(doc)
        return result(d)
    unique, duplicates = _unique([str(i) for i in ids], "chunk")
    by_id = {c.id: c for c in chunks}
    targets = [by_id[i] for i in unique if i in by_id]
    for c in targets:
        del store.chunks[c.id]
    store.count_chunks(doc, [c.content for c in targets], -1)
    if len(targets) != len(unique):
        return err(f"rm_chunk deleted chunks {len(targets)}, expect {len(unique)}")
    if duplicates and d.ge(0, 18):
        return _partial(d, len(targets), duplicates)
    return result(d)


def update_chunk(call: Call) -> Reply:
    d, store = call.d, call.store
    _, doc = _chunk_doc(call)
    chunk_id = call.params["chunk_id"]
    chunk = store.chunks.get(chunk_id)
    if chunk is None or chunk.doc_id != doc.id:
        return err(f"Can't find this chunk {chunk_id}")
    req = call.json()
    content = req.get("content")
    if content is not None and d.ge(0, 25) and not str(content).strip():
        return err("`content` is required")
    keywords = questions = tags = None
    if "important_keywords" in req:
        keywords = _str_list(call, req, "important_keywords", "should be a list", refuse=False)
    if "questions" in req and d.chunk_questions:
        questions = _questions(_str_list(call, req, "questions", "should be a list", refuse=False))
    if "positions" in req and d.ge(0, 22) and not isinstance(req["positions"], list):
        return err("`positions` should be a list")
    if "tag_kwd" in req and d.ge(0, 25):
        if not isinstance(req["tag_kwd"], list):
            return err("`tag_kwd` should be a list")
        if d.ge(0, 27):
            tags = _str_list(call, req, "tag_kwd", "should be a list", refuse=True)
        else:
            tags = list(req["tag_kwd"])
    if content is not None:
        chunk.content = str(content)
    if keywords is not None:
        chunk.important_keywords = keywords
    if questions is not None:
        chunk.questions = questions
    if tags is not None:
        chunk.tag_kwd = tags
    if "available" in req:
        chunk.available = bool(int(req["available"]))
    if "positions" in req and d.ge(0, 22):
        chunk.positions = copy.deepcopy(req["positions"])
    return result(d)


def bulk_chunk_switch(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _chunk_api_dataset(call)
    req = call.json()
    if not req.get("chunk_ids"):
        return err("`chunk_ids` is required.")
    if "available_int" not in req and "available" not in req:
        return err("`available_int` or `available` is required.")
    doc = store.documents.get(call.params["document_id"])
    if doc is None or doc.dataset_id != ds.id:
        return err("document not found")
    flag = bool(int(req["available_int"])) if "available_int" in req else bool(req["available"])
    for cid in req["chunk_ids"]:
        chunk = store.chunks.get(str(cid))
        if chunk is None or chunk.doc_id != doc.id:
            return err("Index updating failure")
        chunk.available = flag
    return result(d, True)


# -- retrieval -------------------------------------------------------------------------


def _empty_retrieval(call: Call) -> Reply:
    aggs: Any = {} if call.d.ge(0, 24) else []
    return result(call.d, {"total": 0, "chunks": [], "doc_aggs": aggs})


def _highlight_on(call: Call, value: Any) -> bool:
    if call.d.highlight_default_on:
        return not (isinstance(value, str) and value in ("false", "False"))
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    return False


def retrieval(call: Call) -> Reply:
    d, store = call.d, call.store
    req = call.json()
    dataset_ids = req.get("dataset_ids")
    if not dataset_ids:
        return err("`dataset_ids` is required.")
    if not isinstance(dataset_ids, list):
        return err("`dataset_ids` should be a list")
    for ds_id in dataset_ids:
        if ds_id not in store.datasets:
            return err(f"You don't own the dataset {ds_id}.")
    models = {store.datasets[i].embedding_model for i in dataset_ids}
    if len(models) > 1:
        return err("Datasets use different embedding models.")
    if "question" not in req:
        if d.ge(0, 25, 1):
            return err("`question` is required.")
        return json_result(d, None, 101, "required argument are missing: question; ")
    if d.ge(0, 27):  # paging is read before anything else of the body
        page, size = rest_page(req.get("page")), rest_page_size(d, req.get("page_size"))
    question = req.get("question")
    if not isinstance(question, str):
        question = "" if question is None else str(question)
    if d.ge(0, 24) and not question.strip():
        return _empty_retrieval(call)
    doc_ids = req.get("document_ids") or []
    if not isinstance(doc_ids, list):
        return err("`documents` should be a list")
    for doc_id in doc_ids:
        doc = store.documents.get(doc_id)
        if doc is None or doc.dataset_id not in dataset_ids:
            return err(f"The datasets don't own the document {doc_id}")
    if d.offset_limit_paging:
        page = to_int(d, req.get("offset", 1))
        size = to_int(d, req.get("limit", 1024))
    elif d.lt(0, 27):
        page = to_int(d, req.get("page", 1))
        size = to_int(d, req.get("page_size", 30))
    cap_page_size(d, size)
    try:
        threshold = float(req.get("similarity_threshold", 0.2))
        weight = float(req.get("vector_similarity_weight", 0.3))
    except (TypeError, ValueError) as exc:
        return exc_result(d, repr(exc))
    top_k = to_int(d, req.get("top_k", 1024))
    if d.ge(0, 25, 1) and top_k <= 0:
        return err("`top_k` must be greater than 0")
    rerank = req.get("rerank_id")
    if rerank and d.ge(0, 26):  # resolve_model_config, inside the handler's try: code 100
        try:
            resolve_model(d, RERANK, str(rerank))
        except ModelError as error:
            return exc_result(d, repr(LookupError(error.message)))
    highlight = req.get("highlight")
    if d.ge(0, 24) and not (
        highlight is None
        or isinstance(highlight, bool)
        or (isinstance(highlight, str) and highlight.lower() in ("true", "false"))
    ):
        return err("`highlight` should be a boolean")
    if not store.indexed:
        return err("No chunk found! Check the chunk status please!")
    condition = req.get("metadata_condition")
    use_condition = d.metadata_condition_retrieval and not doc_ids
    if use_condition and isinstance(condition, dict) and condition.get("conditions"):
        doc_ids = filter_by_metadata(store, d, list(dataset_ids), condition)
        if not doc_ids:
            return _empty_retrieval(call)
    hits: list[Hit] = rank(
        store,
        list(dataset_ids),
        question,
        doc_ids=doc_ids or None,
        similarity_threshold=threshold,
        vector_similarity_weight=weight,
        top_k=top_k,
        with_highlight=_highlight_on(call, req.get("highlight")),
    )
    shown = page_slice(hits, page, size)
    with_meta, fields = reference_metadata(req) if d.retrieval_reference_metadata else (False, None)
    chunks = []
    for hit in shown:
        meta = _hit_metadata(store, hit, fields) if with_meta else None
        chunks.append(retrieval_chunk(d, hit, meta))
    return result(d, {"chunks": chunks, "doc_aggs": doc_aggs(hits), "total": len(hits)})
