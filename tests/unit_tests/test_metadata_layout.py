"""One metadata layout in both frameworks: the source document's own metadata first, then
RAGFlow's keys, never overwriting the caller's (ragflow_integrations.metadata)."""

from __future__ import annotations

from llama_index.core.schema import MetadataMode, NodeRelationship

from langchain_ragflow import RAGFlowRetriever
from langchain_ragflow._convert import chunk_to_document
from llamaindex_ragflow._nodes import chunk_to_node
from ragflow_integrations import Chunk
from ragflow_integrations.metadata import CONTENT_HASH_KEY, SOURCE_ID_KEY

CHUNK = Chunk.model_validate(
    {
        "id": "c1",
        "content": "Hybrid retrieval mixes two scores.",
        "document_id": "d1",
        "document_keyword": "hybrid.md",
        "dataset_id": "ds1",
        "similarity": 0.8,
        "document_metadata": {
            "author": "alice",
            "similarity": "user's own",
            SOURCE_ID_KEY: "notes/hybrid",
            CONTENT_HASH_KEY: "abc",
        },
    }
)
EXPECTED = {
    "author": "alice",
    "similarity": "user's own",
    "document_id": "d1",
    "document_name": "hybrid.md",
    "dataset_id": "ds1",
    "ragflow_similarity": 0.8,
    "source_id": "notes/hybrid",
}


def test_langchain_and_llamaindex_lay_out_a_chunk_alike() -> None:
    document = chunk_to_document(CHUNK)
    node = chunk_to_node(CHUNK)
    assert document.metadata == EXPECTED == node.metadata
    assert document.id == node.node_id == "c1"


def test_llamaindex_shows_the_llm_the_documents_metadata_and_name_only() -> None:
    node = chunk_to_node(CHUNK)
    text = node.get_content(metadata_mode=MetadataMode.LLM)
    assert "author: alice" in text and "similarity: user's own" in text
    assert "document_name: hybrid.md" in text
    for hidden in ("d1", "ds1", "0.8", "notes/hybrid"):
        assert hidden not in text
    source = node.relationships[NodeRelationship.SOURCE]
    assert source.node_id == "notes/hybrid"  # the id the document was ingested under
    assert source.metadata["document_id"] == "d1"  # type: ignore[union-attr]


def test_retriever_langsmith_params() -> None:
    retriever = RAGFlowRetriever(dataset_ids=["ds"], api_key="ragflow-test")
    assert retriever._get_ls_params() == {
        "ls_retriever_name": "ragflow",
        "ls_vector_store_provider": "ragflow",
        "ls_embedding_provider": "ragflow",
    }
