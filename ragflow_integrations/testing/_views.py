"""How records look on the wire in each dialect."""

from __future__ import annotations

import copy
from typing import Any

from ._dialects import Dialect
from ._retrieval import Hit, doc_aggs, reference_chunk, session_chunk
from ._store import RUN_NAMES, Chat, Chunk, Dataset, Document, Session, Store, http_date

__all__ = [
    "chat_view",
    "chunk_list_view",
    "dataset_view",
    "document_view",
    "new_chunk_view",
    "reference_view",
    "session_view",
    "stored_chunk_view",
    "upload_view",
]


def dataset_view(
    d: Dialect,
    store: Store,
    ds: Dataset,
    *,
    parsing_status: bool = False,
    listing: bool = False,
) -> dict[str, Any]:
    doc_count, chunk_count, token_num = store.dataset_counts(ds.id)
    out: dict[str, Any] = {
        "avatar": ds.avatar if d.ge(0, 19) else ds.avatar or "",
        "chunk_count": chunk_count,
        "chunk_method": ds.chunk_method,
        "create_date": http_date(ds.create_time),
        "create_time": ds.create_time,
        "created_by": ds.tenant_id,
        "description": ds.description,
        "document_count": doc_count,
        "embedding_model": ds.embedding_model,
        "id": ds.id,
        "language": ds.language,
        "name": ds.name,
        "parser_config": copy.deepcopy(ds.parser_config),
        "permission": ds.permission,
        "similarity_threshold": ds.similarity_threshold,
        "status": ds.status,
        "tenant_id": ds.tenant_id,
        "token_num": token_num,
        "update_date": http_date(ds.update_time),
        "update_time": ds.update_time,
        "vector_similarity_weight": ds.vector_similarity_weight,
    }
    if d.ge(0, 15):
        out["pagerank"] = ds.pagerank
    if d.ge(0, 21):
        out.update(pipeline_id=None, graphrag_task_id=None, raptor_task_id=None)
    if d.ge(0, 25):
        out["tenant_embd_id"] = None
    if listing and d.ge(0, 25):
        out.update(nickname="local", tenant_avatar=None)
    if listing and d.ge(0, 27):
        out["embedding_model_name"] = ""
    if parsing_status:
        counts = dict.fromkeys(
            ("unstart_count", "running_count", "cancel_count", "done_count", "fail_count"), 0
        )
        for doc in store.dataset_docs(ds.id):
            counts[RUN_NAMES.get(doc.run, "UNSTART").lower() + "_count"] += 1
        out["parsing_status"] = counts
    out.update(copy.deepcopy(ds.extra))
    return out


def document_view(d: Dialect, store: Store, doc: Document) -> dict[str, Any]:
    store.refresh(doc, d.chunk_id_md5)
    chunk_count, token_count = store.doc_counts(doc.id)
    out: dict[str, Any] = {
        "chunk_count": chunk_count,
        "chunk_method": doc.chunk_method,
        "create_date": http_date(doc.create_time),
        "create_time": doc.create_time,
        "created_by": doc.tenant_id,
        "dataset_id": doc.dataset_id,
        "id": doc.id,
        "location": doc.name,
        "name": doc.name,
        "parser_config": copy.deepcopy(doc.parser_config),
        "process_begin_at": doc.process_begin_at,
        d.duration_key: doc.process_duration,
        "progress": doc.progress,
        "progress_msg": doc.progress_msg,
        "run": RUN_NAMES.get(doc.run, doc.run),
        "size": doc.size,
        "source_type": doc.source_type,
        "status": doc.status,
        "thumbnail": "",
        "token_count": token_count,
        "type": doc.type,
        "update_date": http_date(doc.update_time),
        "update_time": doc.update_time,
    }
    if d.ge(0, 16):
        out["meta_fields"] = copy.deepcopy(doc.meta_fields)
    if d.ge(0, 20):
        out["suffix"] = doc.suffix
    if d.ge(0, 27):
        out["pipeline_id"] = None
        out["content_hash"] = ""
    return out


