"""Agents and memories through the client, replayed from cassettes.

v0.20 (canvas v2's first release: ``query``, every event forwarded, no ``[DONE]``), v0.25.1
(``/agents/chat/completion``, the old route gone) and v0.27 (``/agents/chat/completions``),
recorded against LocalRAGFlow. Each dialect gets the seeded sample dataset and the sample
agent over it (Begin -> Retrieval -> Agent -> Message).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import pytest

from ragflow_integrations import (
    AgentSession,
    AsyncAgentSession,
    AsyncRAGFlow,
    DeleteAllRequiredError,
    Message,
    NotFoundError,
    RAGFlow,
    UnsupportedFeatureError,
)
from ragflow_integrations.samples import AGENT_PROLOGUE, sample_agent_dsl
from tests.support import Seeded, assert_deltas_rebuild, seeded_environment

DIALECTS = ["v0.20", "v0.25.1", "v0.27"]
MODELS = {"embd_id": "BAAI/bge-small-en-v1.5@Builtin", "llm_id": "glm-4-flash@ZHIPU-AI"}
QUESTION = "How does RAGFlow cite its sources?"
pytestmark = pytest.mark.vcr


@pytest.fixture(scope="module", params=DIALECTS)
def env(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with seeded_environment(request.param, "test_agent_flow", agent=True) as seeded:
        yield seeded


@pytest.fixture
def rag(env: Seeded) -> Iterator[RAGFlow]:
    with RAGFlow(**env.client_kwargs()) as client:
        yield client


@pytest.fixture
async def arag(env: Seeded) -> AsyncIterator[AsyncRAGFlow]:
    async with AsyncRAGFlow(**env.client_kwargs()) as client:
        yield client


def assert_cited(answer: Message) -> None:
    """A final answer whose every ``[ID:N]`` indexes its references."""
    assert answer.final and answer.reference, answer
    cited = [int(n) for n in re.findall(r"\[ID:(\d+)\]", answer.content)]
    assert cited and max(cited) < len(answer.reference), answer.content
    assert AGENT_PROLOGUE not in answer.content, "the opening statement is kept apart"


def test_agents_listed_read_updated_created_deleted(rag: RAGFlow, env: Seeded) -> None:
    listed = rag.list_agents()
    assert env.agent_id in {a.id for a in listed}
    agent = rag.get_agent(env.agent_id)
    assert agent.title == "agent_test_agent_flow" and agent.prologue == AGENT_PROLOGUE
    assert rag.get_agent(title=agent.title).id == agent.id
    rag.update_agent(agent.id, description="Answers from the notes.")
    assert rag.get_agent(agent.id).description == "Answers from the notes."
    extra = rag.create_agent("extra agent", sample_agent_dsl([env.dataset_id]))
    assert extra.id and extra.title == "extra agent"
    rag.delete_agent(extra.id)
    assert extra.id not in {a.id for a in rag.list_agents()}
    with pytest.raises(NotFoundError):
        rag.get_agent(title="no such agent")


def test_ask_whole_and_streamed(rag: RAGFlow, env: Seeded) -> None:
    session = rag.get_agent(env.agent_id).create_session("flow")
    assert isinstance(session, AgentSession) and session.opening == AGENT_PROLOGUE
    whole = session.ask(QUESTION)
    assert_cited(whole)
    messages = list(session.ask(QUESTION, stream=True))
    assert_deltas_rebuild(messages)
    assert_cited(messages[-1])
    assert messages[-1].content == whole.content
    assert [c.id for c in messages[-1].reference] == [c.id for c in whole.reference]
    assert messages[-1].session_id == session.id


def test_sessions_listed_read_and_deleted_as_named(rag: RAGFlow, env: Seeded) -> None:
    agent = rag.get_agent(env.agent_id)
    one, two = agent.create_session("one"), agent.create_session("two")
    assert {one.id, two.id} <= {s.id for s in agent.list_sessions(page_size=100)}
    assert agent.get_session(two.id).id == two.id
    with pytest.raises(DeleteAllRequiredError):
        agent.delete_sessions()
    agent.delete_sessions(ids=[])  # sends nothing
    agent.delete_sessions(ids=[one.id])
    left = {s.id for s in agent.list_sessions(page_size=100)}
    assert two.id in left and one.id not in left
    handle = rag.agent_session(env.agent_id, two.id)
    assert_cited(handle.ask(QUESTION))


def test_openai_compatible(rag: RAGFlow, env: Seeded) -> None:
    messages = [{"role": "user", "content": QUESTION}]
    completion = rag.openai_agent_completion(env.agent_id, messages)
    cited = [int(n) for n in re.findall(r"\[ID:(\d+)\]", completion.content)]
    assert cited and max(cited) < len(completion.reference)
    chunks = list(rag.openai_agent_completion(env.agent_id, messages, stream=True))
    assert "".join(c.delta for c in chunks) == completion.content
    last_reference = next(c.reference for c in reversed(chunks) if c.reference)
    assert [c.id for c in last_reference] == [c.id for c in completion.reference]


def test_memories(rag: RAGFlow, env: Seeded) -> None:
    if rag._dialect().version < (0, 24, 0):
        with pytest.raises(UnsupportedFeatureError, match=r"v0\.24\.0"):
            rag.create_memory("notes", ["raw"], **MODELS)
        return
    memory = rag.create_memory("notes", ["raw"], **MODELS)
    assert memory.memory_type == ["raw"] and memory.id
    answer = rag.agent_session(env.agent_id, "s-1")
    assert answer.agent_id == env.agent_id
    said = rag.add_message([memory.id], env.agent_id, "s-1", QUESTION, "With [ID:n] markers.")
    assert said == "All add to task."
    rag.add_message(memory.id, env.agent_id, "s-2", "What is chunking?", "Splitting documents.")
    listed = memory.list_memory_messages()
    assert listed["messages"]["total_count"] == 2
    recent = rag.get_recent_messages([memory.id], session_id="s-1")
    assert [m.user_input for m in recent] == [QUESTION]
    found = rag.search_message("chunking documents", [memory.id], top_n=1)
    assert [m.session_id for m in found] == ["s-2"]
    first = recent[0].message_id
    memory.update_message_status(first, False)
    assert memory.get_message_content(first).status is False
    memory.forget_message(first)
    assert memory.get_message_content(first).forget_at
    memory.update({"description": "Agent turns"})
    assert memory.description == "Agent turns" and memory.get_config().description == "Agent turns"
    page = rag.list_memory(keywords="notes")
    assert page["total_count"] == 1 and page.memory_list[0].id == memory.id
    rag.delete_memory(memory.id)
    assert rag.list_memory()["total_count"] == 0


async def test_async_agent_and_memory(arag: AsyncRAGFlow, env: Seeded) -> None:
    agent = await arag.get_agent(env.agent_id)
    session = await agent.create_session("async")
    assert isinstance(session, AsyncAgentSession)
    assert_cited(await session.ask(QUESTION))
    messages = [m async for m in session.ask(QUESTION, stream=True)]
    assert_deltas_rebuild(messages)
    assert_cited(messages[-1])
    completion = await arag.openai_agent_completion(
        env.agent_id, [{"role": "user", "content": QUESTION}]
    )
    assert completion.content and completion.reference
    await agent.delete_sessions(ids=[session.id])
    if (await arag._dialect()).version >= (0, 24, 0):
        memory = await arag.create_memory("async notes", ["raw"], **MODELS)
        await arag.add_message([memory.id], env.agent_id, session.id, QUESTION, "Cited.")
        recent = await arag.get_recent_messages([memory.id])
        assert [m.agent_response for m in recent] == ["Cited."]
        await memory.delete()
