"""Memories (v0.24+): ``/memories`` and ``/messages``."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._envelope import parse_envelope, unwrap
from .._exceptions import InvalidArgumentError
from .._http import Request, path
from ._core import Op, call, expect_dict, expect_list, query

__all__ = [
    "add_message",
    "create",
    "delete",
    "forget_message",
    "get_config",
    "get_message",
    "list_messages",
    "list_page",
    "recent_messages",
    "search_messages",
    "set_message_status",
    "update",
]

_SETTINGS = frozenset(
    {
        "name",
        "permissions",
        "llm_id",
        "embd_id",
        "memory_type",
        "memory_size",
        "forgetting_policy",
        "temperature",
        "avatar",
        "description",
        "system_prompt",
        "user_prompt",
        "tenant_llm_id",
        "tenant_embd_id",
    }
)


def _ids(value: str | list[str] | None, what: str) -> list[str]:
    """One id or a list of ids as a list; every id a non-empty string."""
    ids = [value] if isinstance(value, str) else list(value or [])
    if any(not isinstance(i, str) or not i for i in ids):
        raise InvalidArgumentError(f"{what}: every id must be a non-empty string, got {ids!r}")
    return ids


def _message_id(value: Any) -> str:
    """A message id (an integer, or its digits) for the ``{memory}:{message}`` path."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise InvalidArgumentError(f"{value!r} is not a memory message id (an integer)")
    return str(int(value))


def _message_path(memory_id: str, message_id: Any, tail: str = "") -> str:
    return path("/messages/{}:{}" + tail, memory_id, _message_id(message_id))


def create(
    d: Dialect, name: str, memory_type: list[str], embd_id: str, llm_id: str
) -> Op[dict[str, Any]]:
    """Create a memory."""
    d.require("memories", "memories")
    if not isinstance(memory_type, list):
        raise InvalidArgumentError("memory_type must be a list, e.g. ['raw']")
    body = {"name": name, "memory_type": memory_type, "embd_id": embd_id, "llm_id": llm_id}
    req = Request("POST", "/memories", "create memory", json=body, idempotent=False)
    return expect_dict((yield from call(req)), req)


def list_page(
    d: Dialect,
    page: int,
    page_size: int,
    *,
    tenant_id: str | list[str] | None = None,
    memory_type: str | list[str] | None = None,
    storage_type: str | None = None,
    keywords: str | None = None,
) -> Op[dict[str, Any]]:
    """One page of memories: ``{"memory_list": [...], "total_count": n}``.

    List filters go as one comma-separated value: v0.25+ reads only the first value of a
    repeated key, and every version splits on commas [0.24 sdk/memories; 0.27 rest/memory_api].
    """
    d.require("memories", "memories")
    params = {
        "page": page,
        "page_size": page_size,
        "tenant_id": ",".join(_ids(tenant_id, "tenant_id")) or None,
        "memory_type": ",".join(_ids(memory_type, "memory_type")) or None,
        "storage_type": storage_type,
        "keywords": keywords,
    }
    req = Request("GET", "/memories", "list memories", params=query(params))
    data = expect_dict((yield from call(req)), req)
    return {
        "memory_list": expect_list(data, req, "memory_list"),
        "total_count": int(data.get("total_count") or 0),
    }


def get_config(d: Dialect, memory_id: str) -> Op[dict[str, Any]]:
    """A memory's settings."""
    d.require("memories", "memories")
    req = Request("GET", path("/memories/{}/config", memory_id), "get memory")
    return expect_dict((yield from call(req)), req)


def update(d: Dialect, memory_id: str, settings: dict[str, Any]) -> Op[dict[str, Any]]:
    """Change a memory's settings; returns the memory as stored."""
    d.require("memories", "memories")
    unknown = set(settings) - _SETTINGS
    if unknown:
        raise InvalidArgumentError(f"a memory update cannot change {sorted(unknown)}")
    req = Request("PUT", path("/memories/{}", memory_id), "update memory", json=dict(settings))
    return expect_dict((yield from call(req)), req)


def delete(d: Dialect, memory_id: str) -> Op[None]:
    """Delete one memory (and its messages)."""
    d.require("memories", "memories")
    req = Request("DELETE", path("/memories/{}", memory_id), "delete memory", json={})
    yield from call(req)
    return None


