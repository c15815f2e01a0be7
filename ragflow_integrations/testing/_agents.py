"""Agents in LocalRAGFlow: CRUD, sessions and completions in each dialect's wire format.

LocalRAGFlow has no language model, so it runs a small, declared subset of the canvas DSL
and refuses any other component (code 102, naming it):

* canvas v1 (servers up to v0.19): ``Begin`` (``prologue``, ``query`` inputs), ``Answer``
  (where the run stops for the user), ``Retrieval`` (``kb_ids``, ``top_n``,
  ``similarity_threshold``) and ``Generate`` (the answer: the first sentence of the best
  chunks, cited ``##N$$`` when ``cite`` is on, as the model's cited answer would be);
* canvas v2 (v0.20+): ``Begin`` (``prologue``, ``inputs``), ``Retrieval``, ``Agent`` or
  ``LLM`` (that extractive answer, cited ``[ID:<key>]`` with RAGFlow's hashed keys) and
  ``Message`` (``content`` templates: ``{sys.query}``, ``{<component>@<output>}``,
  ``{begin@<input>}``).

A v1 run stops at ``Answer`` once with the opening statement before it answers, as RAGFlow
does; v2 answers at once. Events, envelopes, routes and messages follow each version's
handlers (``sdk/session.py``, ``sdk/agent(s).py``, ``restful_apis/agent_api.py``,
``db/services/canvas_service.py``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._answers import NOT_FOUND, build_answer, split_words
from ._common import is_false, order, page_slice, query_int
from ._dialects import Dialect
from ._retrieval import Hit, doc_aggs, rank, reference_chunk
from ._routing import RouteRow, auth_docs, since
from ._store import Store, http_date, now_ms
from ._views import reference_view
from ._wire import Call, Fail, Reply, StreamReply, err, json_result, result, sse

__all__ = ["ROUTES", "state"]

_V1 = {"begin", "answer", "retrieval", "generate"}
_V2 = {"begin", "retrieval", "agent", "llm", "message"}
_REF = re.compile(r"\{([A-Za-z0-9_.:@-]+)\}")
_RUNNING = "is running...🕞"


@dataclass
class AgentRecord:
    id: str
    user_id: str
    title: str
    dsl: dict[str, Any]
    description: str | None = None
    avatar: str | None = None
    canvas_type: str = ""
    canvas_category: str = "agent_canvas"
    permission: str = "me"
    create_time: int = field(default_factory=now_ms)
    update_time: int = field(default_factory=now_ms)


@dataclass
class SessionRecord:
    id: str
    agent_id: str
    name: str
    user_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    references: list[dict[str, Any]] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    waiting: bool = False  # canvas v1: the run stopped at Answer after the opening
    create_time: int = field(default_factory=now_ms)
    update_time: int = field(default_factory=now_ms)


@dataclass
class AgentState:
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)


def state(store: Store) -> AgentState:
    """The agents of one server (kept with its other records, cleared with them)."""
    found = store.extensions.get("agents")
    if not isinstance(found, AgentState):
        found = store.extensions["agents"] = AgentState()
    return found


# -- the canvas --------------------------------------------------------------------------
class Unsupported(Exception):
    """A component outside the declared subset."""


@dataclass
class Run:
    """One run of a canvas: the answer text (as the server would send it) and its hits."""

    text: str
    plain: str = ""
    hits: list[Hit] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    opening: bool = False
    steps: list[str] = field(default_factory=list)


def _components(dsl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    comps = dsl.get("components") if isinstance(dsl, dict) else None
    if not isinstance(comps, dict) or "begin" not in comps:
        raise Unsupported("the DSL has no 'begin' component")
    return {str(k): v for k, v in comps.items() if isinstance(v, dict)}


def _obj(component: dict[str, Any]) -> dict[str, Any]:
    obj = component.get("obj")
    return obj if isinstance(obj, dict) else {}


def _kind(component: dict[str, Any]) -> str:
    return str(_obj(component).get("component_name") or "").lower()


def _params(component: dict[str, Any]) -> dict[str, Any]:
    params = _obj(component).get("params")
    return params if isinstance(params, dict) else {}


def check_dsl(d: Dialect, dsl: dict[str, Any]) -> None:
    """Refuse a DSL with a component LocalRAGFlow cannot run, naming it."""
    subset = _V1 if d.lt(0, 20) else _V2
    for cid, component in _components(dsl).items():
        if _kind(component) not in subset:
            names = ", ".join(sorted(n.capitalize() for n in subset))
            raise Unsupported(
                f"LocalRAGFlow runs only the {names} components of canvas "
                f"{'v1' if d.lt(0, 20) else 'v2'}; component {cid!r} is a "
                f"{_kind(component) or 'nameless component'}"
            )


def _walk(comps: dict[str, dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    queue = ["begin"]
    while queue:
        cid = queue.pop(0)
        if cid in seen or cid not in comps:
            continue
        seen.append(cid)
        queue.extend(str(c) for c in comps[cid].get("downstream") or [])
    return seen


def citation_key(d: Dialect, chunk_id: str) -> str:
    """RAGFlow's citation key of a chunk in agent answers: ``hash_str2int(id, 100|500)``."""
    mod = 100 if d.lt(0, 21) else 500
    return str(int(hashlib.sha1(chunk_id.encode("utf-8")).hexdigest(), 16) % mod)


