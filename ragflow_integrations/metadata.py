"""One metadata layout for every result the framework layers build.

A RAGFlow document's own metadata is its ``meta_fields``. Ingestion
(:meth:`RAGFlow.ingest <ragflow_integrations.RAGFlow.ingest>`) keeps two bookkeeping keys
there, :data:`SOURCE_ID_KEY` (the caller's id of the source) and :data:`CONTENT_HASH_KEY`;
everything else is the caller's. Every LangChain ``Document`` and LlamaIndex node built from
RAGFlow carries:

* the source document's own metadata at the top level, exactly as stored, without the
  bookkeeping keys (:func:`source_metadata`);
* beside it, RAGFlow's keys: for a chunk, :data:`CHUNK_KEYS` (ids, names, scores,
  positions ...); for a whole document, :data:`DOCUMENT_KEYS`; ``source_id`` when the
  document was ingested with one. Only keys the server sent a value for are set.

A key of the caller's is never overwritten: when one of RAGFlow's keys has the same name,
RAGFlow's value goes under ``ragflow_<key>`` instead (:func:`ragflow_key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._exceptions import InvalidArgumentError
from .types.chunk import PROVENANCE_KEYS, ChunkFields
from .types.document import DocumentFields

__all__ = [
    "CHUNK_KEYS",
    "CONTENT_HASH_KEY",
    "DOCUMENT_KEYS",
    "RESERVED_KEYS",
    "SOURCE_ID_KEY",
    "check_metadata",
    "chunk_keys",
    "chunk_metadata",
    "document_keys",
    "document_metadata",
    "ragflow_key",
    "source_id_of",
    "source_metadata",
    "with_provenance",
]

SOURCE_ID_KEY = "ingest_source_id"
"""The ``meta_fields`` key holding the caller's id of an ingested document."""
CONTENT_HASH_KEY = "ingest_sha256"
"""The ``meta_fields`` key holding the SHA-256 of an ingested document's bytes."""
RESERVED_KEYS = (SOURCE_ID_KEY, CONTENT_HASH_KEY)
"""Bookkeeping keys: kept in ``meta_fields``, never shown as the document's own metadata."""

CHUNK_KEYS: tuple[str, ...] = (*PROVENANCE_KEYS, "source_id")
"""RAGFlow's keys on a chunk's metadata (when the server sent a value)."""
DOCUMENT_KEYS: tuple[str, ...] = (
    "document_id",
    "document_name",
    "dataset_id",
    "dataset_name",
    "type",
    "chunk_method",
    "chunk_count",
    "token_count",
    "source_id",
)
"""RAGFlow's keys on a whole document's metadata."""

_PREFIX = "ragflow_"
_SCALARS = (str, int, float)


def source_metadata(meta_fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """A document's own metadata: its ``meta_fields`` without the bookkeeping keys."""
    return {k: v for k, v in (meta_fields or {}).items() if k not in RESERVED_KEYS}


def source_id_of(meta_fields: Mapping[str, Any] | None) -> str | None:
    """The caller's id an ingested document was stored under, if any."""
    value = (meta_fields or {}).get(SOURCE_ID_KEY)
    return value if isinstance(value, str) and value else None


def ragflow_key(own: Mapping[str, Any], key: str) -> str:
    """Where one of RAGFlow's keys goes beside ``own``: ``key``, or ``ragflow_<key>`` when
    ``own`` already has it.
    """
    while key in own:
        key = _PREFIX + key
    return key


def with_provenance(own: Mapping[str, Any], ragflow: Mapping[str, Any]) -> dict[str, Any]:
    """``own`` metadata with RAGFlow's keys added beside it (see :func:`ragflow_key`)."""
    out = dict(own)
    for key, value in ragflow.items():
        out[ragflow_key(own, key)] = value
    return out


def document_keys(doc: DocumentFields, dataset_name: str | None = None) -> dict[str, Any]:
    """RAGFlow's keys of a whole document (:data:`DOCUMENT_KEYS` that have a value)."""
    keys: dict[str, Any] = {
        "document_id": doc.id,
        "document_name": doc.name,
        "dataset_id": doc.dataset_id,
        "dataset_name": dataset_name,
        "type": doc.type,
        "chunk_method": doc.chunk_method,
        "chunk_count": doc.chunk_count,
        "token_count": doc.token_count,
        "source_id": source_id_of(doc.meta_fields),
    }
    return {k: v for k, v in keys.items() if v is not None and v != ""}


def chunk_keys(chunk: ChunkFields) -> dict[str, Any]:
    """RAGFlow's keys of a chunk (:data:`CHUNK_KEYS` the server sent a value for)."""
    keys = chunk.provenance()
    source_id = source_id_of(chunk.document_metadata)
    if source_id is not None:
        keys["source_id"] = source_id
    return keys


def chunk_metadata(
    chunk: ChunkFields,
    document: DocumentFields | None = None,
    dataset_name: str | None = None,
    **keys: Any,
) -> dict[str, Any]:
    """The metadata of a retrieved, cited or listed chunk: its document's own metadata
    (``chunk.document_metadata``, else ``document.meta_fields``), then RAGFlow's keys:
    ``keys`` (a framework's own, such as LangChain's ``source``), the ``document``'s when it
    is given, and the chunk's.
    """
    meta_fields = chunk.document_metadata
    ours = dict(keys)
    if document is not None:
        meta_fields = document.meta_fields if meta_fields is None else meta_fields
        ours.update(document_keys(document, dataset_name))
    ours.update(chunk_keys(chunk))
    return with_provenance(source_metadata(meta_fields), ours)


def document_metadata(
    doc: DocumentFields, dataset_name: str | None = None, **keys: Any
) -> dict[str, Any]:
    """The metadata of a whole RAGFlow document: its own metadata, then RAGFlow's keys
    (``keys`` first, as in :func:`chunk_metadata`).
    """
    ours = {**keys, **document_keys(doc, dataset_name)}
    return with_provenance(source_metadata(doc.meta_fields), ours)


def check_metadata(metadata: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``metadata`` as RAGFlow stores it, or :class:`InvalidArgumentError` naming the key.

    Values are strings, numbers, booleans or lists of strings and numbers (what the
    server's ``meta_fields`` validation accepts); the bookkeeping keys are reserved.
    """
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgumentError(f"{what}: metadata keys must be non-empty strings")
        if key in RESERVED_KEYS:
            raise InvalidArgumentError(
                f"{what}: the metadata key {key!r} is reserved for ingestion's bookkeeping"
            )
        ok = isinstance(value, _SCALARS) or (
            isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value)
        )
        if not ok:
            raise InvalidArgumentError(
                f"{what}: RAGFlow stores metadata values as strings, numbers or lists of "
                f"them; {key!r} is {type(value).__name__}"
            )
        out[key] = value
    return out
