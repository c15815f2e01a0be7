"""Dataset endpoints: ``/datasets``."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._exceptions import InvalidArgumentError, NotFoundError
from .._http import Request, path
from ..types.configs import ParserConfig, settings_from
from ._core import Op, call, delete_body, expect_dict, expect_list, page_window, query

__all__ = ["auto_metadata", "create", "delete", "get", "list_page", "list_window", "update"]

# The draft's and released SDK's names for the same field.
_ALIASES = {"parse_method": "chunk_method", "parser_method": "chunk_method"}


def dataset_body(
    d: Dialect, fields: dict[str, Any], allowed: frozenset[str], what: str
) -> dict[str, Any]:
    """A create/update body: draft names renamed, settings objects as dicts. A field this
    version does not take (``language`` from v0.19, the read-only counts, unknown keys)
    raises, as the server would or, before v0.19, instead of being ignored by it.
    """
    body: dict[str, Any] = {}
    for key, value in fields.items():
        key = _ALIASES.get(key, key)
        if key not in allowed:
            raise InvalidArgumentError(
                f"{what}: {key!r}: Extra inputs are not permitted (RAGFlow {d.name} takes "
                f"{', '.join(sorted(allowed))})"
            )
        if key == "parser_config":
            value = settings_from(value, ParserConfig, "parser_config")
        body[key] = value
    return body


def create(
    d: Dialect, fields: dict[str, Any], extra: dict[str, Any] | None = None
) -> Op[dict[str, Any]]:
    """Create a dataset (``None`` values are left to the server's defaults). ``extra`` are
    the caller's other keyword arguments: fields this version takes (``parse_type``,
    ``pipeline_id``, ``ext`` ...), anything else is refused as Python refuses an unknown
    keyword argument.
    """
    for key in extra or {}:
        if key in fields or key not in d.dataset_create_fields:
            raise InvalidArgumentError(
                f"create_dataset() got an unexpected keyword argument {key!r} "
                f"(RAGFlow {d.name} creates a dataset from "
                f"{', '.join(sorted(d.dataset_create_fields))})"
            )
    given = {k: v for k, v in {**fields, **(extra or {})}.items() if v is not None}
    body = dataset_body(d, given, d.dataset_create_fields, "create_dataset")
    req = Request("POST", "/datasets", "create dataset", json=body, idempotent=False)
    return expect_dict((yield from call(req)), req)


def list_page(
    d: Dialect,
    page: int,
    page_size: int,
    *,
    orderby: str = "create_time",
    desc: bool = True,
    id: str | None = None,
    name: str | None = None,
    ids: list[str] | None = None,
) -> Op[list[dict[str, Any]]]:
    """One page of datasets (``ids``: several at once, v0.27+)."""
    params: dict[str, Any] = {
        "page": page,
        "page_size": page_size,
        "orderby": orderby,
        "desc": desc,
        "id": id,
        "ids": ids or None,
        "name": name,
    }
    req = Request("GET", "/datasets", "list datasets", params=query(params))
    try:
        return expect_list((yield from call(req)), req)
    except NotFoundError:
        if id or name or ids:
            raise
        return []  # v0.13 answers an unfiltered list of no datasets with an error


def list_window(d: Dialect, page: int, page_size: int, **filters: Any) -> Op[list[dict[str, Any]]]:
    """The caller's page, fetched in server pages no larger than the version allows."""

    def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
        return (yield from list_page(d, p, size, **filters))

    return (yield from page_window(one, page, page_size, d.max_page_size))


def get(d: Dialect, *, id: str | None = None, name: str | None = None) -> Op[dict[str, Any]]:
    """One dataset by id or name."""
    if not id and not name:
        raise InvalidArgumentError("get_dataset needs an id or a name")
    if id and d.has("get_dataset"):
        req = Request("GET", path("/datasets/{}", id), "get dataset")
        return expect_dict((yield from call(req)), req)
    found = yield from list_page(d, 1, 1, id=id, name=name)
    if not found:
        raise NotFoundError(f"no dataset with {'id ' + repr(id) if id else 'name ' + repr(name)}")
    return found[0]


def update(d: Dialect, dataset_id: str, fields: dict[str, Any]) -> Op[dict[str, Any] | None]:
    """Update a dataset with the fields as given (``None`` clears one; the server judges
    the values); returns the new dataset where the server sends it (v0.20+).
    """
    body = dataset_body(d, fields, d.dataset_update_fields, "DataSet.update")
    req = Request("PUT", path("/datasets/{}", dataset_id), "update dataset", json=body)
    data = yield from call(req)
    return data if isinstance(data, dict) else None


def delete(d: Dialect, ids: list[str] | None, *, delete_all: bool = False) -> Op[None]:
    """Delete datasets; never sends an empty list where it would mean "all"."""
    body = delete_body(d.delete_mode("datasets"), ids, delete_all, "delete_datasets")
    if body is None:
        return None
    req = Request("DELETE", "/datasets", "delete datasets", json=body)
    yield from call(req)
    return None


def auto_metadata(d: Dialect, dataset_id: str, config: dict[str, Any] | None) -> Op[dict[str, Any]]:
    """A dataset's automatic-metadata settings, replaced first when ``config`` is given."""
    d.require("auto_metadata", "automatic metadata settings")
    where = path("/datasets/{}/metadata/config", dataset_id)
    if config is None:
        req = Request("GET", where, "get automatic metadata settings")
    else:
        req = Request("PUT", where, "update automatic metadata settings", json=config)
    return expect_dict((yield from call(req)), req)