def prologue(dsl: dict[str, Any]) -> str:
    return str(_params(_components(dsl)["begin"]).get("prologue") or "")


def declared_inputs(d: Dialect, dsl: dict[str, Any]) -> list[dict[str, Any]]:
    """The Begin component's inputs: v1 ``query`` (a list), v2 ``inputs`` (a dict)."""
    params = _params(_components(dsl)["begin"])
    if d.lt(0, 20):
        return [q for q in params.get("query") or [] if isinstance(q, dict)]
    inputs = params.get("inputs") or {}
    return [{"key": k, **v} for k, v in inputs.items() if isinstance(v, dict)]


def _search(call: Call, params: dict[str, Any], query: str) -> list[Hit]:
    kb_ids = [str(k) for k in params.get("kb_ids") or [] if k]
    weight = float(params.get("keywords_similarity_weight", 0.7))
    hits = rank(
        call.store,
        kb_ids,
        query,
        similarity_threshold=float(params.get("similarity_threshold", 0.2)),
        vector_similarity_weight=1.0 - weight,
        top_k=int(params.get("top_k", 1024)),
    )
    return hits[: max(1, int(params.get("top_n", 8)))]


def run_canvas(
    call: Call, dsl: dict[str, Any], query: str, inputs: dict[str, Any], session: SessionRecord
) -> Run:
    """Run the agent once for ``query`` (see the module docstring for what runs)."""
    d = call.d
    comps = _components(dsl)
    check_dsl(d, dsl)
    if d.lt(0, 20) and not session.waiting:
        session.waiting = True  # canvas v1 stops at Answer with the opening statement
        return Run(text=prologue(dsl), plain=prologue(dsl), opening=True)
    outputs: dict[str, dict[str, Any]] = {"begin": dict(inputs)}
    hits: list[Hit] = []
    run = Run(text="")
    texts: list[str] = []
    for cid in _walk(comps):
        kind, params = _kind(comps[cid]), _params(comps[cid])
        if kind == "retrieval":
            run.steps.append(cid)
            found = _search(call, params, _render(_ref(params.get("query")), query, outputs))
            hits.extend(h for h in found if h.chunk.id not in {x.chunk.id for x in hits})
            outputs[cid] = {"formalized_content": "\n".join(h.chunk.content for h in found)}
        elif kind in ("generate", "agent", "llm"):
            run.steps.append(cid)
            cite = bool(params.get("cite", True))
            style = d.citation_style
            answer = build_answer(query, hits, style, quote=cite)
            text = answer.decorated
            if style == "id":
                text = re.sub(
                    r"\[ID:(\d+)\]",
                    lambda m: f"[ID:{citation_key(d, hits[int(m.group(1))].chunk.id)}]",
                    text,
                )
            outputs[cid] = {"content": text}
            run.plain, run.cited = answer.plain, answer.cited
            if d.lt(0, 20):
                texts.append(text)
        elif kind == "message":
            templates = params.get("content") or [""]
            template = templates[0] if isinstance(templates, list) else str(templates)
            texts.append(_render(str(template), query, outputs))
    run.text = "".join(texts) if texts else (NOT_FOUND if hits else "")
    run.plain = run.plain or run.text
    run.hits = hits
    return run


def _ref(value: Any) -> str:
    """A Retrieval ``query``: a variable (``sys.query``, braces optional) or a template."""
    text = str(value or "sys.query").strip()
    return "{" + text + "}" if re.fullmatch(r"[A-Za-z0-9_.:@-]+", text) else text


