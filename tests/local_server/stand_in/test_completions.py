"""Native and OpenAI-compatible completions: stream modes, citations, references, per era."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

Q = "Why is the sky blue?"


def _setup(
    api: Callable[..., Any], facts: dict[str, str], dialect: str, **prompt: Any
) -> tuple[Any, str, str]:
    a = api(dialect)
    ds, _ = a.seeded(facts)
    chat = a.chat([ds], **prompt)
    return a, chat, a.session(chat)


def _stream(a: Any, path: str, parse_sse: Callable[[str], list[Any]], **body: Any) -> list[Any]:
    res = a.call("POST", path, json={"stream": True, **body})
    assert res.headers["content-type"].startswith("text/event-stream")
    return parse_sse(res.text)


@pytest.mark.parametrize(
    ("dialect", "marker"),
    [("v0.13", "##0$$"), ("v0.19", "##0$$"), ("v0.20", "[ID:0]"), ("v0.23", "[ID:0]")],
)
def test_cumulative_streams(
    api: Callable[..., Any],
    facts: dict[str, str],
    parse_sse: Callable[[str], list[Any]],
    dialect: str,
    marker: str,
) -> None:
    a, chat, sid = _setup(api, facts, dialect)
    events = _stream(a, f"/chats/{chat}/completions", parse_sse, question=Q, session_id=sid)
    assert events[-1] == {"code": 0, "data": True}
    content = [e["data"] for e in events[:-1]]
    assert len(content) >= 3
    answers = [c["answer"] for c in content]
    for prev, cur in itertools.pairwise(answers[:-1]):
        assert cur.startswith(prev)  # cumulative
    assert marker in answers[-1] and marker not in answers[-2]
    assert "Rayleigh" in answers[-1]
    assert content[-1]["reference"]["chunks"] and content[-1]["reference"]["doc_aggs"]
    early = content[0]["reference"]
    assert early == ({} if dialect == "v0.13" else {"chunks": []})
    assert all("message" not in e for e in events[:-1]) or dialect == "v0.13"
    assert all("final" not in c for c in content)
    if dialect != "v0.13":
        assert "created_at" in content[-1]


def test_delta_stream_024(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a, chat, sid = _setup(api, facts, "v0.24")
    events = _stream(a, f"/chats/{chat}/completions", parse_sse, question=Q, session_id=sid)
    assert events[-1] == {"code": 0, "data": True}
    data = [e["data"] for e in events[:-1]]
    final = data[-1]
    assert final["final"] is True and final["answer"] == ""
    assert final["reference"]["chunks"][0]["document_name"] == "sky.txt"
    text = "".join(d["answer"] for d in data[:-1])
    # the model cites as it writes (the prompt asks it to); nothing is re-sent at the end
    assert text.startswith("The sky is blue because of Rayleigh") and "[ID:0]" in text
    assert all(d["final"] is False and d["reference"] == {} for d in data[:-1])
    assert "message" not in events[0]
    # the session keeps the decorated answer
    msgs = a.j("GET", f"/chats/{chat}/sessions", params={"id": sid})["data"][0]["messages"]
    assert msgs[-1]["content"].endswith("[ID:0].") and msgs[-2] == {
        "role": "user",
        "content": Q,
        "id": msgs[-2]["id"],
    }


def test_new_era_events_and_legacy(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a, chat, sid = _setup(api, facts, "v0.27")
    events = _stream(
        a,
        "/chat/completions",
        parse_sse,
        chat_id=chat,
        session_id=sid,
        messages=[{"role": "user", "content": Q}],
    )
    assert events[-1] == {"code": 0, "message": "", "data": True}
    assert all(e["message"] == "" and e["data"]["chat_id"] == chat for e in events[:-1])
    assert events[-2]["data"]["final"] is True
    legacy = _stream(
        a, f"/chats/{chat}/completions", parse_sse, question=Q, session_id=sid, legacy=True
    )
    answers = [e["data"]["answer"] for e in legacy[:-1]]
    assert all(cur.startswith(prev) for prev, cur in itertools.pairwise(answers))
    assert legacy[-2]["data"]["final"] is True and legacy[-2]["data"]["reference"]["chunks"]
    older = api("v0.26")
    ds, _ = older.seeded(facts)
    chat26 = older.chat([ds])
    sid26 = older.session(chat26)
    ev = _stream(
        older, f"/chats/{chat26}/completions", parse_sse, question=Q, session_id=sid26, legacy=True
    )
    assert ev[-2]["data"]["answer"] == ""  # no legacy option before 0.26.1


@pytest.mark.parametrize(
    ("dialect", "needs"), [("v0.25.1", True), ("v0.25.3", True), ("v0.25.6", False)]
)
def test_messages_required_0251_to_0255(
    api: Callable[..., Any], facts: dict[str, str], dialect: str, needs: bool
) -> None:
    a, chat, sid = _setup(api, facts, dialect)
    res = a.j(
        "POST",
        f"/chats/{chat}/completions",
        json={"question": Q, "session_id": sid, "stream": False},
    )
    if needs:
        assert res == {
            "code": 101,
            "message": "required argument are missing: messages; ",
            "data": None,
        }
        res = a.j(
            "POST",
            f"/chats/{chat}/completions",
            json={"messages": [{"role": "user", "content": Q}], "session_id": sid, "stream": False},
        )
    assert res["code"] == 0 and res["message"] == "success"
    assert "[ID:0]" in res["data"]["answer"] and res["data"]["chat_id"] == chat


def test_no_session_id_per_era(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a, chat, _ = _setup(api, facts, "v0.13")
    events = _stream(a, f"/chats/{chat}/completions", parse_sse, question=Q)
    assert "Rayleigh" in events[-2]["data"]["answer"] and events[-2]["data"]["session_id"]
    a, chat, _ = _setup(api, facts, "v0.20", prologue="Hello there")
    events = _stream(a, f"/chats/{chat}/completions", parse_sse, question=Q)
    assert events[0]["data"]["answer"] == "Hello there" and events[0]["message"] == ""
    assert events[-1] == {"code": 0, "message": "", "data": True} and len(events) == 2
    res = a.j("POST", f"/chats/{chat}/completions", json={"question": Q, "stream": False})
    assert res["data"]["answer"] == "Hello there" and res["data"]["session_id"]
    a, chat, _ = _setup(api, facts, "v0.17")
    res = a.j("POST", f"/chats/{chat}/completions", json={"question": Q, "stream": False})
    assert isinstance(res["data"], str) and res["data"].startswith("data:{")
    a, chat, _ = _setup(api, facts, "v0.15")
    res = a.call("POST", f"/chats/{chat}/completions", json={"question": Q, "stream": False})
    assert res.headers["content-type"].startswith("text/event-stream")  # 0.15-0.16 always stream
    a, chat, _ = _setup(api, facts, "v0.25.6")
    res = a.j("POST", f"/chats/{chat}/completions", json={"question": Q, "stream": False})
    assert "Rayleigh" in res["data"]["answer"]


@pytest.mark.parametrize(
    ("dialect", "keys", "absent"),
    [
        (
            "v0.13",
            {"chunk_id", "content_with_weight", "docnm_kwd", "kb_id", "img_id", "similarity"},
            {"id"},
        ),
        ("v0.14", {"id", "document_name", "dataset_id", "image_id", "similarity"}, {"url"}),
        ("v0.15", {"id", "positions"}, {"similarity", "url"}),
        ("v0.17", {"url"}, {"similarity"}),
        ("v0.18", {"url", "similarity", "term_similarity"}, {"doc_type"}),
        ("v0.19", {"doc_type"}, {"row_id"}),
        ("v0.25.6", {"row_id"}, {"document_metadata"}),
        ("v0.26", {"row_id", "document_metadata"}, set()),
    ],
)
def test_reference_chunk_keys(
    api: Callable[..., Any], facts: dict[str, str], dialect: str, keys: set[str], absent: set[str]
) -> None:
    a, chat, sid = _setup(api, facts, dialect)
    body: dict[str, Any] = {"question": Q, "session_id": sid, "stream": False}
    res = a.j("POST", f"/chats/{chat}/completions", json=body)
    chunk = res["data"]["reference"]["chunks"][0]
    assert keys <= set(chunk) and not (absent & set(chunk)), set(chunk)
    assert set(res["data"]["reference"]) == {"total", "chunks", "doc_aggs"}


def test_empty_response_and_not_found(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a, chat, sid = _setup(api, facts, "v0.24", empty_response="Nothing here.")
    events = _stream(
        a,
        f"/chats/{chat}/completions",
        parse_sse,
        question="quantum chromodynamics",
        session_id=sid,
    )
    assert [e["data"]["answer"] for e in events[:-1]] == ["Nothing here."]
    assert events[-2]["data"]["final"] is True
    a, chat, sid = _setup(api, facts, "v0.27", empty_response="Nothing here.")
    events = _stream(
        a,
        f"/chats/{chat}/completions",
        parse_sse,
        question="quantum chromodynamics",
        session_id=sid,
    )
    assert [e["data"]["answer"] for e in events[:-1]] == ["Nothing here.", "Nothing here."]
    b, chat, sid = _setup(api, facts, "v0.27", empty_response="")
    res = b.j(
        "POST",
        f"/chats/{chat}/completions",
        json={"question": "quantum chromodynamics", "session_id": sid, "stream": False},
    )
    assert (
        res["data"]["answer"]
        == "The answer you are looking for is not found in the knowledge base!"
    )


def test_reasoning_markers(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a = api("v0.25.0")
    ds, _ = a.seeded(facts)
    res = a.j(
        "POST",
        "/chats",
        json={"name": "r", "dataset_ids": [ds], "prompt_config": {"reasoning": True}},
    )
    chat = res["data"]["id"]
    sid = a.session(chat)
    events = _stream(a, f"/chats/{chat}/completions", parse_sse, question=Q, session_id=sid)
    assert events[0]["data"]["start_to_think"] is True
    assert any(e["data"] is not True and e["data"].get("end_to_think") for e in events)
    old = api("v0.23")
    ds, _ = old.seeded(facts)
    chat = old.chat([ds], reasoning=True)
    sid = old.session(chat)
    events = _stream(old, f"/chats/{chat}/completions", parse_sse, question=Q, session_id=sid)
    assert events[-2]["data"]["answer"].startswith("<think>")


def test_errors_inside_the_stream(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a, chat, sid = _setup(api, facts, "v0.20")
    events = _stream(
        a,
        f"/chats/{chat}/completions",
        parse_sse,
        question=Q,
        session_id=sid,
        messages=[{"role": "user", "content": Q}],
    )
    assert events[0]["code"] == 500 and events[0]["data"]["answer"].startswith("**ERROR**: ")
    assert events[0]["data"]["reference"] == [] and events[-1] == {"code": 0, "data": True}
    res = a.j(
        "PUT",
        f"/chats/{chat}",
        json={
            "dataset_ids": a.j("GET", "/chats")["data"][0]["datasets"][0:1]
            and [a.j("GET", "/chats")["data"][0]["datasets"][0]["id"]],
            "prompt": {
                "prompt": "Use {knowledge} and {topic}",
                "variables": [
                    {"key": "knowledge", "optional": False},
                    {"key": "topic", "optional": False},
                ],
            },
        },
    )
    assert res == {"code": 0}
    events = _stream(a, f"/chats/{chat}/completions", parse_sse, question=Q, session_id=sid)
    assert events[0]["message"] == "'Miss parameter: topic'"
    ok = _stream(
        a, f"/chats/{chat}/completions", parse_sse, question=Q, session_id=sid, topic="sky"
    )
    assert ok[-2]["data"]["reference"]["chunks"]


def test_solo_and_session_completion_routes(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a = api("v0.25.1")
    events = _stream(
        a, "/chat/completions", parse_sse, messages=[{"role": "user", "content": "hi"}]
    )
    assert all(e["data"]["session_id"] == "" for e in events[:-1])
    assert all("final" not in e["data"] or e["data"]["final"] is False for e in events[:-1])
    assert (
        a.j(
            "POST",
            "/chat/completions",
            json={"session_id": "x", "messages": [{"role": "user", "content": "hi"}]},
        )["code"]
        != 0
    )
    v250 = api("v0.25.0")
    ds, _ = v250.seeded(facts)
    chat = v250.chat([ds])
    sid = v250.session(chat)
    res = v250.j(
        "POST",
        f"/chats/{chat}/sessions/{sid}/completions",
        json={"messages": [{"role": "user", "content": Q}], "stream": False},
    )
    assert "Rayleigh" in res["data"]["answer"]
    assert v250.call("POST", "/chat/completions", json={}).status_code == 404  # absent in 0.25.0


# -- OpenAI-compatible -----------------------------------------------------------------------------


def _openai(a: Any, chat: str, **body: Any) -> Any:
    return a.call(
        "POST",
        f"/chats_openai/{chat}/chat/completions",
        json={"model": "model", "messages": [{"role": "user", "content": Q}], **body},
    )


def test_openai_stream_017(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a, chat, _ = _setup(api, facts, "v0.17")
    events = parse_sse(_openai(a, chat).text)  # stream is the default
    assert events[-1] == "[DONE]"
    first = events[0]
    assert first["object"] == "chat.completion.chunk" and first["id"] == f"chatcmpl-{chat}"
    assert first["model"] == "model" and "reasoning_content" not in first["choices"][0]["delta"]
    last = events[-2]
    assert last["choices"][0]["finish_reason"] == "stop" and last["usage"]["total_tokens"] > 0
    text = "".join(e["choices"][0]["delta"]["content"] or "" for e in events[:-2])
    assert "Rayleigh" in text


def test_openai_reference_and_usage(
    api: Callable[..., Any], facts: dict[str, str], parse_sse: Callable[[str], list[Any]]
) -> None:
    a, chat, _ = _setup(api, facts, "v0.23")
    events = parse_sse(_openai(a, chat, extra_body={"reference": True}).text)
    last = events[-2]["choices"][0]["delta"]
    assert (
        isinstance(last["reference"], list) and last["reference"][0]["document_name"] == "sky.txt"
    )
    assert (
        "[ID:0]" in last["final_content"]
        and last["content"] is None
        and "reasoning_content" in last
    )
    text = "".join(e["choices"][0]["delta"]["content"] or "" for e in events[:-2])
    assert events[-2]["usage"]["completion_tokens"] == len(text)  # character counts <= 0.23
    plain = parse_sse(_openai(a, chat).text)
    assert "reference" not in plain[-2]["choices"][0]["delta"]


def test_openai_non_stream_and_errors(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a, chat, _ = _setup(api, facts, "v0.26")
    res = _openai(a, chat, extra_body={"reference": True}).json()  # non-stream by default from 0.26
    assert res["object"] == "chat.completion" and res["model"] == "model"
    message = res["choices"][0]["message"]
    assert "Rayleigh" in message["content"] and message["reference"]
    assert set(res["usage"]["completion_tokens_details"]) == {
        "reasoning_tokens",
        "accepted_prediction_tokens",
        "rejected_prediction_tokens",
    }
    assert a.j(
        "POST",
        f"/openai/{chat}/chat/completions",
        json={"model": "model", "messages": [{"role": "user", "content": Q}], "stream": False},
    )["choices"]
    bad = a.j("POST", f"/chats_openai/{chat}/chat/completions", json={"messages": []})
    assert bad["code"] == 101 and "model" in bad["message"]
    bad = a.j(
        "POST",
        f"/chats_openai/{chat}/chat/completions",
        json={"model": "model", "messages": [{"role": "assistant", "content": "x"}]},
    )
    assert bad == {
        "code": 102,
        "message": "The last content of this conversation is not from user.",
    }
    assert a.j("POST", f"/openai/{chat}/chat/completions", json={"model": "m", "messages": []})[
        "message"
    ] == ("You have to provide messages.")


def test_openai_checks_the_body_before_the_chat(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    url = "/openai/nope/chat/completions"
    user = [{"role": "user", "content": "hi"}]
    cases = [
        ({"extra_body": "x"}, "extra_body must be an object."),
        ({"extra_body": {"reference_metadata": 1}}, "reference_metadata must be an object."),
        (
            {"extra_body": {"reference_metadata": {"fields": "a"}}},
            "reference_metadata.fields must be an array.",
        ),
        ({"messages": []}, "You have to provide messages."),
        (
            {"messages": [{"role": "assistant", "content": "x"}]},
            "The last content of this conversation is not from user.",
        ),
        ({}, "You don't own the chat nope"),
    ]
    for extra, message in cases:
        body = {"model": "model", "messages": user, **extra}
        assert a.j("POST", url, json=body) == {"code": 102, "message": message}
    old = api("v0.22")  # no extra_body checks before v0.23
    body = {"model": "model", "messages": user, "extra_body": "x"}
    res = old.j("POST", "/chats_openai/nope/chat/completions", json=body)
    assert res == {"code": 102, "message": "You don't own the chat nope"}


def test_new_completion_checks_messages(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    chat = a.chat([ds])
    cases = [
        ({}, 101, "required argument are missing: messages"),
        ({"messages": []}, 101, "`messages` must be a non-empty list."),
        ({"messages": ["x"]}, 101, "Every item in `messages` must be an object."),
        (
            {"messages": [{"role": "user"}]},
            101,
            "Every item in `messages` must include `role` and `content`.",
        ),
        (
            {"messages": [{"role": "system", "content": "s"}]},
            101,
            "`messages` must contain a user message.",
        ),
        (
            {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
            101,
            "The last message must be from user.",
        ),
        (
            {"question": "q", "store_history_messages": False},
            102,
            "`pass_all_history_messages` must be true when `store_history_messages` is false.",
        ),
        (
            {"question": "q", "session_id": "s", "chat_id": None},
            102,
            "`chat_id` is required when `session_id` is provided.",
        ),
    ]
    for extra, code, message in cases:
        body = {"chat_id": chat, "stream": False, **extra}
        assert a.j("POST", "/chat/completions", json=body) == {"code": code, "message": message}
    old = api("v0.25.3")
    ds, _ = old.seeded(facts)
    chat = old.chat([ds])
    res = old.j("POST", "/chat/completions", json={"chat_id": chat, "question": "q"})
    assert res["message"] == "required argument are missing: messages; "  # messages only
