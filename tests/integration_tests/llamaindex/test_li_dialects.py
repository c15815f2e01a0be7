"""Older server dialects: streamed chat with sources and exact metadata filters (v0.20, v0.24).

v0.20 streams cumulative answers and rewrites them at the end to insert citations; v0.24
streams deltas. Neither server can evaluate these filters (``metadata_condition`` arrives
in v0.20.5 and is exact only from v0.26.2), so the core filters the documents' metadata
locally and retrieves with ``document_ids``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from llamaindex_ragflow import RAGFlowChatEngine, RAGFlowRetriever
from ragflow_integrations.samples import SAMPLE_METADATA
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem


@pytest.fixture(scope="module", params=["v0.20", "v0.24"])
def seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with seeded_environment(request.param, NAME) as seeded:
        yield seeded


@pytest.mark.vcr
def test_stream_chat_with_sources(seeded: Seeded) -> None:
    chat = RAGFlowChatEngine(seeded.chat_id, session_name="li-test", **seeded.client_kwargs())
    streaming = chat.stream_chat("How are answers cited?")
    deltas = list(streaming.response_gen)
    assert len(deltas) > 1
    assert streaming.source_nodes
    assert streaming.source_nodes[0].node.metadata["document_name"] == "citations.md"
    final = chat.chat_history[-1].content
    assert final is not None
    assert "[ID:0]" in final
    if seeded.server.dialect == "v0.20":
        # The server inserted citations after streaming: only the history has them.
        assert re.sub(r"\s*\[ID:\d+\]", "", final) == streaming.response
    else:
        # From v0.24 the model's own citations stream with the text.
        assert final == streaming.response


@pytest.mark.vcr
def test_nested_filter_is_exact(seeded: Seeded) -> None:
    nested = MetadataFilters(
        filters=[
            MetadataFilters(
                filters=[
                    MetadataFilter(key="author", value="alice"),
                    MetadataFilter(key="year", value=2024, operator=FilterOperator.GTE),
                ]
            ),
            MetadataFilter(key="topic", value="chat"),
        ],
        condition=FilterCondition.OR,
    )
    retriever = RAGFlowRetriever(
        [seeded.dataset_id],
        similarity_top_k=50,
        similarity_threshold=0.0,
        filters=nested,
        **seeded.client_kwargs(),
    )
    nodes = retriever.retrieve("RAGFlow chunks")
    found = {n.node.metadata["document_name"] for n in nodes}
    expected = {
        name
        for name, m in SAMPLE_METADATA.items()
        if (m["author"] == "alice" and m["year"] >= 2024) or m["topic"] == "chat"
    }
    assert found == expected == {"chunking.md", "citations.md"}
