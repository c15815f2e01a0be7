"""Chat assistant endpoints: ``/chats``, in the ``llm``/``prompt`` schema (<= v0.24) or as
dialog rows (v0.25+)."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._exceptions import InvalidArgumentError, NotFoundError
from .._http import Request, path
from ..types.chat import LLM_SETTINGS, PROMPT_CONFIG_KEYS, PROMPT_TOP_KEYS
from ..types.configs import ConfigModel, settings_from
from ._core import Op, call, delete_body, expect_dict, expect_list, page_window, query

__all__ = ["create", "delete", "get", "list_page", "list_window", "to_dialog", "to_draft", "update"]

_PROMPT_TOP = {
    **PROMPT_TOP_KEYS,
    # As RAGFlow itself reads it when a chat is written (and inverts it when read back).
    "keywords_similarity_weight": "vector_similarity_weight",
    "top_k": "top_k",
}


def _plain(value: Any, what: str = "llm and prompt") -> dict[str, Any]:
    """The set values of a settings object or a dict (``max_token`` as ``max_tokens``)."""
    plain = settings_from(value, ConfigModel, what) or {}
    out = {k: v for k, v in plain.items() if v is not None}
    if "max_token" in out:
        out.setdefault("max_tokens", out.pop("max_token"))
    return out


def to_dialog(
    fields: dict[str, Any], *, merge_into: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Translate the draft's ``avatar``/``llm``/``prompt`` keys into a v0.25+ dialog body.

    ``merge_into`` is the current chat (for updates): nested settings are merged, since a
    v0.25 ``PUT`` replaces nested objects whole.
    """
    current = merge_into or {}
    body: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "avatar":
            body["icon"] = value
        elif key == "llm":
            llm = _plain(value)
            if "model_name" in llm:
                body["llm_id"] = llm.pop("model_name")
            settings = dict(current.get("llm_setting") or {})
            settings.update({k: v for k, v in llm.items() if k in LLM_SETTINGS})
            if settings or llm:
                body["llm_setting"] = settings
        elif key == "prompt":
            prompt = _plain(value)
            config = dict(current.get("prompt_config") or {})
            for draft, dialog in PROMPT_CONFIG_KEYS.items():
                if draft in prompt:
                    config[dialog] = prompt[draft]
            if config:
                body["prompt_config"] = config
            for draft, dialog in _PROMPT_TOP.items():
                if draft in prompt:
                    body[dialog] = prompt[draft]
        elif key in ("llm_setting", "prompt_config"):
            body[key] = settings_from(value, ConfigModel, key)
        else:
            body[key] = value
    return body


def to_draft(fields: dict[str, Any]) -> dict[str, Any]:
    """Translate the dialog keys of the released SDK (``icon``, ``llm_id``, ``llm_setting``,
    ``prompt_config``, ``rerank_id`` ...) into the ``llm``/``prompt`` body of v0.13-v0.24.
    """
    body: dict[str, Any] = {}
    llm: dict[str, Any] = {}
    prompt: dict[str, Any] = {}
    top = {dialog: draft for draft, dialog in _PROMPT_TOP.items()}
    for key, value in fields.items():
        if key == "icon":
            body["avatar"] = value
        elif key == "llm_id":
            llm["model_name"] = value
        elif key == "llm_setting":
            llm.update(_plain(value, key))
        elif key == "prompt_config":
            config = _plain(value, key)
            prompt.update({d: config[c] for d, c in PROMPT_CONFIG_KEYS.items() if c in config})
        elif key in top:
            prompt[top[key]] = value
        elif key in ("llm", "prompt"):
            (llm if key == "llm" else prompt).update(_plain(value))
        elif value is not None:
            body[key] = value
    for key, plain in (("llm", llm), ("prompt", prompt)):
        if plain:
            body[key] = plain
    return body


def create(d: Dialect, fields: dict[str, Any]) -> Op[dict[str, Any]]:
    """Create a chat assistant (the server checks the name)."""
    fields = {k: v for k, v in fields.items() if v is not None}
    if d.chat_schema == "dialog":
        body = to_dialog(fields)
    else:
        body = to_draft(fields)
        if "dataset_ids" not in body:
            body["dataset_ids"] = []
    req = Request("POST", "/chats", "create chat", json=body, idempotent=False)
    return expect_dict((yield from call(req)), req)


def list_page(
    d: Dialect,
    page: int,
    page_size: int,
    *,
    orderby: str = "create_time",
    desc: bool = True,
    id: str | None = None,
    name: str | None = None,
    keywords: str | None = None,
    owner_ids: str | list[str] | None = None,
) -> Op[list[dict[str, Any]]]:
    """One page of chat assistants (a list up to v0.24, ``{"chats": [...]}`` after);
    ``keywords`` (in the name) and ``owner_ids`` filter it from v0.25.
    """
    if keywords or owner_ids:
        d.require("chat_list_keywords", "list_chats(keywords=..., owner_ids=...)")
    params = {
        **d.page_params(page, page_size),
        "orderby": orderby,
        "desc": desc,
        "id": id,
        "name": name,
        "keywords": keywords or None,
        "owner_ids": owner_ids or None,
    }
    req = Request("GET", "/chats", "list chats", params=query(params))
    data = yield from call(req)
    if isinstance(data, dict):
        return expect_list(data, req, "chats")
    return expect_list(data, req)


def list_window(d: Dialect, page: int, page_size: int, **filters: Any) -> Op[list[dict[str, Any]]]:
    """The caller's page, fetched in server pages no larger than the version allows."""

    def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
        return (yield from list_page(d, p, size, **filters))

    return (yield from page_window(one, page, page_size, d.max_page_size))


def get(d: Dialect, *, id: str | None = None, name: str | None = None) -> Op[dict[str, Any]]:
    """One chat assistant by id or name."""
    if not id and not name:
        raise InvalidArgumentError("get_chat needs an id or a name")
    if id and d.has("get_chat"):
        req = Request("GET", path("/chats/{}", id), "get chat")
        return expect_dict((yield from call(req)), req)
    found = yield from list_page(d, 1, 1, id=id, name=name)
    if not found:
        raise NotFoundError(f"no chat with {'id ' + repr(id) if id else 'name ' + repr(name)}")
    return found[0]


def update(
    d: Dialect, chat_id: str, current: dict[str, Any], fields: dict[str, Any]
) -> Op[dict[str, Any] | None]:
    """Update a chat assistant; unnamed ``llm``/``prompt`` keys keep their values."""
    fields = dict(fields)
    if "knowledgebases" in fields:
        fields["dataset_ids"] = fields.pop("knowledgebases")
    if d.chat_schema == "dialog":
        body = to_dialog(fields, merge_into=current)
    else:
        body = to_draft(fields)
        # 0.22-0.24 clear the datasets of a chat updated without dataset_ids; 0.16-0.18
        # refuse an explicitly empty list. Resend the current ones when there are any.
        if "dataset_ids" not in body and current.get("dataset_ids"):
            body["dataset_ids"] = list(current["dataset_ids"])
    req = Request(d.chat_update_method, path("/chats/{}", chat_id), "update chat", json=body)
    data = yield from call(req)
    return data if isinstance(data, dict) else None


def delete(d: Dialect, ids: list[str] | None, *, delete_all: bool = False) -> Op[None]:
    """Delete chat assistants; never sends an empty list where it would mean "all"."""
    body = delete_body(d.delete_mode("chats"), ids, delete_all, "delete_chats")
    if body is None:
        return None
    req = Request("DELETE", "/chats", "delete chats", json=body)
    yield from call(req)
    return None
