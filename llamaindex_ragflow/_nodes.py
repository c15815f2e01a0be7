"""RAGFlow chunks as LlamaIndex nodes: one mapping for retrieval results and answer references."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from llama_index.core.schema import (
    NodeRelationship,
    NodeWithScore,
    ObjectType,
    RelatedNodeInfo,
    TextNode,
)

from ragflow_integrations.metadata import (
    CHUNK_KEYS,
    chunk_metadata,
    source_id_of,
    source_metadata,
)
from ragflow_integrations.types.chunk import ChunkFields
from ragflow_integrations.types.document import DocumentFields

__all__ = [
    "LLM_METADATA_KEYS",
    "METADATA_KEYS",
    "chunk_metadata",
    "chunk_to_node",
    "chunks_to_nodes",
    "hidden_keys",
]

METADATA_KEYS: tuple[str, ...] = CHUNK_KEYS
"""RAGFlow's keys on node metadata, when the server sent a value (the LangChain layer's
keys); the source document's own metadata sits beside them (see
:mod:`ragflow_integrations.metadata`)."""

LLM_METADATA_KEYS: tuple[str, ...] = ("document_name",)
"""Of RAGFlow's keys, those shown to LLMs and embedding models (ids, scores and positions
are not); the document's own metadata is shown too."""


def hidden_keys(metadata: dict[str, Any], meta_fields: dict[str, Any] | None) -> list[str]:
    """The keys of ``metadata`` that LLMs and embedding models do not see: RAGFlow's, except
    :data:`LLM_METADATA_KEYS` (the document's own metadata, ``meta_fields``, is shown).
    """
    own = source_metadata(meta_fields)
    return [k for k in metadata if k not in own and k not in LLM_METADATA_KEYS]


def chunk_to_node(
    chunk: ChunkFields, document: DocumentFields | None = None, dataset_name: str | None = None
) -> TextNode:
    """A ``TextNode`` whose id is the chunk id, with a SOURCE link to the chunk's document
    (by the id it was ingested under, else its RAGFlow id).
    """
    metadata = chunk_metadata(chunk, document, dataset_name)
    meta_fields = chunk.document_metadata
    if meta_fields is None and document is not None:
        meta_fields = document.meta_fields
    hidden = hidden_keys(metadata, meta_fields)
    node = TextNode(
        id_=chunk.id,
        text=chunk.content,
        metadata=metadata,
        excluded_llm_metadata_keys=hidden,
        excluded_embed_metadata_keys=hidden,
    )
    document_id = chunk.document_id or (document.id if document is not None else "")
    if document_id:
        source = source_id_of(meta_fields)
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(
            node_id=str(source or document_id),
            node_type=ObjectType.DOCUMENT,
            metadata={
                "document_id": document_id,
                "document_name": chunk.document_name,
                "dataset_id": chunk.dataset_id,
            },
        )
    return node


def chunks_to_nodes(chunks: Iterable[ChunkFields]) -> list[NodeWithScore]:
    """Retrieved or cited chunks as ``NodeWithScore`` (score = the chunk's ``similarity``)."""
    return [NodeWithScore(node=chunk_to_node(c), score=c.similarity) for c in chunks]
