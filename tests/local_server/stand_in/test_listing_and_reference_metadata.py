"""The stand-in's ``ids`` document filter (v0.25.1+) and retrieval ``reference_metadata``
(v0.25.2+), as RAGFlow's ``document_api.py`` / ``sdk/doc.py`` and
``reference_metadata_utils.py`` implement them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _list(a: Any, ds: str, **params: Any) -> Any:
    return a.j("GET", f"/datasets/{ds}/documents", params=params)


def test_ids_filter_from_v0_25_1(api: Callable[..., Any]) -> None:
    new = api("v0.25.1")
    ds = new.dataset()
    ids = new.upload(ds, {f"{n}.txt": n for n in "abcd"})
    res = _list(new, ds, ids=[ids[0], ids[2], "0" * 32])
    assert sorted(d["id"] for d in res["data"]["docs"]) == sorted([ids[0], ids[2]])
    assert res["data"]["total"] == 2
    both = _list(new, ds, id=ids[0], ids=[ids[1]])
    assert both["code"] == 102 and "Should not provide both" in both["message"]
    old = api("v0.25.0")
    ds = old.dataset()
    ids = old.upload(ds, {f"{n}.txt": n for n in "ab"})
    assert len(_list(old, ds, ids=[ids[0]])["data"]["docs"]) == 2  # not read before v0.25.1


def test_at_most_100_ids_on_v0_27(api: Callable[..., Any]) -> None:
    many = [f"{i:032x}" for i in range(101)]
    a = api("v0.27")
    res = _list(a, a.dataset(), ids=many)
    assert res["code"] == 101 and res["message"] == "ids must contain at most 100 IDs"
    b = api("v0.26")
    assert _list(b, b.dataset(), ids=many)["code"] == 0


def _retrieve(a: Any, **body: Any) -> Any:
    return a.j("POST", "/retrieval", json=body)


def _seeded_with_metadata(a: Any) -> str:
    ds, docs = a.seeded({"a.txt": "The sky is blue.", "b.txt": "The sky is grey."})
    patch = "PATCH" if a.d.ge(0, 25) else "PUT"
    a.j(patch, f"/datasets/{ds}/documents/{docs[0]}", json={"meta_fields": {"x": 1, "y": "z"}})
    return ds


def test_reference_metadata_from_v0_25_2(api: Callable[..., Any]) -> None:
    a = api("v0.25.2")
    ds = _seeded_with_metadata(a)
    base = {"dataset_ids": [ds], "question": "sky", "similarity_threshold": 0}
    chunks = _retrieve(a, **base, reference_metadata={"include": True})["data"]["chunks"]
    metas = {c["document_keyword"]: c.get("document_metadata") for c in chunks}
    assert metas == {"a.txt": {"x": 1, "y": "z"}, "b.txt": None}  # empty: left out
    chunks = _retrieve(a, **base, reference_metadata={"include": True, "fields": ["y"]})
    only_y = [c["document_metadata"] for c in chunks["data"]["chunks"] if "document_metadata" in c]
    assert only_y == [{"y": "z"}]
    off = _retrieve(a, **base, reference_metadata={"include": False})["data"]["chunks"]
    assert all("document_metadata" not in c for c in off)
    legacy = _retrieve(a, **base, include_metadata=True)["data"]["chunks"]
    assert any(c.get("document_metadata") == {"x": 1, "y": "z"} for c in legacy)
    older = api("v0.25.1")
    ds = _seeded_with_metadata(older)
    base["dataset_ids"] = [ds]
    chunks = _retrieve(older, **base, reference_metadata={"include": True})["data"]["chunks"]
    assert all("document_metadata" not in c for c in chunks)
