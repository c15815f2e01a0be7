"""Agents: ``/agents``, their sessions and completions, and the OpenAI-compatible route."""

from __future__ import annotations

from typing import Any

from .._agent_stream import AgentAccumulator, agent_openai_answer
from .._dialect import Dialect
from .._envelope import unwrap
from .._exceptions import InvalidArgumentError, NotFoundError, StreamError
from .._http import Request, path
from .._streaming import SSEDecoder
from ..types.openai import ChatCompletion
from ..types.session import Message
from . import completions
from ._core import Op, call, delete_body, expect_dict, expect_list, query

__all__ = [
    "accumulator",
    "ask",
    "ask_request",
    "create",
    "create_session",
    "delete",
    "delete_sessions",
    "get",
    "get_session",
    "list_page",
    "list_sessions",
    "openai_answer",
    "openai_request",
    "parse_answer",
    "parse_openai",
    "update",
]

_UPDATABLE = frozenset({"title", "description", "dsl", "canvas_type", "avatar", "permission"})


# -- agents ------------------------------------------------------------------------------
def list_page(
    d: Dialect,
    page: int,
    page_size: int,
    *,
    orderby: str = "update_time",
    desc: bool = True,
    id: str | None = None,
    title: str | None = None,
) -> Op[list[dict[str, Any]]]:
    """One page of agents. v0.25.1+ filters by ``keywords``, not ``id``/``title``, so those
    filters are applied here to what it sends back."""
    d.require("list_agents", "listing agents")
    params: dict[str, Any] = {
        **d.page_params(page, page_size),
        "orderby": orderby,
        "desc": desc,
    }
    if d.has("get_agent"):
        params["keywords"] = title
    else:
        params.update(id=id, title=title)
    req = Request("GET", "/agents", "list agents", params=query(params))
    data = yield from call(req)
    agents = expect_list(data, req, "canvas" if isinstance(data, dict) else None)
    if d.has("get_agent"):
        agents = [
            a
            for a in agents
            if isinstance(a, dict)
            and (id is None or a.get("id") == id)
            and (title is None or a.get("title") == title)
        ]
    return agents


def get(d: Dialect, id: str | None = None, title: str | None = None) -> Op[dict[str, Any]]:
    """One agent by id (``GET /agents/{id}`` from v0.25.1, a filtered list before) or title."""
    if not id and not title:
        raise InvalidArgumentError("get_agent needs an agent id or a title")
    if id and d.has("get_agent"):
        req = Request("GET", path("/agents/{}", id), "get agent")
        return expect_dict((yield from call(req)), req)
    found = yield from list_page(d, 1, 1 if id else 100, id=id, title=title)
    if not found:
        raise NotFoundError(f"no agent with {'id ' + repr(id) if id else 'title ' + repr(title)}")
    return expect_dict(found[0], Request("GET", "/agents", "get agent"))


def create(
    d: Dialect,
    title: str,
    dsl: dict[str, Any],
    description: str | None = None,
    canvas_type: str | None = None,
) -> Op[dict[str, Any]]:
    """Create an agent from a canvas DSL; servers before v0.25.1 answer ``true``, so the
    new agent is then read back by its title."""
    d.require("agent_crud", "creating agents")
    if not isinstance(title, str) or not title.strip():
        raise InvalidArgumentError("an agent needs a non-empty title")
    if not isinstance(dsl, dict):
        raise InvalidArgumentError(f"dsl must be a dict, got {type(dsl).__name__}")
    body: dict[str, Any] = {"title": title, "dsl": dsl}
    if description is not None:
        body["description"] = description
    if canvas_type is not None:
        body["canvas_type"] = canvas_type
    req = Request("POST", "/agents", "create agent", json=body, idempotent=False)
    data = yield from call(req)
    if isinstance(data, dict) and data.get("id"):
        return data
    return (yield from get(d, title=title.strip()))


def update(d: Dialect, agent_id: str, fields: dict[str, Any]) -> Op[None]:
    """Change an agent's title, description, DSL or canvas type (``None`` values unsent)."""
    d.require("agent_crud", "updating agents")
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise InvalidArgumentError(f"an agent update cannot change {sorted(unknown)}")
    body = {k: v for k, v in fields.items() if v is not None}
    req = Request("PUT", path("/agents/{}", agent_id), "update agent", json=body)
    yield from call(req)
    return None


