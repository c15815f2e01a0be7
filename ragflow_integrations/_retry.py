"""When a failed request may be sent again, and how long to wait first."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

__all__ = ["MAX_RETRY_AFTER", "retry_delay", "should_retry_status"]

MAX_RETRY_AFTER = 60.0
"""A server asking to wait longer than this (seconds) is not retried."""

_RETRY_ALWAYS = frozenset({429})
_RETRY_IF_IDEMPOTENT = frozenset({408, 409, 500, 502, 503, 504})


def should_retry_status(status: int, *, idempotent: bool) -> bool:
    """Whether an HTTP status is worth another try.

    429 means the server did not act, so any request may repeat. 408, 409 and 5xx may
    come after the server acted, so only requests that are safe to repeat retry on them.
    """
    if status in _RETRY_ALWAYS:
        return True
    return idempotent and (status in _RETRY_IF_IDEMPOTENT or status >= 500)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait asked for: ``retry-after-ms``, or ``Retry-After`` in seconds or as a date."""
    raw_ms = _header(headers, "retry-after-ms")
    if raw_ms is not None:
        try:
            return float(raw_ms) / 1000.0
        except ValueError:
            pass
    raw = _header(headers, "retry-after")
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(raw) if raw.strip() else None
    if parsed is None:
        return None
    return parsed.timestamp() - (time.time() if now is None else now)


def retry_delay(attempt: int, headers: Mapping[str, str] | None = None) -> float | None:
    """Seconds to wait before retry number ``attempt`` (0-based), or ``None``: do not retry.

    A ``Retry-After`` within :data:`MAX_RETRY_AFTER` is obeyed; a longer one means no retry.
    Otherwise 0.5 s doubling per attempt, capped at 8 s, less up to 25 % jitter.
    """
    asked = retry_after(headers) if headers else None
    if asked is not None:
        if asked > MAX_RETRY_AFTER:
            return None
        return max(asked, 0.0)
    return float(min(0.5 * 2**attempt, 8.0) * (1 - 0.25 * random.random()))
