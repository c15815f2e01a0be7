"""The client's agents against LocalRAGFlow where cassettes cannot reach: canvas v1's
opening turn, v0.14's limits, broken streams, refused components, the async twin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ragflow_integrations import (
    AsyncRAGFlow,
    BadRequestError,
    RAGFlow,
    StreamError,
    UnsupportedFeatureError,
)
from ragflow_integrations.samples import AGENT_PROLOGUE, load_samples, sample_agent_dsl
from ragflow_integrations.testing import LocalRAGFlow
from ragflow_integrations.testing._agents import AgentRecord, state
from tests.support import assert_deltas_rebuild

QUESTION = "How does RAGFlow cite its sources?"


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[LocalRAGFlow, RAGFlow, str]]:
    """A server of the requested dialect with the samples and an agent over them."""
    dialect = request.param
    with LocalRAGFlow(dialect, parse_delay=0.02) as server:
        rag = RAGFlow(api_key=server.api_key, base_url=server.base_url, server_version=dialect)
        samples = load_samples(rag, chat_name=None, interval=0.02)
        canvas = "v1" if server.behaviour.lt(0, 20) else "v2"
        dsl = sample_agent_dsl([samples.dataset.id], canvas=canvas)
        if server.behaviour.ge(0, 19):
            agent_id = rag.create_agent("guide", dsl).id
        else:  # no agent API yet: made in the canvas editor
            record = AgentRecord(server.store.new_id(), server.store.tenant_id, "guide", dsl)
            state(server.store).agents[record.id] = record
            agent_id = record.id
        yield server, rag, agent_id
        rag.close()


@pytest.mark.parametrize("served", ["v0.15", "v0.16", "v0.17", "v0.18", "v0.19"], indirect=True)
def test_canvas_v1_sessions_answer_the_first_question(
    served: tuple[LocalRAGFlow, RAGFlow, str],
) -> None:
    _, rag, agent_id = served
    agent = rag.get_agent(agent_id)  # a filtered list before v0.25.1
    session = agent.create_session()
    assert session.opening == AGENT_PROLOGUE
    answer = session.ask(QUESTION)
    assert answer.final and "[ID:0]" in answer.content and answer.reference
    assert AGENT_PROLOGUE not in answer.content
    streamed = list(agent.create_session().ask(QUESTION, stream=True))
    assert assert_deltas_rebuild(streamed) == answer.content
    assert all("running" not in m.content for m in streamed), "progress is not answer"


@pytest.mark.parametrize("served", ["v0.14"], indirect=True)
def test_v0_14_runs_the_agents_saved_canvas_every_time(
    served: tuple[LocalRAGFlow, RAGFlow, str],
) -> None:
    _, rag, agent_id = served
    with pytest.raises(UnsupportedFeatureError, match=r"v0\.15\.0"):
        rag.list_agents()
    session = rag.agent_session(agent_id, "unused")
    created = rag._create_agent_session(agent_id, None, {})
    assert created.opening == AGENT_PROLOGUE and session.agent_id == agent_id
    # v0.14 never stores the canvas' state: each call answers with the opening statement.
    assert created.ask(QUESTION).content == AGENT_PROLOGUE


@pytest.mark.parametrize("served", ["v0.19", "v0.27"], indirect=True)
def test_a_broken_agent_stream_keeps_what_arrived(
    served: tuple[LocalRAGFlow, RAGFlow, str],
) -> None:
    server, rag, agent_id = served
    session = rag.get_agent(agent_id).create_session()
    server.inject(kind="drop_stream", after_events=4, times=1)
    with pytest.raises(StreamError) as info:
        list(session.ask(QUESTION, stream=True))
    assert info.value.partial is not None and info.value.partial.content


@pytest.mark.parametrize("served", ["v0.27"], indirect=True)
def test_components_the_stand_in_cannot_run_are_refused(
    served: tuple[LocalRAGFlow, RAGFlow, str],
) -> None:
    _, rag, _ = served
    dsl = sample_agent_dsl([])
    dsl["components"]["Categorize:0"] = {"obj": {"component_name": "Categorize", "params": {}}}
    agent = rag.create_agent("branchy", dsl)
    with pytest.raises(BadRequestError, match="'Categorize:0' is a categorize"):
        agent.create_session()


@pytest.mark.parametrize("served", ["v0.19", "v0.25.1"], indirect=True)
async def test_async_twin(served: tuple[LocalRAGFlow, RAGFlow, str]) -> None:
    server, _, agent_id = served
    async with AsyncRAGFlow(
        api_key=server.api_key, base_url=server.base_url, server_version=server.version
    ) as arag:
        agent = await arag.get_agent(agent_id)
        session = await agent.create_session()
        answer = await session.ask(QUESTION)
        streamed = [m async for m in session.ask(QUESTION, stream=True)]
        assert assert_deltas_rebuild(streamed) == answer.content and "[ID:0]" in answer.content
        assert [s.id for s in await agent.list_sessions()] == [session.id]
        await session.delete()
        assert await agent.list_sessions() == []


@pytest.mark.parametrize("served", ["v0.27"], indirect=True)
async def test_async_memories_and_agent_objects(served: tuple[LocalRAGFlow, RAGFlow, str]) -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    from langchain_ragflow import RAGFlowChatMessageHistory

    server, _, agent_id = served
    settings = {"api_key": server.api_key, "base_url": server.base_url}
    async with AsyncRAGFlow(**settings) as arag:
        agent = await arag.get_agent(agent_id)
        await agent.update({"description": "renamed through the object"})
        assert (await arag.get_agent(agent_id)).description == "renamed through the object"
        memory = await arag.create_memory("async", ["raw", "semantic"], "e@x", "l@x")
        await memory.update({"temperature": 0.3})
        assert memory.temperature == 0.3 and (await memory.get_config()).temperature == 0.3
        history = RAGFlowChatMessageHistory(memory.id, "s-1", **settings)
        await history.aadd_messages([HumanMessage("q1"), AIMessage("a1"), HumanMessage("q2")])
        assert [m.content for m in await history.aget_messages()] == ["q1", "a1", "q2"]
        listed = await memory.list_memory_messages()
        first = listed["messages"]["message_list"][-1]["message_id"]
        await memory.update_message_status(first, False)
        assert (await memory.get_message_content(first)).status is False
        found = await arag.search_message("q2", [memory.id])
        assert [m.user_input for m in found] == ["q2"], "a disabled message is not found"
        await history.aclear()
        assert await history.aget_messages() == []
        assert (await memory.get_message_content(first)).forget_at
        page = await arag.list_memory(memory_type="semantic")
        assert [m.id for m in page.memory_list] == [memory.id]
        assert await memory.delete() and (await arag.list_memory())["total_count"] == 0
        await agent.delete()
        assert [a.id for a in await arag.list_agents()] == []
