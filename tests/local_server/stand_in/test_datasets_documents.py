"""Datasets and documents: validation, list shapes, delete semantics, update replies, per era."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

MISSING_UUID1 = "00000000000010008000000000000000"  # a well-formed UUID1 no record has


def test_strict_create_from_019(api: Callable[..., Any]) -> None:
    new = api("v0.19")
    res = new.j("POST", "/datasets", json={"name": "a", "language": "English"})
    assert res["code"] == 101
    assert res["message"].startswith(
        "Field: <language> - Message: <Extra inputs are not permitted>"
    )
    for key in ("document_count", "chunk_count", "parse_method"):
        res = new.j("POST", "/datasets", json={"name": "a", key: 0})
        assert res["message"].startswith(
            f"Field: <{key}> - Message: <Extra inputs are not permitted>"
        )
    res = new.j("POST", "/datasets", json={"name": "a", "parser_config": {"chunk_token_count": 64}})
    assert res["code"] == 101 and "parser_config.chunk_token_count" in res["message"]
    old = api("v0.18")
    res = old.j("POST", "/datasets", json={"name": "a", "language": "English"})
    assert res["code"] == 0 and res["data"]["language"] == "English"
    assert res["data"]["chunk_count"] == 0 and res["data"]["chunk_method"] == "naive"


def test_create_shape_and_duplicate_names_per_era(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    res = a.j("POST", "/datasets", json={"name": "Dup"})
    assert set(res) == {"code", "data"}
    ds = res["data"]
    for key in (
        "id",
        "name",
        "chunk_count",
        "document_count",
        "embedding_model",
        "parser_config",
        "permission",
        "create_time",
        "update_date",
        "tenant_id",
        "pagerank",
    ):
        assert key in ds
    assert len(ds["id"]) == 32 and ds["id"][12] == "1"  # uuid1-shaped
    assert ds["avatar"] is None and ds["embedding_model"] == "BAAI/bge-small-en-v1.5@Local@Builtin"
    # v0.22+ (create_with_name): a taken name, in any case, gets a counter
    assert a.j("POST", "/datasets", json={"name": "dup"})["data"]["name"] == "dup(1)"
    assert a.j("POST", "/datasets", json={"name": "dup"})["data"]["name"] == "dup(2)"
    v21 = api("v0.21")
    v21.dataset("Dup")
    res = v21.j("POST", "/datasets", json={"name": "dup"})
    assert res == {"code": 103, "message": "Dataset name 'dup' already exists"}
    assert api("v0.22").dataset("x") and api("v0.18").j("POST", "/datasets", json={})["code"] == 102


def test_list_shapes_and_filters(api: Callable[..., Any]) -> None:
    old = api("v0.20")
    assert "total_datasets" not in old.j("GET", "/datasets")
    miss = old.j("GET", "/datasets", params={"name": "nothing"})
    assert miss["code"] == 108 and "lacks permission" in miss["message"]  # permission error
    assert api("v0.25.0").j("GET", "/datasets", params={"name": "x"})["code"] == 102
    new = api("v0.21")
    for i in range(3):
        new.dataset(f"d{i}")
    res = new.j("GET", "/datasets", params={"page": 1, "page_size": 2})
    assert res["total_datasets"] == 3 and len(res["data"]) == 2
    assert [d["name"] for d in res["data"]] == ["d2", "d1"]  # newest first by default
    for false in ("false", "0", "no"):  # pydantic's lax bool
        res = new.j("GET", "/datasets", params={"desc": false})
        assert [d["name"] for d in res["data"]] == ["d0", "d1", "d2"]
    assert new.j("GET", "/datasets", params={"name": "D1"})["data"][0]["name"] == "d1"
    res = new.j("GET", "/datasets", params={"offset": 0})
    assert res["code"] == 101 and "offset" in res["message"]
    res = new.j("GET", "/datasets", params={"page": "a"})
    assert res["code"] == 101 and "Input should be a valid integer" in res["message"]
    v18 = api("v0.18")
    assert v18.j("GET", "/datasets", params={"name": "x"})["message"] == "The dataset doesn't exist"
    v13 = api("v0.13")
    assert v13.j("GET", "/datasets")["code"] == 102  # no datasets at all is an error in 0.13


def test_list_ids_and_parsing_status_027(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    one, two = a.dataset("a"), a.dataset("b")
    res = a.j("GET", "/datasets", params=[("ids", one), ("ids", two)])
    assert {d["id"] for d in res["data"]} == {one, two}
    res = a.j("GET", "/datasets", params={"id": one, "ids": two})
    assert res["code"] == 102 and res["message"].startswith("Should not provide both 'id'")
    res = a.j("GET", "/datasets", params=[("ids", one), ("ids", one)])
    assert res["code"] == 101 and "Duplicate ids" in res["message"]
    a.upload(one, {"x.txt": "x"})
    res = a.j("GET", "/datasets", params={"id": one, "include_parsing_status": "true"})
    assert res["data"][0]["parsing_status"]["unstart_count"] == 1
    old = api("v0.26")
    ds = old.dataset("a")
    res = old.j("GET", "/datasets", params={"id": ds, "include_parsing_status": "true"})
    assert "parsing_status" not in res["data"][0] and "unstart_count" not in res["data"][0]


def test_page_size_cap_026(api: Callable[..., Any]) -> None:
    assert api("v0.25.6").j("GET", "/datasets", params={"page_size": 500})["code"] == 0
    new = api("v0.26")
    res = new.j("GET", "/datasets", params={"page_size": 101})
    assert res["code"] == 101 and "100" in res["message"]
    assert new.j("GET", "/datasets", params={"page_size": 100})["code"] == 0


@pytest.mark.parametrize(
    ("dialect", "body", "remaining"),
    [
        ("v0.13", {}, 0),
        ("v0.18", {"ids": []}, 0),
        ("v0.18", None, 0),
        ("v0.19", {"ids": None}, 0),
        ("v0.19", {"ids": []}, 2),
        ("v0.24", {"ids": None}, 0),
        ("v0.25.0", {}, 2),
        ("v0.25.0", {"ids": []}, 2),
        ("v0.25.0", {"ids": None}, 2),
        ("v0.27", {"delete_all": True}, 0),
    ],
)
def test_dataset_delete_semantics(
    api: Callable[..., Any], dialect: str, body: Any, remaining: int
) -> None:
    a = api(dialect)
    a.dataset("x")
    a.dataset("y")
    kw: dict[str, Any] = {} if body is None else {"json": body}
    res = a.j("DELETE", "/datasets", **kw)
    assert res["code"] == 0, res
    left = a.j("GET", "/datasets")
    count = len(left["data"]) if left["code"] == 0 else 0
    assert count == remaining


def test_dataset_delete_replies(api: Callable[..., Any]) -> None:
    v19 = api("v0.19")
    assert v19.j("DELETE", "/datasets", json={})["code"] == 101  # ids key required
    ds = v19.dataset("x")
    assert v19.j("DELETE", "/datasets", json={"ids": [ds]}) == {"code": 0}
    res = v19.j("DELETE", "/datasets", json={"ids": ["f" * 32]})  # not a UUID1 before v0.27
    assert res == {
        "code": 101,
        "message": f"Field: <ids> - Message: <Invalid UUID1 format> - Value: <['{'f' * 32}']>",
    }
    gone = MISSING_UUID1
    res = v19.j("DELETE", "/datasets", json={"ids": [gone]})
    assert res["code"] == 108 and f"lacks permission for datasets: '{gone}'" in res["message"]
    res = v19.j("DELETE", "/datasets", json={"ids": [ds, ds]})
    assert res["code"] == 101 and "Duplicate ids" in res["message"]
    v25 = api("v0.25.0")
    ds = v25.dataset("x")
    assert v25.j("DELETE", "/datasets", json={"ids": [ds]}) == {
        "code": 0,
        "data": {"success_count": 1},
    }
    v27 = api("v0.27")
    res = v27.j("DELETE", "/datasets", json={"ids": ["f" * 32]})  # any UUID from v0.27
    assert res["code"] == 102 and "lacks permission for datasets" in res["message"]


def test_update_reply_per_era(api: Callable[..., Any]) -> None:
    v19 = api("v0.19")
    ds = v19.dataset("x")
    assert v19.j("PUT", f"/datasets/{ds}", json={"description": "d"}) == {"code": 0}
    v20 = api("v0.20")
    ds = v20.dataset("x")
    res = v20.j(
        "PUT", f"/datasets/{ds}", json={"name": "y", "parser_config": {"chunk_token_num": 64}}
    )
    assert res["data"]["name"] == "y"
    assert res["data"]["parser_config"]["chunk_token_num"] == 64
    assert res["data"]["parser_config"]["delimiter"] == "\\n"  # deep-merged, r"\n" until v0.21
    assert v20.j("PUT", f"/datasets/{ds}", json={}) == {
        "code": 101,
        "message": "No properties were modified",
    }
    assert v20.j("PUT", f"/datasets/{MISSING_UUID1}", json={"name": "z"})["code"] == 108
    v251 = api("v0.25.1")
    ds = v251.dataset("x")
    assert v251.j("GET", f"/datasets/{ds}")["data"]["name"] == "x"
    assert "connectors" in v251.j("PUT", f"/datasets/{ds}", json={"description": "z"})["data"]
    assert v251.j("PUT", f"/datasets/{ds}", json={})["code"] == 102
    v27 = api("v0.27")
    ds = v27.dataset("x")
    v27.dataset("taken")
    assert v27.j("PUT", f"/datasets/{ds}", json={}) == {
        "code": 102,
        "message": "no properties were modified",
    }
    res = v27.j("PUT", f"/datasets/{ds}", json={"name": "TAKEN"})
    assert res == {"code": 102, "message": "Dataset name 'TAKEN' already exists"}


def _docs(a: Any, ds: str, **params: Any) -> Any:
    return a.j("GET", f"/datasets/{ds}/documents", params=params)


def test_upload_list_download(api: Callable[..., Any]) -> None:
    a = api("v0.22")
    ds = a.dataset()
    res = a.j(
        "POST",
        f"/datasets/{ds}/documents",
        files=[
            ("file", ("a.txt", b"alpha")),
            ("file", ("a.txt", b"beta")),
            ("file", ("c.pdf", b"%PDF")),
        ],
    )
    assert res["code"] == 0
    names = [d["name"] for d in res["data"]]
    assert names == ["a.txt", "a(1).txt", "c.pdf"]
    assert {d["run"] for d in res["data"]} == {"UNSTART"}
    listing = _docs(a, ds)["data"]
    assert listing["total"] == 3
    doc = listing["docs"][0]
    for key in (
        "id",
        "name",
        "run",
        "progress",
        "progress_msg",
        "chunk_count",
        "token_count",
        "process_duration",
        "suffix",
        "meta_fields",
        "dataset_id",
        "chunk_method",
    ):
        assert key in doc
    raw = a.call("GET", f"/datasets/{ds}/documents/{res['data'][1]['id']}")
    assert raw.content == b"beta"
    assert raw.headers["content-type"] == "application/octet-stream"
    assert a.j("POST", f"/datasets/{ds}/documents")["message"] == "No file part!"
    bad = a.j("POST", f"/datasets/{ds}/documents", files=[("file", ("x.zzz", b"?"))])
    assert bad["code"] == 500 and "not been supported" in bad["message"]
    assert api("v0.19").j("GET", f"/datasets/{ds}/documents")["code"] == 102
    old = api("v0.19")
    ds19 = old.dataset()
    old.upload(ds19, {"a.txt": "x"})
    assert "process_duation" in _docs(old, ds19)["data"]["docs"][0]


def test_document_list_params_per_era(api: Callable[..., Any]) -> None:
    v13 = api("v0.13")
    ds = v13.dataset()
    v13.upload(ds, {f"f{i}.txt": "x" for i in range(3)})
    res = _docs(v13, ds, offset=2, limit=2)["data"]
    assert (
        res["total"] == 1 and len(res["docs"]) == 1
    )  # offset is a page number; total = page count
    v21 = api("v0.21")
    ds = v21.dataset()
    v21.upload(ds, {"a.txt": "x", "b.txt": "y"})
    assert [d["name"] for d in _docs(v21, ds, desc="false")["data"]["docs"]] == ["b.txt", "a.txt"]
    assert [d["name"] for d in _docs(v21, ds, desc="False")["data"]["docs"]] == ["a.txt", "b.txt"]
    v22 = api("v0.22")
    ds = v22.dataset()
    v22.upload(ds, {"a.txt": "x", "b.txt": "y"})
    assert [d["name"] for d in _docs(v22, ds, desc="false")["data"]["docs"]] == ["a.txt", "b.txt"]
    assert _docs(v22, ds, keywords="b")["data"]["total"] == 1
    assert _docs(v22, ds, run="UNSTART")["data"]["total"] == 2
    assert _docs(v22, ds, run="3")["data"]["total"] == 0
    assert _docs(v22, ds, id="nope")["code"] == 102


def test_document_update_per_era(api: Callable[..., Any]) -> None:
    v24 = api("v0.24")
    ds, (doc,) = v24.seeded({"a.txt": "one two three.\nfour five six."}, chunk_token_num=2)
    before = v24.doc(ds, doc)
    assert before["chunk_count"] == 2
    res = v24.j("PUT", f"/datasets/{ds}/documents/{doc}", json={"meta_fields": {"author": "ann"}})
    assert res == {"code": 0}
    assert v24.doc(ds, doc)["meta_fields"] == {"author": "ann"}
    assert v24.j("PATCH", f"/datasets/{ds}/documents/{doc}", json={})["code"] == 100  # 405
    res = v24.j("PUT", f"/datasets/{ds}/documents/{doc}", json={"chunk_method": "qa"})
    after = v24.doc(ds, doc)
    assert (after["run"], after["progress"], after["chunk_count"]) == ("UNSTART", 0.0, 0)
    assert v24.j("PUT", f"/datasets/{ds}/documents/{doc}", json={"name": "a.md"})["code"] != 0
    v250 = api("v0.25.0")
    ds = v250.dataset()
    (doc,) = v250.upload(ds, {"a.txt": "x"})
    assert v250.j("PUT", f"/datasets/{ds}/documents/{doc}", json={"name": "b.txt"})["code"] == 100
    res = v250.j("PATCH", f"/datasets/{ds}/documents/{doc}", json={"name": "b.txt"})
    assert res["data"]["name"] == "b.txt"
    v251 = api("v0.25.1")
    ds = v251.dataset()
    (doc,) = v251.upload(ds, {"a.txt": "x"})
    assert v251.j("PUT", f"/datasets/{ds}/documents/{doc}", json={"name": "b.txt"})["code"] == 100
    v252 = api("v0.25.2")
    ds = v252.dataset()
    (doc,) = v252.upload(ds, {"a.txt": "x"})
    assert v252.j("PUT", f"/datasets/{ds}/documents/{doc}", json={"name": "b.txt"})["code"] == 0


@pytest.mark.parametrize(("dialect", "remaining"), [("v0.13", 0), ("v0.24", 0), ("v0.25.0", 2)])
def test_document_delete_empty(api: Callable[..., Any], dialect: str, remaining: int) -> None:
    a = api(dialect)
    ds = a.dataset()
    a.upload(ds, {"a.txt": "x", "b.txt": "y"})
    assert a.j("DELETE", f"/datasets/{ds}/documents", json={})["code"] == 0
    assert a.j("DELETE", f"/datasets/{ds}/documents", json={"ids": []})["code"] == 0
    params = {"offset": 1, "limit": 10} if dialect == "v0.13" else {}
    assert len(_docs(a, ds, **params)["data"]["docs"]) == remaining


def test_document_list_metadata_condition(api: Callable[..., Any]) -> None:
    a = api("v0.23")
    ds = a.dataset()
    d1, d2 = a.upload(ds, {"a.txt": "x", "b.txt": "y"})
    a.j("PUT", f"/datasets/{ds}/documents/{d1}", json={"meta_fields": {"year": 2023}})
    a.j("PUT", f"/datasets/{ds}/documents/{d2}", json={"meta_fields": {"year": 2025}})
    cond = {
        "logic": "and",
        "conditions": [{"name": "year", "comparison_operator": ">", "value": "2024"}],
    }
    res = _docs(a, ds, metadata_condition=json.dumps(cond))["data"]
    assert [d["id"] for d in res["docs"]] == [d2]
