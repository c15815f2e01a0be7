"""Auth replies, unknown routes, system endpoints, lifecycle and the request log, per era."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

from ragflow_integrations.testing import LocalRAGFlow


def _get(server: LocalRAGFlow, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(server.api_url + path, headers=headers or {}, timeout=5)


BAD = {"Authorization": "Bearer ragflow-nope"}


@pytest.mark.parametrize(
    ("dialect", "status", "body"),
    [
        ("v0.13", 200, {"retcode": 109, "retmsg": "Token is not valid!", "data": False}),
        ("v0.14", 200, {"code": 109, "message": "Token is not valid!", "data": False}),
        ("v0.15", 200, {"code": 109, "message": "Token is not valid!", "data": False}),
        (
            "v0.16",
            200,
            {"code": 109, "message": "Authentication error: API key is invalid!", "data": False},
        ),
        (
            "v0.24",
            200,
            {"code": 109, "message": "Authentication error: API key is invalid!", "data": False},
        ),
        (
            "v0.25.3",
            401,
            {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None},
        ),
        (
            "v0.27",
            401,
            {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None},
        ),
    ],
)
def test_invalid_key(
    serve: Callable[..., LocalRAGFlow], dialect: str, status: int, body: Any
) -> None:
    server = serve(dialect)
    res = _get(server, "/datasets", BAD)
    assert res.status_code == status
    assert res.json() == body


@pytest.mark.parametrize(
    ("dialect", "body"),
    [
        (
            "v0.13",
            {
                "retcode": 100,
                "retmsg": "AttributeError(\"'NoneType' object has no attribute 'split'\")",
                "data": None,
            },
        ),
        (
            "v0.14",
            {
                "code": 100,
                "message": "AttributeError(\"'NoneType' object has no attribute 'split'\")",
                "data": None,
            },
        ),
        ("v0.16", {"code": 0, "message": "`Authorization` can't be empty", "data": False}),
        ("v0.24", {"code": 0, "message": "`Authorization` can't be empty", "data": False}),
    ],
)
def test_missing_header_old_eras(
    serve: Callable[..., LocalRAGFlow], dialect: str, body: Any
) -> None:
    res = _get(serve(dialect), "/chats")
    assert res.status_code == 200
    assert res.json() == body


def test_missing_header_new_era(serve: Callable[..., LocalRAGFlow]) -> None:
    res = _get(serve("v0.26"), "/chats")
    assert res.status_code == 401
    assert res.json()["code"] == 401


def test_mixed_auth_in_025(serve: Callable[..., LocalRAGFlow]) -> None:
    # 0.25.0: documents/chunks/retrieval/completions still on token_required.
    s250 = serve("v0.25.0")
    assert _get(s250, "/datasets", BAD).status_code == 401
    res = httpx.post(s250.api_url + "/retrieval", headers=BAD, json={}, timeout=5)
    assert res.status_code == 200 and res.json()["code"] == 109
    res = _get(s250, "/datasets/x/documents", BAD)
    assert res.status_code == 200 and res.json()["code"] == 109
    # 0.25.3: only parse/stop and /retrieval keep it.
    s253 = serve("v0.25.3")
    assert _get(s253, "/datasets/x/documents", BAD).status_code == 401
    res = httpx.post(s253.api_url + "/datasets/x/chunks", headers=BAD, json={}, timeout=5)
    assert res.status_code == 200 and res.json()["code"] == 109
    # 0.26: everything is 401.
    res = httpx.post(serve("v0.26").api_url + "/retrieval", headers=BAD, json={}, timeout=5)
    assert res.status_code == 401


def test_bare_token_accepted_from_025(serve: Callable[..., LocalRAGFlow]) -> None:
    new = serve("v0.25.6")
    assert _get(new, "/datasets", {"Authorization": new.api_key}).json()["code"] == 0
    assert _get(new, "/datasets", {"Authorization": f"bearer {new.api_key}"}).json()["code"] == 0
    old = serve("v0.24")
    res = _get(old, "/datasets", {"Authorization": old.api_key}).json()
    assert res == {"code": 0, "message": "Please check your authorization format.", "data": False}


@pytest.mark.parametrize(
    ("dialect", "status", "body"),
    [
        ("v0.13", 200, {"retcode": 100, "retmsg": "<NotFound '404: Not Found'>", "data": None}),
        ("v0.22", 200, {"code": 100, "message": "<NotFound '404: Not Found'>", "data": None}),
        (
            "v0.23",
            404,
            {"error": "Not Found", "message": "The requested URL /api/v1/nope was not found"},
        ),
        (
            "v0.24",
            404,
            {"code": 404, "message": "Not Found: /api/v1/nope", "data": None, "error": "Not Found"},
        ),
        (
            "v0.27",
            404,
            {"code": 404, "message": "Not Found: /api/v1/nope", "data": None, "error": "Not Found"},
        ),
    ],
)
def test_unknown_route(
    serve: Callable[..., LocalRAGFlow], dialect: str, status: int, body: Any
) -> None:
    server = serve(dialect)
    res = _get(server, "/nope", {"Authorization": f"Bearer {server.api_key}"})
    assert (res.status_code, res.json()) == (status, body)


def test_route_absent_in_era_and_wrong_method(serve: Callable[..., LocalRAGFlow]) -> None:
    old = serve("v0.16")
    auth = {"Authorization": f"Bearer {old.api_key}"}
    # chats_openai appears in 0.17
    res = httpx.post(
        old.api_url + "/chats_openai/x/chat/completions", headers=auth, json={}, timeout=5
    )
    assert res.json() == {"code": 100, "message": "<NotFound '404: Not Found'>", "data": None}
    # GET /datasets/{id} does not exist before 0.25.1: PUT does, so it is a 405.
    res = _get(old, "/datasets/abc", auth)
    assert res.json()["message"] == "<MethodNotAllowed '405: Method Not Allowed'>"
    new = serve("v0.25.1")
    auth = {"Authorization": f"Bearer {new.api_key}"}
    assert _get(new, "/datasets/abc", auth).json()["code"] == 102


def test_system_endpoints(serve: Callable[..., LocalRAGFlow]) -> None:
    s = serve("v0.25.3")
    assert _get(s, "/system/version").status_code == 401  # needs auth until 0.25.5
    ok = _get(s, "/system/version", {"Authorization": f"Bearer {s.api_key}"}).json()
    assert ok == {"code": 0, "message": "success", "data": "v0.25.3"}
    s2 = serve("v0.27.0-12-gabc1234")
    assert _get(s2, "/system/version").json()["data"] == "v0.27.0-12-gabc1234"
    assert _get(s2, "/system/ping").text == "pong"
    assert _get(s2, "/system/healthz").json()["status"] == "ok"
    assert httpx.get(s2.base_url + "/v1/system/healthz", timeout=5).json()["status"] == "ok"
    s24 = serve("v0.24")
    res = _get(s24, "/system/version", {"Authorization": f"Bearer {s24.api_key}"})
    assert res.status_code == 404
    assert httpx.get(s24.base_url + "/v1/system/healthz", timeout=5).json()["db"] == "ok"


def test_lifecycle_and_identity() -> None:
    server = LocalRAGFlow("v0.20", api_key="ragflow-fixed")
    with pytest.raises(RuntimeError):
        _ = server.base_url
    server.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        assert server.api_key == "ragflow-fixed"
        assert (
            _get(server, "/datasets", {"Authorization": "Bearer ragflow-fixed"}).json()["code"] == 0
        )
    finally:
        server.stop()
        server.stop()  # idempotent
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.base_url + "/api/v1/datasets", timeout=1)
    with LocalRAGFlow() as other:
        assert re.fullmatch(r"ragflow-[0-9a-f]{32}", other.api_key)
        assert other.running
    assert not other.running


def test_request_log_and_reset(serve: Callable[..., LocalRAGFlow]) -> None:
    server = serve("v0.27")
    auth = {"Authorization": f"Bearer {server.api_key}"}
    httpx.post(server.api_url + "/datasets", json={"name": "ds"}, headers=auth, timeout=5)
    ds_id = server.request_log[-1]
    assert (ds_id.method, ds_id.path, ds_id.body) == ("POST", "/api/v1/datasets", {"name": "ds"})
    listing = requests.get(
        server.api_url + "/datasets", params={"page": 1, "name": "ds"}, headers=auth
    )
    assert listing.json()["code"] == 0
    entry = server.request_log[-1]
    assert entry.query == {"page": ["1"], "name": ["ds"]}
    assert entry.headers["Authorization"] == f"Bearer {server.api_key}"
    dsid = listing.json()["data"][0]["id"]
    requests.post(
        f"{server.api_url}/datasets/{dsid}/documents",
        files=[("file", ("a.txt", b"x")), ("file", ("b.md", b"y"))],
        data={"parent_path": "/"},
        headers=auth,
    )
    assert server.request_log[-1].body == {"form": {"parent_path": "/"}, "files": ["a.txt", "b.md"]}
    server.reset()
    assert server.request_log == []
    assert httpx.get(server.api_url + "/datasets", headers=auth, timeout=5).json()["data"] == []


def test_keep_alive_reuses_the_connection(serve: Callable[..., LocalRAGFlow]) -> None:
    server = serve("v0.24")
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {server.api_key}"
        for _ in range(5):
            assert session.get(server.api_url + "/datasets").json()["code"] == 0
    ports = set()
    with httpx.Client(headers={"Authorization": f"Bearer {server.api_key}"}) as client:
        for _ in range(3):
            res = client.get(server.api_url + "/datasets", extensions={})
            ports.add(res.extensions["network_stream"].get_extra_info("client_addr"))
    assert len(ports) == 1 and None not in ports  # keep-alive: three requests, one connection


def test_utf8_bodies(serve: Callable[..., LocalRAGFlow]) -> None:
    server = serve("v0.27")
    auth = {"Authorization": f"Bearer {server.api_key}"}
    res = httpx.post(server.api_url + "/datasets", json={"name": "知识库"}, headers=auth, timeout=5)
    assert "知识库".encode() in res.content  # ensure_ascii=False on the wire


def test_repeated_slashes_are_merged_like_werkzeug(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    res = a.call("GET", "/datasets//documents", follow_redirects=False)
    assert res.status_code == 308 and res.headers["location"] == "/api/v1/datasets/documents"
    followed = a.j("GET", "/datasets//documents", follow_redirects=True)
    assert (
        followed["code"] == 102
        and "lacks permission for dataset 'documents'" in followed["message"]
    )
    res = a.j("DELETE", "/datasets//documents", json={"ids": ["x"]})  # /datasets/{id} has no DELETE
    assert res == {
        "code": 100,
        "message": "<MethodNotAllowed '405: Method Not Allowed'>",
        "data": None,
    }