def list_messages(
    d: Dialect,
    memory_id: str,
    agent_id: str | list[str] | None,
    keywords: str | None,
    page: int,
    page_size: int,
) -> Op[dict[str, Any]]:
    """One page of a memory's raw messages: ``{"messages": {...}, "storage_type": ...}``."""
    d.require("memories", "memories")
    params = {
        "agent_id": _ids(agent_id, "agent_id") or None,
        "keywords": keywords,
        "page": page,
        "page_size": page_size,
    }
    req = Request(
        "GET", path("/memories/{}", memory_id), "list memory messages", params=query(params)
    )
    return expect_dict((yield from call(req)), req)


def add_message(
    d: Dialect,
    memory_ids: str | list[str],
    agent_id: str,
    session_id: str,
    user_input: str,
    agent_response: str,
    user_id: str = "",
) -> Op[str]:
    """Store one exchange in memories; returns the server's message ("All add to task.")."""
    d.require("memories", "memories")
    ids = _ids(memory_ids, "memory_id")
    if not ids:
        raise InvalidArgumentError("add_message needs at least one memory id")
    body = {
        "memory_id": ids,
        "agent_id": agent_id,
        "session_id": session_id,
        "user_input": user_input,
        "agent_response": agent_response,
        "user_id": user_id,
    }
    req = Request("POST", "/messages", "add memory message", json=body, idempotent=False)
    resp = yield req
    unwrap(resp, req)
    return parse_envelope(resp, req).message


def search_messages(
    d: Dialect,
    query_text: str,
    memory_ids: str | list[str],
    *,
    agent_id: str | None = None,
    session_id: str | None = None,
    user_id: str | None = None,
    similarity_threshold: float = 0.2,
    keywords_similarity_weight: float = 0.7,
    top_n: int = 10,
) -> Op[list[Any]]:
    """Messages of the memories that match a query, best first."""
    d.require("memories", "memories")
    params = {
        "query": query_text,
        "memory_id": _ids(memory_ids, "memory_id"),
        "agent_id": agent_id,
        "session_id": session_id,
        "user_id": user_id,
        "similarity_threshold": similarity_threshold,
        "keywords_similarity_weight": keywords_similarity_weight,
        "top_n": top_n,
    }
    req = Request("GET", "/messages/search", "search memory messages", params=query(params))
    return expect_list((yield from call(req)), req)


def recent_messages(
    d: Dialect,
    memory_ids: str | list[str],
    *,
    agent_id: str | None = None,
    session_id: str | None = None,
    limit: int = 10,
) -> Op[list[Any]]:
    """The newest messages of the memories (forgotten ones left out)."""
    d.require("memories", "memories")
    ids = _ids(memory_ids, "memory_id")
    if not ids:
        raise InvalidArgumentError("get_recent_messages needs at least one memory id")
    params = {"memory_id": ids, "agent_id": agent_id, "session_id": session_id, "limit": limit}
    req = Request("GET", "/messages", "recent memory messages", params=query(params))
    return expect_list((yield from call(req)), req)


def get_message(d: Dialect, memory_id: str, message_id: Any) -> Op[dict[str, Any]]:
    """One message with its content."""
    d.require("memories", "memories")
    req = Request("GET", _message_path(memory_id, message_id, "/content"), "get memory message")
    return expect_dict((yield from call(req)), req)


def forget_message(d: Dialect, memory_id: str, message_id: Any) -> Op[None]:
    """Forget one message (RAGFlow keeps it, marked with ``forget_at``)."""
    d.require("memories", "memories")
    req = Request("DELETE", _message_path(memory_id, message_id), "forget memory message", json={})
    yield from call(req)
    return None


def set_message_status(d: Dialect, memory_id: str, message_id: Any, status: bool) -> Op[None]:
    """Enable (``True``) or disable one message."""
    d.require("memories", "memories")
    if not isinstance(status, bool):
        raise InvalidArgumentError(f"status must be True or False, got {status!r}")
    req = Request(
        "PUT",
        _message_path(memory_id, message_id),
        "update memory message status",
        json={"status": status},
    )
    yield from call(req)
    return None
