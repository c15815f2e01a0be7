"""What the agent and memory operations send, per server version (scripted answers, no IO)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ragflow_integrations import (
    DeleteAllRequiredError,
    Dialect,
    InvalidArgumentError,
    Message,
    StreamError,
    UnsupportedFeatureError,
)
from ragflow_integrations._http import Request, Response
from ragflow_integrations._operations import agents, memories
from tests.unit_tests.core.scripted import ok, params, run

DSL: dict[str, Any] = {"components": {"begin": {"obj": {"component_name": "Begin"}}}}


def d(version: str) -> Dialect:
    return Dialect.of(version)


def sse(*events: Any) -> Response:
    body = "".join(f"data:{e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
    return Response(200, {"Content-Type": "text/event-stream"}, body.encode())


# -- what each version lacks --------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "make", "first"),
    [
        ("v0.14", lambda dl: agents.list_page(dl, 1, 30), "v0.15.0"),
        ("v0.18", lambda dl: agents.create(dl, "t", DSL), "v0.19.0"),
        ("v0.18", lambda dl: agents.update(dl, "a", {"title": "t"}), "v0.19.0"),
        ("v0.18", lambda dl: agents.delete(dl, "a"), "v0.19.0"),
        ("v0.13", lambda dl: agents.create_session(dl, "a", None, {}), "v0.14.0"),
        ("v0.17", lambda dl: agents.delete_sessions(dl, "a", ["s"]), "v0.17.1"),
        ("v0.23", lambda dl: memories.list_page(dl, 1, 50), "v0.24.0"),
        ("v0.23", lambda dl: memories.add_message(dl, ["m"], "a", "s", "q", "r"), "v0.24.0"),
    ],
)
def test_a_version_without_the_route_names_the_first_one_with_it(
    version: str, make: Any, first: str
) -> None:
    with pytest.raises(UnsupportedFeatureError, match=re.escape(first)):
        run(make(d(version)), lambda r: ok())


@pytest.mark.parametrize(
    ("version", "option", "first"),
    [
        ("v0.19", "inputs", "v0.20.0"),
        ("v0.22", "return_trace", "v0.23.0"),
        ("v0.24", "release", "v0.25.0"),
    ],
)
def test_agent_options_need_their_version(version: str, option: str, first: str) -> None:
    with pytest.raises(UnsupportedFeatureError, match=re.escape(first)):
        agents.ask_request(d(version), "a", "s", "q", stream=False, options={option: True})


# -- agents -------------------------------------------------------------------------------
def test_agent_list_filters_per_era() -> None:
    _, sent = run(agents.list_page(d("v0.20"), 1, 30, id="a1", title="T"), lambda r: ok([]))
    assert params(sent[0]) == {
        "page": ["1"],
        "page_size": ["30"],
        "orderby": ["update_time"],
        "desc": ["True"],
        "id": ["a1"],
        "title": ["T"],
    }
    rows = {"canvas": [{"id": "a1", "title": "T"}, {"id": "a2", "title": "T2"}], "total": 2}
    found, sent = run(agents.list_page(d("v0.27"), 1, 30, title="T"), lambda r: ok(rows))
    assert params(sent[0])["keywords"] == ["T"] and "title" not in params(sent[0])
    assert [a["id"] for a in found] == ["a1"], "v0.25.1+ matches keywords; the title is exact"


def test_get_agent_by_route_from_v0_25_1() -> None:
    found, sent = run(agents.get(d("v0.27"), "a:1"), lambda r: ok({"id": "a:1"}))
    assert (sent[0].method, sent[0].path) == ("GET", "/agents/a%3A1")
    assert found == {"id": "a:1"}


def test_get_agent_before_v0_25_1_reads_the_filtered_list() -> None:
    found, sent = run(agents.get(d("v0.25.0"), "a1"), lambda r: ok([{"id": "a1"}]))
    assert found == {"id": "a1"} and sent[0].path == "/agents" and params(sent[0])["id"] == ["a1"]


@pytest.mark.parametrize(("version", "reply"), [("v0.20", True), ("v0.27", {"id": "new"})])
def test_create_agent_returns_the_agent(version: str, reply: Any) -> None:
    def answer(req: Request) -> Response:
        if req.method == "POST":
            return ok(reply)
        return ok([{"id": "new", "title": "T"}])

    found, sent = run(agents.create(d(version), " T ", DSL, description="about"), answer)
    assert found["id"] == "new"
    assert sent[0].json == {"title": " T ", "dsl": DSL, "description": "about"}
    assert len(sent) == (2 if reply is True else 1), "v0.19-v0.25.0 answer true: read it back"


def test_update_and_delete_agent() -> None:
    _, sent = run(agents.update(d("v0.27"), "a1", {"title": "T", "dsl": None}), lambda r: ok())
    assert (sent[0].method, sent[0].path, sent[0].json) == ("PUT", "/agents/a1", {"title": "T"})
    with pytest.raises(InvalidArgumentError, match="cannot change"):
        run(agents.update(d("v0.27"), "a1", {"owner": "x"}), lambda r: ok())
    _, sent = run(agents.delete(d("v0.27"), "a1"), lambda r: ok(True))
    assert (sent[0].method, sent[0].path) == ("DELETE", "/agents/a1")


# -- sessions -----------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v0.15", "v0.16", "v0.17"])
def test_v1_sessions_open_by_a_completion_that_runs_to_the_opening(version: str) -> None:
    reply = {"answer": "Hi there!", "reference": [], "session_id": "s1", "id": "m"}
    found, sent = run(
        agents.create_session(d(version), "a1", "n", {"lang": "fr"}), lambda r: ok(reply)
    )
    req = sent[0]
    assert (req.method, req.path) == ("POST", "/agents/a1/completions")
    assert req.json == {"question": "", "stream": False, "lang": "fr"}
    assert found["id"] == "s1" and found["messages"] == [
        {"role": "assistant", "content": "Hi there!"}
    ]


@pytest.mark.parametrize("version", ["v0.14", "v0.18", "v0.20", "v0.27"])
def test_sessions_open_with_their_route(version: str) -> None:
    found, sent = run(
        agents.create_session(d(version), "a1", "n", {"lang": "fr"}),
        lambda r: ok({"id": "s1", "message": [{"role": "assistant", "content": "Hi"}]}),
    )
    assert (sent[0].method, sent[0].path) == ("POST", "/agents/a1/sessions")
    assert sent[0].json == {"lang": "fr", "name": "n"}
    assert found["agent_id"] == "a1"


@pytest.mark.parametrize("version", ["v0.17.1", "v0.20", "v0.24", "v0.25.0", "v0.27"])
def test_session_deletes_never_delete_more_than_named(version: str) -> None:
    dialect = d(version)
    with pytest.raises(DeleteAllRequiredError):
        run(agents.delete_sessions(dialect, "a1", None), lambda r: ok())
    assert run(agents.delete_sessions(dialect, "a1", []), lambda r: ok())[1] == []
    _, sent = run(agents.delete_sessions(dialect, "a1", ["s1"]), lambda r: ok())
    assert sent[0].json == {"ids": ["s1"]}
    _, sent = run(agents.delete_sessions(dialect, "a1", None, delete_all=True), lambda r: ok())
    assert sent[0].json == ({"delete_all": True} if dialect.version >= (0, 25, 0) else {})


def test_get_session_by_route_or_list() -> None:
    _, sent = run(agents.get_session(d("v0.27"), "a1", "s1"), lambda r: ok({"id": "s1"}))
    assert sent[0].path == "/agents/a1/sessions/s1"
    found, sent = run(agents.get_session(d("v0.24"), "a1", "s1"), lambda r: ok([{"id": "s1"}]))
    assert sent[0].path == "/agents/a1/sessions" and params(sent[0])["id"] == ["s1"]
    assert found["agent_id"] == "a1"


# -- completions --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "route", "body"),
    [
        ("v0.19", "/agents/a1/completions", {"question": "q", "stream": True, "session_id": "s"}),
        ("v0.20", "/agents/a1/completions", {"query": "q", "stream": True, "session_id": "s"}),
        (
            "v0.25.1",
            "/agents/chat/completion",
            {"query": "q", "stream": True, "session_id": "s", "agent_id": "a1"},
        ),
        (
            "v0.27",
            "/agents/chat/completions",
            {
                "query": "q",
                "stream": True,
                "session_id": "s",
                "agent_id": "a1",
                "openai-compatible": False,
            },
        ),
    ],
)
def test_ask_request_per_version(version: str, route: str, body: dict[str, Any]) -> None:
    req = agents.ask_request(d(version), "a1", "s", "q", stream=True, options={})
    assert (req.method, req.path, req.json, req.stream) == ("POST", route, body, True)
    assert not req.idempotent


def test_v0_20_0_is_asked_for_a_stream_even_for_a_whole_answer() -> None:
    answer = sse(
        {"event": "message", "session_id": "s", "data": {"content": "Paris [ID:3]."}},
        {"event": "message_end", "data": {"reference": {"chunks": {"3": {"id": "c3"}}}}},
        {"event": "workflow_finished", "data": {}},
    )
    message, sent = run(agents.ask(d("v0.20"), "a1", "s", "q", {}), lambda r: answer)
    assert sent[0].json["stream"] is True
    assert message.final and message.content == "Paris [ID:0]." and message.reference[0].id == "c3"


def test_a_whole_answer_needs_the_end_of_the_workflow_on_v0_20_0() -> None:
    cut = sse({"event": "message", "data": {"content": "Par"}})
    with pytest.raises(StreamError, match="before the server's end marker") as info:
        run(agents.ask(d("v0.20"), "a1", "s", "q", {}), lambda r: cut)
    partial = info.value.partial  # what had arrived is kept
    assert isinstance(partial, Message) and partial.content == "Par" and not partial.final


@pytest.mark.parametrize(
    ("version", "streams"), [("v0.20", True), ("v0.20.4", False), ("v0.27", True)]
)
def test_which_versions_stream(version: str, streams: bool) -> None:
    assert d(version).agent_streams(True) is streams


def test_a_whole_answer_on_v0_27() -> None:
    reply = {
        "event": "message_end",
        "session_id": "s",
        "data": {"content": "Hi [ID:8]", "reference": {"chunks": {"8": {"id": "c8"}}}},
    }
    message, sent = run(
        agents.ask(d("v0.27"), "a1", "s", "q", {"inputs": {"k": {"value": 1}}}), lambda r: ok(reply)
    )
    assert sent[0].json["stream"] is False and sent[0].json["inputs"] == {"k": {"value": 1}}
    assert message.content == "Hi [ID:0]" and message.session_id == "s"


@pytest.mark.parametrize(
    ("version", "route", "extra"),
    [
        ("v0.18", "/agents_openai/a1/chat/completions", {}),
        ("v0.25.0", "/agents_openai/a1/chat/completions", {}),
        ("v0.25.1", "/agents/chat/completion", {"agent_id": "a1", "openai-compatible": True}),
        ("v0.27", "/agents/chat/completions", {"agent_id": "a1", "openai-compatible": True}),
    ],
)
def test_openai_agent_request(version: str, route: str, extra: dict[str, Any]) -> None:
    msgs = [{"role": "user", "content": "q"}]
    req = agents.openai_request(d(version), "a1", msgs, stream=False, session_id="s")
    assert req.path == route
    assert req.json == {
        "model": "model",
        "messages": msgs,
        "stream": False,
        "session_id": "s",
        **extra,
    }
    with pytest.raises(UnsupportedFeatureError, match=r"v0\.18\.0"):
        agents.openai_request(d("v0.17"), "a1", msgs, stream=False)
    with pytest.raises(InvalidArgumentError):
        agents.openai_request(
            d(version), "a1", [{"role": "assistant", "content": "x"}], stream=False
        )


@pytest.mark.parametrize("bad", ["..", "a/b", "a\nb", "a\\b", 7])
def test_hostile_agent_ids_never_reach_a_path(bad: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        run(agents.get(d("v0.27"), bad), lambda r: ok())
    with pytest.raises(InvalidArgumentError):
        agents.ask_request(d("v0.20"), bad, "s", "q", stream=False, options={})
    with pytest.raises(InvalidArgumentError):
        run(agents.delete_sessions(d("v0.27"), bad, ["s1"]), lambda r: ok())


# -- memories -----------------------------------------------------------------------------
def test_memory_requests() -> None:
    dl = d("v0.27")
    _, sent = run(memories.create(dl, "m", ["raw"], "e@x", "l@x"), lambda r: ok({"id": "m1"}))
    assert sent[0].json == {"name": "m", "memory_type": ["raw"], "embd_id": "e@x", "llm_id": "l@x"}
    page = {"memory_list": [{"id": "m1"}], "total_count": 1}
    found, sent = run(
        memories.list_page(dl, 2, 10, memory_type=["raw", "semantic"], tenant_id="t"),
        lambda r: ok(page),
    )
    assert params(sent[0]) == {
        "page": ["2"],
        "page_size": ["10"],
        "tenant_id": ["t"],
        "memory_type": ["raw,semantic"],
    }
    assert found == page
    reply = Response(
        200, {"Content-Type": "application/json"}, b'{"code":0,"message":"All add to task."}'
    )
    said, sent = run(memories.add_message(dl, "m1", "a", "s", "q", "r"), lambda r: reply)
    assert said == "All add to task." and sent[0].json["memory_id"] == ["m1"]
    _, sent = run(memories.search_messages(dl, "q", ["m1", "m2"], top_n=3), lambda r: ok([]))
    assert params(sent[0])["memory_id"] == ["m1", "m2"] and params(sent[0])["top_n"] == ["3"]
    _, sent = run(memories.recent_messages(dl, ["m1"], session_id="s"), lambda r: ok([]))
    assert params(sent[0]) == {"memory_id": ["m1"], "session_id": ["s"], "limit": ["10"]}


def test_message_paths_escape_the_memory_and_check_the_message() -> None:
    dl = d("v0.24")
    _, sent = run(memories.get_message(dl, "m:1", 7), lambda r: ok({"message_id": 7}))
    assert sent[0].path == "/messages/m%3A1:7/content"
    _, sent = run(memories.forget_message(dl, "m1", "8"), lambda r: ok())
    assert (sent[0].method, sent[0].path) == ("DELETE", "/messages/m1:8")
    _, sent = run(memories.set_message_status(dl, "m1", 8, False), lambda r: ok())
    assert sent[0].json == {"status": False}
    for bad in ("8/../x", -1, True, 1.5, None):
        with pytest.raises(InvalidArgumentError):
            run(memories.forget_message(dl, "m1", bad), lambda r: ok())
    with pytest.raises(InvalidArgumentError):
        run(memories.set_message_status(dl, "m1", 8, 0), lambda r: ok())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        run(memories.recent_messages(dl, []), lambda r: ok())


# -- helpers the framework layers share -----------------------------------------------------
def test_exchanges_pair_turns_and_read_back_in_order() -> None:
    from ragflow_integrations import MemoryMessage
    from ragflow_integrations.types.memory import pair_turns, stored_turns

    turns = [("user", "a"), ("assistant", "b"), ("user", "c"), ("user", "d"), ("assistant", "e")]
    assert pair_turns(turns) == [("a", "b"), ("c", ""), ("d", "e")]
    assert pair_turns([("assistant", "hi")]) == [("", "hi")]
    stored = [
        MemoryMessage(message_id=9, content="User Input: d\nAgent Response: e"),
        MemoryMessage(message_id=3, content="User Input: a\nAgent Response: b"),
        MemoryMessage(message_id=4, content="User Input: c\nAgent Response: "),
        MemoryMessage(message_id=5, content="x", message_type="semantic", source_id=3),
        MemoryMessage(message_id=6, content="User Input: q\nAgent Response: r", forget_at="2026"),
    ]
    assert stored_turns(stored) == [
        ("user", "a"),
        ("assistant", "b"),
        ("user", "c"),
        ("user", "d"),
        ("assistant", "e"),
    ]
    assert stored[0]["message_id"] == 9 and "extract" in stored[0] and stored[0].get("nope") is None


def test_agent_tool_names() -> None:
    from ragflow_integrations import Agent

    assert Agent(id="a" * 32, title="RAGFlow guide agent!").tool_name == "ragflow_guide_agent"
    assert Agent(id="b" * 32, title="问答").tool_name == "ragflow_agent_bbbbbbbb"
    assert len(Agent(id="c", title="x" * 99).tool_name) == 64


def test_agent_sessions_are_sessions_as_in_the_official_sdk() -> None:
    from ragflow_integrations import AgentSession, AsyncAgentSession, AsyncSession, Session

    legacy = AgentSession.model_validate({"id": "s", "dialog_id": "agent-1", "message": None})
    assert isinstance(legacy, Session) and legacy.agent_id == "agent-1"
    assert legacy.chat_id == "" and "chat_id" not in legacy.model_dump()  # never a chat's id
    assert legacy.messages == [] and legacy.name is None
    assert issubclass(AsyncAgentSession, AsyncSession)
    with pytest.raises(UnsupportedFeatureError, match="rename an agent session"):
        legacy.update({"name": "other"})


def test_agent_dsl_defaults_to_a_begin_only_canvas() -> None:
    from ragflow_integrations import Agent, AgentDsl, AsyncAgent

    assert Agent.Dsl is AgentDsl and AsyncAgent.Dsl is AgentDsl
    dsl = Agent.Dsl(None, {})
    assert dsl.components["begin"]["obj"]["component_name"] == "Begin"
    assert dsl.graph["nodes"][0]["id"] == "begin"
    assert dsl.answer == dsl.history == dsl.messages == dsl.path == dsl.reference == []
    mine = Agent.Dsl(None, {"components": DSL["components"], "globals": {"sys.query": ""}})
    assert mine.to_json()["components"] == DSL["components"]
    assert mine.to_json()["globals"] == {"sys.query": ""}  # unknown keys are kept
    assert "Dsl" not in Agent.model_fields