def delete(d: Dialect, agent_id: str) -> Op[None]:
    """Delete one agent."""
    d.require("agent_crud", "deleting agents")
    req = Request("DELETE", path("/agents/{}", agent_id), "delete agent", json={})
    yield from call(req)
    return None


# -- sessions ----------------------------------------------------------------------------
def create_session(
    d: Dialect, agent_id: str, name: str | None, inputs: dict[str, Any]
) -> Op[dict[str, Any]]:
    """Open a session whose next question is answered.

    On v0.15-v0.17 a session opened with ``POST .../sessions`` answers its first question
    with the opening statement (canvas v1 stops there first), so it is opened by a
    completion without ``session_id``, which runs the agent to its opening statement.
    """
    d.require("agent_sessions", "agent sessions")
    if d.agent_session_by_completion:
        req = ask_request(d, agent_id, None, "", stream=False, options=inputs)
        data = expect_dict((yield from call(req)), req)
        opening = str(data.get("answer") or "")
        return {
            "id": data.get("session_id"),
            "agent_id": agent_id,
            "name": name,
            "messages": [{"role": "assistant", "content": opening}],
        }
    body: dict[str, Any] = dict(inputs)
    if name is not None:
        body["name"] = name
    req = Request(
        "POST",
        path("/agents/{}/sessions", agent_id),
        "create agent session",
        json=body,
        idempotent=False,
    )
    data = expect_dict((yield from call(req)), req)
    data.setdefault("agent_id", agent_id)
    return data


def list_sessions(
    d: Dialect,
    agent_id: str,
    page: int,
    page_size: int,
    *,
    orderby: str = "create_time",
    desc: bool = True,
    id: str | None = None,
    user_id: str | None = None,
) -> Op[list[dict[str, Any]]]:
    """One page of an agent's sessions."""
    d.require("list_agents", "listing agent sessions")
    params = {
        **d.page_params(page, page_size),
        "orderby": orderby,
        "desc": desc,
        "id": id,
        "user_id": user_id,
    }
    req = Request(
        "GET", path("/agents/{}/sessions", agent_id), "list agent sessions", params=query(params)
    )
    sessions = expect_list((yield from call(req)), req)
    for s in sessions:
        if isinstance(s, dict):
            s.setdefault("agent_id", s.get("dialog_id", agent_id))
    return sessions


def get_session(d: Dialect, agent_id: str, session_id: str) -> Op[dict[str, Any]]:
    """One session (``GET .../sessions/{sid}`` from v0.25.1, a filtered list before)."""
    if d.has("get_agent"):
        req = Request(
            "GET", path("/agents/{}/sessions/{}", agent_id, session_id), "get agent session"
        )
        found = expect_dict((yield from call(req)), req)
        found.setdefault("agent_id", found.get("dialog_id", agent_id))
        return found
    sessions = yield from list_sessions(d, agent_id, 1, 1, id=session_id)
    if not sessions:
        raise NotFoundError(f"agent {agent_id!r} has no session {session_id!r}")
    return expect_dict(sessions[0], Request("GET", "/agents", "get agent session"))


def delete_sessions(
    d: Dialect, agent_id: str, ids: list[str] | None, *, delete_all: bool = False
) -> Op[None]:
    """Delete sessions; never sends an empty list where it would mean "all"."""
    d.require("delete_agent_sessions", "deleting agent sessions")
    body = delete_body(d.delete_mode("sessions"), ids, delete_all, "delete_sessions")
    if body is None:
        return None
    req = Request(
        "DELETE", path("/agents/{}/sessions", agent_id), "delete agent sessions", json=body
    )
    yield from call(req)
    return None


