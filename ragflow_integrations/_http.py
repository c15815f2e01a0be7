"""The IO-free description of one HTTP exchange, shared by both transports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Request", "Response", "Timeout", "encode_multipart", "json_body"]


@dataclass(frozen=True)
class Timeout:
    """Seconds to wait: ``connect`` for the connection, ``read`` between bytes of the answer."""

    read: float = 600.0
    connect: float = 5.0


@dataclass(frozen=True)
class Request:
    """One request to the RAGFlow API, relative to ``{base_url}/api/v1``.

    ``what`` says in words what the request does ("list datasets"); errors quote it.
    ``idempotent`` requests may be retried after an answer was lost; the rest are retried
    only when the server surely did not act (connection refused, 429).
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
    timeout: float | None = None

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
        for key, value in self.headers.items():
            if key.lower() == "content-type":
                return value.split(";", 1)[0].strip().lower()
        return ""


def json_body(value: Any) -> bytes:
    """Serialise a JSON body the same way every time (cassettes match on it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_multipart(
    files: list[tuple[str, bytes]], fields: Mapping[str, str] | None = None
) -> tuple[bytes, str]:
    """Encode files (each sent as form field ``file``) and text fields as multipart/form-data.

    The boundary is derived from the content, so the same upload is the same bytes on
    every run and with either transport.
    """
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
