"""LocalRAGFlow's memories and messages on the wire (raw HTTP), v0.24+."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

MODELS = {"embd_id": "BAAI/bge-small-en-v1.5@Builtin", "llm_id": "glm-4-flash@ZHIPU-AI"}


def memory(api: Any, name: str = "notes", types: list[str] | None = None) -> str:
    res = api.j("POST", "/memories", json={"name": name, "memory_type": types or ["raw"], **MODELS})
    assert res["code"] == 0, res
    return str(res["data"]["id"])


def add(api: Any, memory_ids: list[str], session: str, user: str, answer: str) -> Any:
    body = {
        "memory_id": memory_ids,
        "agent_id": "agent-1",
        "session_id": session,
        "user_input": user,
        "agent_response": answer,
    }
    return api.j("POST", "/messages", json=body)


def test_no_memories_before_v0_24(api: Callable[..., Any]) -> None:
    res = api("v0.23").call("GET", "/memories")
    assert res.status_code == 404


@pytest.mark.parametrize("dialect", ["v0.24", "v0.27"])
def test_create_validate_rename_and_list(api: Callable[..., Any], dialect: str) -> None:
    a = api(dialect)
    first = memory(a, "notes", ["raw", "semantic"])
    second = a.j("POST", "/memories", json={"name": "notes", "memory_type": ["raw"], **MODELS})
    assert second["data"]["name"] == "notes(1)" and second["message"] is True
    bad = a.j("POST", "/memories", json={"name": " ", "memory_type": ["raw"], **MODELS})
    assert (bad["code"], bad["message"]) == (101, "Memory name cannot be empty or whitespace.")
    bad = a.j("POST", "/memories", json={"name": "x", "memory_type": ["odd"], **MODELS})
    assert bad["message"] == "Memory type '{'odd'}' is not supported."
    listed = a.j("GET", "/memories", params={"memory_type": "semantic"})["data"]
    assert [m["id"] for m in listed["memory_list"]] == [first] and listed["total_count"] == 1
    page = a.j("GET", "/memories", params={"page": 2, "page_size": 1})["data"]
    assert len(page["memory_list"]) == 1 and page["total_count"] == 2
    config = a.j("GET", f"/memories/{first}/config")["data"]
    assert config["memory_type"] == ["raw", "semantic"] and config["forgetting_policy"] == "FIFO"


def test_update_checks_and_renames(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    one, two = memory(a, "one"), memory(a, "two")
    assert a.j("PUT", f"/memories/{two}", json={"name": "one"})["data"]["name"] == "one(1)"
    bad = a.j("PUT", f"/memories/{one}", json={"temperature": 2})
    assert bad["message"] == "Temperature should be in range [0, 1]."
    add(a, [one], "s1", "q", "r")
    refused = a.j("PUT", f"/memories/{one}", json={"memory_type": ["raw", "episodic"]})
    assert refused["message"] == "Can't update ['memory_type'] when memory isn't empty."
    missing = a.j("PUT", "/memories/nope", json={"name": "x"})
    assert (missing["code"], missing["message"]) == (404, "Memory 'nope' not found.")


def test_messages_store_list_search_forget_and_disable(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    mem = memory(a)
    assert add(a, [mem], "sess-a", "What is Paris?", "The capital of France.") == {
        "code": 0,
        "message": "All add to task.",
        "data": None,
    }
    add(a, [mem], "sess-b", "Why is the sky blue?", "Rayleigh scattering.")
    listed = a.j("GET", f"/memories/{mem}", params={"keywords": "sess-a"})["data"]["messages"]
    assert listed["total_count"] == 1 and listed["message_list"][0]["session_id"] == "sess-a"
    assert "content" not in listed["message_list"][0] and listed["message_list"][0]["extract"] == []
    recent = a.j("GET", "/messages", params={"memory_id": mem})["data"]
    assert [m["message_id"] for m in recent] == [2, 1]
    found = a.j("GET", "/messages/search", params={"memory_id": mem, "query": "sky blue"})["data"]
    assert found[0]["session_id"] == "sess-b"
    assert a.j("PUT", f"/messages/{mem}:2", json={"status": "no"})["message"] == (
        "Status must be a boolean."
    )
    a.j("PUT", f"/messages/{mem}:2", json={"status": False})
    content = a.j("GET", f"/messages/{mem}:2/content")["data"]
    assert content["status"] == 0 and content["content_embed"]
    found = a.j("GET", "/messages/search", params={"memory_id": mem, "query": "sky blue"})["data"]
    assert all(m["message_id"] != 2 for m in found), "a disabled message is not searched"
    a.j("DELETE", f"/messages/{mem}:1")
    assert a.j("GET", f"/messages/{mem}:1/content")["data"]["forget_at"]
    after = a.j("GET", "/messages", params={"memory_id": mem})["data"]
    assert [m["message_id"] for m in after] == [2], "a forgotten message is not recent"
    missing = a.j("GET", f"/messages/{mem}:99/content")
    assert missing["code"] == 404


def test_adding_to_unknown_memories(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    res = add(a, ["nope"], "s", "q", "r")
    assert (res["code"], res["message"]) == (
        500,
        "Some messages failed to add. Detail:Memory not found.",
    )
    assert api("v0.27").j("DELETE", "/memories/nope")["code"] == 404