def _render(template: str, query: str, outputs: dict[str, dict[str, Any]]) -> str:
    def value(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref == "sys.query":
            return query
        if ref.startswith("sys."):
            return ""
        cid, _, key = ref.partition("@")
        found = outputs.get(cid, {}).get(key or "content")
        if isinstance(found, dict):
            found = found.get("value")
        return "" if found is None else str(found)

    return _REF.sub(value, template)


# -- views -------------------------------------------------------------------------------
def agent_view(d: Dialect, agent: AgentRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": agent.id,
        "avatar": agent.avatar,
        "title": agent.title,
        "description": agent.description,
        "dsl": copy.deepcopy(agent.dsl),
        "user_id": agent.user_id,
        "permission": agent.permission,
        "canvas_type": agent.canvas_type,
        "create_time": agent.create_time,
        "create_date": http_date(agent.create_time),
        "update_time": agent.update_time,
        "update_date": http_date(agent.update_time),
    }
    if d.ge(0, 20):
        out["canvas_category"] = agent.canvas_category
    return out


def _keyed_reference(d: Dialect, hits: list[Hit]) -> dict[str, Any]:
    return {
        "chunks": {citation_key(d, h.chunk.id): reference_chunk(d, h) for h in hits},
        "doc_aggs": {a["doc_name"]: a for a in doc_aggs(hits)},
    }


def session_view(d: Dialect, session: SessionRecord, *, listing: bool = False) -> dict[str, Any]:
    messages = copy.deepcopy(session.messages)
    out: dict[str, Any] = {
        "id": session.id,
        "name": session.name,
        "user_id": session.user_id,
        "source": "agent",
        "create_time": session.create_time,
        "update_time": session.update_time,
    }
    if d.ge(0, 25, 1):
        out.update(agent_id=session.agent_id, message=messages)
        return out
    if listing:
        turn = 0
        for i, message in enumerate(messages):
            if i != 0 and message.get("role") != "user":
                ref = session.references[turn] if turn < len(session.references) else {}
                message["reference"] = list(ref.get("chunks", []))
                turn += 1
    out.update(agent_id=session.agent_id, messages=messages)
    return out


# -- lookups and errors ------------------------------------------------------------------
def _agent(call: Call, agent_id: str, missing: Callable[[str], Reply]) -> AgentRecord:
    agent = state(call.store).agents.get(agent_id)
    if agent is None:
        raise Fail(missing(agent_id))
    return agent


def _operating(call: Call, message: str) -> Reply:
    return json_result(call.d, False, 103, message)


def _not_owner(call: Call) -> Reply:
    if call.d.ge(0, 27):
        return _operating(call, "Only the owner of the agent is authorized for this operation.")
    return _operating(call, "Only owner of canvas authorized for this operation.")


def _data_error(call: Call, message: str) -> Reply:
    return json_result(call.d, False, 102, message) if call.d.ge(0, 25, 1) else err(message)


def _unsupported(call: Call, exc: Unsupported) -> Reply:
    return _data_error(call, str(exc))


# -- agents ------------------------------------------------------------------------------
def list_agents(call: Call) -> Reply:
    d = call.d
    agents = list(state(call.store).agents.values())
    desc = not is_false(call.q("desc", "true"))
    key = call.q("orderby", "update_time" if d.lt(0, 25, 1) else "create_time") or "update_time"
    if d.lt(0, 25, 1):
        ident, title = call.q("id"), call.q("title")
        if ident or title:
            agents = [
                a
                for a in agents
                if (not ident or a.id == ident) and (not title or a.title == title)
            ]
            if not agents:
                return err("The agent doesn't exist.")
        page = query_int(call.q("page"), "page", 1)
        size = query_int(call.q("page_size"), "page_size", 30)
        rows = page_slice(order(agents, lambda a: getattr(a, key, 0), desc), page, size)
        return result(d, [agent_view(d, a) for a in rows])
    keywords = (call.q("keywords") or "").lower()
    agents = [a for a in agents if keywords in a.title.lower()]
    page = query_int(call.q("page"), "page", 1 if d.ge(0, 27) else 0)
    size = query_int(call.q("page_size"), "page_size", 30 if d.ge(0, 27) else 0)
    ordered = order(agents, lambda a: getattr(a, key, 0), desc)
    rows = page_slice(ordered, page, size) if page and size else ordered
    return json_result(d, {"canvas": [agent_view(d, a) for a in rows], "total": len(agents)})


def get_agent(call: Call) -> Reply:
    agent = _agent(call, call.params["agent_id"], lambda _: _data_error(call, "canvas not found."))
    return json_result(call.d, agent_view(call.d, agent))


def create_agent(call: Call) -> Reply:
    d = call.d
    req = {k: v for k, v in call.json().items() if v is not None}
    if req.get("dsl") is None:
        return json_result(d, False, 101, "No DSL data in request.")
    if req.get("title") is None:
        return json_result(d, False, 101, "No title in request.")
    title = str(req["title"]).strip()
    agents = state(call.store).agents
    if any(a.title.lower() == title.lower() for a in agents.values()):
        if d.lt(0, 25, 1):
            return err(f"Agent with title {title} already exists.")
        return _data_error(call, f"{title} already exists.")
    dsl = req["dsl"] if isinstance(req["dsl"], dict) else json.loads(str(req["dsl"]))
    agent = AgentRecord(
        id=call.store.new_id(),
        user_id=call.tenant_id,
        title=title,
        dsl=dsl,
        description=req.get("description"),
        avatar=req.get("avatar"),
        canvas_type=str(req.get("canvas_type") or ""),
    )
    agents[agent.id] = agent
    if d.lt(0, 25, 1):
        return json_result(d, True)
    return json_result(d, agent_view(d, agent))


def update_agent(call: Call) -> Reply:
    d = call.d
    agent_id = call.params["agent_id"]
    agent = state(call.store).agents.get(agent_id)
    if agent is None:
        if d.ge(0, 27):
            return _operating(call, "Make sure you have permission to access the agent.")
        return _not_owner(call)
    req = {k: v for k, v in call.json().items() if v is not None}
    if "title" in req:
        title = str(req["title"]).strip()
        others = [a for a in state(call.store).agents.values() if a.id != agent_id]
        if d.ge(0, 27) and any(a.title.lower() == title.lower() for a in others):
            return _data_error(call, f"{title} already exists.")
        agent.title = title
    if "dsl" in req:
        agent.dsl = req["dsl"] if isinstance(req["dsl"], dict) else json.loads(str(req["dsl"]))
    for key in ("description", "avatar", "canvas_type", "permission"):
        if key in req:
            setattr(agent, key, req[key])
    agent.update_time = max(agent.update_time + 1, now_ms())
    if d.ge(0, 27):
        return json_result(d, {"update_time": agent.update_time})
    return json_result(d, True)


def delete_agent(call: Call) -> Reply:
    agents = state(call.store).agents
    if agents.pop(call.params["agent_id"], None) is None:
        return _not_owner(call)
    return json_result(call.d, True)


# -- sessions ----------------------------------------------------------------------------
def _fill_inputs(call: Call, agent: AgentRecord, given: dict[str, Any]) -> dict[str, Any]:
    """Begin inputs from a body, with the version's "required" message."""
    d = call.d
    values: dict[str, Any] = {}
    for item in declared_inputs(d, agent.dsl):
        key = str(item.get("key"))
        if given.get(key):
            values[key] = given[key]
        elif not item.get("optional"):
            if d.ge(0, 17):
                raise Fail(err(f"`{key}` with type `{item.get('type')}` is required"))
            raise Fail(err(f"`{key}` is required"))
    return values


def new_session(call: Call, agent: AgentRecord, name: str = "", user_id: str = "") -> SessionRecord:
    session = SessionRecord(
        id=call.store.new_id(),
        agent_id=agent.id,
        name=name,
        user_id=user_id,
        messages=[{"role": "assistant", "content": prologue(agent.dsl)}],
    )
    state(call.store).sessions[session.id] = session
    return session


def create_session(call: Call) -> Reply:
    d = call.d
    agent_id = call.params["agent_id"]
    agent = _agent(call, agent_id, lambda _: _data_error(call, "Agent not found."))
    body = call.json()
    try:
        check_dsl(d, agent.dsl)
        inputs = declared_inputs(d, agent.dsl)
    except Unsupported as exc:
        return _unsupported(call, exc)
    if d.lt(0, 15, 1) and d.ge(0, 15) and inputs:
        return err("The agent can't create a session directly")
    values = _fill_inputs(call, agent, body) if d.ge(0, 15, 1) and d.lt(0, 25, 1) else {}
    user_id = str(body.get("user_id") or call.q("user_id") or "")
    session = new_session(call, agent, str(body.get("name") or ""), user_id)
    session.inputs = values
    # v0.16-v0.17 run the canvas to its opening when Begin has no inputs; v0.18+ always.
    session.waiting = d.ge(0, 18) or (d.ge(0, 16) and not inputs)
    view = session_view(d, session)
    if d.lt(0, 25, 1):
        view["message"] = view.pop("messages")
        if d.ge(0, 15):
            view["dsl"] = copy.deepcopy(agent.dsl)
    return result(d, view)


def list_sessions(call: Call) -> Reply:
    d = call.d
    agent_id = call.params["agent_id"]
    if agent_id not in state(call.store).agents:
        if d.ge(0, 25, 1):
            return _operating(call, "Make sure you have permission to access the agent.")
        return err(f"You don't own the agent {agent_id}.")
    sessions = [s for s in state(call.store).sessions.values() if s.agent_id == agent_id]
    ident, user_id = call.q("id"), call.q("user_id")
    sessions = [
        s
        for s in sessions
        if (not ident or s.id == ident) and (not user_id or s.user_id == user_id)
    ]
    key = call.q("orderby", "update_time") or "update_time"
    ordered = order(sessions, lambda s: getattr(s, key, 0), not is_false(call.q("desc")))
    page = query_int(call.q("page"), "page", 1)
    size = query_int(call.q("page_size"), "page_size", 30)
    rows = [session_view(d, s, listing=True) for s in page_slice(ordered, page, size)]
    if d.ge(0, 25, 1):
        return Reply.json({"code": 0, "message": "success", "data": rows, "total": len(sessions)})
    return result(d, rows)


def get_session(call: Call) -> Reply:
    session = state(call.store).sessions.get(call.params["session_id"])
    if session is None or session.agent_id != call.params["agent_id"]:
        return _data_error(call, "Session not found!")
    view = session_view(call.d, session)
    view["dialog_id"] = view.pop("agent_id")
    view["reference"] = copy.deepcopy(session.references)
    return json_result(call.d, view)


def delete_session(call: Call) -> Reply:
    """``DELETE /agents/{id}/sessions/{sid}`` (v0.25.1+): ``data`` is the rows deleted (1)."""
    sessions = state(call.store).sessions
    session = sessions.get(call.params["session_id"])
    if session is None or session.agent_id != call.params["agent_id"]:
        return _data_error(call, "Session not found!")
    del sessions[session.id]
    return json_result(call.d, 1)


def delete_sessions(call: Call) -> Reply:
    d = call.d
    agent_id = call.params["agent_id"]
    if agent_id not in state(call.store).agents:
        return err(f"You don't own the agent {agent_id}")
    sessions = state(call.store).sessions
    mine = [s.id for s in sessions.values() if s.agent_id == agent_id]
    req = call.json()
    ids = req.get("ids")
    if d.lt(0, 25):
        if not mine:
            return err(f"Agent {agent_id} has no sessions")
        wanted = list(ids) if ids else mine  # <= 0.24: no ids deletes every session
    elif not ids:
        if req.get("delete_all") is not True:
            return result(d)
        wanted = mine
    else:
        wanted = list(ids)
    errors = [f"The agent doesn't own the session {sid}" for sid in wanted if sid not in mine]
    for sid in wanted:
        if sid in mine:
            sessions.pop(sid, None)
    done = len(wanted) - len(errors)
    if errors and done:
        message = f"Partially deleted {done} sessions with {len(errors)} errors"
        return json_result(d, {"success_count": done, "errors": errors}, 0, message)
    if errors:
        return err("; ".join(errors))
    return result(d)


# -- completions -------------------------------------------------------------------------
def _event(kind: str, data: Any, msg_id: str, session_id: str) -> dict[str, Any]:
    return {
        "event": kind,
        "message_id": msg_id,
        "created_at": int(time.time()),
        "task_id": session_id,
        "data": data,
        "session_id": session_id,
    }


def _v2_events(d: Dialect, run: Run, session_id: str, msg_id: str) -> list[dict[str, Any]]:
    """Every event canvas v2 emits for a run, in order."""
    events = [_event("workflow_started", {"inputs": {}}, msg_id, session_id)]
    for cid in ["begin", *run.steps, "message"]:
        events.append(_event("node_started", {"component_id": cid}, msg_id, session_id))
    for piece in split_words(run.text):
        events.append(_event("message", {"content": piece}, msg_id, session_id))
    if d.lt(0, 25) or run.hits:
        end: dict[str, Any] = {"reference": _keyed_reference(d, run.hits)}
    else:
        end = {}
    events.append(_event("message_end", end, msg_id, session_id))
    for cid in ["begin", *run.steps, "message"]:
        events.append(
            _event("node_finished", {"component_id": cid, "outputs": {}}, msg_id, session_id)
        )
    finished = {"inputs": {}, "outputs": {"content": run.text}, "elapsed_time": 0.0}
    events.append(_event("workflow_finished", finished, msg_id, session_id))
    return events


def _forwarded(d: Dialect, events: list[dict[str, Any]], unified: bool) -> list[dict[str, Any]]:
    """The events a version's handler passes on to the client."""
    if d.lt(0, 20, 5):
        return events  # v0.20.0 forwards everything, and sends no [DONE]
    keep = {"message", "message_end"}
    if d.ge(0, 23):
        keep.add("node_finished")
    out = [e for e in events if e["event"] in keep]
    if unified and d.ge(0, 27):
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "calls": 0}
        out.append({**events[-1], "data": {"usage": usage}})
    return out


