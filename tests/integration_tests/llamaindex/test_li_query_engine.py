"""RAGFlowQueryEngine: one-shot answers by the sample chat assistant (v0.27)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.base.response.schema import (
    AsyncStreamingResponse,
    Response,
    StreamingResponse,
)

from llamaindex_ragflow import RAGFlowQueryEngine
from llamaindex_ragflow._demo import run_llamaindex_demo
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem
QUESTION = "What is RAGFlow?"


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        yield seeded


@pytest.mark.vcr
def test_query(seeded: Seeded) -> None:
    response = RAGFlowQueryEngine(seeded.chat_id, **seeded.client_kwargs()).query(QUESTION)
    assert isinstance(response, Response)
    assert "RAGFlow" in str(response)
    assert "[ID:0]" in str(response)
    assert response.source_nodes[0].node.metadata["document_name"] == "ragflow_overview.md"
    assert response.metadata is not None
    assert response.metadata["chat_id"] == seeded.chat_id
    assert response.metadata["usage"]["total_tokens"] > 0


@pytest.mark.vcr
def test_query_streaming(seeded: Seeded) -> None:
    engine = RAGFlowQueryEngine(seeded.chat_id, streaming=True, **seeded.client_kwargs())
    response = engine.query(QUESTION)
    assert isinstance(response, StreamingResponse)
    tokens = list(response.response_gen)
    assert len(tokens) > 1
    assert response.source_nodes
    assert response.metadata is not None
    assert response.metadata["answer"].startswith(tokens[0])


@pytest.mark.vcr
async def test_aquery(seeded: Seeded) -> None:
    engine = RAGFlowQueryEngine(seeded.chat_id, **seeded.client_kwargs())
    response = await engine.aquery(QUESTION)
    assert isinstance(response, Response)
    assert response.source_nodes


@pytest.mark.vcr
async def test_aquery_streaming(seeded: Seeded) -> None:
    engine = RAGFlowQueryEngine(seeded.chat_id, streaming=True, **seeded.client_kwargs())
    response = await engine.aquery(QUESTION)
    assert isinstance(response, AsyncStreamingResponse)
    tokens = [t async for t in response.async_response_gen()]
    assert len(tokens) > 1
    assert response.source_nodes


@pytest.mark.vcr
def test_demo(seeded: Seeded) -> None:
    lines: list[str] = []
    run_llamaindex_demo(
        seeded.server.base_url,
        seeded.server.api_key,
        seeded.server.dialect,
        seeded.dataset_id,
        seeded.chat_id,
        print_fn=lambda *parts: lines.append(" ".join(map(str, parts))),
    )
    text = "\n".join(lines)
    assert "RAGFlowQueryEngine.query" in text
    assert re.search(r"answer: .+\[ID:\d+\]", text), text  # an answer that cites
    assert "hybrid_retrieval.md" in text
