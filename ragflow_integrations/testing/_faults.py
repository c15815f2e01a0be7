"""Injectable faults: error statuses, delays, malformed bodies and dropped streams."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["FAULT_KINDS", "Fault", "FaultBook"]

FAULT_KINDS: tuple[str, ...] = ("status", "delay", "malformed", "drop_stream")


@dataclass
class Fault:
    """One injected fault.

    ``path`` is a substring matched against the request path, ``method`` an HTTP method
    (case-insensitive); ``None`` matches anything. ``times`` is how many requests the fault
    hits (``None`` = forever); ``remaining`` counts down as it is consumed.
    """

    kind: str
    status: int = 500
    retry_after: float | None = None
    times: int | None = 1
    path: str | None = None
    method: str | None = None
    body: str | bytes | None = None
    content_type: str | None = None
    seconds: float = 0.0
    after_events: int = 0
    hits: int = 0
    remaining: int | None = field(default=None)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1 or None (forever)")
        if self.remaining is None:
            self.remaining = self.times

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def matches(self, method: str, path: str) -> bool:
        if self.exhausted:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or self.path in path


class FaultBook:
    """The server's list of faults; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """Consume and return the first live fault of one of ``kinds`` matching the request."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(method, path):
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]
