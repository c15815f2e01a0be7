"""Ranking chunks for ``/retrieval`` and chats, and shaping hits per dialect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._dialects import Dialect
from ._search import (
    convert_conditions,
    flatten_metas,
    highlight,
    meta_filter,
    score_texts,
    tokenize,
)
from ._store import Chunk, Store

__all__ = [
    "Hit",
    "doc_aggs",
    "filter_by_metadata",
    "rank",
    "reference_chunk",
    "retrieval_chunk",
    "session_chunk",
]


@dataclass
class Hit:
    chunk: Chunk
    doc_name: str
    similarity: float
    term_similarity: float
    vector_similarity: float
    highlight: str | None = None


def rank(
    store: Store,
    dataset_ids: list[str],
    question: str,
    doc_ids: list[str] | None = None,
    similarity_threshold: float = 0.2,
    vector_similarity_weight: float = 0.3,
    top_k: int = 1024,
    with_highlight: bool = False,
) -> list[Hit]:
    """Every available chunk of ``dataset_ids`` (optionally only ``doc_ids``) above the
    threshold, best first. As in the Elasticsearch query RAGFlow builds, ``top_k`` bounds the
    vector candidates only: every full-text match is a candidate as well."""
    wanted = set(dataset_ids)
    allowed = set(doc_ids) if doc_ids else None
    store.refresh_all()
    chunks: list[Chunk] = []
    for chunk in store.chunks.values():
        if chunk.dataset_id not in wanted or not chunk.available:
            continue
        if allowed is not None and chunk.doc_id not in allowed:
            continue
        doc = store.documents.get(chunk.doc_id)
        if doc is None or doc.status != "1":
            continue
        chunks.append(chunk)
    if not chunks or not tokenize(question):
        return []
    scores = score_texts(
        question,
        [c.content for c in chunks],
        [c.important_keywords + c.questions for c in chunks],
        vector_similarity_weight,
    )
    order = sorted(scores, key=lambda s: (-s.vector_similarity, s.index))
    pool = {s.index for s in order[: max(1, int(top_k))]}
    pool |= {s.index for s in scores if s.term_similarity > 0}
    ranked = sorted((s for s in scores if s.index in pool), key=lambda s: (-s.similarity, s.index))
    hits: list[Hit] = []
    for s in ranked:
        if s.similarity < similarity_threshold:
            continue
        chunk = chunks[s.index]
        doc = store.documents[chunk.doc_id]
        hits.append(
            Hit(
                chunk=chunk,
                doc_name=doc.name,
                similarity=s.similarity,
                term_similarity=s.term_similarity,
                vector_similarity=s.vector_similarity,
                highlight=highlight(chunk.content, question) if with_highlight else None,
            )
        )
    return hits


def filter_by_metadata(
    store: Store, d: Dialect, dataset_ids: list[str], condition: dict[str, Any]
) -> list[str]:
    """Doc ids of ``dataset_ids`` whose ``meta_fields`` satisfy a ``metadata_condition``."""
    metas = flatten_metas(
        {
            doc.id: doc.meta_fields
            for doc in store.documents.values()
            if doc.dataset_id in dataset_ids
        }
    )
    logic = str(condition.get("logic") or "and").lower()
    return meta_filter(metas, convert_conditions(condition), logic, d.meta_filter_style)


def doc_aggs(hits: list[Hit]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, Any]] = {}
    for hit in hits:
        agg = counts.setdefault(
            hit.chunk.doc_id, {"doc_name": hit.doc_name, "doc_id": hit.chunk.doc_id, "count": 0}
        )
        agg["count"] += 1
    return sorted(counts.values(), key=lambda a: -int(a["count"]))


def retrieval_chunk(d: Dialect, hit: Hit, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``/retrieval`` chunk with the era's field names (section 7)."""
    c = hit.chunk
    out: dict[str, Any] = {
        "id": c.id,
        "content": c.content,
        "content_ltks": " ".join(tokenize(c.content)),
        "document_id": c.doc_id,
        "document_keyword": hit.doc_name,
        d.retrieval_kb_key: c.dataset_id,
        "important_keywords": list(c.important_keywords),
        d.retrieval_image_key: c.image_id,
        "similarity": hit.similarity,
        "vector_similarity": hit.vector_similarity,
        "term_similarity": hit.term_similarity,
        "positions": list(c.positions),
    }
    if d.ge(0, 15):
        out["questions"] = list(c.questions)
    if d.ge(0, 19):
        out["doc_type_kwd"] = ""
    if d.ge(0, 23):
        out["mom_id"] = ""
    if d.ge(0, 25):
        out["tag_kwd"] = list(c.tag_kwd)
        out["row_id"] = None
    if metadata is not None:
        out["document_metadata"] = metadata
    if hit.highlight is not None:
        out["highlight"] = hit.highlight
    return out


def reference_chunk(d: Dialect, hit: Hit) -> dict[str, Any]:
    """A chunk of a completion's ``reference`` (section 10.3)."""
    c = hit.chunk
    era = d.reference_chunk_era
    if era == "0.13":
        return {
            "chunk_id": c.id,
            "content_ltks": " ".join(tokenize(c.content)),
            "content_with_weight": c.content,
            "doc_id": c.doc_id,
            "docnm_kwd": hit.doc_name,
            "kb_id": c.dataset_id,
            "important_kwd": list(c.important_keywords),
            "img_id": c.image_id,
            "similarity": hit.similarity,
            "vector_similarity": hit.vector_similarity,
            "term_similarity": hit.term_similarity,
            "positions": list(c.positions),
        }
    out: dict[str, Any] = {
        "id": c.id,
        "content": c.content,
        "document_id": c.doc_id,
        "document_name": hit.doc_name,
        "dataset_id": c.dataset_id,
        "image_id": c.image_id,
    }
    if era == "0.14" or d.ge(0, 18):
        out.update(
            similarity=hit.similarity,
            vector_similarity=hit.vector_similarity,
            term_similarity=hit.term_similarity,
        )
    out["positions"] = list(c.positions)
    if d.ge(0, 17):
        out["url"] = None
    if d.ge(0, 19):
        out["doc_type"] = ""
    if d.ge(0, 25):
        out["row_id"] = None
    if d.ge(0, 26):
        out["document_metadata"] = None
    return out


def session_chunk(d: Dialect, hit: Hit) -> dict[str, Any]:
    """A chunk attached to an assistant message by the <=0.24 session list (section 9)."""
    c = hit.chunk
    out: dict[str, Any] = {
        "id": c.id,
        "content": c.content,
        "document_id": c.doc_id,
        "document_name": hit.doc_name,
        "dataset_id": c.dataset_id,
        "image_id": c.image_id,
        "positions": list(c.positions),
    }
    if d.lt(0, 16):
        out.update(
            similarity=hit.similarity,
            vector_similarity=hit.vector_similarity,
            term_similarity=hit.term_similarity,
        )
    return out
