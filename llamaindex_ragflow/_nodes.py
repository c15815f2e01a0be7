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

from ragflow_integrations.types.chunk import PROVENANCE_KEYS, ChunkFields

__all__ = [
    "LLM_METADATA_KEYS",
    "METADATA_KEYS",
    "chunk_metadata",
    "chunk_to_node",
    "chunks_to_nodes",
]

METADATA_KEYS: tuple[str, ...] = PROVENANCE_KEYS
"""Chunk fields copied into node metadata when the server sent a value (the LangChain
layer's keys): provenance and scores."""

LLM_METADATA_KEYS: tuple[str, ...] = ("document_name",)
"""Of :data:`METADATA_KEYS`, those shown to LLMs and embedding models (ids, scores and
positions are excluded)."""

_HIDDEN = [key for key in METADATA_KEYS if key not in LLM_METADATA_KEYS]


def chunk_metadata(chunk: ChunkFields) -> dict[str, Any]:
    """The node metadata of a chunk: each of :data:`METADATA_KEYS` the server sent, unless
    empty (``None``, ``""``, ``[]``, ``{}``).
    """
    return chunk.provenance()


def chunk_to_node(chunk: ChunkFields) -> TextNode:
    """A ``TextNode`` whose id is the chunk id, with a SOURCE link to the chunk's document."""
    node = TextNode(
        id_=chunk.id,
        text=chunk.content,
        metadata=chunk_metadata(chunk),
        excluded_llm_metadata_keys=list(_HIDDEN),
        excluded_embed_metadata_keys=list(_HIDDEN),
    )
    if chunk.document_id:
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(
            node_id=chunk.document_id,
            node_type=ObjectType.DOCUMENT,
            metadata={"document_name": chunk.document_name, "dataset_id": chunk.dataset_id},
        )
    return node


def chunks_to_nodes(chunks: Iterable[ChunkFields]) -> list[NodeWithScore]:
    """Retrieved or cited chunks as ``NodeWithScore`` (score = the chunk's ``similarity``)."""
    return [NodeWithScore(node=chunk_to_node(c), score=c.similarity) for c in chunks]
