"""Memories in LocalRAGFlow (v0.24+): ``/memories`` and ``/messages``, stored and searched
deterministically.

Each added exchange is stored as one raw message (``"User Input: ...\\nAgent Response:
..."``), numbered from 1 across the server as RAGFlow's counter does. RAGFlow asks its LLM
to extract semantic, episodic and procedural memories from it; LocalRAGFlow has no model,
so nothing is extracted (``extract`` stays empty) whatever the memory's types. Searches rank
the enabled, unforgotten messages with the stand-in's retrieval scorer, deterministic for a
given store. Validation and messages follow ``sdk/memories.py`` (v0.24) and
``restful_apis/memory_api.py`` with ``services/memory_api_service.py`` (v0.25+).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._common import dedupe_name, page_slice, query_int
from ._dialects import Dialect
from ._routing import RouteRow, since
from ._search import embed, score_texts
from ._store import Store, now_ms, stamp
from ._wire import Call, Reply, json_result

__all__ = ["ROUTES", "state"]

TYPES = {"raw": 1, "semantic": 2, "episodic": 4, "procedural": 8}
NAME_LIMIT = 128
SIZE_LIMIT = 10 * 1024 * 1024
DEFAULT_SIZE = 5 * 1024 * 1024
PERMISSIONS = ("me", "team")


def _system_prompt(types: list[str]) -> str:
    wanted = ", ".join(t for t in TYPES if t in types and t != "raw") or "none"
    return f"Extract memories from the conversation. Types to extract: {wanted}."


@dataclass
class MemoryRecord:
    id: str
    tenant_id: str
    name: str
    memory_type: int
    embd_id: str
    llm_id: str
    avatar: str | None = None
    description: str = ""
    permissions: str = "me"
    memory_size: int = DEFAULT_SIZE
    forgetting_policy: str = "FIFO"
    temperature: float = 0.5
    system_prompt: str = ""
    user_prompt: str = ""
    storage_type: str = "table"
    create_time: int = field(default_factory=now_ms)
    update_time: int = field(default_factory=now_ms)

    @property
    def types(self) -> list[str]:
        return [name for name, bit in TYPES.items() if self.memory_type & bit]


@dataclass
class MemoryState:
    memories: dict[str, MemoryRecord] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 1


def state(store: Store) -> MemoryState:
    """The memories of one server (kept with its other records, cleared with them)."""
    found = store.extensions.get("memories")
    if not isinstance(found, MemoryState):
        found = store.extensions["memories"] = MemoryState()
    return found


def _date(ms: int | None = None) -> str:
    """``_store.stamp`` of ``ms``; now when ``ms`` is missing or 0."""
    return stamp(ms or now_ms())


def _view(memory: MemoryRecord) -> dict[str, Any]:
    """``format_ret_data_from_memory``."""
    return {
        "id": memory.id,
        "name": memory.name,
        "avatar": memory.avatar,
        "tenant_id": memory.tenant_id,
        "owner_name": "LocalRAGFlow",
        "memory_type": memory.types,
        "storage_type": memory.storage_type,
        "embd_id": memory.embd_id,
        "llm_id": memory.llm_id,
        "permissions": memory.permissions,
        "description": memory.description,
        "memory_size": memory.memory_size,
        "forgetting_policy": memory.forgetting_policy,
        "temperature": memory.temperature,
        "system_prompt": memory.system_prompt,
        "user_prompt": memory.user_prompt,
        "create_time": memory.create_time,
        "create_date": _date(memory.create_time),
        "update_time": memory.update_time,
        "update_date": _date(memory.update_time),
    }


# -- replies ------------------------------------------------------------------------------
def _ok(call: Call, data: Any = None, message: Any = True) -> Reply:
    body: dict[str, Any] = {"code": 0, "message": message, "data": data}
    return Reply.json(body)


def _arg_error(message: str) -> Reply:
    return Reply.json({"code": 101, "message": message, "data": None})


def _not_found(call: Call, memory_id: str) -> Reply:
    return json_result(call.d, None, 404, f"Memory '{memory_id}' not found.")


def _memory(call: Call) -> MemoryRecord | None:
    return state(call.store).memories.get(call.params["memory_id"])


def _names(call: Call, skip: str | None = None) -> set[str]:
    return {m.name for m in state(call.store).memories.values() if m.id != skip}


def _check_name(name: Any) -> str | Reply:
    if not isinstance(name, str) or not name.strip():
        return _arg_error("Memory name cannot be empty or whitespace.")
    stripped = str(name).strip()
    if len(stripped) > NAME_LIMIT:
        return _arg_error(f"Memory name '{stripped}' exceeds limit of {NAME_LIMIT}.")
    return stripped


def _check_types(value: Any) -> list[str] | Reply:
    if not isinstance(value, list):
        return _arg_error("Memory type must be a list.")
    invalid = set(value) - set(TYPES)
    if invalid:
        return _arg_error(f"Memory type '{invalid}' is not supported.")
    return [str(t) for t in dict.fromkeys(value)]


# -- memories -----------------------------------------------------------------------------
def create_memory(call: Call) -> Reply:
    req = call.json()
    missing = [k for k in ("name", "memory_type", "embd_id", "llm_id") if k not in req]
    if missing:
        return _arg_error("required argument are missing: " + "".join(f"{k}; " for k in missing))
    name = _check_name(req["name"])
    if isinstance(name, Reply):
        return name
    types = _check_types(req["memory_type"])
    if isinstance(types, Reply):
        return types
    memory = MemoryRecord(
        id=call.store.new_id(),
        tenant_id=call.tenant_id,
        name=dedupe_name(name, _names(call)),
        memory_type=sum(TYPES[t] for t in types),
        embd_id=str(req["embd_id"]),
        llm_id=str(req["llm_id"]),
        system_prompt=_system_prompt(types),
    )
    state(call.store).memories[memory.id] = memory
    return _ok(call, _view(memory))


def update_memory(call: Call) -> Reply:
    d = call.d
    req = call.json()
    memory = _memory(call)
    if memory is None and d.ge(0, 25):
        return _not_found(call, call.params["memory_id"])
    changes: dict[str, Any] = {}
    if "name" in req:
        name = _check_name(req["name"])
        if isinstance(name, Reply):
            return name
        changes["name"] = name
    if req.get("permissions"):
        if req["permissions"] not in PERMISSIONS:
            return _arg_error(f"Unknown permission '{req['permissions']}'.")
        changes["permissions"] = req["permissions"]
    for key in ("llm_id", "embd_id"):
        if req.get(key):
            changes[key] = str(req[key])
    if req.get("memory_type"):
        types = _check_types(req["memory_type"])
        if isinstance(types, Reply):
            return types
        changes["memory_type"] = types
    if req.get("memory_size"):
        if not 0 < int(req["memory_size"]) <= SIZE_LIMIT:
            return _arg_error(f"Memory size should be in range (0, {SIZE_LIMIT}] Bytes.")
        changes["memory_size"] = int(req["memory_size"])
    if req.get("forgetting_policy"):
        if req["forgetting_policy"] != "FIFO":
            return _arg_error(f"Forgetting policy '{req['forgetting_policy']}' is not supported.")
        changes["forgetting_policy"] = "FIFO"
    if "temperature" in req:
        temperature = float(req["temperature"])
        if not 0 <= temperature <= 1:
            return _arg_error("Temperature should be in range [0, 1].")
        changes["temperature"] = temperature
    for key in ("avatar", "description", "system_prompt", "user_prompt"):
        if key in req:
            changes[key] = req[key]
    if memory is None:
        return _not_found(call, call.params["memory_id"])
    messages = state(call.store).messages.get(memory.id, [])
    if "memory_type" in changes and sorted(changes["memory_type"]) != sorted(memory.types):
        if messages:
            return _arg_error("Can't update ['memory_type'] when memory isn't empty.")
        memory.memory_type = sum(TYPES[t] for t in changes.pop("memory_type"))
        if "system_prompt" not in changes:
            changes["system_prompt"] = _system_prompt(memory.types)
    changes.pop("memory_type", None)
    if changes.get("embd_id") not in (None, memory.embd_id) and messages:
        return _arg_error("Can't update ['embd_id'] when memory isn't empty.")
    if "name" in changes and changes["name"] != memory.name:
        changes["name"] = dedupe_name(changes["name"], _names(call, skip=memory.id))
    for key, value in changes.items():
        setattr(memory, key, value)
    memory.update_time = max(memory.update_time + 1, now_ms())
    return _ok(call, _view(memory))


def delete_memory(call: Call) -> Reply:
    memory = state(call.store).memories.pop(call.params["memory_id"], None)
    if memory is None:
        if call.d.lt(0, 25):
            return Reply.json({"code": 404, "message": True, "data": None})
        return _not_found(call, call.params["memory_id"])
    state(call.store).messages.pop(memory.id, None)
    return _ok(call)


def list_memories(call: Call) -> Reply:
    tenant_ids = _split(call.q_all("tenant_id") or call.q_all("owner_ids"))
    types = _split(call.q_all("memory_type"))
    storage = call.q("storage_type")
    keywords = call.q("keywords") or ""
    page = max(1, query_int(call.q("page"), "page", 1))
    size = query_int(call.q("page_size"), "page_size", 50)
    found = [
        m
        for m in state(call.store).memories.values()
        if (not tenant_ids or m.tenant_id in tenant_ids)
        and (not types or set(types) & set(m.types))
        and (not storage or m.storage_type == storage)
        and keywords in m.name
    ]
    found.sort(key=lambda m: m.create_time, reverse=True)
    rows = []
    for memory in page_slice(found, page, size):
        row = _view(memory)
        if call.d.ge(0, 27):
            row["embd_name"] = memory.embd_id.split("@")[0]
        rows.append(row)
    return _ok(call, {"memory_list": rows, "total_count": len(found)})


def get_config(call: Call) -> Reply:
    memory = _memory(call)
    if memory is None:
        return _not_found(call, call.params["memory_id"])
    return _ok(call, _view(memory))


def _split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


_LISTED = (
    "message_id",
    "message_type",
    "source_id",
    "memory_id",
    "user_id",
    "agent_id",
    "session_id",
    "valid_at",
    "invalid_at",
    "forget_at",
    "status",
)


def _listed(message: dict[str, Any], with_content: bool) -> dict[str, Any]:
    out = {k: message[k] for k in _LISTED}
    if with_content:
        out["content"] = message["content"]
    return out


def list_messages(call: Call) -> Reply:
    memory = _memory(call)
    if memory is None:
        return _not_found(call, call.params["memory_id"])
    agent_ids = _split(call.q_all("agent_id"))
    keywords = (call.q("keywords") or "").strip()
    page = max(1, query_int(call.q("page"), "page", 1))
    size = query_int(call.q("page_size"), "page_size", 50)
    raw = [
        m
        for m in state(call.store).messages.get(memory.id, [])
        if m["message_type"] == "raw"
        and (not agent_ids or m["agent_id"] in agent_ids)
        and (not keywords or keywords in m["session_id"])
    ]
    raw.sort(key=lambda m: m["message_id"], reverse=True)
    rows = []
    for message in page_slice(raw, page, size):
        row = _listed(message, False)
        row["agent_name"] = "Unknown"
        row["task"] = {}
        row["extract"] = []
        rows.append(row)
    data = {
        "messages": {"message_list": rows, "total_count": len(raw)},
        "storage_type": memory.storage_type,
    }
    return _ok(call, data)


# -- messages -----------------------------------------------------------------------------
def add_message(call: Call) -> Reply:
    req = call.json()
    missing = [
        k
        for k in ("memory_id", "agent_id", "session_id", "user_input", "agent_response")
        if k not in req
    ]
    if missing:
        return _arg_error("required argument are missing: " + "".join(f"{k}; " for k in missing))
    ids = req["memory_id"] if isinstance(req["memory_id"], list) else [req["memory_id"]]
    st = state(call.store)
    found = [i for i in ids if i in st.memories]
    if call.d.ge(0, 25) and not found:
        return Reply.json(
            {"code": 500, "message": "Some messages failed to add. Detail:Memory not found."}
        )
    missing_ids = [i for i in ids if i not in st.memories]
    for memory_id in found:
        content = f"User Input: {req['user_input']}\nAgent Response: {req['agent_response']}"
        st.messages.setdefault(memory_id, []).append(
            {
                "message_id": st.next_id,
                "message_type": "raw",
                "source_id": 0,
                "memory_id": memory_id,
                "user_id": str(req.get("user_id") or ""),
                "agent_id": str(req["agent_id"]),
                "session_id": str(req["session_id"]),
                "content": content,
                "content_embed": embed(content),
                "valid_at": _date(),
                "invalid_at": None,
                "forget_at": None,
                "status": True,
            }
        )
        st.next_id += 1
    if missing_ids and call.d.lt(0, 25):
        detail = f"Memory {missing_ids} not found."
        return Reply.json({"code": 500, "message": "Some messages failed to add. Detail:" + detail})
    return Reply.json({"code": 0, "message": "All add to task.", "data": None})


def _message(call: Call) -> tuple[MemoryRecord | None, dict[str, Any] | None]:
    memory = _memory(call)
    if memory is None:
        return None, None
    wanted = call.params["message_id"]
    for message in state(call.store).messages.get(memory.id, []):
        if str(message["message_id"]) == wanted:
            return memory, message
    return memory, None


def forget_message(call: Call) -> Reply:
    memory, message = _message(call)
    if memory is None:
        return _not_found(call, call.params["memory_id"])
    if message is None:
        return json_result(call.d, None, 500, "Internal server error")
    message["forget_at"] = _date()
    return _ok(call, None, True)


def update_message(call: Call) -> Reply:
    req = call.json()
    if "status" not in req:
        return _arg_error("required argument are missing: status; ")
    if not isinstance(req["status"], bool):
        return _arg_error("Status must be a boolean.")
    memory, message = _message(call)
    if memory is None:
        return _not_found(call, call.params["memory_id"])
    if message is None:
        failed = (
            f"Failed to set status for message '{call.params['message_id']}' in memory "
            f"'{memory.id}'."
        )
        return json_result(call.d, None, 500, failed)
    message["status"] = req["status"]
    return _ok(call, None, True)


def message_content(call: Call) -> Reply:
    memory, message = _message(call)
    if memory is None:
        return _not_found(call, call.params["memory_id"])
    if message is None:
        return json_result(
            call.d,
            None,
            404,
            f"Message '{call.params['message_id']}' in memory '{memory.id}' not found.",
        )
    stored = dict(message)
    stored["id"] = f"{memory.id}_{message['message_id']}"
    stored["status"] = 1 if message["status"] else 0
    return _ok(call, stored)


def _visible(call: Call, memory_ids: list[str]) -> list[dict[str, Any]]:
    st = state(call.store)
    return [
        m
        for memory_id in memory_ids
        if memory_id in st.memories
        for m in st.messages.get(memory_id, [])
        if m["forget_at"] is None
    ]


def recent_messages(call: Call) -> Reply:
    ids = _split(call.q_all("memory_id"))
    if not ids:
        return _arg_error("memory_ids is required.")
    agent_id, session_id = call.q("agent_id") or "", call.q("session_id") or ""
    limit = query_int(call.q("limit"), "limit", 10)
    found = [
        m
        for m in _visible(call, ids)
        if (not agent_id or m["agent_id"] == agent_id)
        and (not session_id or m["session_id"] == session_id)
    ]
    found.sort(key=lambda m: m["message_id"], reverse=True)
    return _ok(call, [_listed(m, True) for m in found[:limit]])


def search_messages(call: Call) -> Reply:
    ids = _split(call.q_all("memory_id"))
    query = call.q("query") or ""
    threshold = float(call.q("similarity_threshold") or 0.2)
    weight = float(call.q("keywords_similarity_weight") or 0.7)
    top_n = query_int(call.q("top_n"), "top_n", 5)
    filters = {k: call.q(k) or "" for k in ("agent_id", "session_id", "user_id")}
    pool = [
        m
        for m in _visible(call, ids)
        if m["status"] and all(not v or m[k] == v for k, v in filters.items())
    ]
    if not pool or not query.strip():
        return _ok(call, [])
    scores = score_texts(query, [m["content"] for m in pool], None, 1.0 - weight)
    ranked = sorted(scores, key=lambda s: (-s.similarity, -pool[s.index]["message_id"]))
    hits = [pool[s.index] for s in ranked if s.similarity >= threshold][:top_n]
    return _ok(call, [_listed(m, True) for m in hits])


# -- routes ------------------------------------------------------------------------------
_since_0_24 = since(0, 24)


def _auth(d: Dialect) -> str:
    """REST auth from the start (v0.24); ``_routing.auth_rest`` would say legacy at v0.24."""
    return "rest"


#: ``(method, path, handler, available, auth)``; ``/messages/search`` before the id paths.
ROUTES: list[RouteRow] = [
    ("POST", "/memories", create_memory, _since_0_24, _auth),
    ("GET", "/memories", list_memories, _since_0_24, _auth),
    ("GET", "/memories/{memory_id}/config", get_config, _since_0_24, _auth),
    ("PUT", "/memories/{memory_id}", update_memory, _since_0_24, _auth),
    ("DELETE", "/memories/{memory_id}", delete_memory, _since_0_24, _auth),
    ("GET", "/memories/{memory_id}", list_messages, _since_0_24, _auth),
    ("POST", "/messages", add_message, _since_0_24, _auth),
    ("GET", "/messages", recent_messages, _since_0_24, _auth),
    ("GET", "/messages/search", search_messages, _since_0_24, _auth),
    ("GET", "/messages/{memory_id}:{message_id}/content", message_content, _since_0_24, _auth),
    ("DELETE", "/messages/{memory_id}:{message_id}", forget_message, _since_0_24, _auth),
    ("PUT", "/messages/{memory_id}:{message_id}", update_message, _since_0_24, _auth),
]
