"""Wire-level pieces: request context, replies, RAGFlow envelopes, SSE and multipart."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from ._dialects import Dialect
from ._store import Store

__all__ = [
    "Call",
    "Fail",
    "Handler",
    "Reply",
    "StreamReply",
    "dumps",
    "err",
    "exc_result",
    "json_result",
    "parse_multipart",
    "result",
    "sse",
]


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@dataclass
class Reply:
    """A complete (non-streaming) reply."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Reply:
        return cls(status=status, body=dumps(value))


@dataclass
class StreamReply:
    """A streamed reply: ``events`` yields complete wire chunks (``data:...\\n\\n``)."""

    events: Iterator[bytes]
    content_type: str = "text/event-stream; charset=utf-8"
    status: int = 200
    event_delay: float = 0.0


class Fail(Exception):
    """Raised by handlers to answer with ``reply`` at once."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body[:200])
        self.reply = reply


def sse(payload: Any) -> bytes:
    """One SSE event in RAGFlow's format: ``data:`` + one-line JSON + blank line, no space."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data:{text}\n\n".encode()


# -- envelopes -------------------------------------------------------------------------


def result(d: Dialect, data: Any = None, total: int | None = None) -> Reply:
    """``get_result`` success: ``{"code":0}`` or ``{"code":0,"data":...}``."""
    body: dict[str, Any] = {"code": 0}
    if data is not None:
        body["data"] = data
    if total is not None and d.has_total_datasets:
        body["total_datasets"] = total
    return Reply.json(body)


def err(message: str, code: int = 102, data: Any = None, with_data: bool = False) -> Reply:
    """``get_error_data_result`` / ``get_result`` error: ``{"code":N,"message":...}``."""
    body: dict[str, Any] = {"code": code, "message": message}
    if with_data or data is not None:
        body["data"] = data
    return Reply.json(body)


def json_result(
    d: Dialect, data: Any = None, code: int = 0, message: str = "success", status: int = 200
) -> Reply:
    """``get_json_result``: ``{"code","message","data"}`` (``retcode``/``retmsg`` in 0.13)."""
    if d.retcode_keys:
        return Reply.json({"retcode": code, "retmsg": message, "data": data}, status)
    return Reply.json({"code": code, "message": message, "data": data}, status)


def exc_result(d: Dialect, text: str) -> Reply:
    """``server_error_response``: code 100 with the exception's repr."""
    return json_result(d, data=None, code=100, message=text)


def arg_error(message: str) -> Reply:
    return err(message, code=101)


# -- request context -------------------------------------------------------------------


@dataclass
class Call:
    """Everything a handler needs about one request."""

    d: Dialect
    store: Store
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    form: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    stream_event_delay: float = 0.0
    server_version: str = ""
    content_type: str = ""
    raw: bytes = b""
    bad_json: bool = False

    @property
    def tenant_id(self) -> str:
        return self.store.tenant_id

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        if not values:
            return default
        return values[0]

    def q_all(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def json(self) -> dict[str, Any]:
        """The JSON body as the handlers read it: a dict, ``{}`` when there is no body.

        A JSON body that is not an object fails as the server's ``req.get(...)`` does: an
        ``AttributeError`` (code 100); from v0.23 ``get_request_json`` raises it for a string
        and a ``TypeError`` for anything else.
        """
        if isinstance(self.body, dict):
            return self.body
        if not self.raw.strip() or self.mimetype != "application/json" or self.bad_json:
            return {}
        if self.d.ge(0, 23) and not isinstance(self.body, str):
            raise Fail(exc_result(self.d, repr(TypeError("JSON payload must be an object."))))
        missing = f"'{type(self.body).__name__}' object has no attribute 'get'"
        raise Fail(exc_result(self.d, repr(AttributeError(missing))))

    @property
    def mimetype(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()


Handler = Callable[[Call], "Reply | StreamReply"]


# -- multipart -------------------------------------------------------------------------


def parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """Parse ``multipart/form-data``: returns (form fields, [(file name, bytes)] of ``file``)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    form: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if not isinstance(name, str):
            continue
        if filename is not None or name == "file":
            if name == "file":
                files.append((filename or "", data))
        else:
            form[name] = data.decode("utf-8", errors="replace")
    return form, files
