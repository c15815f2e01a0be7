"""LlamaIndex over RAGFlow agents and memories, replayed from cassettes recorded against
LocalRAGFlow: the chat and query engines with ``agent_id`` and the tool spec's agent tool
(v0.20, v0.27), and the memory block under LlamaIndex's ``Memory`` (v0.27)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.memory import Memory

from llamaindex_ragflow import (
    METADATA_KEYS,
    RAGFlowChatEngine,
    RAGFlowMemoryBlock,
    RAGFlowQueryEngine,
    RAGFlowToolSpec,
)
from ragflow_integrations import RAGFlow, UnsupportedFeatureError
from ragflow_integrations.samples import AGENT_PROLOGUE
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem
QUESTION = "How does RAGFlow cite its sources?"
MODELS = {"embd_id": "BAAI/bge-small-en-v1.5@Builtin", "llm_id": "glm-4-flash@ZHIPU-AI"}
pytestmark = pytest.mark.vcr


@pytest.fixture(scope="module", params=["v0.20", "v0.27"])
def seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with seeded_environment(request.param, NAME, agent=True) as seeded:
        yield seeded


def cited_within(text: str, sources: int) -> bool:
    found = [int(n) for n in re.findall(r"\[ID:(\d+)\]", text)]
    return bool(found) and max(found) < sources


def test_chat_engine_talks_to_an_agent(seeded: Seeded) -> None:
    engine = RAGFlowChatEngine(agent_id=seeded.agent_id, **seeded.client_kwargs())
    first = engine.chat(QUESTION)
    assert cited_within(first.response, len(first.source_nodes))
    assert first.metadata is not None and first.metadata["agent_id"] == seeded.agent_id
    assert first.metadata["session_id"] == engine.session_id
    assert set(first.source_nodes[0].node.metadata) <= set(METADATA_KEYS)
    streamed = engine.stream_chat("What is chunking?")
    text = "".join(streamed.response_gen)
    assert cited_within(text, len(streamed.source_nodes))
    history = engine.chat_history
    assert history[0].role == MessageRole.ASSISTANT and history[0].content == AGENT_PROLOGUE
    assert [m.role for m in history[1:]] == [MessageRole.USER, MessageRole.ASSISTANT] * 2
    with pytest.raises(UnsupportedFeatureError):
        engine.chat("Why?", chat_history=[ChatMessage(role="user", content="earlier")])


async def test_async_engines(seeded: Seeded) -> None:
    engine = RAGFlowChatEngine(agent_id=seeded.agent_id, **seeded.client_kwargs())
    answer = await engine.achat(QUESTION)
    assert cited_within(answer.response, len(answer.source_nodes))
    query = RAGFlowQueryEngine(agent_id=seeded.agent_id, **seeded.client_kwargs())
    response = await query.aquery(QUESTION)
    assert cited_within(str(response), len(response.source_nodes))
    assert response.metadata is not None and response.metadata["agent_id"] == seeded.agent_id


def test_query_engine_streams(seeded: Seeded) -> None:
    engine = RAGFlowQueryEngine(agent_id=seeded.agent_id, streaming=True, **seeded.client_kwargs())
    response = engine.query(QUESTION)
    text = "".join(response.response_gen)  # type: ignore[union-attr]
    assert cited_within(text, len(response.source_nodes))
    assert response.metadata is not None and response.metadata["answer"] == text


def test_tool_spec_offers_the_agent(seeded: Seeded) -> None:
    spec = RAGFlowToolSpec(agent_ids=[seeded.agent_id], **seeded.client_kwargs())
    tools = {t.metadata.name: t for t in spec.to_tool_list()}
    tool = tools["agent_test_li_agents"]
    assert "Answers questions about RAGFlow" in tool.metadata.description
    output = tool.call(question=QUESTION)
    assert "Sources:\n[ID:0]" in output.content


def test_memory_block_stores_and_recalls(seeded: Seeded) -> None:
    if seeded.server.dialect != "v0.27":
        pytest.skip("memories are v0.24+; recorded on v0.27")
    rag = RAGFlow(**seeded.client_kwargs())
    memory_id = rag.create_memory("li block", ["raw"], **MODELS).id
    block = RAGFlowMemoryBlock(memory_id=memory_id, agent_id="li", **seeded.client_kwargs())
    memory = Memory.from_defaults(
        session_id="user-7", token_limit=60, chat_history_token_ratio=0.1, memory_blocks=[block]
    )
    for n in range(4):
        memory.put(ChatMessage(role="user", content=f"How long may chunk {n} grow in tokens?"))
        memory.put(ChatMessage(role="assistant", content=f"Chunk {n} grows to the token limit."))
    stored = rag.get_recent_messages([memory_id], session_id="user-7", limit=100)
    assert stored and all(m.agent_id == "li" and m.user_input for m in stored)
    recalled = memory.get(input="chunk tokens")
    assert "User Input: How long may chunk" in str(recalled[0].content)
    rag.delete_memory(memory_id)
    rag.close()
