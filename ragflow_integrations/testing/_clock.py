"""A clock that moves only when told to: parses that finish when a test says so."""

from __future__ import annotations

import threading

__all__ = ["ManualClock"]


class ManualClock:
    """A monotonic clock for :class:`LocalRAGFlow` that only :meth:`advance` moves.

    >>> clock = ManualClock()
    >>> server = LocalRAGFlow("v0.27", parse_delay=1.0, clock=clock)  # doctest: +SKIP
    >>> clock.advance(1.0)  # every running parse is now done  # doctest: +SKIP
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (never backward)."""
        if seconds < 0:
            raise ValueError("a clock does not go back")
        with self._lock:
            self._now += seconds