def _whole(d: Dialect, events: list[dict[str, Any]], run: Run, unified: bool) -> Any:
    """A non-stream v2 answer: the handler's last event with all content and references."""
    if d.lt(0, 20, 5):
        return "data:" + json.dumps(events[0], ensure_ascii=False) + "\n\n"  # v0.20.0's bug
    forwarded = [
        e
        for e in events
        if e["event"] in ("message", "message_end", "node_finished", "workflow_finished")
    ]
    final = (
        next(e for e in reversed(events) if e["event"] == "message_end")
        if unified
        else forwarded[-1]
    )
    final = copy.deepcopy(final)
    final["data"] = {**final.get("data", {}), "content": run.text}
    final["data"]["reference"] = _keyed_reference(d, run.hits) if run.hits else {}
    return final


def _v1_stream(d: Dialect, run: Run, session_id: str, msg_id: str) -> list[bytes]:
    def wrap(data: Any) -> bytes:
        return sse({"code": 0, "message": "", "data": data})

    base = {"id": msg_id, "session_id": session_id}
    events = [
        wrap({"answer": f"*'{cid}'* {_RUNNING}", "running_status": True}) for cid in run.steps
    ]
    text = ""
    for piece in split_words(run.plain):
        text += piece
        events.append(wrap({"answer": text, "reference": [], **base}))
    reference: Any = reference_view(d, run.hits, run.cited) if run.hits else []
    events.append(wrap({"answer": run.text, "reference": reference, **base}))
    events.append(wrap(True))
    return events


