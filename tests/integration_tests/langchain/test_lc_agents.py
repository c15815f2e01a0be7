"""LangChain over RAGFlow agents and memories, replayed from cassettes recorded against
LocalRAGFlow: ChatRAGFlow(agent_id=...) on v0.20 and v0.27, the toolkit's agent tool, and
RAGFlowChatMessageHistory on v0.25.1 and v0.27 (memories are v0.24+)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage

from langchain_ragflow import ChatRAGFlow, RAGFlowChatMessageHistory, RAGFlowToolkit
from ragflow_integrations import InvalidArgumentError, RAGFlow, UnsupportedFeatureError
from ragflow_integrations.samples import AGENT_PROLOGUE
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem
QUESTION = "How does RAGFlow cite its sources?"
MODELS = {"embd_id": "BAAI/bge-small-en-v1.5@Builtin", "llm_id": "glm-4-flash@ZHIPU-AI"}
pytestmark = pytest.mark.vcr


@pytest.fixture(scope="module", params=["v0.20", "v0.25.1", "v0.27"])
def seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with seeded_environment(request.param, NAME, agent=True) as seeded:
        yield seeded


def agent_model(seeded: Seeded) -> ChatRAGFlow:
    return ChatRAGFlow(agent_id=seeded.agent_id, **seeded.client_kwargs())


def check_answer(seeded: Seeded, message: AIMessage) -> None:
    meta = message.response_metadata
    assert meta["agent_id"] == seeded.agent_id and "chat_id" not in meta
    assert meta["references"] and meta["citations"] and meta["session_id"]
    for citation in meta["citations"]:
        n = citation["extras"]["reference_index"]
        assert citation["extras"]["chunk_id"] == meta["references"][n]["id"]
        assert citation["extras"]["document_id"] in seeded.document_ids
    assert AGENT_PROLOGUE not in str(message.content)


def test_invoke_and_stream_an_agent(seeded: Seeded) -> None:
    llm = agent_model(seeded)
    answer = llm.invoke(QUESTION)
    check_answer(seeded, answer)
    chunks = list(llm.stream(QUESTION))
    assert [c.chunk_position for c in chunks].count("last") == 1
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert isinstance(full, AIMessageChunk) and full.content == answer.content
    check_answer(seeded, full)
    for citation in full.response_metadata["citations"]:
        assert 0 <= citation["start_index"] < citation["end_index"] <= len(full.content)


async def test_async_and_session_mode(seeded: Seeded) -> None:
    llm = agent_model(seeded)
    session_id = await llm.acreate_session()
    config = {"configurable": {"ragflow_session_id": session_id}}
    answer = await llm.ainvoke(QUESTION, config=config)
    check_answer(seeded, answer)
    assert answer.response_metadata["session_id"] == session_id
    chunks = [c async for c in llm.astream([HumanMessage(QUESTION)], config=config)]
    assert chunks[-1].response_metadata["session_id"] == session_id
    with pytest.raises(UnsupportedFeatureError, match="sessions"):
        await llm.ainvoke([HumanMessage("a"), AIMessage("b"), HumanMessage(QUESTION)])


def test_toolkit_offers_the_agent_by_its_title(seeded: Seeded) -> None:
    toolkit = RAGFlowToolkit(
        dataset_ids=[seeded.dataset_id], agent_ids=[seeded.agent_id], **seeded.client_kwargs()
    )
    tools = {t.name: t for t in toolkit.get_tools()}
    tool = tools["agent_test_lc_agents"]
    assert tool.description.startswith("Answers questions about RAGFlow from the sample notes")
    result = tool.invoke(
        {"type": "tool_call", "name": tool.name, "id": "1", "args": {"question": QUESTION}}
    )
    assert "Sources:\n[ID:0]" in result.content
    assert result.artifact and result.artifact[0].metadata["reference_index"] == 0


def test_chat_message_history_in_a_memory(seeded: Seeded) -> None:
    kwargs = seeded.client_kwargs()
    rag = RAGFlow(**kwargs)
    if rag._dialect().version < (0, 24, 0):
        with pytest.raises(UnsupportedFeatureError, match=r"v0\.24\.0"):
            RAGFlowChatMessageHistory("m" * 32, "s", **kwargs).messages  # noqa: B018
        return
    memory = rag.create_memory("lc history", ["raw"], **MODELS)
    history = RAGFlowChatMessageHistory(memory.id, "user-1", agent_id=seeded.agent_id, **kwargs)
    other = RAGFlowChatMessageHistory(memory.id, "user-2", agent_id=seeded.agent_id, **kwargs)
    history.add_messages([HumanMessage("Hi"), AIMessage("Hello!"), HumanMessage("Cite?")])
    other.add_user_message("Someone else")
    assert [(type(m).__name__, m.content) for m in history.messages] == [
        ("HumanMessage", "Hi"),
        ("AIMessage", "Hello!"),
        ("HumanMessage", "Cite?"),
    ]
    with pytest.raises(InvalidArgumentError, match="system"):
        history.add_messages([SystemMessage("rules")])
    history.clear()
    assert history.messages == []
    assert [m.content for m in other.messages] == ["Someone else"], "clear() is this one only"
    rag.delete_memory(memory.id)
    rag.close()
