"""Retrieval: deterministic scores, era field names, paging, highlight and metadata_condition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ragflow_integrations.testing._search import flatten_metas, meta_filter


def _retrieve(a: Any, **body: Any) -> Any:
    return a.j("POST", "/retrieval", json=body)


def test_scores_are_deterministic_and_ranked(
    api: Callable[..., Any], facts: dict[str, str]
) -> None:
    runs = []
    for _ in range(2):
        a = api("v0.24")
        ds, _ = a.seeded(facts)
        res = _retrieve(
            a, dataset_ids=[ds], question="Why is the sky blue?", similarity_threshold=0.1
        )
        assert res["code"] == 0
        runs.append(
            [
                (c["content"], c["similarity"], c["term_similarity"], c["vector_similarity"])
                for c in res["data"]["chunks"]
            ]
        )
    assert runs[0] == runs[1]
    best = runs[0][0]
    assert "Rayleigh" in best[0]
    assert 0 < best[1] <= 1 and 0 <= best[2] <= 1 and 0 <= best[3] <= 1
    sims = [r[1] for r in runs[0]]
    assert sims == sorted(sims, reverse=True)
    assert abs(best[1] - (0.7 * best[2] + 0.3 * best[3])) < 1e-3


def test_weight_threshold_top_k_and_doc_aggs(
    api: Callable[..., Any], facts: dict[str, str]
) -> None:
    a = api("v0.27")
    ds, docs = a.seeded(facts)
    q = "capital of France"
    pure_term = _retrieve(a, dataset_ids=[ds], question=q, vector_similarity_weight=0.0)["data"]
    top = pure_term["chunks"][0]
    assert top["similarity"] == top["term_similarity"]
    none = _retrieve(a, dataset_ids=[ds], question=q, similarity_threshold=0.99)["data"]
    assert none["chunks"] == [] and none["total"] == 0
    one = _retrieve(a, dataset_ids=[ds], question=q, top_k=1, similarity_threshold=0)["data"]
    assert one["total"] == 1
    agg = pure_term["doc_aggs"][0]
    assert set(agg) == {"doc_name", "doc_id", "count"} and agg["doc_name"] == "paris.md"
    only = _retrieve(
        a, dataset_ids=[ds], question="sky", document_ids=[docs[1]], similarity_threshold=0
    )
    assert {c["document_id"] for c in only["data"]["chunks"]} <= {docs[1]}


@pytest.mark.parametrize(
    ("dialect", "present", "absent"),
    [
        (
            "v0.13",
            {"kb_id", "img_id", "content_ltks", "document_keyword"},
            {"dataset_id", "image_id"},
        ),
        ("v0.14", {"kb_id", "image_id"}, {"dataset_id", "img_id"}),
        ("v0.16", {"dataset_id", "image_id"}, {"kb_id", "doc_type_kwd"}),
        ("v0.19", {"dataset_id", "doc_type_kwd"}, {"mom_id"}),
        ("v0.23", {"mom_id"}, {"tag_kwd", "row_id"}),
        ("v0.25.0", {"tag_kwd", "row_id"}, {"document_metadata"}),
    ],
)
def test_chunk_field_names_per_era(
    api: Callable[..., Any], dialect: str, present: set[str], absent: set[str]
) -> None:
    a = api(dialect)
    ds, _ = a.seeded({"a.txt": "The sky is blue.\nGrass is green."})
    chunk = _retrieve(a, dataset_ids=[ds], question="sky blue", similarity_threshold=0)["data"][
        "chunks"
    ][0]
    assert present <= set(chunk), set(chunk)
    assert not (absent & set(chunk)), set(chunk)


def test_paging_per_era(api: Callable[..., Any]) -> None:
    text = "\n".join(f"apple number {i} is tasty." for i in range(6))
    v13 = api("v0.13")
    ds, _ = v13.seeded({"a.txt": text}, chunk_token_num=3)
    res = _retrieve(
        v13, dataset_ids=[ds], question="apple", offset=2, limit=2, similarity_threshold=0
    )
    assert len(res["data"]["chunks"]) == 2 and res["data"]["total"] == 6
    v26 = api("v0.26")
    ds, _ = v26.seeded({"a.txt": text}, chunk_token_num=3)
    assert _retrieve(v26, dataset_ids=[ds], question="apple", page_size=101)["code"] == 101
    res = _retrieve(
        v26, dataset_ids=[ds], question="apple", page=2, page_size=4, similarity_threshold=0
    )
    assert len(res["data"]["chunks"]) == 2


def test_highlight_per_era(api: Callable[..., Any]) -> None:
    old = api("v0.23")
    ds, _ = old.seeded({"a.txt": "The sky is blue."})
    base = {"dataset_ids": [ds], "question": "sky", "similarity_threshold": 0}
    assert "highlight" in _retrieve(old, **base)["data"]["chunks"][0]
    chunk = _retrieve(old, **base, highlight=False)["data"]["chunks"][0]
    assert chunk["highlight"] == "The <em>sky</em> is blue."  # a JSON false still highlights
    assert "highlight" not in _retrieve(old, **base, highlight="false")["data"]["chunks"][0]
    new = api("v0.24")
    ds, _ = new.seeded({"a.txt": "The sky is blue."})
    base["dataset_ids"] = [ds]
    assert "highlight" not in _retrieve(new, **base)["data"]["chunks"][0]
    assert "highlight" in _retrieve(new, **base, highlight=True)["data"]["chunks"][0]


def test_retrieval_errors(api: Callable[..., Any]) -> None:
    a = api("v0.24")
    assert _retrieve(a, question="x")["message"] == "`dataset_ids` is required."
    ds = a.dataset()
    assert _retrieve(a, dataset_ids=[ds], question="x")["message"].startswith("No chunk found")
    ds, _ = a.seeded({"a.txt": "hello"}, name="kb2")
    assert _retrieve(a, dataset_ids=[ds], question="  ")["data"] == {
        "total": 0,
        "chunks": [],
        "doc_aggs": {},
    }
    assert _retrieve(a, dataset_ids=["nope"], question="x")["code"] == 102


def _meta_setup(a: Any) -> tuple[str, list[str]]:
    ds, docs = a.seeded(
        {"a.txt": "apple report one.", "b.txt": "apple report two.", "c.txt": "apple report three."}
    )
    metas = [
        {"year": 2023, "author": "Ann Lee", "tags": ["x", "y"]},
        {"year": "2025", "author": "bob"},
        {},
    ]
    for doc, meta in zip(docs, metas, strict=True):
        method = "PATCH" if a.d.ge(0, 25) else "PUT"
        assert (
            a.j(method, f"/datasets/{ds}/documents/{doc}", json={"meta_fields": meta})["code"] == 0
        )
    return ds, docs


@pytest.mark.parametrize(
    ("conditions", "logic", "expected"),
    [
        ([("year", ">", "2024")], "and", [1]),
        ([("year", "≥", 2023)], "and", [0, 1]),
        ([("year", "is", "2023")], "and", [0]),
        ([("author", "contains", "lee")], "and", [0]),
        ([("author", "start with", "B")], "and", [1]),
        ([("author", "end with", "LEE")], "and", [0]),
        ([("author", "not is", "bob")], "and", [0]),
        ([("tags", "is", "y")], "and", [0]),
        ([("author", "is", "bob"), ("year", "is", "2023")], "or", [0, 1]),
        ([("author", "is", "bob"), ("year", "is", "2023")], "and", []),
        ([("missing", "is", "x")], "and", []),
    ],
)
def test_metadata_condition(
    api: Callable[..., Any], conditions: list[tuple[str, str, Any]], logic: str, expected: list[int]
) -> None:
    a = api("v0.27")
    ds, docs = _meta_setup(a)
    cond = {
        "logic": logic,
        "conditions": [
            {"name": n, "comparison_operator": op, "value": v} for n, op, v in conditions
        ],
    }
    res = _retrieve(
        a,
        dataset_ids=[ds],
        question="apple report",
        similarity_threshold=0,
        metadata_condition=cond,
    )
    got = sorted({c["document_id"] for c in res["data"]["chunks"]})
    assert got == sorted(docs[i] for i in expected)


def test_metadata_condition_era_rules(api: Callable[..., Any]) -> None:
    cond = {"conditions": [{"name": "year", "comparison_operator": "is", "value": "2023"}]}
    v20 = api("v0.20")  # 0.20.4 and below ignore metadata_condition
    ds, docs = _meta_setup(v20)
    res = _retrieve(
        v20, dataset_ids=[ds], question="apple", similarity_threshold=0, metadata_condition=cond
    )
    assert len(res["data"]["chunks"]) == 3
    v205 = api("v0.20.5")
    ds, docs = _meta_setup(v205)
    res = _retrieve(
        v205, dataset_ids=[ds], question="apple", similarity_threshold=0, metadata_condition=cond
    )
    assert [c["document_id"] for c in res["data"]["chunks"]] == [docs[0]]
    # document_ids win over metadata_condition
    res = _retrieve(
        v205,
        dataset_ids=[ds],
        question="apple",
        similarity_threshold=0,
        metadata_condition=cond,
        document_ids=[docs[2]],
    )
    assert [c["document_id"] for c in res["data"]["chunks"]] == [docs[2]]


def test_meta_filter_styles() -> None:
    metas = flatten_metas({"d1": {"n": 10, "s": "Abc"}, "d2": {"n": 9, "s": "abd"}})
    assert meta_filter(metas, [{"key": "n", "op": ">", "value": "9.5"}]) == ["d1"]
    assert meta_filter(metas, [{"key": "s", "op": "=", "value": "ABC"}]) == ["d1"]
    assert meta_filter(metas, [{"key": "s", "op": "=", "value": "ABC"}], style="float") == []
    assert meta_filter(metas, [{"key": "n", "op": "in", "value": [10, 11]}]) == ["d1"]
    # the early implementation skips filters on unknown keys
    only_unknown = [{"key": "zz", "op": "=", "value": "1"}, {"key": "n", "op": "=", "value": "9"}]
    assert meta_filter(metas, only_unknown, style="float") == ["d2"]
    assert meta_filter(metas, only_unknown) == []
    dates = flatten_metas({"d1": {"day": "2024-01-05"}, "d2": {"day": "2023-12-31"}})
    assert meta_filter(dates, [{"key": "day", "op": "≥", "value": "2024-01-01"}]) == ["d1"]


def test_retrieval_numbers_and_paging_per_version(
    api: Callable[..., Any], facts: dict[str, str]
) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    body = {"dataset_ids": [ds], "question": "sky"}
    res = a.j("POST", "/retrieval", json={**body, "top_k": "a"})  # int() fails: code 100
    assert res["code"] == 100 and "invalid literal for int() with base 10: 'a'" in res["message"]
    res = a.j("POST", "/retrieval", json={**body, "vector_similarity_weight": "a"})
    assert res["code"] == 100 and "could not convert string to float: 'a'" in res["message"]
    res = a.j("POST", "/retrieval", json={**body, "highlight": "maybe"})
    assert res == {"code": 102, "message": "`highlight` should be a boolean"}
    res = a.j("POST", "/retrieval", json={**body, "page": "a", "page_size": None})
    assert res["code"] == 0  # v0.27 falls back to page 1 and 30 per page
    assert a.j("POST", "/retrieval", json={"dataset_ids": [ds]}) == {
        "code": 102,
        "message": "`question` is required.",
    }
    old = api("v0.26")
    ds, _ = old.seeded(facts)
    res = old.j("POST", "/retrieval", json={"dataset_ids": [ds], "question": "sky", "page": "a"})
    assert res["code"] == 100 and "invalid literal for int()" in res["message"]
    v23 = api("v0.23")
    ds, _ = v23.seeded(facts)
    res = v23.j("POST", "/retrieval", json={"dataset_ids": [ds], "question": "sky", "highlight": 7})
    assert res["code"] == 0  # no highlight check before v0.24


def test_top_k_bounds_vector_candidates_only(
    api: Callable[..., Any], facts: dict[str, str]
) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    body = {"dataset_ids": [ds], "question": "sky blue sunlight red", "similarity_threshold": 0}
    many = a.j("POST", "/retrieval", json=body)["data"]["total"]
    few = a.j("POST", "/retrieval", json={**body, "top_k": 1})["data"]["total"]
    assert many > 1 and few > 1  # every full-text match stays a candidate
