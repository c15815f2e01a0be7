"""Document, parse/stop, chunk and retrieval handlers."""

from __future__ import annotations

import copy
import json
import mimetypes
from typing import Any
from urllib.parse import quote

from ._common import (
    cap_page_size,
    dedupe_name,
    deep_merge,
    is_false,
    order,
    page_slice,
    paging,
    to_int,
)
from ._datasets import chunk_methods
from ._parser_config import parser_config
from ._parsing import KNOWN_SUFFIXES, suffix_of
from ._retrieval import Hit, doc_aggs, filter_by_metadata, rank, retrieval_chunk
from ._search import highlight, tokenize
from ._store import RUN_CODES, Chunk, Dataset, Document
from ._views import (
    chunk_list_view,
    document_view,
    new_chunk_view,
    upload_view,
)
from ._wire import Call, Fail, Reply, err, exc_result, json_result, result

__all__ = [
    "add_chunk",
    "bulk_chunk_switch",
    "delete_chunks",
    "delete_documents",
    "download_document",
    "get_chunk",
    "list_chunks",
    "list_documents",
    "parse_documents",
    "retrieval",
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
        return err(f"You don't own the dataset {dataset_id}. ")
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
    if doc_id:
        docs = [doc for doc in docs if doc.id == doc_id]
        if not docs:
            return err(f"You don't own the document {doc_id}.")
    if name:
        docs = [doc for doc in docs if doc.name == name]
        if not docs:
            return err(f"You don't own the document {name}.")
    keywords = call.q("keywords")
    if keywords:
        docs = [doc for doc in docs if keywords.lower() in doc.name.lower()]
    if d.ge(0, 21):
        t_from = to_int(call.q("create_time_from"), "create_time_from", 0)
        t_to = to_int(call.q("create_time_to"), "create_time_to", 0)
        if t_from:
            docs = [doc for doc in docs if doc.create_time >= t_from]
        if t_to:
            docs = [doc for doc in docs if doc.create_time <= t_to]
    if d.doc_list_run_filter:
        suffixes = {s.lower().lstrip(".") for v in call.q_all("suffix") for s in v.split(",") if s}
        if suffixes:
            docs = [doc for doc in docs if doc.suffix in suffixes]
        runs = _run_filter(call.q_all("run"))
        if runs:
            docs = [doc for doc in docs if doc.run in runs]
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
    data = {"total": total, "docs": [document_view(d, store, doc) for doc in shown]}
    if d.ge(0, 25):
        return json_result(d, data)
    return result(d, data)


def download_document(call: Call) -> Reply:
    ds = _dataset(call)
    doc_id = call.params["document_id"]
    doc = call.store.documents.get(doc_id)
    if doc is None or doc.dataset_id != ds.id:
        return err(f"The dataset not own the document {doc_id}.")
    if call.d.ge(0, 27):
        ctype = mimetypes.guess_type(doc.name)[0] or "application/octet-stream"
    else:
        ctype = "application/octet-stream"
    disposition = f"attachment; filename*=UTF-8''{quote(doc.name)}"
    return Reply(
        status=200, body=doc.blob, content_type=ctype, headers={"Content-Disposition": disposition}
    )


def update_document(call: Call) -> Reply:
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
            doc.parser_config = parser_config(d, method, None)
            doc.run, doc.progress, doc.progress_msg = "0", 0.0, ""
            doc.parse_started = None
            doc.process_duration = 0.0
            for chunk in store.doc_chunks(doc.id):
                del store.chunks[chunk.id]
    if isinstance(req.get("parser_config"), dict):
        doc.parser_config = deep_merge(doc.parser_config, req["parser_config"])
    if d.ge(0, 27) and "enabled" in req:
        doc.status = "1" if req["enabled"] in (1, True, "1") else "0"
    doc.update_time = max(doc.update_time + 1, doc.create_time)
    if d.doc_update_returns_data:
        return result(d, document_view(d, store, doc))
    return result(d)


def delete_documents(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    req = call.json()
    ids = req.get("ids")
    docs = store.dataset_docs(ds.id)
    if not ids:
        everything = d.delete_empty_means_all or req.get("delete_all") is True
        targets = docs if everything else []
    else:
        by_id = {doc.id: doc for doc in docs}
        missing = [i for i in ids if i not in by_id]
        if missing:
            return err(f"Documents not found: {missing}")
        targets = [by_id[i] for i in dict.fromkeys(ids)]
    for doc in targets:
        for chunk in store.doc_chunks(doc.id):
            del store.chunks[chunk.id]
        del store.documents[doc.id]
    return result(d)


# -- parse / stop ----------------------------------------------------------------------


def _document_ids(call: Call) -> list[str]:
    ids = call.json().get("document_ids")
    if not ids:
        raise Fail(err("`document_ids` is required"))
    if not isinstance(ids, list):
        raise Fail(err("`document_ids` should be a list"))
    return [str(i) for i in ids]


def parse_documents(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    ids = _document_ids(call)
    docs = []
    for doc_id in ids:
        doc = _document(call, ds, doc_id)
        if d.ge(0, 27) and doc.run == "1":
            return err(f"Can't parse document that is currently being processed: {doc_id}")
        docs.append(doc)
    for doc in docs:
        store.start_parse(doc)
    return result(d)


def stop_parsing(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    ids = _document_ids(call)
    docs = []
    for doc_id in ids:
        doc = _document(call, ds, doc_id)
        if doc.run != "1":
            if d.stop_error_style == "0.27":
                return err(
                    "Can't stop parsing document that has not started or already completed",
                    data={"error_code": "DOC_STOP_PARSING_INVALID_STATE"},
                )
            return err("Can't stop parsing document with progress at 0 or 100")
        docs.append(doc)
    for doc in docs:
        store.cancel_parse(doc)
    return result(d)


# -- chunks ----------------------------------------------------------------------------


def _str_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Fail(err(f"`{name}` is required to be a list"))
    return [str(v) for v in value]


def add_chunk(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    doc = _document(call, ds, call.params["document_id"])
    req = call.json()
    content = req.get("content")
    if not isinstance(content, str) or not content.strip():
        return err("`content` is required")
    keywords = _str_list(req.get("important_keywords"), "important_keywords")
    questions = _str_list(req.get("questions"), "questions") if d.chunk_questions else []
    cid = store.chunk_id(content, doc.id, d.chunk_id_md5)
    chunk = Chunk(
        id=cid,
        doc_id=doc.id,
        dataset_id=ds.id,
        content=content,
        important_keywords=keywords,
        questions=questions,
    )
    store.chunks[cid] = chunk
    store.indexed = True
    return result(d, {"chunk": new_chunk_view(d, chunk)})


def list_chunks(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    doc = _document(call, ds, call.params["document_id"])
    page, size = paging(call, offset_limit=d.offset_limit_paging)
    chunks = order(store.doc_chunks(doc.id), lambda c: c.create_ms, False)
    chunk_id = call.q("id")
    doc_out = document_view(d, store, doc)
    if chunk_id:
        found = [c for c in chunks if c.id == chunk_id]
        if not found:
            code = 404 if d.ge(0, 18) and d.lt(0, 25, 1) else 102
            return err(f"Chunk `{chunk_id}` not found.", code)
        return result(
            d, {"total": 1, "chunks": [chunk_list_view(d, found[0], doc.name)], "doc": doc_out}
        )
    keywords = call.q("keywords")
    contents: dict[str, str] = {}
    if keywords:
        terms = set(tokenize(keywords))
        chunks = [c for c in chunks if terms & set(tokenize(c.content))]
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
    ds = _dataset(call)
    doc = _document(call, ds, call.params["document_id"])
    chunk = store.chunks.get(call.params["chunk_id"])
    if chunk is None or chunk.doc_id != doc.id:
        return err(f"Can't find this chunk {call.params['chunk_id']}", 404)
    return result(d, chunk_list_view(d, chunk, doc.name))


def delete_chunks(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    doc = _document(call, ds, call.params["document_id"])
    req = call.json()
    ids = req.get("chunk_ids")
    chunks = store.doc_chunks(doc.id)
    if not ids:
        everything = d.delete_empty_means_all or req.get("delete_all") is True
        targets = chunks if everything else []
    else:
        by_id = {c.id: c for c in chunks}
        unique = list(dict.fromkeys(str(i) for i in ids))
        targets = [by_id[i] for i in unique if i in by_id]
        if len(targets) != len(unique):
            for c in targets:
                del store.chunks[c.id]
            return err(f"rm_chunk deleted chunks {len(targets)}, expect {len(unique)}")
    for c in targets:
        del store.chunks[c.id]
    return result(d)


def update_chunk(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    doc = _document(call, ds, call.params["document_id"])
    chunk_id = call.params["chunk_id"]
    chunk = store.chunks.get(chunk_id)
    if chunk is None or chunk.doc_id != doc.id:
        return err(f"Can't find this chunk {chunk_id}")
    req = call.json()
    if "content" in req:
        if not isinstance(req["content"], str) or not req["content"].strip():
            return err("`content` is required")
        chunk.content = req["content"]
    if "important_keywords" in req:
        chunk.important_keywords = _str_list(req["important_keywords"], "important_keywords")
    if "questions" in req and d.chunk_questions:
        chunk.questions = _str_list(req["questions"], "questions")
    if "available" in req:
        chunk.available = bool(req["available"])
    if "positions" in req and d.ge(0, 27) and isinstance(req["positions"], list):
        chunk.positions = copy.deepcopy(req["positions"])
    return result(d)


def bulk_chunk_switch(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = _dataset(call)
    doc = _document(call, ds, call.params["document_id"])
    req = call.json()
    ids = _str_list(req.get("chunk_ids"), "chunk_ids")
    if "available" not in req:
        return err("`available` is required")
    for cid in ids:
        chunk = store.chunks.get(cid)
        if chunk is None or chunk.doc_id != doc.id:
            return err(f"Can't find this chunk {cid}")
        chunk.available = bool(req["available"])
    return result(d)


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
        return json_result(d, None, 101, "required argument are missing: question; ")
    question = req.get("question")
    if not isinstance(question, str):
        question = "" if question is None else str(question)
    doc_ids = req.get("document_ids") or []
    if not isinstance(doc_ids, list):
        return err("`documents` should be a list")
    for doc_id in doc_ids:
        doc = store.documents.get(doc_id)
        if doc is None or doc.dataset_id not in dataset_ids:
            return err(f"The datasets don't own the document {doc_id}")
    if d.offset_limit_paging:
        page = to_int(req.get("offset"), "offset", 1)
        size = to_int(req.get("limit"), "limit", 1024)
    else:
        page = to_int(req.get("page"), "page", 1)
        size = to_int(req.get("page_size"), "page_size", 30)
    cap_page_size(d, size)
    top_k = to_int(req.get("top_k"), "top_k", 1024)
    if d.ge(0, 27) and top_k <= 0:
        return err("`top_k` must be greater than 0", 101)
    try:
        threshold = float(req.get("similarity_threshold", 0.2))
        weight = float(req.get("vector_similarity_weight", 0.3))
    except (TypeError, ValueError) as exc:
        return exc_result(d, f"ValueError({str(exc)!r})")
    if d.ge(0, 24) and not question.strip():
        return _empty_retrieval(call)
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
    with_meta = d.ge(0, 27) and isinstance(req.get("reference_metadata"), dict)
    chunks = []
    for hit in shown:
        meta = None
        if with_meta:
            meta = copy.deepcopy(store.documents[hit.chunk.doc_id].meta_fields)
        chunks.append(retrieval_chunk(d, hit, meta))
    return result(d, {"chunks": chunks, "doc_aggs": doc_aggs(hits), "total": len(hits)})
