"""Chat assistants and sessions: the two schemas, list shapes, delete semantics, per era."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def test_old_schema_create_and_list(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.24")
    ds, _ = a.seeded(facts)
    body = {
        "name": "bot",
        "dataset_ids": [ds],
        "llm": {"model_name": "glm-4@ZHIPU-AI", "temperature": 0.2},
        "prompt": {
            "opener": "Hello!",
            "keywords_similarity_weight": 0.4,
            "top_n": 3,
            "similarity_threshold": 0.15,
            "empty_response": "Nothing.",
        },
    }
    res = a.j("POST", "/chats", json=body)
    assert res["code"] == 0 and "message" not in res
    chat = res["data"]
    assert chat["dataset_ids"] == [ds] and chat["llm"]["model_name"] == "glm-4@ZHIPU-AI"
    assert chat["prompt"]["opener"] == "Hello!" and chat["prompt"]["top_n"] == 3
    assert chat["prompt"]["keywords_similarity_weight"] == pytest.approx(0.6)  # 1 - vsw from 0.16
    listed = a.j("GET", "/chats")["data"]
    assert isinstance(listed, list) and "dataset_ids" not in listed[0]
    assert listed[0]["datasets"][0]["id"] == ds
    assert a.j("GET", "/chats", params={"name": "zzz"}) == {
        "code": 102,
        "message": "The chat doesn't exist",
    }
    assert (
        a.j("POST", "/chats", json={"name": "bot"})["message"]
        == "Duplicated chat name in creating chat."
    )
    v15 = api("v0.15")
    ds15, _ = v15.seeded(facts)
    chat15 = v15.j(
        "POST",
        "/chats",
        json={"name": "c", "dataset_ids": [ds15], "prompt": {"keywords_similarity_weight": 0.4}},
    )
    assert chat15["data"]["prompt"]["keywords_similarity_weight"] == 0.4


def test_old_schema_dataset_rules(api: Callable[..., Any]) -> None:
    v17 = api("v0.17")
    assert v17.j("POST", "/chats", json={"name": "x"})["message"] == "`dataset_ids` is required"
    empty = v17.dataset()
    res = v17.j("POST", "/chats", json={"name": "x", "dataset_ids": [empty]})
    assert res["message"] == f"The dataset {empty} doesn't own parsed file"
    v18 = api("v0.18")
    assert v18.j("POST", "/chats", json={"name": "x"})["code"] == 0


@pytest.mark.parametrize(("dialect", "kept"), [("v0.21", True), ("v0.22", False), ("v0.24", False)])
def test_put_without_dataset_ids(
    api: Callable[..., Any], facts: dict[str, str], dialect: str, kept: bool
) -> None:
    a = api(dialect)
    ds, _ = a.seeded(facts)
    chat = a.chat([ds])
    assert a.j("PUT", f"/chats/{chat}", json={"name": "renamed"}) == {"code": 0}
    listed = a.j("GET", "/chats")["data"][0]
    assert listed["name"] == "renamed"
    assert bool(listed["datasets"]) is kept


def test_dialog_schema(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.25.0")
    ds, _ = a.seeded(facts)
    body = {
        "name": "bot",
        "dataset_ids": [ds],
        "llm_id": "glm-4@ZHIPU-AI",
        "top_n": 4,
        "prompt_config": {"prologue": "Yo", "empty_response": "none"},
        "llm": {"model_name": "ignored"},
        "avatar": "dropped",
    }
    res = a.j("POST", "/chats", json=body)
    assert res["code"] == 0 and res["message"] == "success"
    chat = res["data"]
    assert chat["llm_id"] == "glm-4@ZHIPU-AI" and chat["top_n"] == 4 and chat["kb_names"] == ["kb"]
    assert "llm" not in chat and "prompt" not in chat and chat["icon"] == ""
    listed = a.j("GET", "/chats")["data"]
    assert set(listed) == {"chats", "total"} and listed["total"] == 1
    cid = chat["id"]
    patched = a.j("PATCH", f"/chats/{cid}", json={"prompt_config": {"quote": False}})["data"]
    assert (
        patched["prompt_config"]["prologue"] == "Yo" and patched["prompt_config"]["quote"] is False
    )
    put = a.j("PUT", f"/chats/{cid}", json={"prompt_config": {"prologue": "Hi"}})["data"]
    assert put["prompt_config"] == {"prologue": "Hi"} and put["dataset_ids"] == [ds]
    assert a.j("GET", f"/chats/{cid}")["data"]["id"] == cid
    assert a.j("GET", "/chats/ffff") == {"code": 109, "message": "No authorization.", "data": False}
    assert a.j("DELETE", f"/chats/{cid}") == {"code": 0, "message": "success", "data": True}
    v27 = api("v0.27")
    assert v27.j("GET", "/chats/ffff")["message"] == "no authorization"


@pytest.mark.parametrize(
    ("dialect", "body", "remaining"),
    [
        ("v0.13", {}, 0),
        ("v0.24", {"ids": []}, 0),
        ("v0.25.0", {}, 2),
        ("v0.27", {"delete_all": True}, 0),
    ],
)
def test_chat_delete_semantics(
    api: Callable[..., Any], facts: dict[str, str], dialect: str, body: Any, remaining: int
) -> None:
    a = api(dialect)
    ds, _ = a.seeded(facts)
    a.chat([ds], "one")
    a.chat([ds], "two")
    assert a.j("DELETE", "/chats", json=body)["code"] == 0
    listed = a.j("GET", "/chats")["data"]
    count = listed["total"] if isinstance(listed, dict) else len(listed)
    assert count == remaining


def test_sessions_old_eras(api: Callable[..., Any], facts: dict[str, str]) -> None:
    v13 = api("v0.13")
    ds, _ = v13.seeded(facts)
    chat = v13.chat([ds], prologue="Custom opener")
    created = v13.j("POST", f"/chats/{chat}/sessions", json={"name": "s"})["data"]
    assert created["messages"] == [
        {"role": "assistant", "content": "Hi! I am your assistant，can I help you?"}
    ]
    assert created["chat"] == chat and "chat_id" not in created
    v15 = api("v0.15.1")
    ds, _ = v15.seeded(facts)
    chat = v15.chat([ds], prologue="Custom opener")
    created = v15.j("POST", f"/chats/{chat}/sessions", json={"name": "s", "user_id": "u1"})["data"]
    assert created["messages"][0]["content"] == "Custom opener" and created["user_id"] == "u1"
    assert (
        v15.j("POST", f"/chats/{chat}/sessions", json={"name": ""})["message"]
        == "`name` can not be empty."
    )
    sid = created["id"]
    assert v15.j("PUT", f"/chats/{chat}/sessions/{sid}", json={"name": "n2"}) == {"code": 0}
    v15.j(
        "POST",
        f"/chats/{chat}/completions",
        json={"question": "Why is the sky blue?", "session_id": sid, "stream": False},
    )
    listed = v15.j("GET", f"/chats/{chat}/sessions", params={"user_id": "u1"})["data"]
    msgs = listed[0]["messages"]
    assert listed[0]["name"] == "n2" and "reference" not in listed[0]
    assert "reference" not in msgs[0] and msgs[1]["role"] == "user"
    ref = msgs[2]["reference"][0]
    assert {
        "id",
        "content",
        "document_id",
        "document_name",
        "dataset_id",
        "image_id",
        "positions",
        "similarity",
    } <= set(ref)
    assert "prompt" not in msgs[2]
    assert v15.j("DELETE", f"/chats/{chat}/sessions", json={"ids": ["nope"]})["code"] == 102
    assert v15.j("DELETE", f"/chats/{chat}/sessions", json={}) == {"code": 0}
    assert v15.j("GET", f"/chats/{chat}/sessions")["data"] == []


def test_sessions_new_era(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.25.1")
    ds, _ = a.seeded(facts)
    chat = a.chat([ds], prologue="Welcome")
    created = a.j("POST", f"/chats/{chat}/sessions", json={"name": "s"})
    assert created["message"] == "success" and created["data"]["reference"] == []
    sid = created["data"]["id"]
    patched = a.j("PATCH", f"/chats/{chat}/sessions/{sid}", json={"name": "renamed"})
    assert patched["data"]["name"] == "renamed"
    assert a.j("PUT", f"/chats/{chat}/sessions/{sid}", json={"messages": []})["code"] == 102
    got = a.j("GET", f"/chats/{chat}/sessions/{sid}")["data"]
    assert got["avatar"] == "" and got["messages"][0]["content"] == "Welcome"
    assert a.j("DELETE", f"/chats/{chat}/sessions", json={}) == {
        "code": 0,
        "message": "success",
        "data": {},
    }
    assert len(a.j("GET", f"/chats/{chat}/sessions")["data"]) == 1
    assert a.j("GET", "/chats/nope/sessions")["code"] == 109


def test_dialog_rules_per_version(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    body: dict[str, Any] = {"name": "Bot", "dataset_ids": [ds]}
    chat = a.j("POST", "/chats", json=body)["data"]
    assert chat["prompt_config"]["parameters"] == [
        {"key": "knowledge", "optional": False},
        {"key": "date", "optional": True},  # v0.27 adds the date parameter
    ]
    assert chat["prompt_config"]["prologue"] == "Hi! I'm your assistant. What can I do for you?"
    assert chat["llm_id"] == chat["tenant_llm_id"]  # v0.27: the tenant's model id
    assert a.j("POST", "/chats", json={**body, "name": "bot"}) == {
        "code": 102,
        "message": "duplicated chat name in creating chat",  # case-insensitive
    }
    assert a.j("POST", "/chats", json={"name": ""})["message"] == "`name` is required"
    assert a.j("POST", "/chats", json={"name": "x", "dataset_ids": "d"})["message"] == (
        "`dataset_ids` should be a list."
    )
    assert a.j("POST", "/chats", json={"name": "x", "llm_id": "unknown"})["message"] == (
        "`llm_id` unknown doesn't exist"
    )
    assert a.j("POST", "/chats", json={"name": "x", "llm_id": "glm-4@ZHIPU-AI"})["code"] == 0
    res = a.j("POST", "/chats", json={"name": "y", "rerank_id": "BAAI/bge-reranker-v2-m3@any"})
    assert res["code"] == 0  # the default rerankers need no provider
    res = a.j("POST", "/chats", json={"name": "z", "prompt_config": {"parameters": [
        {"key": "k"}, {"key": "k"}]}})  # fmt: skip
    assert res["message"] == "`parameters` contains duplicate key: k"
    other = a.j("POST", "/chats", json={"name": "other"})["data"]["id"]
    assert a.j("PUT", f"/chats/{other}", json={"name": "BOT"}) == {
        "code": 102,
        "message": "duplicated chat name",
    }
    patched = a.j("PATCH", f"/chats/{other}", json={"llm_setting": {"temperature": 0.5}})
    assert patched["data"]["llm_setting"] == {"temperature": 0.5}
    res = a.j("DELETE", "/chats", json={"ids": [other, other, "nope"]})
    assert res == {
        "code": 0,
        "message": "Partially deleted 1 chats with 2 errors",
        "data": {
            "success_count": 1,
            "errors": ["Chat(nope) not found.", f"Duplicate chat ids: {other}"],
        },
    }
    res = a.j(
        "DELETE", "/chats", content=b'"not json"', headers={"Content-Type": "application/json"}
    )
    assert res["code"] == 100 and "'str' object has no attribute 'get'" in res["message"]
    old = api("v0.26")
    ds, _ = old.seeded(facts)
    old.j("POST", "/chats", json={"name": "Bot", "dataset_ids": [ds]})
    assert old.j("POST", "/chats", json={"name": "bot"})["message"] == (
        "Duplicated chat name in creating chat."
    )
    assert old.j("POST", "/chats", json={"name": ""})["message"] == "`name` is required."
    # v0.26 resolves name@instance@provider and has no fallback for the "default" instance
    assert old.j("POST", "/chats", json={"name": "x", "llm_id": "glm-4@ZHIPU-AI"})["code"] == 102
    assert old.j("POST", "/chats", json={"name": "x", "llm_id": "glm-4@CI@ZHIPU-AI"})["code"] == 0


def test_sessions_rules_per_version(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    chat = a.chat([ds])
    url = f"/chats/{chat}/sessions"
    assert a.j("POST", url, json={"name": " "}) == {
        "code": 102,
        "message": "`name` can not be empty",
    }
    sid = a.j("POST", url, json={"name": "s"})["data"]["id"]
    assert a.j("PATCH", f"{url}/nope", json={"name": "x"}) == {
        "code": 102,
        "message": "Session not found!",
    }
    assert a.j("PATCH", f"{url}/{sid}", json={"reference": []})["message"] == (
        "`reference` cannot be changed"
    )
    res = a.j("DELETE", url, json={"ids": [sid, sid]})
    assert res["data"] == {"success_count": 1, "errors": [f"Duplicate session ids: {sid}"]}
    assert a.j("GET", url, params={"page_size": 101})["code"] == 100  # above the cap
    assert a.j("GET", url, params={"orderby": "x"})["message"] == "invalid orderby field: x"
    res = a.j(
        "POST",
        "/chat/completions",
        json={"chat_id": chat, "session_id": "nope", "question": "q", "stream": False},
    )
    assert res == {"code": 102, "message": "Session not found!"}
    old = api("v0.26")
    ds, _ = old.seeded(facts)
    chat = old.chat([ds])
    assert old.j("POST", f"/chats/{chat}/sessions", json={"name": ""})["message"] == (
        "`name` can not be empty."
    )


def test_delete_sessions_with_a_malformed_body(api: Callable[..., Any]) -> None:
    headers = {"Content-Type": "application/json"}
    new = api("v0.27")  # the handler answers it itself, after the chat check
    chat = new.chat([])
    res = new.j("DELETE", f"/chats/{chat}/sessions", content=b"not json", headers=headers)
    assert res == {
        "code": 101,
        "message": "Malformed JSON syntax: Missing commas/brackets or invalid encoding",
        "data": None,
    }
    res = new.j("DELETE", "/chats/missing/sessions", content=b"not json", headers=headers)
    assert res["code"] == 109
    old = api("v0.26")  # the framework's BadRequest
    chat = old.chat([])
    res = old.j("DELETE", f"/chats/{chat}/sessions", content=b"not json", headers=headers)
    assert res["code"] == 100 and res["message"] == "<BadRequest '400: Bad Request'>"