def _v1_whole(d: Dialect, run: Run, session_id: str, msg_id: str) -> dict[str, Any]:
    reference: Any = reference_view(d, run.hits, run.cited) if run.hits else []
    return {"answer": run.text, "reference": reference, "id": msg_id, "session_id": session_id}


def _record(session: SessionRecord, question: str, run: Run, msg_id: str, d: Dialect) -> None:
    if question:
        session.messages.append({"role": "user", "content": question, "id": msg_id})
    session.messages.append({"role": "assistant", "content": run.text, "id": msg_id})
    if d.lt(0, 20):
        session.references.append(reference_view(d, run.hits, run.cited) if run.hits else {})
    else:
        session.references.append(
            {"chunks": [reference_chunk(d, h) for h in run.hits], "doc_aggs": doc_aggs(run.hits)}
        )
    session.update_time = max(session.update_time + 1, now_ms())


def _answer(
    call: Call,
    agent: AgentRecord,
    session: SessionRecord,
    question: str,
    stream: bool,
    *,
    unified: bool,
    inputs: dict[str, Any],
) -> Reply | StreamReply:
    d = call.d
    msg_id = call.store.new_id()
    try:
        run = run_canvas(call, agent.dsl, question, {**session.inputs, **inputs}, session)
    except Unsupported as exc:
        return _unsupported(call, exc)
    _record(session, question, run, msg_id, d)
    if d.lt(0, 20):
        if stream:
            return StreamReply(
                iter(_v1_stream(d, run, session.id, msg_id)), event_delay=call.stream_event_delay
            )
        return result(d, _v1_whole(d, run, session.id, msg_id))
    events = _v2_events(d, run, session.id, msg_id)
    if stream:
        wire = [sse(e) for e in _forwarded(d, events, unified)]
        if d.ge(0, 20, 5):
            wire.append(b"data:[DONE]\n\n")
        return StreamReply(iter(wire), event_delay=call.stream_event_delay)
    return result(d, _whole(d, events, run, unified))


