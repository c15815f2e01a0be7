"""Envelopes and errors: every era's bad-key reply, HTML from proxies, shapes that do not fit."""

from __future__ import annotations

import json

import pytest

from ragflow_integrations import (
    APIResponseValidationError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from ragflow_integrations._envelope import unwrap
from ragflow_integrations._http import Request, Response

REQ = Request("GET", "/datasets", "list datasets")


def resp(body: object, status: int = 200, ctype: str = "application/json") -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(status, {"Content-Type": ctype}, raw)


def test_success_data() -> None:
    assert unwrap(resp({"code": 0, "data": [1]}), REQ) == [1]
    assert unwrap(resp({"code": 0}), REQ) is None
    assert unwrap(resp({"retcode": 0, "retmsg": "ok", "data": True}), REQ) is True


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"retcode": 109, "retmsg": "Token is not valid!", "data": False}),  # 0.13
        (200, {"code": 109, "message": "Token is not valid!", "data": False}),  # 0.14-0.15
        (200, {"code": 109, "message": "Authentication error: API key is invalid!", "data": False}),
        (200, {"code": 0, "message": "`Authorization` can't be empty", "data": False}),  # 0.16-0.24
        (
            401,
            {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None},
        ),  # 0.25+
    ],
)
def test_bad_key_in_every_era(status: int, body: dict[str, object]) -> None:
    with pytest.raises(AuthenticationError) as info:
        unwrap(resp(body, status), REQ)
    assert "list datasets (GET /api/v1/datasets)" in str(info.value)
    assert info.value.status_code == status


def test_no_authorization_on_new_servers_is_not_a_bad_key() -> None:
    with pytest.raises(PermissionDeniedError, match="does not exist or is not yours") as info:
        unwrap(resp({"code": 109, "message": "no authorization", "data": False}), REQ)
    assert not isinstance(info.value, AuthenticationError) and info.value.code == 109


@pytest.mark.parametrize(
    ("body", "status", "cls"),
    [
        (
            {"code": 101, "message": "Field: <language> - Message: <Extra inputs>"},
            200,
            BadRequestError,
        ),
        ({"code": 102, "message": "You don't own the dataset x."}, 200, NotFoundError),
        ({"code": 102, "message": "`document_ids` is required"}, 200, BadRequestError),
        ({"code": 100, "message": "<NotFound '404: Not Found'>", "data": None}, 200, NotFoundError),
        ({"code": 404, "message": "Not Found: /x", "error": "Not Found"}, 404, NotFoundError),
        ({"error": "Not Found", "message": "The requested URL was not found"}, 404, NotFoundError),
        ({"code": 100, "message": "KeyError('x')"}, 200, InternalServerError),
        ({"code": 500, "message": "boom"}, 200, InternalServerError),
        ({"code": 0, "message": "slow down"}, 429, RateLimitError),
        ({"code": 409, "message": "Duplicated name"}, 200, ConflictError),
        ({"code": 106, "message": "Dataset name already exists"}, 200, ConflictError),
        ({"code": 0, "message": "conflict"}, 409, ConflictError),
        ({"code": 108, "message": "Permission denied"}, 200, PermissionDeniedError),
        ({"code": 403, "message": "Forbidden"}, 200, PermissionDeniedError),
        ({"code": 0, "message": "forbidden"}, 403, PermissionDeniedError),
    ],
)
def test_error_mapping(body: dict[str, object], status: int, cls: type[Exception]) -> None:
    with pytest.raises(cls) as info:
        unwrap(resp(body, status), REQ)
    assert str(body.get("message", "")) in str(info.value)


def test_proxy_html_502() -> None:
    with pytest.raises(InternalServerError, match="non-JSON body") as info:
        unwrap(resp(b"<html><body>502 Bad Gateway</body></html>", 502, "text/html"), REQ)
    assert info.value.status_code == 502 and "Bad Gateway" in info.value.message


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"data": 1}', b'{"code": "x"}'])
def test_replies_that_do_not_fit(body: bytes) -> None:
    with pytest.raises(APIResponseValidationError, match="list datasets"):
        unwrap(resp(body), REQ)


@pytest.mark.parametrize(
    "body",
    [
        {"code": 108, "message": "User 'u' lacks permission for dataset 'd'"},  # up to v0.24
        {"code": 102, "message": "User 'u' lacks permission for dataset 'd'"},  # from v0.25
    ],
)
def test_an_id_that_is_not_there_is_not_found_on_every_version(body: dict[str, object]) -> None:
    with pytest.raises(NotFoundError, match="lacks permission"):
        unwrap(resp(body), REQ)


def test_json_nesting_is_refused_past_the_limit_only() -> None:
    from ragflow_integrations._envelope import MAX_JSON_DEPTH, load_json

    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert load_json(at_limit.encode()) is not None
    for deeper in (
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
        '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1),
    ):
        with pytest.raises(ValueError, match="nested"):
            load_json(deeper)
        with pytest.raises(ValueError, match="nested"):
            load_json(deeper.encode())
    # many brackets side by side are not depth
    wide = "[" + ",".join(["[]"] * 5 * MAX_JSON_DEPTH) + "]"
    assert len(load_json(wide)) == 5 * MAX_JSON_DEPTH
