"""The IO-free description of one HTTP exchange, shared by both transports."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ._exceptions import InvalidArgumentError

__all__ = ["Request", "Response", "Timeout", "encode_multipart", "json_body", "path"]

# Control characters, and the separators no id may carry even escaped: servers decode
# %2F and %5C before routing, so an escaped slash would still leave its segment.
_UNSAFE_ID = re.compile(r"[\x00-\x1f\x7f/\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def path(template: str, *ids: object) -> str:
    """``path("/datasets/{}/documents", dataset_id)``: each id fills one ``{}`` segment.

    Every id is untrusted (an LLM may have written it): it must be a non-empty string
    without ``/``, ``\\`` or control characters and not ``.`` or ``..``, and it is
    percent-encoded, so it can change neither the method, the rest of the path nor the
    query. Anything else raises :class:`InvalidArgumentError` before a request is built.
    """
    return template.format(*(_segment(value) for value in ids))


def _segment(value: object) -> str:
    if isinstance(value, str) and value not in ("", ".", "..") and not _UNSAFE_ID.search(value):
        try:
            return quote(value, safe="")
        except UnicodeEncodeError:  # a lone surrogate
            pass
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    raise InvalidArgumentError(
        f"{shown} is not a valid RAGFlow id: ids are non-empty strings without "
        "'/', '\\' or control characters"
    )


DEFAULT_TIMEOUT = 300.0
"""Seconds one call may take: connecting, sending, every read, retries and back-off."""
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_STREAM_IDLE_TIMEOUT = 120.0
"""Seconds a stream may go without an event (RAGFlow retrieves before the first one)."""
DEFAULT_MAX_RESPONSE_SIZE = 128 * 1024 * 1024
DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024


@dataclass(frozen=True)
class Timeout:
    """Seconds to wait.

    ``total`` bounds a whole call: connecting, every read, retries and the waits between
    them (for a stream, until its answer starts). ``connect`` bounds each connection
    attempt, ``stream_idle`` each gap between two events of a stream.
    """

    total: float = DEFAULT_TIMEOUT
    connect: float = DEFAULT_CONNECT_TIMEOUT
    stream_idle: float = DEFAULT_STREAM_IDLE_TIMEOUT


@dataclass(frozen=True)
class Request:
    """One request to the RAGFlow API, relative to ``{base_url}/api/v1``.

    ``what`` says in words what the request does ("list datasets"); errors quote it.
    ``idempotent`` requests may be retried after an answer was lost; the rest are retried
    only when the server surely did not act (connection refused, 429). ``authenticate``
    is false only for the version probe that asks how the server answers a request
    without a key.
    """

    method: str
    path: str
    what: str
    params: tuple[tuple[str, str], ...] = ()
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None
    stream: bool = False
    idempotent: bool = True
    authenticate: bool = True

    def __post_init__(self) -> None:
        # Paths are built by `path()`; this guards against one built any other way.
        segments = self.path.split("/")
        if (
            not self.path.startswith("/")
            or "?" in self.path
            or "#" in self.path
            or any(s in ("", ".", "..") for s in segments[1:])
        ):
            raise InvalidArgumentError(f"refusing to send a request to {self.path!r}")

    def describe(self) -> str:
        """``list datasets (GET /api/v1/datasets)``."""
        return f"{self.what} ({self.method} /api/v1{self.path})"

    def body_bytes(self) -> bytes | None:
        """The body as sent: the raw content, or compact, key-ordered JSON."""
        if self.content is not None:
            return self.content
        if self.json is None:
            return None
        return json_body(self.json)

    def header_items(self) -> list[tuple[str, str]]:
        """The content headers of the body."""
        if self.content is not None and self.content_type:
            return [("Content-Type", self.content_type)]
        if self.json is not None:
            return [("Content-Type", "application/json")]
        return []


@dataclass(frozen=True)
class Response:
    """A complete (non-streamed) answer."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type, lower-case, without parameters."""
        return media_type(self.headers)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value by its lower-case ``name``, whatever case the server sent."""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def media_type(headers: Mapping[str, str]) -> str:
    """The ``Content-Type`` media type, lower-case, without parameters (``""`` when none)."""
    return (header(headers, "content-type") or "").split(";", 1)[0].strip().lower()


def json_body(value: Any) -> bytes:
    """Serialise a JSON body the same way every time (cassettes match on it)."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError("the request holds text that is not valid Unicode") from None
    except (TypeError, ValueError) as exc:  # a value JSON cannot hold, or a cycle
        raise InvalidArgumentError(f"the request cannot be sent as JSON: {exc}") from None


def _file_name(name: str) -> str:
    shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "..."
    if _CONTROL.search(name):
        raise InvalidArgumentError(f"the file name {shown} holds a control character (CR, LF ...)")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"the file name {shown} is not valid Unicode text") from None
    return name


def encode_multipart(
    files: list[tuple[str, bytes]], fields: Mapping[str, str] | None = None
) -> tuple[bytes, str]:
    """Encode files (each sent as form field ``file``) and text fields as multipart/form-data.

    The boundary is derived from the content, so the same upload is the same bytes on
    every run and with either transport. A file name (an agent's model may choose it) with
    a control character, which could end the part's header and start another, raises
    :class:`InvalidArgumentError`; quotes and backslashes are escaped.
    """
    files = [(_file_name(name), blob) for name, blob in files]
    digest = hashlib.sha256()
    for name, blob in files:
        digest.update(name.encode("utf-8"))
        digest.update(blob)
    boundary = f"boundary-{digest.hexdigest()[:32]}"
    parts: list[bytes] = []
    for key, value in (fields or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    for name, blob in files:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode("utf-8") + blob + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