def _stream_flag(d: Dialect, req: dict[str, Any]) -> bool:
    """``stream`` of the unified handler: true by default until v0.26, false from v0.27."""
    return bool(req.get("stream", d.lt(0, 27)))


def legacy_completion(call: Call) -> Reply | StreamReply:
    """``POST /agents/{id}/completions`` (<= v0.25.0; the v0.25.2+ alias goes to the new one)."""
    d = call.d
    if d.ge(0, 25, 2):
        return _unified(call, call.params["agent_id"])
    agent_id = call.params["agent_id"]
    req = call.json()
    if d.lt(0, 15):
        agent = _agent(call, agent_id, lambda _: err("Agent not found."))
    else:
        agent = _agent(call, agent_id, lambda a: err(f"You don't own the agent {a}"))
    question = str(req.get("question" if d.lt(0, 20) else "query") or "")
    stream = bool(req.get("stream", True))
    sid = req.get("session_id")
    if sid:
        session = state(call.store).sessions.get(str(sid))
        if session is None or session.agent_id != agent_id:
            if d.lt(0, 15):
                return err("Session not found!")
            return err(f"You don't own the session {sid}")
        if d.lt(0, 15):
            session.waiting = False  # v0.14 runs the agent's own saved canvas every time
    else:
        if d.lt(0, 15) and not question:
            return err("`question` is required.")
        if d.ge(0, 15) and d.lt(0, 20):
            question = ""  # the question of a session-less call is ignored
        try:
            values = _fill_inputs(call, agent, req) if d.lt(0, 20) else {}
        except Fail as failure:
            return failure.reply
        session = new_session(call, agent, "", str(req.get("user_id") or ""))
        session.inputs = values
    return _answer(call, agent, session, question, stream, unified=False, inputs=_inputs(req))


