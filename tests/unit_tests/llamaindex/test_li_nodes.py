"""Core chunks -> LlamaIndex nodes."""

from __future__ import annotations

from llama_index.core.schema import MetadataMode, NodeRelationship, ObjectType

from llamaindex_ragflow import METADATA_KEYS
from llamaindex_ragflow._nodes import chunk_metadata, chunk_to_node, chunks_to_nodes
from ragflow_integrations import Chunk

FULL = {
    "id": "c1",
    "content": "Hybrid retrieval mixes term and vector similarity.",
    "document_id": "d1",
    "document_keyword": "hybrid.md",
    "kb_id": "ds1",
    "image_id": "img-1",
    "positions": [[1, 2, 3, 4, 5]],
    "important_keywords": ["hybrid"],
    "similarity": 0.8,
    "vector_similarity": 0.7,
    "term_similarity": 0.9,
    "highlight": "<em>Hybrid</em> retrieval",
}


def test_full_chunk() -> None:
    [hit] = chunks_to_nodes([Chunk.model_validate(FULL)])
    node = hit.node
    assert hit.score == 0.8
    assert node.node_id == "c1"
    assert node.get_content() == FULL["content"]
    assert node.metadata == {
        "document_id": "d1",
        "document_name": "hybrid.md",
        "dataset_id": "ds1",
        "similarity": 0.8,
        "vector_similarity": 0.7,
        "term_similarity": 0.9,
        "positions": [[1, 2, 3, 4, 5]],
        "image_id": "img-1",
        "highlight": "<em>Hybrid</em> retrieval",
        "important_keywords": ["hybrid"],
    }
    assert set(node.metadata) <= set(METADATA_KEYS)
    source = node.relationships[NodeRelationship.SOURCE]
    assert source.node_id == "d1"  # type: ignore[union-attr]
    assert source.node_type == ObjectType.DOCUMENT  # type: ignore[union-attr]
    assert node.ref_doc_id == "d1"


def test_llm_sees_only_the_document_name() -> None:
    node = chunk_to_node(Chunk.model_validate(FULL))
    llm_text = node.get_content(metadata_mode=MetadataMode.LLM)
    assert "document_name: hybrid.md" in llm_text
    for hidden in ("d1", "ds1", "0.8", "img-1"):
        assert hidden not in llm_text
    assert node.get_content(metadata_mode=MetadataMode.EMBED) == llm_text


def test_sparse_chunk() -> None:
    chunk = Chunk.model_validate({"id": "c2", "content": "text", "positions": [""]})
    [hit] = chunks_to_nodes([chunk])
    assert hit.score is None
    assert hit.node.metadata == {}
    assert NodeRelationship.SOURCE not in hit.node.relationships
    assert chunk_metadata(chunk) == {}


def test_zero_scores_are_kept() -> None:
    chunk = Chunk.model_validate({"id": "c3", "content": "x", "similarity": 0.0})
    [hit] = chunks_to_nodes([chunk])
    assert hit.score == 0.0
    assert hit.node.metadata == {"similarity": 0.0}


def test_llm_and_embed_exclusions_are_separate_lists() -> None:
    node = chunk_to_node(Chunk.model_validate(FULL))
    assert node.excluded_llm_metadata_keys == node.excluded_embed_metadata_keys
    assert node.excluded_llm_metadata_keys is not node.excluded_embed_metadata_keys
