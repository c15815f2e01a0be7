"""The raw calls of the official SDK: ``rag.get/post/put/patch/delete(path, ...)``.

They send one request to ``{base_url}/api/v1{path}`` through the client's transport
(timeouts, retries) and hand back the answer as it came, as a :class:`RawResponse`
(``.json()``, ``.content``, ``.status_code``, ``.iter_lines()``): no envelope is read and
no error raised for a refusal, as with ``requests``. SDK code, and its tests, replace
these calls on a client or an object (``chat.get = ...``); :class:`VerbTransport` then
sends that object's requests through the replacement.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from ._exceptions import APIResponseValidationError, InvalidArgumentError
from ._http import Request, Response, encode_multipart, json_body

__all__ = [
    "RAW_VERBS",
    "AsyncRawResponse",
    "RawResponse",
    "VerbTransport",
    "raw_request",
    "replaced_verbs",
]

RAW_VERBS = ("get", "post", "put", "patch", "delete", "rm")
"""The names of the raw calls: ``delete`` on clients, ``rm`` on objects (as in the SDK)."""


class _Lines:
    """Splits bytes on CR, LF and CRLF as they arrive, a CRLF across two chunks included."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        """The lines this chunk completes."""
        data = self._pending + chunk
        held = b"\r" if data.endswith(b"\r") else b""  # its LF may open the next chunk
        *lines, rest = (
            data[: len(data) - len(held)].replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        )
        self._pending = rest + held
        return lines

    def end(self) -> list[bytes]:
        """The last line, when the body does not end with a line break."""
        rest, self._pending = self._pending, b""
        if rest.endswith(b"\r"):
            return [rest[:-1]]
        return [rest] if rest else []


class RawResponse:
    """An answer as it came: the parts of ``requests.Response`` that SDK code reads."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes | Iterator[bytes]):
        self.status_code = status
        self.headers = dict(headers)
        self._body = body

    @property
    def ok(self) -> bool:
        """The status is below 400."""
        return self.status_code < 400

    @property
    def content(self) -> bytes:
        """The whole body (a streamed body is read to its end)."""
        if not isinstance(self._body, bytes):
            self._body = b"".join(self._body)
        return self._body

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not JSON, as in ``requests``)."""
        return jsonlib.loads(self.content)

    def iter_content(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body's bytes as they arrive."""
        if isinstance(self._body, bytes):
            yield self._body
        else:
            yield from self._body

    def iter_lines(self, decode_unicode: bool = False) -> Iterator[Any]:
        """The body's lines (split on CR, LF and CRLF), as bytes or, decoded, as text."""
        lines = _Lines()
        for chunk in self.iter_content():
            for line in lines.feed(chunk):
                yield line.decode("utf-8") if decode_unicode else line
        for line in lines.end():
            yield line.decode("utf-8") if decode_unicode else line


class AsyncRawResponse(RawResponse):
    """A raw answer from :class:`~ragflow_integrations.AsyncRAGFlow`: a streamed body is
    read with ``aiter_content()``/``aiter_lines()``; the rest is as :class:`RawResponse`.
    """

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes | AsyncIterator[bytes]):
        super().__init__(status, headers, body if isinstance(body, bytes) else b"")
        self._stream = None if isinstance(body, bytes) else body

    async def aiter_content(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive."""
        if self._stream is None:
            yield self._body  # type: ignore[misc]
            return
        async for chunk in self._stream:
            yield chunk

    async def aiter_lines(self, decode_unicode: bool = False) -> AsyncIterator[Any]:
        """The body's lines, as bytes or, decoded, as text."""
        lines = _Lines()
        async for chunk in self.aiter_content():
            for line in lines.feed(chunk):
                yield line.decode("utf-8") if decode_unicode else line
        for line in lines.end():
            yield line.decode("utf-8") if decode_unicode else line


def raw_request(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    files: Any = None,
    stream: bool = False,
) -> Request:
    """The :class:`Request` of a raw call; ``files`` as ``requests`` takes them:
    ``[("file", (name, bytes)), ...]``.
    """
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidArgumentError(f"a raw call's path starts with '/', got {path!r}")
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(item)))
    content = content_type = None
    if files:
        uploads = []
        for _field, spec in files:
            name, blob = spec[0], spec[1]
            uploads.append((str(name), blob if isinstance(blob, bytes) else blob.read()))
        content, content_type = encode_multipart(uploads)
    return Request(
        method,
        path,
        f"{method} {path}",
        params=tuple(pairs),
        json=json,
        content=content,
        content_type=content_type,
        stream=stream,
        idempotent=method in ("GET", "PUT", "DELETE"),
    )


