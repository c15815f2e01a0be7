"""Dataset endpoints: ``/datasets``."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._exceptions import InvalidArgumentError, NotFoundError
from .._http import Request, path
from ._core import Op, call, delete_body, expect_dict, expect_list, fetch_window, query

__all__ = ["create", "delete", "get", "list_page", "list_window", "update"]

# The draft's and released SDK's names for the same field.
_ALIASES = {"parse_method": "chunk_method", "parser_method": "chunk_method"}
_READ_ONLY = {
    "document_count",
    "chunk_count",
    "id",
    "tenant_id",
    "token_num",
    "create_time",
    "update_time",
    "create_date",
    "update_date",
    "status",
}


def dataset_body(d: Dialect, fields: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    """A create/update body: aliases renamed, read-only counts and unset values left out,
    and fields this version refuses (``language`` from v0.19) dropped.
    """
    body: dict[str, Any] = {}
    for key, value in fields.items():
        key = _ALIASES.get(key, key)
        if value is None or key in _READ_ONLY:
            continue
        if key not in allowed:
            continue
        body[key] = value
    return body


def create(d: Dialect, fields: dict[str, Any]) -> Op[dict[str, Any]]:
    """Create a dataset."""
    if not fields.get("name"):
        raise InvalidArgumentError("create_dataset needs a non-empty name")
    body = dataset_body(d, fields, d.dataset_create_fields)
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
) -> Op[list[dict[str, Any]]]:
    """One page of datasets."""
    params: dict[str, Any] = {
        "page": page,
        "page_size": page_size,
        "orderby": orderby,
        "desc": desc,
        "id": id,
        "name": name,
    }
    req = Request("GET", "/datasets", "list datasets", params=query(params))
    try:
        return expect_list((yield from call(req)), req)
    except NotFoundError:
        if id or name:
            raise
        return []  # v0.13 answers an unfiltered list of no datasets with an error


def list_window(d: Dialect, page: int, page_size: int, **filters: Any) -> Op[list[dict[str, Any]]]:
    """The caller's page, fetched in server pages no larger than the version allows."""
    cap = d.max_page_size or page_size

    def one(p: int, size: int) -> Op[list[dict[str, Any]]]:
        return (yield from list_page(d, p, size, **filters))

    return (yield from fetch_window(one, (page - 1) * page_size, page_size, min(page_size, cap)))


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
    """Update a dataset; returns the new dataset where the server sends it (v0.20+)."""
    body = dataset_body(d, fields, d.dataset_update_fields)
    if not body:
        return None
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
