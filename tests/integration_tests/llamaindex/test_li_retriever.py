"""RAGFlowRetriever against the sample data (v0.27), alone and inside LlamaIndex engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.chat_engine import CondensePlusContextChatEngine
from llama_index.core.llms import MockLLM
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeRelationship
from llama_index.core.tools import RetrieverTool
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from llamaindex_ragflow import METADATA_KEYS, RAGFlowRetriever
from ragflow_integrations._http import Request
from ragflow_integrations.samples import SAMPLE_METADATA
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem
QUESTION = "How does hybrid retrieval score chunks?"


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        yield seeded


def retriever(seeded: Seeded, **kwargs: Any) -> RAGFlowRetriever:
    # 0.1: the real server's recordings use small fake embeddings, whose scores stay low
    options = {"similarity_threshold": 0.1, **kwargs}
    return RAGFlowRetriever([seeded.dataset_id], **seeded.client_kwargs(), **options)


def names(nodes: list[Any]) -> set[str]:
    return {n.node.metadata["document_name"] for n in nodes}


def expected_names(predicate: Any) -> set[str]:
    """Sample documents whose metadata satisfy ``predicate`` (plain Python, not the core)."""
    return {name for name, meta in SAMPLE_METADATA.items() if predicate(meta)}


@pytest.mark.vcr
def test_retrieve_nodes(seeded: Seeded) -> None:
    nodes = retriever(seeded, similarity_top_k=3).retrieve(QUESTION)
    assert 1 <= len(nodes) <= 3
    top = nodes[0]
    assert top.node.metadata["document_name"] == "hybrid_retrieval.md"
    assert top.score == top.node.metadata["similarity"]
    assert [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
    for hit in nodes:
        own = SAMPLE_METADATA[hit.node.metadata["document_name"]]
        assert {k: hit.node.metadata[k] for k in own} == own  # the document's own metadata
        assert set(hit.node.metadata) - set(own) <= set(METADATA_KEYS)
        assert hit.node.metadata["dataset_id"] == seeded.dataset_id
        assert hit.node.metadata["document_id"] in seeded.document_ids
        # SOURCE names the id the document was ingested under: load_samples ingests each
        # sample under its file name.
        source = hit.node.relationships[NodeRelationship.SOURCE]
        assert source.node_id == hit.node.metadata["document_name"]  # type: ignore[union-attr]
    assert len({n.node.node_id for n in nodes}) == len(nodes)  # chunk ids, not document ids


@pytest.mark.vcr
async def test_aretrieve(seeded: Seeded) -> None:
    sync = retriever(seeded, similarity_top_k=3).retrieve(QUESTION)
    nodes = await retriever(seeded, similarity_top_k=3).aretrieve(QUESTION)
    assert [n.node.node_id for n in nodes] == [n.node.node_id for n in sync]


@pytest.mark.vcr
def test_retriever_query_engine(seeded: Seeded) -> None:
    # MockLLM without max_tokens echoes its prompt: the answer shows what the engine sent.
    engine = RetrieverQueryEngine.from_args(retriever(seeded, similarity_top_k=2), llm=MockLLM())
    response = engine.query(QUESTION)
    assert len(response.source_nodes) == 2
    for source in response.source_nodes:  # the retrieved chunks reached the LLM's prompt
        assert source.node.get_content() in str(response)
    assert QUESTION in str(response)
    assert response.source_nodes[0].node.metadata["document_name"] == "hybrid_retrieval.md"


@pytest.mark.vcr
async def test_retriever_query_engine_async(seeded: Seeded) -> None:
    engine = RetrieverQueryEngine.from_args(
        retriever(seeded, similarity_top_k=2), llm=MockLLM(max_tokens=8)
    )
    response = await engine.aquery(QUESTION)
    assert len(response.source_nodes) == 2


@pytest.mark.vcr
def test_condense_plus_context_chat_engine(seeded: Seeded) -> None:
    engine = CondensePlusContextChatEngine.from_defaults(
        retriever(seeded, similarity_top_k=2), llm=MockLLM(max_tokens=8)
    )
    first = engine.chat("What is chunking?")
    assert first.source_nodes
    assert "chunking.md" in names(first.source_nodes)
    second = engine.chat("And how are answers cited?")
    assert second.source_nodes
    assert len(engine.chat_history) == 4


@pytest.mark.vcr
async def test_condense_plus_context_chat_engine_async(seeded: Seeded) -> None:
    engine = CondensePlusContextChatEngine.from_defaults(
        retriever(seeded, similarity_top_k=2),
        llm=MockLLM(max_tokens=8),
        # In-process memory: the default opens an aiosqlite thread that outlives the loop.
        memory=ChatMemoryBuffer.from_defaults(),
    )
    reply = await engine.achat("What is chunking?")
    assert "chunking.md" in names(reply.source_nodes)


@pytest.mark.vcr
def test_retriever_tool(seeded: Seeded) -> None:
    tool = RetrieverTool.from_defaults(
        retriever=retriever(seeded, similarity_top_k=2),
        name="ragflow_search",
        description="Search the RAGFlow notes.",
    )
    output = tool.call(query_str=QUESTION)
    assert "hybrid" in output.content.lower()
    assert output.raw_output[0].node.metadata["document_name"] == "hybrid_retrieval.md"


# Every chunk of every document (9 chunks), so a filter is what narrows the result.
EVERYTHING = {"similarity_top_k": 50, "similarity_threshold": 0.0}


@pytest.mark.vcr
def test_unfiltered_baseline(seeded: Seeded) -> None:
    nodes = retriever(seeded, **EVERYTHING).retrieve("RAGFlow chunks")
    assert names(nodes) == set(SAMPLE_METADATA)


NESTED = MetadataFilters(
    filters=[
        MetadataFilters(
            filters=[
                MetadataFilter(key="author", value="alice"),
                MetadataFilter(key="year", value=2024, operator=FilterOperator.GTE),
            ],
            condition=FilterCondition.AND,
        ),
        MetadataFilter(key="topic", value="chat"),
    ],
    condition=FilterCondition.OR,
)


@pytest.mark.vcr
def test_nested_filter_is_exact(seeded: Seeded) -> None:
    nodes = retriever(seeded, filters=NESTED, **EVERYTHING).retrieve("RAGFlow chunks")
    expected = expected_names(
        lambda m: (m["author"] == "alice" and m["year"] >= 2024) or m["topic"] == "chat"
    )
    assert expected == {"chunking.md", "citations.md"}
    assert names(nodes) == expected


@pytest.mark.vcr
async def test_nested_not_filter_is_exact_async(seeded: Seeded) -> None:
    not_bob_or_old = MetadataFilters(
        filters=[
            MetadataFilter(key="author", value="bob"),
            MetadataFilter(key="year", value=2024, operator=FilterOperator.LT),
        ],
        condition=FilterCondition.NOT,
    )
    both = MetadataFilters(
        filters=[
            not_bob_or_old,
            MetadataFilter(key="topic", value=["parsing", "chat"], operator=FilterOperator.IN),
        ]
    )
    nodes = await retriever(seeded, filters=both, **EVERYTHING).aretrieve("RAGFlow chunks")
    expected = expected_names(
        lambda m: (
            not (m["author"] == "bob" or m["year"] < 2024) and m["topic"] in ("parsing", "chat")
        )
    )
    assert names(nodes) == expected == {"chunking.md", "citations.md"}


@pytest.mark.vcr
def test_one_level_filter_goes_to_the_server(seeded: Seeded, sent_requests: list[Request]) -> None:
    """One condition list: v0.27 receives it as ``metadata_condition``."""
    one_level = MetadataFilters(
        filters=[
            MetadataFilter(key="author", value="carol"),
            MetadataFilter(key="year", value=2023, operator=FilterOperator.LTE),
        ],
        condition=FilterCondition.OR,
    )
    nodes = retriever(seeded, filters=one_level, **EVERYTHING).retrieve("RAGFlow chunks")
    expected = expected_names(lambda m: m["author"] == "carol" or m["year"] <= 2023)
    assert names(nodes) == expected == {"citations.md", "ragflow_overview.md"}
    (sent,) = [r for r in sent_requests if r.path == "/retrieval"]
    assert sent.json["metadata_condition"] == {
        "logic": "or",
        "conditions": [
            {"name": "author", "comparison_operator": "is", "value": "carol"},
            {"name": "year", "comparison_operator": "≤", "value": "2023"},  # str(): see filters.py
        ],
    }
    assert "document_ids" not in sent.json and len(sent_requests) == 1
