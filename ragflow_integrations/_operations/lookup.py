"""Finding things the caller named without their dataset: documents by id or name."""

from __future__ import annotations

from typing import Any

from .._dialect import Dialect
from .._exceptions import InvalidArgumentError, NotFoundError
from ..types._base import fit
from ..types.document import DocumentFields
from . import datasets, documents
from ._core import Op

__all__ = ["all_datasets", "cancel_anywhere", "find_document", "locate_documents", "parse_anywhere"]


def all_datasets(d: Dialect) -> Op[list[dict[str, Any]]]:
    """Every dataset the key can see."""
    size = d.max_page_size or 100
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = yield from datasets.list_page(d, page, size)
        out.extend(batch)
        if len(batch) < size:
            return out
        page += 1


def find_document(d: Dialect, *, id: str | None, name: str | None) -> Op[dict[str, Any]]:
    """The first document with this id (or, without an id, this name) in any dataset."""
    if not id and not name:
        raise InvalidArgumentError("get_document needs an id or a name")
    for ds in (yield from all_datasets(d)):
        try:
            docs, _ = yield from documents.list_page(
                d, ds["id"], 1, 1, id=id or None, name=None if id else name
            )
        except NotFoundError:
            continue
        for doc in docs:
            if (id and doc.get("id") == id) or (not id and doc.get("name") == name):
                doc.setdefault("dataset_id", ds["id"])
                return doc
    raise NotFoundError(f"no document with {'id ' + repr(id) if id else 'name ' + repr(name)}")


def locate_documents(d: Dialect, ids: list[str]) -> Op[dict[str, list[dict[str, Any]]]]:
    """The documents with these ids, grouped by dataset id; unknown ids raise."""
    wanted = set(ids)
    found: dict[str, list[dict[str, Any]]] = {}
    for ds in (yield from all_datasets(d)):
        if not wanted:
            break
        for doc in (yield from documents.list_window(d, ds["id"], 0, None)):
            if doc.get("id") in wanted:
                wanted.discard(doc["id"])
                found.setdefault(ds["id"], []).append(doc)
    if wanted:
        raise NotFoundError(f"no dataset holds the documents {sorted(wanted)}")
    return found


def parse_anywhere(d: Dialect, ids: list[str]) -> Op[None]:
    """Start parsing documents by id, in whichever datasets hold them."""
    for dataset_id, docs in (yield from locate_documents(d, ids)).items():
        yield from documents.parse(d, dataset_id, [doc["id"] for doc in docs])


def cancel_anywhere(d: Dialect, ids: list[str]) -> Op[None]:
    """Stop parsing documents by id, wherever they are; those not being parsed are left alone."""
    for dataset_id, docs in (yield from locate_documents(d, ids)).items():
        running = [doc["id"] for doc in docs if fit(DocumentFields, doc).run == "RUNNING"]
        yield from documents.cancel_parse(d, dataset_id, running)
