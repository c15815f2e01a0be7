"""The building blocks of IO-free operations.

An operation is a generator: it yields :class:`Request` objects, receives the
:class:`Response` for each, and returns its result. The sync and async clients drive the
same generators, so every decision about RAGFlow is made once.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any, TypeVar

from .._envelope import unwrap
from .._exceptions import (
    APIResponseValidationError,
    DeleteAllRequiredError,
    InvalidArgumentError,
)
from .._http import Request, Response

__all__ = [
    "Op",
    "call",
    "delete_body",
    "expect_dict",
    "expect_list",
    "fetch_window",
    "flag",
    "page_window",
    "query",
]

T = TypeVar("T")
Op = Generator[Request, Response, T]


def call(req: Request) -> Op[Any]:
    """Send one request and return the envelope's ``data`` (or raise its error)."""
    resp = yield req
    return unwrap(resp, req)


def flag(value: bool) -> str:
    """Booleans in query strings as ``"True"``/``"False"`` (old servers know only ``"False"``)."""
    return "True" if value else "False"


def query(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Query parameters without ``None`` values; lists repeat the key; bools via :func:`flag`.

    A value that is not valid Unicode (a lone surrogate) raises :class:`InvalidArgumentError`.
    """
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out.append((key, flag(value)))
        elif isinstance(value, list | tuple):
            out.extend((key, str(v)) for v in value)
        else:
            out.append((key, str(value)))
    for key, text in out:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidArgumentError(f"{key} is not valid Unicode text") from None
    return tuple(out)


def expect_list(value: Any, req: Request, key: str | None = None) -> list[Any]:
    """``value`` (or ``value[key]``) as a list, or :class:`APIResponseValidationError`."""
    if key is not None and isinstance(value, dict):
        value = value.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise APIResponseValidationError(
            f"{req.describe()} answered with {type(value).__name__} where a list was expected",
            body=value,
        )
    return value


def expect_dict(value: Any, req: Request) -> dict[str, Any]:
    """``value`` as a dict, or :class:`APIResponseValidationError`."""
    if not isinstance(value, dict):
        raise APIResponseValidationError(
            f"{req.describe()} answered with {type(value).__name__} where an object was expected",
            body=value,
        )
    return value


def fetch_window(
    page_op: Callable[[int, int], Op[list[T]]],
    start: int,
    count: int | None,
    page_size: int,
) -> Op[list[T]]:
    """Records ``[start, start + count)`` (``count=None``: to the end) from paged requests.

    ``page_op(page, size)`` fetches one server page (1-based). When the window is one
    server page it costs one request; otherwise pages of ``page_size`` are read until the
    window is full or a short page shows the end.
    """
    if count is not None and count <= 0:
        return []
    if count is not None and count <= page_size and start % count == 0:
        return (yield from page_op(start // count + 1, count))
    items: list[T] = []
    page = start // page_size + 1
    skip = start - (page - 1) * page_size
    while True:
        batch = yield from page_op(page, page_size)
        items.extend(batch[skip:])
        skip = 0
        if count is not None and len(items) >= count:
            return items[:count]
        if len(batch) < page_size:
            return items
        page += 1


def page_window(
    page_op: Callable[[int, int], Op[list[T]]], page: int, page_size: int, cap: int | None
) -> Op[list[T]]:
    """The caller's ``page`` of ``page_size`` records, in server pages no larger than ``cap``.

    ``page`` or ``page_size`` below 1 are not a window: they are sent as given, for the
    server to answer (``page_size=0`` lists everything on servers that allow it; others
    refuse it with their own message).
    """
    if page < 1 or page_size < 1:
        return (yield from page_op(page, page_size))
    size = min(page_size, cap) if cap else page_size
    return (yield from fetch_window(page_op, (page - 1) * page_size, page_size, size))


def delete_body(
    mode: str, ids: Iterable[str] | None, delete_all: bool, what: str, key: str = "ids"
) -> dict[str, Any] | None:
    """The body of a bulk delete, or ``None`` when nothing is to be deleted.

    No call ever sends a missing or empty list to a server that reads it as "everything":
    ``ids=None`` without ``delete_all`` raises, ``[]`` sends nothing, and
    ``delete_all=True`` is translated for the version (``mode`` from ``Dialect.delete_mode``).
    """
    if delete_all:
        if ids:
            raise InvalidArgumentError(f"{what}: pass either ids or delete_all=True, not both")
        if mode == "flag":
            return {"delete_all": True}
        if mode == "null_means_all":
            return {key: None}
        return {}
    if ids is None:
        raise DeleteAllRequiredError(
            f"{what} needs the ids to delete; to delete everything, pass delete_all=True"
        )
    id_list = list(ids)
    if not id_list:
        return None
    if any(not isinstance(i, str) or not i for i in id_list):
        raise InvalidArgumentError(f"{what}: every id must be a non-empty string, got {id_list!r}")
    return {key: id_list}
