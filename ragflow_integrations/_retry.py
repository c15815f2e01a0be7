"""When a failed request may be sent again, and how long to wait first."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping

from ._http import header

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


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait asked for: ``retry-after-ms``, or ``Retry-After`` in seconds or as a date.

    ``None`` when there is none, or when the value is no usable wait (not a number or a
    date, NaN, infinite, or in the past by more than a clock's skew).
    """
    raw_ms = header(headers, "retry-after-ms")
    if raw_ms is not None:
        ms = _number(raw_ms)
        if ms is not None:
            return _usable(ms / 1000.0)
    raw = header(headers, "retry-after")
    if raw is None:
        return None
    seconds = _number(raw)
    if seconds is not None:
        return _usable(seconds)
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
        seconds = parsed.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return _usable(max(seconds, 0.0))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _usable(seconds: float) -> float | None:
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_delay(attempt: int, headers: Mapping[str, str] | None = None) -> float | None:
    """Seconds to wait before retry number ``attempt`` (0-based), or ``None``: do not retry.

    A usable ``Retry-After`` within :data:`MAX_RETRY_AFTER` is obeyed; a longer one means
    no retry; an unusable one (NaN, infinite, negative, garbage) is ignored. Otherwise
    0.5 s doubling per attempt, capped at 8 s, less up to 25 % jitter. The transport
    also gives up when the wait would outlast the call's deadline.
    """
    asked = retry_after(headers) if headers else None
    if asked is not None:
        return asked if asked <= MAX_RETRY_AFTER else None
    return float(min(0.5 * 2**attempt, 8.0) * (1 - 0.25 * random.random()))