# -- completions -------------------------------------------------------------------------
def ask_request(
    d: Dialect,
    agent_id: str,
    session_id: str | None,
    question: str,
    *,
    stream: bool,
    options: dict[str, Any],
) -> Request:
    """The request that runs an agent on this version (see ``Dialect.agent_completion_path``).

    Canvas v1 (<= 0.19) reads ``question`` and takes Begin inputs as body keys; canvas v2
    reads ``query`` and ``inputs``.
    """
    d.require("agent_sessions", "running agents")
    if not isinstance(question, str):
        raise InvalidArgumentError(f"the question must be a string, got {type(question).__name__}")
    options = dict(options)
    for key, feature in (
        ("return_trace", "agent_trace"),
        ("release", "agent_release"),
        ("inputs", "agent_events"),
    ):
        if key in options:
            d.require(feature, f"agent option {key!r}")
    body: dict[str, Any] = {d.agent_question_key: question, "stream": stream}
    if session_id is not None:
        body["session_id"] = session_id
    body.update(options)
    route = d.agent_completion_path
    if route is None:
        route = path("/agents/{}/completions", agent_id)
    else:
        body["agent_id"] = agent_id
        if d.has("unified_agent_completions"):
            body["openai-compatible"] = False
    return Request("POST", route, "ask agent", json=body, stream=stream, idempotent=False)


def accumulator(d: Dialect) -> AgentAccumulator:
    """The normaliser for this version's agent stream."""
    return AgentAccumulator(cumulative=not d.has("agent_events"))


def parse_answer(data: Any, req: Request) -> Message:
    """A whole agent answer (``stream: false``) as a :class:`Message`.

    Canvas v1 answers like a chat; canvas v2 with its last event, whose ``data`` holds the
    whole ``content`` (or, v0.20.1-v0.20.3, ``outputs.content``) and the ``reference``.
    """
    data = expect_dict(data, req)
    if isinstance(data.get("data"), dict):
        acc = AgentAccumulator(cumulative=False)
        acc.whole(data)
        return acc.result()
    if "answer" in data:
        return completions.message_from_answer(data, req)
    return Message(session_id=data.get("session_id"), final=True)


def ask(
    d: Dialect, agent_id: str, session_id: str | None, question: str, options: dict[str, Any]
) -> Op[Message]:
    """Ask and wait for the whole answer (v0.20.0 is asked for a stream, read whole)."""
    req = ask_request(
        d, agent_id, session_id, question, stream=d.agent_streams(False), options=options
    )
    resp = yield req
    if not req.stream or resp.status >= 400 or "json" in resp.content_type:
        return parse_answer(unwrap(resp, req), req)
    acc = accumulator(d)
    decoder = SSEDecoder()
    for payload in [*decoder.feed(resp.body), *decoder.flush()]:
        acc.feed(payload)
    if not acc.done:
        raise StreamError(
            f"{req.describe()}: the answer ended before the server's end marker",
            partial=acc.last,
        )
    return acc.result()


# -- OpenAI-compatible -------------------------------------------------------------------
def openai_request(
    d: Dialect,
    agent_id: str,
    messages: list[dict[str, Any]],
    *,
    stream: bool,
    session_id: str | None = None,
) -> Request:
    """A request to the agent's OpenAI-compatible endpoint (v0.18+): the last user message
    is the question; ``session_id`` continues a session."""
    d.require("agents_openai", "the agents' OpenAI-compatible endpoint")
    if not messages or not isinstance(messages, list):
        raise InvalidArgumentError("openai_agent_completion needs a non-empty list of messages")
    if not any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
        raise InvalidArgumentError("the messages need a user message (the question)")
    body: dict[str, Any] = {"model": "model", "messages": messages, "stream": stream}
    if session_id is not None:
        body["session_id"] = session_id
    route = d.agent_completion_path
    if route is None:
        route = path("/agents_openai/{}/chat/completions", agent_id)
    else:
        body["agent_id"] = agent_id
        body["openai-compatible"] = True
    return Request(
        "POST",
        route,
        "OpenAI-compatible agent completion",
        json=body,
        stream=stream,
        idempotent=False,
    )


def openai_answer(req: Request) -> Op[ChatCompletion]:
    """Send a non-stream OpenAI-compatible request; its answer (errors come enveloped)."""
    return (yield from completions.openai_answer(req, parse_openai))


def parse_openai(raw: Any, req: Request) -> ChatCompletion:
    """A whole OpenAI-compatible agent answer, citations renumbered."""
    return completions.parse_openai(agent_openai_answer(raw), req)
