"""Scripted answers for driving IO-free operations in unit tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ragflow_integrations._http import Request, Response
from ragflow_integrations._operations._core import Op


def ok(data: Any = None, code: int = 0, message: str = "") -> Response:
    """A JSON envelope (``code`` 0 unless told otherwise)."""
    body = {"code": code, "data": data, "message": message}
    return Response(200, {"Content-Type": "application/json"}, json.dumps(body).encode())


def params(req: Request) -> dict[str, list[str]]:
    """A request's query parameters, repeated keys as lists."""
    out: dict[str, list[str]] = {}
    for key, value in req.params:
        out.setdefault(key, []).append(value)
    return out


def run(op: Op[Any], answer: Callable[[Request], Response]) -> tuple[Any, list[Request]]:
    """Drive ``op`` to its end; returns its value and the requests it sent."""
    sent: list[Request] = []
    try:
        req = next(op)
        while True:
            sent.append(req)
            req = op.send(answer(req))
    except StopIteration as stop:
        return stop.value, sent