def upload_view(d: Dialect, store: Store, doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = {
        "chunk_method": doc.chunk_method,
        "created_by": doc.tenant_id,
        "dataset_id": doc.dataset_id,
        "id": doc.id,
        "location": doc.name,
        "name": doc.name,
        "parser_config": copy.deepcopy(doc.parser_config),
        "run": "UNSTART",
        "size": doc.size,
        "thumbnail": "",
        "type": doc.type,
    }
    if d.ge(0, 27):
        full = document_view(d, store, doc)
        full.update(out)
        return full
    return out


def chunk_list_view(
    d: Dialect, chunk: Chunk, doc_name: str, content: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "available": chunk.available if d.ge(0, 14) else int(chunk.available),
        "content": chunk.content if content is None else content,
        "docnm_kwd": doc_name,
        "document_id": chunk.doc_id,
        "id": chunk.id,
        "image_id": chunk.image_id,
        "important_keywords": list(chunk.important_keywords),
        "positions": list(chunk.positions),
    }
    if d.ge(0, 16):
        out["questions"] = list(chunk.questions)
        out["dataset_id"] = chunk.dataset_id
    if d.ge(0, 27):
        out["doc_type_kwd"] = ""
        out["tag_kwd"] = list(chunk.tag_kwd)
    return out


def stored_chunk_view(chunk: Chunk, doc_name: str) -> dict[str, Any]:
    """A chunk as the document store holds it (``GET .../chunks/{id}``, v0.25.1+), without
    the vectors and token fields."""
    return {
        "id": chunk.id,
        "content_with_weight": chunk.content,
        "doc_id": chunk.doc_id,
        "docnm_kwd": doc_name,
        "kb_id": chunk.dataset_id,
        "important_kwd": list(chunk.important_keywords),
        "question_kwd": list(chunk.questions),
        "tag_kwd": list(chunk.tag_kwd),
        "available_int": int(chunk.available),
        "img_id": chunk.image_id,
        "position_int": list(chunk.positions),
        "doc_type_kwd": "text",
        "create_time": chunk.create_time,
        "create_timestamp_flt": chunk.create_timestamp,
    }


def new_chunk_view(d: Dialect, chunk: Chunk) -> dict[str, Any]:
    out: dict[str, Any] = {
        "content": chunk.content,
        "create_time": chunk.create_time,
        "create_timestamp": chunk.create_timestamp,
        "dataset_id": [chunk.dataset_id] if d.lt(0, 14) else chunk.dataset_id,
        "document_id": chunk.doc_id,
        "id": chunk.id,
        "important_keywords": list(chunk.important_keywords),
    }
    if d.ge(0, 15):
        out["questions"] = list(chunk.questions)
    if d.ge(0, 27):
        out.update(tag_kwd=list(chunk.tag_kwd), doc_type_kwd="text")
        if chunk.image_id:
            out["image_id"] = chunk.image_id
    return out


# -- chats -----------------------------------------------------------------------------


def chat_view(d: Dialect, store: Store, chat: Chat, *, listing: bool = False) -> dict[str, Any]:
    times = {
        "create_date": http_date(chat.create_time),
        "create_time": chat.create_time,
        "update_date": http_date(chat.update_time),
        "update_time": chat.update_time,
    }
    pc = chat.prompt_config
    if d.chat_schema == "dialog":
        out: dict[str, Any] = {
            "id": chat.id,
            "tenant_id": chat.tenant_id,
            "name": chat.name,
            "description": chat.description,
            "icon": chat.icon,
            "language": chat.language,
            "llm_id": chat.llm_id,
            "llm_setting": copy.deepcopy(chat.llm_setting),
            "prompt_type": chat.prompt_type,
            "prompt_config": copy.deepcopy(pc),
            "similarity_threshold": chat.similarity_threshold,
            "vector_similarity_weight": chat.vector_similarity_weight,
            "top_n": chat.top_n,
            "top_k": chat.top_k,
            "do_refer": chat.do_refer,
            "rerank_id": chat.rerank_id,
            "status": chat.status,
            "dataset_ids": list(chat.dataset_ids),
            "kb_names": [store.datasets[i].name for i in chat.dataset_ids if i in store.datasets],
            "tenant_llm_id": None,
            "tenant_rerank_id": None,
            "meta_data_filter": copy.deepcopy(chat.meta_data_filter),
        }
        out.update(times)
        out.update(copy.deepcopy(chat.extra))
        return out
    weight = chat.vector_similarity_weight
    if d.keywords_weight_inverted:
        weight = round(1.0 - weight, 10)
    prompt: dict[str, Any] = {
        "empty_response": pc.get("empty_response"),
        "keywords_similarity_weight": weight,
        "opener": pc.get("prologue"),
        "prompt": pc.get("system"),
        "rerank_model": chat.rerank_id,
        "show_quote": pc.get("quote", True),
        "similarity_threshold": chat.similarity_threshold,
        "top_n": chat.top_n,
        "variables": copy.deepcopy(pc.get("parameters", [])),
    }
    if "tts" in pc:
        prompt["tts"] = pc["tts"]
    if "refine_multiturn" in pc:
        prompt["refine_multiturn"] = pc["refine_multiturn"]
    llm = {"model_name": chat.llm_id}
    llm.update(copy.deepcopy(chat.llm_setting))
    out = {
        "id": chat.id,
        "name": chat.name,
        "avatar": chat.icon,
        "description": chat.description,
        "language": chat.language,
        "do_refer": chat.do_refer,
        "prompt_type": chat.prompt_type,
        "status": chat.status,
        "tenant_id": chat.tenant_id,
        "top_k": chat.top_k,
        "llm": llm,
        "prompt": prompt,
    }
    if listing:
        out["datasets"] = [
            dataset_view(d, store, store.datasets[i])
            for i in chat.dataset_ids
            if i in store.datasets
        ]
    else:
        out["dataset_ids"] = list(chat.dataset_ids)
    out.update(times)
    return out


# -- sessions --------------------------------------------------------------------------


def reference_view(d: Dialect, hits: list[Hit], cited: list[int] | None = None) -> dict[str, Any]:
    """A completion's ``reference``: ``{"total","chunks","doc_aggs"}``."""
    aggs = doc_aggs(hits)
    if cited:
        cited_docs = {hits[i].chunk.doc_id for i in cited if i < len(hits)}
        narrowed = [a for a in aggs if a["doc_id"] in cited_docs]
        aggs = narrowed or aggs
    return {"total": len(hits), "chunks": [reference_chunk(d, h) for h in hits], "doc_aggs": aggs}


def session_view(d: Dialect, session: Session, *, listing: bool = False) -> dict[str, Any]:
    times = {
        "create_date": http_date(session.create_time),
        "create_time": session.create_time,
        "update_date": http_date(session.update_time),
        "update_time": session.update_time,
    }
    out: dict[str, Any] = {"id": session.id}
    out["chat" if d.lt(0, 14) else "chat_id"] = session.chat_id
    out["name"] = session.name
    if d.ge(0, 25):
        out["messages"] = copy.deepcopy(session.messages)
        out["reference"] = [
            {
                "chunks": [reference_chunk(d, h) for h in ref["hits"]],
                "doc_aggs": doc_aggs(ref["hits"]),
            }
            for ref in session.reference
        ]
    elif listing:
        messages = []
        turn = 0
        for i, message in enumerate(session.messages):
            m = {k: v for k, v in message.items() if k != "prompt"}
            if i != 0 and m.get("role") != "user":
                hits: list[Hit] = (
                    session.reference[turn]["hits"] if turn < len(session.reference) else []
                )
                m["reference"] = [session_chunk(d, h) for h in hits]
                turn += 1
            messages.append(m)
        out["messages"] = messages
    else:
        out["messages"] = [{k: v for k, v in m.items() if k != "prompt"} for m in session.messages]
    if d.session_user_id:
        out["user_id"] = session.user_id
    out.update(times)
    return out
