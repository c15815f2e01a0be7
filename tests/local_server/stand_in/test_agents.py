"""LocalRAGFlow's agents, on the wire, as each version's handlers answer (raw HTTP)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from ragflow_integrations.samples import sample_agent_dsl
from ragflow_integrations.testing._agents import AgentRecord, citation_key, state

Api = Any


def sse_events(text: str) -> list[Any]:
    """The JSON payloads of ``data:`` lines (``[DONE]`` kept as the string).

    Not conftest's ``parse_sse``: that one keeps the space after ``data:``, so it fails on
    the ``data: [DONE]`` that the agents' OpenAI-compatible route sends.
    """
    events: list[Any] = []
    for line in text.splitlines():
        if line.startswith("data:"):
            payload = line[5:].strip()
            events.append(payload if payload == "[DONE]" else json.loads(payload))
    return events


def agent(api: Api, ds_id: str, title: str = "guide") -> str:
    """An agent over ``ds_id``: by the API from v0.19, put in the store before."""
    dsl = sample_agent_dsl([ds_id], canvas="v1" if api.d.lt(0, 20) else "v2")
    if api.d.lt(0, 19):
        store = api.server.store
        record = AgentRecord(id=store.new_id(), user_id=store.tenant_id, title=title, dsl=dsl)
        state(store).agents[record.id] = record
        return record.id
    res = api.j("POST", "/agents", json={"title": title, "dsl": dsl})
    assert res["code"] == 0, res
    if isinstance(res["data"], dict):
        return str(res["data"]["id"])
    listed = api.j("GET", "/agents", params={"title": title})
    return str(listed["data"][0]["id"])


@pytest.fixture
def seeded(api: Callable[..., Api], facts: dict[str, str]) -> Callable[[str], tuple[Api, str]]:
    def make(dialect: str) -> tuple[Api, str]:
        client = api(dialect)
        ds_id, _ = client.seeded(facts)
        return client, agent(client, ds_id)

    return make


def test_v0_27_crud_and_its_messages(seeded: Callable[[str], tuple[Api, str]]) -> None:
    api, agent_id = seeded("v0.27")
    dsl = sample_agent_dsl([])
    assert api.j("POST", "/agents", json={"title": "x"})["code"] == 101
    assert "No title" in api.j("POST", "/agents", json={"dsl": dsl})["message"]
    dup = api.j("POST", "/agents", json={"title": "GUIDE", "dsl": dsl})
    assert (dup["code"], dup["message"]) == (102, "GUIDE already exists.")
    listed = api.j("GET", "/agents", params={"keywords": "gui"})
    assert listed["data"]["total"] == 1 and listed["data"]["canvas"][0]["id"] == agent_id
    assert api.j("GET", f"/agents/{agent_id}")["data"]["title"] == "guide"
    updated = api.j("PUT", f"/agents/{agent_id}", json={"description": "about"})
    assert set(updated["data"]) == {"update_time"}
    missing = api.j("PUT", "/agents/nope", json={"title": "t"})
    assert (missing["code"], missing["message"]) == (
        103,
        "Make sure you have permission to access the agent.",
    )
    gone = api.j("DELETE", "/agents/nope")
    assert gone["message"] == "Only the owner of the agent is authorized for this operation."
    assert api.j("DELETE", f"/agents/{agent_id}") == {
        "code": 0,
        "message": "success",
        "data": True,
    }


def test_v0_27_session_and_answer_events(seeded: Callable[[str], tuple[Api, str]]) -> None:
    api, agent_id = seeded("v0.27")
    session = api.j("POST", f"/agents/{agent_id}/sessions", json={"name": "s"})["data"]
    assert session["agent_id"] == agent_id and session["message"][0]["role"] == "assistant"
    body = {"agent_id": agent_id, "session_id": session["id"], "query": "Why is the sky blue?"}
    events = sse_events(
        api.call("POST", "/agents/chat/completions", json={**body, "stream": True}).text
    )
    assert events[-1] == "[DONE]"
    kinds = [e["event"] for e in events[:-1]]
    assert set(kinds) == {"message", "message_end", "node_finished", "workflow_finished"}
    assert events[-2]["data"] == {
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "calls": 0}
    }
    text = "".join(e["data"]["content"] for e in events[:-1] if e["event"] == "message")
    end = next(e for e in events[:-1] if e["event"] == "message_end")
    keys = set(end["data"]["reference"]["chunks"])
    cited = {m for m in keys if f"[ID:{m}]" in text}
    assert cited, f"the answer cites the reference's keys: {text}"
    chunk = end["data"]["reference"]["chunks"][next(iter(cited))]
    assert citation_key(api.d, chunk["id"]) == next(iter(cited))
    whole = api.j("POST", "/agents/chat/completions", json=body)  # v0.27: stream off by default
    assert whole["data"]["event"] == "message_end" and whole["data"]["data"]["content"] == text


def test_v0_27_old_route_and_openai_shape(seeded: Callable[[str], tuple[Api, str]]) -> None:
    api, agent_id = seeded("v0.27")
    old = api.j("POST", f"/agents/{agent_id}/completions", json={"question": "Paris?"})
    assert old["code"] == 0 and old["data"]["data"]["content"]
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    body = {"agent_id": agent_id, "openai-compatible": True, "messages": messages}
    reply = api.j("POST", "/agents/chat/completions", json=body)
    assert (
        reply["object"] == "chat.completion"
        and "Paris" in reply["choices"][0]["message"]["content"]
    )
    # The deprecated alias does not set openai-compatible: it answers with agent events.
    alias = api.j(
        "POST",
        f"/agents_openai/{agent_id}/chat/completions",
        json={"messages": messages, "stream": False},
    )
    assert alias["data"]["event"] == "message_end"


def test_unsupported_components_are_refused_by_name(
    seeded: Callable[[str], tuple[Api, str]],
) -> None:
    api, _ = seeded("v0.27")
    dsl = sample_agent_dsl([])
    dsl["components"]["Switch:0"] = {"obj": {"component_name": "Switch", "params": {}}}
    created = api.j("POST", "/agents", json={"title": "branchy", "dsl": dsl})
    assert created["code"] == 0, "RAGFlow stores any DSL; running it is what fails"
    res = api.j("POST", f"/agents/{created['data']['id']}/sessions", json={})
    assert res["code"] == 102 and "'Switch:0' is a switch" in res["message"]


def test_v0_20_0_forwards_every_event_and_breaks_whole_answers(
    seeded: Callable[[str], tuple[Api, str]],
) -> None:
    api, agent_id = seeded("v0.20")
    sid = api.j("POST", f"/agents/{agent_id}/sessions", json={})["data"]["id"]
    body = {"session_id": sid, "query": "Why is the sky blue?"}
    events = sse_events(api.call("POST", f"/agents/{agent_id}/completions", json=body).text)
    assert events[0]["event"] == "workflow_started" and events[-1]["event"] == "workflow_finished"
    assert "[DONE]" not in events
    whole = api.j("POST", f"/agents/{agent_id}/completions", json={**body, "stream": False})
    assert isinstance(whole["data"], str) and whole["data"].startswith("data:")
    asked = sse_events(
        api.call(
            "POST", f"/agents/{agent_id}/completions", json={"question": "sky?", "session_id": sid}
        ).text
    )
    text = "".join(e["data"]["content"] for e in asked if e["event"] == "message")
    assert "not found" in text.lower(), "v0.20.0 reads query only: a question is not asked"


@pytest.mark.parametrize("dialect", ["v0.21", "v0.24"])
def test_v0_21_to_v0_25_0_filter_events(
    seeded: Callable[[str], tuple[Api, str]], dialect: str
) -> None:
    api, agent_id = seeded(dialect)
    body = {"query": "Why is the sky blue?"}  # no session: one is made and the query answered
    events = sse_events(api.call("POST", f"/agents/{agent_id}/completions", json=body).text)
    assert events[-1] == "[DONE]"
    kinds = {e["event"] for e in events[:-1]}
    assert kinds == (
        {"message", "message_end", "node_finished"}
        if dialect == "v0.24"
        else {"message", "message_end"}
    )
    whole = api.j("POST", f"/agents/{agent_id}/completions", json={**body, "stream": False})
    assert "Rayleigh" in whole["data"]["data"]["content"]


def test_v1_canvas_streams_cumulative_answers(seeded: Callable[[str], tuple[Api, str]]) -> None:
    api, agent_id = seeded("v0.19")
    sid = api.j("POST", f"/agents/{agent_id}/sessions", json={})["data"]["id"]
    body = {"session_id": sid, "question": "Why is the sky blue?"}
    events = sse_events(api.call("POST", f"/agents/{agent_id}/completions", json=body).text)
    assert events[-1] == {"code": 0, "message": "", "data": True}
    assert events[0]["data"]["running_status"] is True
    answers = [e["data"]["answer"] for e in events[:-1] if not e["data"].get("running_status")]
    assert all(b.startswith(a) for a, b in itertools.pairwise(answers[:-1]))
    assert "##0$$" in answers[-1]
    assert events[-2]["data"]["reference"]["chunks"]


@pytest.mark.parametrize(
    ("dialect", "opens"), [("v0.14", True), ("v0.15.1", True), ("v0.16", False), ("v0.18", False)]
)
def test_which_sessions_answer_their_first_question_with_the_opening(
    seeded: Callable[[str], tuple[Api, str]], dialect: str, opens: bool
) -> None:
    api, agent_id = seeded(dialect)
    sid = api.j("POST", f"/agents/{agent_id}/sessions", json={})["data"]["id"]
    body = {"session_id": sid, "question": "Why is the sky blue?", "stream": False}
    first = api.j("POST", f"/agents/{agent_id}/completions", json=body)["data"]["answer"]
    assert (
        first
        == state(api.server.store)
        .agents[agent_id]
        .dsl["components"]["begin"]["obj"]["params"]["prologue"]
    ) is opens


def test_v0_15_sessionless_call_opens_and_ignores_the_question(
    seeded: Callable[[str], tuple[Api, str]],
) -> None:
    api, agent_id = seeded("v0.15")
    opened = api.j(
        "POST", f"/agents/{agent_id}/completions", json={"question": "sky?", "stream": False}
    )
    assert opened["data"]["answer"].startswith("Hi! I am the RAGFlow guide agent")
    body = {
        "session_id": opened["data"]["session_id"],
        "question": "Why is the sky blue?",
        "stream": False,
    }
    assert (
        "Rayleigh" in api.j("POST", f"/agents/{agent_id}/completions", json=body)["data"]["answer"]
    )


@pytest.mark.parametrize("dialect", ["v0.24", "v0.25.0", "v0.27"])
def test_session_deletes_per_version(
    seeded: Callable[[str], tuple[Api, str]], dialect: str
) -> None:
    api, agent_id = seeded(dialect)
    ids = [api.j("POST", f"/agents/{agent_id}/sessions", json={})["data"]["id"] for _ in range(2)]
    api.j("DELETE", f"/agents/{agent_id}/sessions", json={"ids": []})
    left = {s.id for s in state(api.server.store).sessions.values()}
    assert left == (set() if dialect == "v0.24" else set(ids)), "<= v0.24: no ids means all"


def test_one_session_deleted_by_its_route_from_v0_25_1(
    seeded: Callable[[str], tuple[Api, str]],
) -> None:
    api, agent_id = seeded("v0.27")
    one, two = (api.j("POST", f"/agents/{agent_id}/sessions", json={})["data"]["id"] for _ in "ab")
    assert api.j("DELETE", f"/agents/{agent_id}/sessions/{one}") == {
        "code": 0,
        "message": "success",
        "data": 1,
    }
    assert set(state(api.server.store).sessions) == {two}
    res = api.j("DELETE", f"/agents/{agent_id}/sessions/{one}")
    assert (res["code"], res["message"], res["data"]) == (102, "Session not found!", False)
    old, old_agent = seeded("v0.25.0")
    sid = old.j("POST", f"/agents/{old_agent}/sessions", json={})["data"]["id"]
    assert old.call("DELETE", f"/agents/{old_agent}/sessions/{sid}").status_code in (404, 405)


def test_v0_25_1_has_only_the_singular_route(seeded: Callable[[str], tuple[Api, str]]) -> None:
    api, agent_id = seeded("v0.25.1")
    assert api.call("POST", f"/agents/{agent_id}/completions", json={}).status_code == 404
    body = {"agent_id": agent_id, "query": "Paris?", "stream": False}
    sid = api.j("POST", f"/agents/{agent_id}/sessions", json={})["data"]["id"]
    reply = api.j("POST", "/agents/chat/completion", json={**body, "session_id": sid})
    assert "Paris" in reply["data"]["data"]["content"]
    assert api.call("POST", "/agents/chat/completions", json=body).status_code == 404


def test_openai_route_of_v0_18_to_v0_25_0(seeded: Callable[[str], tuple[Api, str]]) -> None:
    api, agent_id = seeded("v0.24")
    path = f"/agents_openai/{agent_id}/chat/completions"
    assert (
        api.j("POST", path, json={"messages": []})["message"]
        == "required argument are missing: model; "
    )
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    events = sse_events(
        api.call("POST", path, json={"model": "m", "messages": messages, "stream": True}).text
    )
    assert events[-1] == "[DONE]" and events[0]["object"] == "chat.completion.chunk"
    assert any("reference" in e["choices"][0]["delta"] for e in events[:-1])