def _as_python(value: str) -> Any:
    """A query value as the SDK passes it to ``get(path, params)``: numbers and booleans
    as Python values (what the query string was made from), other text as it is.
    """
    if value in ("True", "False"):
        return value == "True"
    return int(value) if value.isdigit() else value


def replaced_verbs(owner: object) -> bool:
    """Whether SDK code replaced one of ``owner``'s raw calls (set it on the instance)."""
    own = getattr(owner, "__dict__", {})
    return any(name in own for name in RAW_VERBS)


def _as_response(res: Any, req: Request) -> Response:
    """A replacement's answer (anything with ``.json()``, or ``.content``) as a Response."""
    status = getattr(res, "status_code", 200)
    headers = dict(getattr(res, "headers", None) or {})
    content = getattr(res, "content", None)
    if not isinstance(content, bytes):
        try:
            data = res.json()
        except ValueError as exc:
            raise APIResponseValidationError(
                f"Invalid response to {req.describe()}: {exc}", body=None
            ) from exc
        content = json_body(data)
        headers = {"Content-Type": "application/json", **headers}
    return Response(status if isinstance(status, int) else 200, headers, content)


class _VerbStream:
    """A replacement's streamed answer, as the transports' streams are read."""

    def __init__(self, res: Any, req: Request) -> None:
        self._res = res
        self._req = req
        self.status = getattr(res, "status_code", 200)
        self.headers = dict(getattr(res, "headers", None) or {})

    def iter_bytes(self) -> Iterator[bytes]:
        if hasattr(self._res, "iter_content"):
            yield from self._res.iter_content(chunk_size=None)
            return
        for line in self._res.iter_lines():
            yield (line.encode("utf-8") if isinstance(line, str) else line) + b"\n"

    def read(self) -> bytes:
        return _as_response(self._res, self._req).body

    def touch(self) -> None:
        """An event arrived (the replacement bounds its own waits)."""

    def close(self) -> None:
        close = getattr(self._res, "close", None)
        if callable(close):
            close()


class VerbTransport:
    """Sends requests through an object's raw calls (``owner.get(path, params)``, ...).

    Used only when SDK code replaced one of them, so that the replacement sees the
    requests the object makes (uploads, whose body is already encoded, still go through
    the client's transport).
    """

    def __init__(self, owner: Any, fallback: Any) -> None:
        self._owner = owner
        self._fallback = fallback

    def _call(self, req: Request) -> Any:
        owner = self._owner
        grouped: dict[str, list[Any]] = {}
        for key, value in req.params:
            grouped.setdefault(key, []).append(_as_python(value))
        params = {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}
        if req.method == "GET":
            return owner.get(req.path, params or None)
        if req.method == "POST":
            return owner.post(req.path, req.json, stream=req.stream, files=None)
        if req.method == "PUT":
            return owner.put(req.path, req.json)
        if req.method == "PATCH":
            return owner.patch(req.path, req.json)
        delete = owner.rm if hasattr(owner, "rm") else owner.delete
        return delete(req.path, req.json)

    def send(self, req: Request, deadline: float | None = None) -> Response:
        """Send through the owner's raw call (uploads through the client's transport)."""
        if req.content is not None:
            return self._fallback.send(req, deadline)  # type: ignore[no-any-return]
        return _as_response(self._call(req), req)

    def stream(self, req: Request, deadline: float | None = None) -> _VerbStream:
        """Stream through the owner's raw call."""
        return _VerbStream(self._call(req), req)

    def with_options(self, *args: Any) -> VerbTransport:
        return self

    def deadline(self) -> float:
        """The deadline of a call starting now (the client's transport decides it)."""
        return self._fallback.deadline()  # type: ignore[no-any-return]

    def close(self) -> None:
        """Nothing to release: the owner's client holds the pool."""
