"""Helpers shared by the handlers: paging, ordering, strict-model validation messages."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._dialects import Dialect
from ._schemas import format_validation_error, query_args
from ._wire import Call, Fail, err, json_result

__all__ = [
    "cap_page_size",
    "check_extra",
    "dedupe_name",
    "deep_merge",
    "is_false",
    "order",
    "page_slice",
    "paging",
    "pyd_error",
    "query_int",
    "rest_page",
    "rest_page_size",
    "to_int",
    "validate_args",
    "validate_json",
]

T = TypeVar("T")


def pyd_error(field: str, message: str, value: Any) -> Fail:
    """RAGFlow's formatting of a Pydantic validation error (0.19+), code 101."""
    return Fail(err(f"Field: <{field}> - Message: <{message}> - Value: <{value}>", 101))


def validate_json(
    call: Call,
    model: type[BaseModel],
    *,
    extras: dict[str, Any] | None = None,
    exclude_unset: bool = False,
) -> dict[str, Any]:
    """``validate_and_parse_json_request`` (v0.19+): the body dumped by alias, or code 101."""
    if call.mimetype != "application/json":
        raise Fail(
            err(
                "Unsupported content type: Expected application/json, "
                f"got {call.content_type or None}",
                101,
            )
        )
    if call.bad_json or not call.raw.strip():
        raise Fail(err("Malformed JSON syntax: Missing commas/brackets or invalid encoding", 101))
    payload = call.body or {}
    if not isinstance(payload, dict):
        raise Fail(
            err(f"Invalid request payload: expected object, got {type(payload).__name__}", 101)
        )
    payload = {**payload, **(extras or {})}
    try:
        validated = model(**payload)
    except ValidationError as error:
        raise Fail(err(format_validation_error(error), 101)) from None
    out = validated.model_dump(by_alias=True, exclude_unset=exclude_unset)
    for key in extras or {}:
        out.pop(key, None)
    return out


def validate_args(call: Call, model: type[BaseModel]) -> dict[str, Any]:
    """``validate_and_parse_request_args``: the query string through ``model``, or code 101."""
    try:
        return model(**query_args(call.d, model, call.query)).model_dump()
    except ValidationError as error:
        raise Fail(err(format_validation_error(error), 101)) from None


def check_extra(payload: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
    """``extra="forbid"``: the first unknown key fails with code 101."""
    for key, value in payload.items():
        if key not in allowed:
            raise pyd_error(prefix + key, "Extra inputs are not permitted", value)


def to_int(d: Dialect, value: Any) -> int:
    """``int(value)`` as the dataset/document/chunk handlers call it: a value it cannot take
    fails with code 100 and the exception's repr (the server's catch-all). ``paging`` uses it;
    for the agent and memory routes' own paging use ``query_int``."""
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Fail(json_result(d, None, 100, repr(exc))) from None


def query_int(value: Any, name: str, default: int) -> int:
    """A query parameter as a number (missing or empty: ``default``); anything else fails
    with code 101 naming the parameter.

    Only for the agent and memory routes, which parse their own paging and counts this way;
    the other handlers' numbers go through ``to_int`` (code 100) or ``paging``.
    """
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Fail(err(f"`{name}` should be an integer, got {value!r}", 101)) from None


def is_false(value: str | None, *, exact: bool = False) -> bool:
    """``desc`` parsing: ``"False"``/``"false"`` are false (only ``"False"`` when ``exact``)."""
    if value is None:
        return False
    if exact:
        return value == "False"
    return value.lower() == "false"


def paging(
    call: Call,
    *,
    offset_limit: bool = False,
    default_size: int | None = None,
    source: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """(page, page_size) from the query (or ``source``), with the 0.26+ cap of 100; v0.27
    falls back to page 1 and 30 per page for missing or invalid values."""
    d = call.d
    if d.ge(0, 27) and not offset_limit:
        read = source.get if source is not None else call.q
        return rest_page(read("page")), rest_page_size(d, read("page_size"))
    size_default = default_size if default_size is not None else d.default_page_size

    def get(name: str) -> Any:
        if source is not None:
            return source.get(name)
        return call.q(name)

    def number(name: str, default: int) -> int:
        value = get(name)
        return default if value is None else to_int(d, value)

    if offset_limit:
        page, size = number("offset", 1), number("limit", size_default)
    else:
        page, size = number("page", 1), number("page_size", size_default)
    cap_page_size(d, size)
    return page, size


def rest_page(value: Any) -> int:
    """``validate_rest_api_page`` (v0.27): a missing, invalid or negative page is page 1."""
    try:
        page = int(value) if value is not None else 1
    except (TypeError, ValueError):
        return 1
    return page if page >= 1 else 1


def rest_page_size(d: Dialect, value: Any) -> int:
    """``validate_rest_api_page_size`` (v0.27): missing or invalid is 30; more than the cap is
    refused with a ``ValueError`` the handler reports as code 100."""
    try:
        size = int(value) if value is not None else 30
    except (TypeError, ValueError):
        return 30
    if size < 1:
        return 30
    cap = d.page_size_cap
    if cap is not None and size > cap:
        message = f"page_size must be less than or equal to {cap}"
        raise Fail(json_result(d, None, 100, repr(ValueError(message))))
    return size


def cap_page_size(d: Dialect, size: int) -> None:
    cap = d.page_size_cap
    if cap is not None and size > cap:
        raise pyd_error("page_size", f"Input should be less than or equal to {cap}", size)


def page_slice(items: Sequence[T], page: int, size: int) -> list[T]:
    if size <= 0:
        return list(items)
    start = max(page - 1, 0) * size
    return list(items[start : start + size])


def order(items: Sequence[T], key: Callable[[T], Any], desc: bool) -> list[T]:
    """Sort by ``key`` then insertion order, descending when ``desc``."""
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (key(pair[1]), pair[0]), reverse=desc)
    return [item for _, item in indexed]


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def dedupe_name(name: str, taken: set[str], *, casefold: bool = False) -> str:
    """RAGFlow's ``duplicate_name``: ``a.txt`` -> ``a(1).txt`` -> ``a(2).txt``.

    ``casefold``: ``taken`` holds lower-cased names and the lookup ignores case (dataset names
    compare under MySQL's case-insensitive collation).
    """

    def free(candidate: str) -> bool:
        return (candidate.lower() if casefold else candidate) not in taken

    if free(name):
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    match = re.match(r"^(.*)\((\d+)\)$", stem)
    base = match.group(1) if match else stem
    i = int(match.group(2)) if match else 0
    while True:
        i += 1
        candidate = f"{base}({i})" + (f".{ext}" if dot else "")
        if free(candidate):
            return candidate