def chat_completion(call: Call) -> Reply | StreamReply:
    """``POST /agents/chat/completion(s)`` (v0.25.1+), regular or OpenAI-compatible."""
    return _unified(call, None)


def _unified(call: Call, route_agent: str | None) -> Reply | StreamReply:
    d = call.d
    req = call.json()
    agent_id = route_agent or req.get("agent_id")
    if not agent_id:
        return json_result(d, False, 101, "`agent_id` is required.")
    agent = state(call.store).agents.get(str(agent_id))
    sid = req.get("session_id")
    session: SessionRecord | None = None
    if sid and not req.get("openai-compatible"):
        session = state(call.store).sessions.get(str(sid))
        if session is None:
            return _data_error(call, "Session not found!")
        if session.agent_id != agent_id:
            return _operating(call, "Session does not belong to the requested agent.")
    if agent is None:
        return _operating(call, "Make sure you have permission to access the agent.")
    if req.get("openai-compatible"):
        return _openai(call, agent, req)
    question = str(req.get("query") or ("" if d.lt(0, 25, 2) else req.get("question")) or "")
    stream = _stream_flag(d, req)
    if session is None:
        session = new_session(
            call, agent, str(req.get("name") or question[:250]), str(req.get("user_id") or "")
        )
        session.messages = []
    return _answer(call, agent, session, question, stream, unified=True, inputs=_inputs(req))


def _inputs(req: dict[str, Any]) -> dict[str, Any]:
    inputs = req.get("inputs")
    return inputs if isinstance(inputs, dict) else {}


# -- OpenAI-compatible -------------------------------------------------------------------
def openai_completion(call: Call) -> Reply | StreamReply:
    """``POST /agents_openai/{id}/chat/completions`` (v0.18-v0.25.0). From v0.25.3 it is an
    alias of the unified handler that does not set ``openai-compatible``, so it answers
    with agent events unless the body asks for the OpenAI shape [0.25.3 backward_compat]."""
    if call.d.ge(0, 25, 3):
        return _unified(call, call.params["agent_id"])
    req = call.json()
    missing = [k for k in ("model", "messages") if k not in req]
    if missing:
        return err("required argument are missing: " + "".join(f"{k}; " for k in missing), 101)
    agent = _agent(call, call.params["agent_id"], lambda a: err(f"You don't own the agent {a}"))
    return _openai(call, agent, req)


