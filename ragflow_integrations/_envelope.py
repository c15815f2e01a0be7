"""RAGFlow's reply envelope (``{"code": 0, "data": ...}``) as a result or a typed error."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ._exceptions import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from ._http import Request, Response

__all__ = [
    "Envelope",
    "envelope_code",
    "load_json",
    "make_status_error",
    "parse_envelope",
    "unwrap",
]

_AUTH_MESSAGE = re.compile(r"token|api key|authoriz.*can't be empty|unauthorized", re.I)
_NOT_FOUND_MESSAGE = re.compile(
    r"doesn't exist|does not exist|not found|don't own|doesn't own|lacks permission|no such"
    r"|<NotFound|<MethodNotAllowed",
    re.I,
)
MAX_JSON_DEPTH = 100
"""The deepest nesting of JSON containers accepted from a server."""
_WERKZEUG_REPR = re.compile(r"<\w+ '(\d{3}: [^']*)'>")
_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


@dataclass(frozen=True)
class Envelope:
    """A decoded JSON reply."""

    status: int
    code: int
    message: str
    data: Any
    raw: Any


def _snippet(body: bytes, limit: int = 200) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= limit else text[:limit] + "..."


def load_json(data: bytes | str) -> Any:
    """``json.loads`` that raises only ``ValueError``, for any input.

    Invalid JSON, invalid UTF-8 and numbers too long to convert already raise it. JSON
    nested deeper than :data:`MAX_JSON_DEPTH` raises it too, so the models and parsers
    downstream never recurse out of stack (RAGFlow's answers nest a few levels).
    """
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if (
        isinstance(value, dict | list)
        and _may_nest_deeper(data)
        and _depth_over(value, MAX_JSON_DEPTH)
    ):
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def _may_nest_deeper(data: bytes | str) -> bool:
    """Whether the text has enough brackets to nest past the limit (most answers, and
    nearly every stream event, do not: the walk below is skipped for them)."""
    if isinstance(data, bytes):
        return data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH
    return data.count("[") + data.count("{") > MAX_JSON_DEPTH


def _depth_over(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (without recursing, so any depth works)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def envelope_code(value: Any) -> int | None:
    """An envelope ``code`` as an int (``0``, ``102``, ``"102"``, ``102.0``), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 20:
        return int(value)
    return None


def parse_envelope(resp: Response, req: Request) -> Envelope:
    """Decode the JSON envelope (``code``/``message``, or v0.13's ``retcode``/``retmsg``).

    Raises a status error for a non-JSON error answer (a proxy's HTML 502) and
    :class:`APIResponseValidationError` for a success status without a JSON envelope.
    Any bytes at all give one of these or an envelope.
    """
    try:
        raw = load_json(resp.body) if resp.body else None
    except ValueError:
        if resp.status >= 400:
            raise make_status_error(
                req,
                resp.status,
                None,
                f"HTTP {resp.status} with a non-JSON body: {_snippet(resp.body)!r}",
                resp.body,
            ) from None
        raise APIResponseValidationError(
            f"{req.describe()} answered HTTP {resp.status} with a body that is not JSON: "
            f"{_snippet(resp.body)!r}",
            status_code=resp.status,
            body=resp.body,
        ) from None
    if not isinstance(raw, dict):
        if resp.status >= 400:
            raise make_status_error(
                req, resp.status, None, f"HTTP {resp.status}: {_snippet(resp.body)!r}", raw
            )
        raise APIResponseValidationError(
            f"{req.describe()} answered with {type(raw).__name__}, not a JSON object",
            status_code=resp.status,
            body=raw,
        )
    code_value = raw.get("code", raw.get("retcode"))
    message = _text(raw.get("message", raw.get("retmsg", raw.get("error", ""))))
    if code_value is None:
        if resp.status >= 400:
            raise make_status_error(req, resp.status, None, message or f"HTTP {resp.status}", raw)
        raise APIResponseValidationError(
            f"{req.describe()} answered without a 'code': {_snippet(resp.body)!r}",
            status_code=resp.status,
            body=raw,
        )
    code = envelope_code(code_value)
    if code is None:
        raise APIResponseValidationError(
            f"{req.describe()} answered with a code that is not a number: "
            f"{_snippet(str(code_value).encode())!r}",
            status_code=resp.status,
            body=raw,
        )
    return Envelope(resp.status, code, message, raw.get("data"), raw)


def _text(value: Any) -> str:
    """A message as text (a server may send anything there), shortened."""
    if value is None or value == "":
        return ""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 2000 else text[:2000] + "..."


def unwrap(resp: Response, req: Request) -> Any:
    """The envelope's ``data``, or the typed error the reply stands for."""
    env = parse_envelope(resp, req)
    if resp.status >= 400:
        raise make_status_error(req, resp.status, env.code, env.message, env.raw)
    if env.code != 0:
        raise make_status_error(req, resp.status, env.code, env.message, env.raw)
    if env.data is False and "can't be empty" in env.message:
        # 0.16-0.24 answer a missing Authorization header with code 0 and data false.
        raise make_status_error(req, resp.status, 401, env.message, env.raw)
    return env.data


def make_status_error(
    req: Request, status: int, code: int | None, message: str, body: Any
) -> APIStatusError:
    """The error for an HTTP status and envelope code. Its text begins with the server's
    own message (code written for the official SDK matches on it), then names the request.
    """
    cls = _error_class(status, code, message)
    parts = [f"code {code}"] if code is not None else []
    parts.append(f"HTTP {status}")
    if cls is AuthenticationError:
        # Quart's 401 arrives as its repr: "<Unauthorized '401: Unauthorized'>".
        said = _WERKZEUG_REPR.sub(r"\1", message)
        text = (
            f"{said} ({req.describe()} failed: the server did not accept the API key, "
            f"{', '.join(parts)}; check api_key= or RAGFLOW_API_KEY)"
        )
    else:
        text = f"{message or 'no message'} ({req.describe()} failed: {', '.join(parts)})"
    if code == 109 and cls is PermissionDeniedError:
        text += "; the chat or session does not exist or is not yours"
    return cls(text, code=code, status_code=status, body=body)


def _error_class(status: int, code: int | None, message: str) -> type[APIStatusError]:
    if status >= 400 and status != 200:
        if status in _STATUS_CLASSES:
            return _STATUS_CLASSES[status]
        if status >= 500:
            return InternalServerError
    if code in (401,) or (code == 109 and _AUTH_MESSAGE.search(message)):
        return AuthenticationError
    # "lacks permission for dataset" (code 108 up to v0.24, 102 from v0.25) is how the
    # server answers an id that does not exist or is not yours: not found, on every version.
    if code in (100, 102, 108) and _NOT_FOUND_MESSAGE.search(message):
        return NotFoundError
    if code in (108, 109, 403):
        return PermissionDeniedError
    if code == 404:
        return NotFoundError
    if code == 409 or code == 106:
        return ConflictError
    if code in (101, 102, 103, 400, 10):
        return BadRequestError
    if code in (100, 105, 500) or (code is not None and code >= 500):
        return InternalServerError
    return APIStatusError
