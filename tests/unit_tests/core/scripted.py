"""Scripted transports for the unit tests: answers without a network, and a clock to steer.

``ScriptedAdapter`` (requests) and ``handler_from`` (an ``httpx.MockTransport`` handler)
answer each request with the next step of a script: ``(status, body[, headers])``, an
exception to raise, or an exception class (raised holding the request, as the libraries'
own errors do). A body is bytes, JSON-able data, or a file-like object read as the
answer arrives (sync) / an ``httpx.AsyncByteStream`` (async). ``FakeClock`` stands for the
transport's clock and ``sleep``, so deadlines are tested without waiting.

``ok``, ``params`` and ``run`` drive an IO-free operation with scripted answers.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import requests
import urllib3
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ragflow_integrations import AsyncRAGFlow, RAGFlow
from ragflow_integrations._http import Request, Response
from ragflow_integrations._operations._core import Op

__all__ = [
    "KEY",
    "OK",
    "DripBody",
    "DripStream",
    "FakeClock",
    "ScriptedAdapter",
    "async_client",
    "handler_from",
    "sync_client",
]

KEY = "ragflow-secret"
OK = {"code": 0, "data": [{"id": "d1", "name": "kb"}]}


class FakeClock:
    """A monotonic clock that moves only when told (or when something sleeps on it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class DripBody(io.RawIOBase):
    """A body that hands out ``size`` bytes one at a time, each read costing ``cost`` seconds."""

    def __init__(self, clock: FakeClock, size: int, cost: float) -> None:
        self.clock, self.left, self.cost, self.reads = clock, size, cost, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            return 0
        self.clock.now += self.cost
        self.reads += 1
        self.left -= 1
        buffer[0:1] = b"x"
        return 1

    def read1(self, size: int = -1) -> bytes:
        chunk = bytearray(1)
        return bytes(chunk[: self.readinto(chunk)])


class DripStream(httpx.AsyncByteStream):
    """The async twin of :class:`DripBody`."""

    def __init__(self, clock: FakeClock, size: int, cost: float) -> None:
        self.clock, self.size, self.cost, self.reads = clock, size, cost, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.size):
            self.clock.now += self.cost
            self.reads += 1
            yield b"x"


def _content(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


class ScriptedAdapter(BaseAdapter):
    """A requests adapter answering from a script, through urllib3's own response reader."""

    def __init__(self, script: list[Any]) -> None:
        super().__init__()
        self.script = script
        self.calls: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.calls.append(request)
        self.timeouts.append(kwargs.get("timeout"))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, type):  # an exception class: raised holding this request
            raise step("scripted failure", request=request)
        status, body, headers = step if len(step) == 3 else (*step, {})
        fp = body if isinstance(body, io.IOBase) else io.BytesIO(_content(body))
        all_headers = {"Content-Type": "application/json", **headers}
        resp = requests.Response()
        resp.status_code = status
        resp.headers = CaseInsensitiveDict(all_headers)
        resp.raw = urllib3.HTTPResponse(
            body=fp, headers=all_headers, status=status, preload_content=False
        )
        resp.request = request
        resp.url = request.url or ""
        return resp

    def close(self) -> None:
        pass


def sync_client(script: list[Any], **kw: Any) -> tuple[RAGFlow, ScriptedAdapter]:
    """A client pinned to v0.27 whose requests answer from ``script``."""
    session = requests.Session()
    adapter = ScriptedAdapter(script)
    session.mount("http://", adapter)
    kw.setdefault("server_version", "v0.27")
    rag = RAGFlow(KEY, "http://rf.test", http_session=session, **kw)
    return rag, adapter


def handler_from(
    script: list[Any], seen: list[httpx.Request] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """An ``httpx.MockTransport`` handler answering from ``script``."""

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, type):  # an exception class: raised holding this request
            raise step("scripted failure", request=request)
        status, body, headers = step if len(step) == 3 else (*step, {})
        all_headers = {"Content-Type": "application/json", **headers}
        if isinstance(body, httpx.AsyncByteStream):
            return httpx.Response(status, headers=all_headers, stream=body)
        return httpx.Response(status, content=_content(body), headers=all_headers)

    return handle


def async_client(
    script: list[Any], seen: list[httpx.Request] | None = None, **kw: Any
) -> AsyncRAGFlow:
    """An async client pinned to v0.27 whose requests answer from ``script``."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler_from(script, seen)))
    kw.setdefault("server_version", "v0.27")
    return AsyncRAGFlow(KEY, "http://rf.test", http_client=client, **kw)


# -- driving IO-free operations ------------------------------------------------------


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
