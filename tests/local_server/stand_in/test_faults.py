"""Injected faults: statuses, Retry-After, HTML bodies, delays, malformed JSON, dropped streams."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests


def test_status_fault_with_retry_after(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    fault = a.server.inject(kind="status", status=429, retry_after=1.5, times=1)
    res = a.call("GET", "/datasets")
    assert res.status_code == 429 and res.headers["Retry-After"] == "1.5"
    assert res.json()["code"] == 429
    assert a.call("GET", "/datasets").status_code == 200
    assert fault.hits == 1 and fault.exhausted
    a.server.inject(kind="status", status=503, retry_after=2)
    assert a.call("GET", "/datasets").headers["Retry-After"] == "2"


def test_status_fault_html_body_and_matching(api: Callable[..., Any]) -> None:
    a = api("v0.24")
    a.server.inject(
        kind="status",
        status=502,
        body="<html>Bad Gateway</html>",
        content_type="text/html",
        path="/chats",
        method="GET",
        times=None,
    )
    assert a.call("GET", "/datasets").status_code == 200
    assert a.call("POST", "/chats", json={"name": "x"}).status_code == 200  # method does not match
    for _ in range(3):
        res = a.call("GET", "/chats")
        assert res.status_code == 502 and res.text == "<html>Bad Gateway</html>"
        assert res.headers["content-type"] == "text/html"
    a.server.clear_faults()
    assert a.call("GET", "/chats").status_code == 200


def test_delay_fault(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    fault = a.server.inject(kind="delay", seconds=0.3, times=1, path="/retrieval")
    assert a.call("GET", "/datasets").status_code == 200
    assert (fault.hits, fault.exhausted) == (0, False)  # another path leaves it armed
    res = a.j("POST", "/retrieval", json={"dataset_ids": [ds], "question": "sky"})
    assert res["code"] == 0 and (fault.hits, fault.exhausted) == (1, True)
    a.server.inject(kind="delay", seconds=0.5, path="/retrieval")
    with pytest.raises(httpx.ReadTimeout):
        a.call("POST", "/retrieval", json={"dataset_ids": [ds], "question": "sky"}, timeout=0.1)


def test_malformed_fault(api: Callable[..., Any]) -> None:
    a = api("v0.23")
    a.server.inject(kind="malformed", times=1)
    res = a.call("GET", "/datasets")
    assert res.status_code == 200 and res.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(res.text)
    assert a.call("GET", "/datasets").json()["code"] == 0


def _chat(a: Any, facts: dict[str, str]) -> tuple[str, str]:
    ds, _ = a.seeded(facts)
    chat = a.chat([ds])
    return chat, a.session(chat)


def _read_httpx(client: httpx.Client, path: str, body: Any, sink: list[str]) -> None:
    with client.stream("POST", path, json=body) as res:
        sink.extend(line for line in res.iter_lines() if line)


def _read_requests(url: str, body: Any, headers: dict[str, str], sink: list[str]) -> None:
    with requests.post(url, json=body, headers=headers, stream=True, timeout=5) as res:
        sink.extend(line for line in res.iter_lines(decode_unicode=True) if line)


def test_drop_stream_httpx(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.24")
    chat, sid = _chat(a, facts)
    a.server.inject(kind="drop_stream", after_events=2)
    lines: list[str] = []
    body = {"question": "Why is the sky blue?", "session_id": sid}
    with pytest.raises(httpx.RemoteProtocolError):
        _read_httpx(a.http, f"/chats/{chat}/completions", body, lines)
    assert len(lines) == 2 and all(line.startswith("data:{") for line in lines)
    assert all(json.loads(line[5:])["data"] is not True for line in lines)
    # the next stream is whole again, on the same client
    with a.http.stream(
        "POST",
        f"/chats/{chat}/completions",
        json={"question": "Why is the sky blue?", "session_id": sid},
    ) as res:
        last = [line for line in res.iter_lines() if line][-1]
    assert json.loads(last[5:]) == {"code": 0, "data": True}


def test_drop_stream_requests_and_openai(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    chat, sid = _chat(a, facts)
    a.server.inject(kind="drop_stream", after_events=1, path="/chats_openai/")
    url = f"{a.server.api_url}/chats_openai/{chat}/chat/completions"
    headers = {"Authorization": f"Bearer {a.server.api_key}"}
    body = {"model": "model", "messages": [{"role": "user", "content": "sky?"}], "stream": True}
    got: list[str] = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _read_requests(url, body, headers, got)
    assert len(got) == 1 and "[DONE]" not in got[0]
    # non-matching path is untouched
    res = a.call("POST", f"/chats/{chat}/completions", json={"question": "sky?", "session_id": sid})
    assert res.text.rstrip().endswith('data:{"code": 0, "message": "", "data": true}')


def test_bad_fault_kind(api: Callable[..., Any]) -> None:
    a = api()
    with pytest.raises(ValueError, match="Unknown fault kind"):
        a.server.inject(kind="explode")