def _openai(call: Call, agent: AgentRecord, req: dict[str, Any]) -> Reply | StreamReply:
    d = call.d
    messages = req.get("messages") or []
    if not messages:
        return _data_error(call, "You must provide at least one message.")
    question = next(
        (
            str(m.get("content") or "")
            for m in reversed(messages)
            if isinstance(m, dict) and m.get("role") == "user"
        ),
        "",
    )
    sid = req.get("session_id") or req.get("id") or (req.get("metadata") or {}).get("id")
    session = state(call.store).sessions.get(str(sid)) if sid else None
    if session is None:
        session = new_session(call, agent)
        session.waiting = True
    try:
        run = run_canvas(call, agent.dsl, question, session.inputs, session)
    except Unsupported as exc:
        return _unsupported(call, exc)
    msg_id = call.store.new_id()
    _record(session, question, run, msg_id, d)
    reference = _keyed_reference(d, run.hits)
    stream = bool(req.get("stream", d.lt(0, 24)))
    if stream:

        def chunk(content: str, ref: Any = None) -> bytes:
            delta: dict[str, Any] = {"content": content}
            if ref:
                delta["reference"] = ref
            body = {
                "id": session.id,
                "object": "chat.completion.chunk",
                "model": agent.id,
                "choices": [{"delta": delta, "finish_reason": None, "index": 0}],
            }
            return ("data: " + json.dumps(body, ensure_ascii=False) + "\n\n").encode()

        wire = [chunk(piece) for piece in split_words(run.text)]
        wire.append(chunk("", reference if run.hits else None))
        wire.append(b"data: [DONE]\n\n")
        return StreamReply(iter(wire), event_delay=call.stream_event_delay)
    message: dict[str, Any] = {"role": "assistant", "content": run.text}
    if run.hits:
        message["reference"] = reference
    words = len(run.text.split())
    return Reply.json(
        {
            "id": session.id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": agent.id,
            "param": None,
            "usage": {
                "prompt_tokens": len(question.split()),
                "completion_tokens": words,
                "total_tokens": len(question.split()) + words,
            },
            "choices": [
                {"message": message, "logprobs": None, "finish_reason": "stop", "index": 0}
            ],
        }
    )


# -- routes ------------------------------------------------------------------------------
#: ``(method, path, handler, available, auth)``; static paths before ``{agent_id}`` ones.
ROUTES: list[RouteRow] = [
    (
        "POST",
        "/agents/chat/completion",
        chat_completion,
        lambda d: d.ge(0, 25, 1) and d.lt(0, 26, 3),
        auth_docs,
    ),
    ("POST", "/agents/chat/completions", chat_completion, since(0, 25, 2), auth_docs),
    ("GET", "/agents", list_agents, since(0, 15), auth_docs),
    ("POST", "/agents", create_agent, since(0, 19), auth_docs),
    ("GET", "/agents/{agent_id}", get_agent, since(0, 25, 1), auth_docs),
    ("PUT", "/agents/{agent_id}", update_agent, since(0, 19), auth_docs),
    ("DELETE", "/agents/{agent_id}", delete_agent, since(0, 19), auth_docs),
    ("POST", "/agents/{agent_id}/sessions", create_session, since(0, 14), auth_docs),
    ("GET", "/agents/{agent_id}/sessions", list_sessions, since(0, 15), auth_docs),
    ("DELETE", "/agents/{agent_id}/sessions", delete_sessions, since(0, 17, 1), auth_docs),
    ("GET", "/agents/{agent_id}/sessions/{session_id}", get_session, since(0, 25, 1), auth_docs),
    (
        "DELETE",
        "/agents/{agent_id}/sessions/{session_id}",
        delete_session,
        since(0, 25, 1),
        auth_docs,
    ),
    (
        "POST",
        "/agents/{agent_id}/completions",
        legacy_completion,
        lambda d: d.ge(0, 14) and (d.lt(0, 25, 1) or d.ge(0, 25, 2)),
        auth_docs,
    ),
    (
        "POST",
        "/agents_openai/{agent_id}/chat/completions",
        openai_completion,
        lambda d: d.ge(0, 18) and (d.lt(0, 25, 1) or d.ge(0, 25, 3)),
        auth_docs,
    ),
]
