"""Route-table pieces shared by ``_server`` and the handler modules that declare their own
routes (``_agents``, ``_memories``): when a route exists, and which auth it checks."""

from __future__ import annotations

from collections.abc import Callable

from ._dialects import Dialect
from ._wire import Handler

__all__ = [
    "Auth",
    "Available",
    "RouteRow",
    "always",
    "auth_docs",
    "auth_download",
    "auth_parse",
    "auth_rest",
    "no_auth",
    "since",
]

#: Whether a route exists in a dialect.
Available = Callable[[Dialect], bool]
#: Which auth a route checks in a dialect: ``"legacy"``, ``"rest"`` or ``"none"``.
Auth = Callable[[Dialect], str]
#: ``(method, path, handler, available, auth)``, the path below ``/api/v1``.
RouteRow = tuple[str, str, Handler, Available, Auth]


def always(d: Dialect) -> bool:
    return True


def since(*v: int) -> Available:
    return lambda d: d.ge(*v)


def auth_rest(d: Dialect) -> str:
    """Routes that moved to ``login_required`` in 0.25.0."""
    return "legacy" if d.lt(0, 25) else "rest"


def auth_docs(d: Dialect) -> str:
    """Documents, chunks, completions and agents kept ``token_required`` in 0.25.0 only."""
    return "legacy" if d.lt(0, 25, 1) else "rest"


def auth_download(d: Dialect) -> str:
    """The document download kept ``token_required`` until v0.25.3."""
    return "legacy" if d.lt(0, 25, 6) else "rest"


def auth_parse(d: Dialect) -> str:
    """Parse/stop and ``/retrieval`` kept ``token_required`` until 0.26."""
    return "legacy" if d.lt(0, 26) else "rest"


def no_auth(d: Dialect) -> str:
    return "none"
