"""Session endpoints: ``/chats/{id}/sessions``."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._exceptions import InvalidArgumentError, NotFoundError
from .._http import Request, path
from ._core import Op, call, delete_body, expect_dict, expect_list, query

__all__ = ["create", "delete", "get", "list_page", "update"]


def create(d: Dialect, chat_id: str, name: str, user_id: str | None = None) -> Op[dict[str, Any]]:
    """Open a session (the server checks the name)."""
    body: dict[str, Any] = {"name": name}
    if user_id is not None:
        d.require("session_user_id", "sessions with a user_id")
        body["user_id"] = user_id
    req = Request(
        "POST", path("/chats/{}/sessions", chat_id), "create session", json=body, idempotent=False
    )
    data = expect_dict((yield from call(req)), req)
    data.setdefault("chat_id", data.get("chat", chat_id))
    return data


def list_page(
    d: Dialect,
    chat_id: str,
    page: int,
    page_size: int,
    *,
    orderby: str = "create_time",
    desc: bool = True,
    id: str | None = None,
    name: str | None = None,
    user_id: str | None = None,
) -> Op[list[dict[str, Any]]]:
    """One page of a chat's sessions."""
    params = {
        **d.page_params(page, page_size),
        "orderby": orderby,
        "desc": desc,
        "id": id,
        "name": name,
        "user_id": user_id,
    }
    req = Request("GET", path("/chats/{}/sessions", chat_id), "list sessions", params=query(params))
    sessions = expect_list((yield from call(req)), req)
    for s in sessions:
        if isinstance(s, dict):
            s.setdefault("chat_id", s.get("chat", chat_id))
    return sessions


def get(d: Dialect, chat_id: str, session_id: str) -> Op[dict[str, Any]]:
    """One session with its messages."""
    found = yield from list_page(d, chat_id, 1, 1, id=session_id)
    if not found:
        raise NotFoundError(f"chat {chat_id!r} has no session {session_id!r}")
    return expect_dict(found[0], Request("GET", path("/chats/{}/sessions", chat_id), "get session"))


def update(d: Dialect, chat_id: str, session_id: str, fields: dict[str, Any]) -> Op[None]:
    """Rename a session (PUT, or PATCH from v0.25.1)."""
    unknown = set(fields) - {"name", "user_id"}
    if unknown:
        raise InvalidArgumentError(
            f"Session.update can only change the name, not {sorted(unknown)}"
        )
    if not fields:
        return None
    req = Request(
        d.session_update_method,
        path("/chats/{}/sessions/{}", chat_id, session_id),
        "update session",
        json=dict(fields),
    )
    yield from call(req)
    return None


def delete(
    d: Dialect, chat_id: str, ids: list[str] | None, *, delete_all: bool = False
) -> Op[None]:
    """Delete sessions; never sends an empty list where it would mean "all"."""
    body = delete_body(d.delete_mode("sessions"), ids, delete_all, "delete_sessions")
    if body is None:
        return None
    req = Request("DELETE", path("/chats/{}/sessions", chat_id), "delete sessions", json=body)
    yield from call(req)
    return None
