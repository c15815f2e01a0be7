"""Dataset routes beyond CRUD (v0.23/v0.25.1+): search, tags, metadata, ingestion, status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_search_routes(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    res = a.j("POST", f"/datasets/{ds}/search", json={"question": "sky blue", "size": 1})
    assert res["code"] == 0 and res["data"]["labels"] == [] and len(res["data"]["chunks"]) == 1
    hit = res["data"]["chunks"][0]
    assert hit["kb_id"] == ds and "content_with_weight" in hit and "similarity" in hit
    res = a.j("POST", f"/datasets/{ds}/search", json={})
    assert res["code"] == 101 and res["message"].startswith("Field: <question> - Message: <")
    res = a.j("POST", f"/datasets/{ds}/search", json={"question": "x", "top_k": 0})
    assert "Input should be greater than or equal to 1" in res["message"]
    res = a.j("POST", "/datasets/search", json={"question": "sky", "dataset_ids": []})
    assert "List should have at least 1 item" in res["message"]
    res = a.j("POST", "/datasets/search", json={"question": "sky", "dataset_ids": ["nope"]})
    assert res == {
        "code": 102,
        "message": "Only owner of dataset nope authorized for this operation.",
    }
    old = api("v0.25.1")  # one dataset only; the multi-dataset route came in v0.25.2
    ds, _ = old.seeded(facts)
    assert old.j("POST", f"/datasets/{ds}/search", json={"question": "sky"})["code"] == 0
    res = old.j("POST", "/datasets/search", json={"question": "sky"})  # /datasets/{id} has no POST
    assert res["message"] == "<MethodNotAllowed '405: Method Not Allowed'>"
    assert api("v0.25.0").call("POST", f"/datasets/{ds}/search", json={}).status_code == 404


def test_tags(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset()
    (doc,) = a.upload(ds, {"a.txt": "x"})
    url = f"/datasets/{ds}/documents/{doc}/chunks"
    a.j("POST", url, json={"content": "one", "tag_kwd": ["red", "blue"]})
    a.j("POST", url, json={"content": "two", "tag_kwd": ["red"]})
    assert sorted(a.j("GET", f"/datasets/{ds}/tags")["data"]) == [["blue", 1], ["red", 2]]
    res = a.j("GET", "/datasets/tags/aggregation", params={"dataset_ids": ds})
    assert {t["value"]: t["count"] for t in res["data"]} == {"red": 2, "blue": 1}
    assert a.j("GET", "/datasets/tags/aggregation")["message"] == (
        "Lack of dataset_ids in query parameters"
    )
    res = a.j("PUT", f"/datasets/{ds}/tags", json={"from_tag": "red", "to_tag": "green"})
    assert res["data"] == {"from": "red", "to": "green"}
    assert a.j("PUT", f"/datasets/{ds}/tags", json={"from_tag": " ", "to_tag": "x"}) == {
        "code": 101,
        "message": "from_tag and to_tag must not be empty",
    }
    assert a.j("DELETE", f"/datasets/{ds}/tags", json={"tags": ["green"]}) == {
        "code": 0,
        "data": {},
    }
    assert a.j("GET", f"/datasets/{ds}/tags")["data"] == [["blue", 1]]
    assert a.j("GET", "/datasets/nope/tags") == {"code": 102, "message": "no authorization"}


def test_metadata_routes(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset()
    one, two = a.upload(ds, {"a.txt": "x", "b.txt": "y"})
    a.j(
        "PATCH",
        f"/datasets/{ds}/documents/{one}",
        json={"meta_fields": {"year": 2024, "tag": ["a", "b"]}},
    )
    a.j("PATCH", f"/datasets/{ds}/documents/{two}", json={"meta_fields": {"year": 2024}})
    summary = a.j("GET", f"/datasets/{ds}/metadata/summary")["data"]["summary"]
    assert summary["year"] == {"type": "number", "values": [["2024", 2]]}
    assert summary["tag"]["type"] == "list"
    flat = a.j("GET", "/datasets/metadata/flattened", params={"dataset_ids": ds})["data"]
    assert sorted(flat["year"]["2024"]) == sorted([one, two])
    assert a.j("GET", f"/datasets/{ds}/metadata/config")["data"] == {
        "metadata": [],
        "built_in_metadata": [],
    }
    cfg = {"metadata": [{"key": "author", "type": "string"}], "built_in_metadata": []}
    assert a.j("PUT", f"/datasets/{ds}/metadata/config", json=cfg)["code"] == 0
    res = a.j(
        "PUT", f"/datasets/{ds}/metadata/config", json={"metadata": [{"key": "k", "type": "x"}]}
    )
    assert res["code"] == 101 and "Field: <metadata.0.type>" in res["message"]
    got = a.j("GET", f"/datasets/{ds}/metadata/config")["data"]
    assert got["metadata"] == [
        {"key": "author", "type": "string", "description": None, "enum": None}
    ]
    res = a.j("PUT", f"/datasets/{ds}/documents/{one}/metadata/config", json={"metadata": {"a": 1}})
    assert res["data"]["parser_config"]["metadata"] == {"a": 1}
    assert a.j("PUT", f"/datasets/{ds}/documents/{one}/metadata/config", json={})["message"] == (
        "metadata is required"
    )
    v23 = api("v0.23")  # the summary is the only metadata route before v0.25.1
    ds = v23.dataset()
    assert v23.j("GET", f"/datasets/{ds}/metadata/summary")["data"] == {"summary": {}}
    assert v23.call("GET", f"/datasets/{ds}/metadata/config").status_code == 404


def test_batch_metadata_update(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset()
    one, two, three = a.upload(ds, {"a.txt": "x", "b.txt": "y", "c.txt": "z"})
    a.j("PATCH", f"/datasets/{ds}/documents/{one}", json={"meta_fields": {"tag": ["old", "b"]}})
    a.j("PATCH", f"/datasets/{ds}/documents/{two}", json={"meta_fields": {"author": "al"}})
    url = f"/datasets/{ds}/documents/metadatas"

    def metas() -> dict[str, Any]:
        docs = a.j("GET", f"/datasets/{ds}/documents")["data"]["docs"]
        return {d["id"]: d["meta_fields"] for d in docs}

    res = a.j(
        "PATCH",
        url,
        json={
            "selector": {"document_ids": [one, two]},
            "updates": [{"key": "tag", "value": "new", "match": "old"}, {"key": "y", "value": 1}],
            "deletes": [{"key": "author"}],
        },
    )
    assert res == {"code": 0, "data": {"updated": 2, "matched_docs": 2}}
    assert metas() == {one: {"tag": ["new", "b"], "y": 1}, two: {"y": 1}, three: {}}
    same = {"selector": {"document_ids": [two]}, "updates": [{"key": "y", "value": 1}]}
    assert a.j("PATCH", url, json=same)["data"] == {"updated": 0, "matched_docs": 1}
    # a metadata_condition narrows the selected ids; with none selected nothing is kept
    cond = {"conditions": [{"name": "tag", "comparison_operator": "contains", "value": "new"}]}
    res = a.j(
        "PATCH",
        url,
        json={
            "selector": {"document_ids": [one, two], "metadata_condition": cond},
            "updates": [{"key": "hit", "value": True}],
        },
    )
    assert res["data"] == {"updated": 1, "matched_docs": 1} and metas()[one]["hit"] is True
    res = a.j("PATCH", url, json={"selector": {"metadata_condition": cond}, "updates": []})
    assert res["data"] == {"updated": 0, "matched_docs": 0}
    assert a.j("PATCH", url, json={"selector": {"document_ids": ["nope"]}}) == {
        "code": 102,
        "message": f"These documents do not belong to dataset {ds}: nope",
    }
    for body, message in [
        ({"selector": ["x"]}, "selector must be an object."),  # [] reads as {}
        ({"updates": {"k": 1}}, "updates and deletes must be lists."),
        ({"updates": [{"key": "k"}]}, "Each update requires key and value."),
        ({"deletes": [{}]}, "Each delete requires key."),
        ({"selector": {"document_ids": "x"}}, "document_ids must be a list."),
    ]:
        assert a.j("PATCH", url, json=body) == {"code": 102, "message": message}
    assert a.j("PATCH", "/datasets/nope/documents/metadatas", json={})["message"] == (
        "You don't own the dataset nope."
    )
    # before v0.25.1 the path names a document called "metadatas"
    old = api("v0.25.0")
    ds = old.dataset()
    res = old.j("PATCH", f"/datasets/{ds}/documents/metadatas", json={"selector": {}})
    assert res["code"] != 0 and "updated" not in str(res)


def test_ingestion_and_document_status(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    ds, docs = a.seeded(facts)
    summary = a.j("GET", f"/datasets/{ds}/ingestions/summary")["data"]
    assert summary["doc_num"] == len(docs) and summary["chunk_num"] > 0
    assert summary["status"]["done_count"] == len(docs)
    assert a.j("GET", f"/datasets/{ds}/ingestions")["data"] == {"total": 0, "logs": []}
    assert a.j("GET", f"/datasets/{ds}/ingestions/nope") == {
        "code": 102,
        "message": "Log not found",
    }

    def found() -> set[str]:
        body = {"dataset_ids": [ds], "question": "sky blue"}
        hits = a.j("POST", "/retrieval", json=body)["data"]["chunks"]
        return {c["document_id"] for c in hits}

    assert docs[0] in found()  # sky.txt answers "sky blue" while it is enabled
    url = f"/datasets/{ds}/documents/batch-update-status"
    res = a.j("POST", url, json={"doc_ids": [docs[0]], "status": 0})
    assert res == {"code": 0, "message": "success", "data": {docs[0]: {"status": "0"}}}
    assert docs[0] not in found()  # disabled documents drop out
    res = a.j("POST", url, json={"doc_ids": [docs[0]], "status": 1})
    assert res == {"code": 0, "message": "success", "data": {docs[0]: {"status": "1"}}}
    assert docs[0] in found()  # and come back once enabled again
    res = a.j("POST", url, json={"doc_ids": ["nope"], "status": 1})
    assert res["code"] == 500 and res["data"] == {"nope": {"error": "Document not found"}}
    assert a.j("POST", url, json={"doc_ids": [], "status": 1})["message"] == (
        '"doc_ids" must be a non-empty list.'
    )


def test_chunk_keywords_match_the_parsed_title(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds, (doc,) = a.seeded({"ragflow_notes.txt": "plain words"})
    a.j("POST", f"/datasets/{ds}/documents/{doc}/chunks", json={"content": "more words"})
    url = f"/datasets/{ds}/documents/{doc}/chunks"
    found = a.j("GET", url, params={"keywords": "ragflow"})["data"]["chunks"]
    assert [c["content"] for c in found] == ["plain words"]  # added chunks carry no title


def test_unknown_reranker_fails_retrieval(api: Callable[..., Any], facts: dict[str, str]) -> None:
    a = api("v0.27")
    ds, _ = a.seeded(facts)
    body = {"dataset_ids": [ds], "question": "sky", "rerank_id": "nope@Nowhere"}
    res = a.j("POST", "/retrieval", json=body)
    assert res["code"] == 100 and "Provider Nowhere not found" in res["message"]


def test_index_deletion_route(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset()
    assert a.j("DELETE", f"/datasets/{ds}/graph") == {"code": 0, "data": {}}  # nothing built
    assert a.j("DELETE", f"/datasets/{ds}/WIKI") == {"code": 0, "data": {}}
    res = a.j("DELETE", f"/datasets/{ds}/nope")
    assert res == {"code": 101, "message": "Invalid index type 'nope'"}
    assert a.j("DELETE", "/datasets/missing/raptor") == {"code": 102, "message": "no authorization"}
    old = api("v0.26")
    assert old.j("DELETE", "/datasets/missing/raptor")["message"] == "No authorization."
    assert old.j("DELETE", "/datasets/missing/wiki")["code"] == 101  # wiki came in v0.27
    # The route takes any /datasets/x/y, so werkzeug answers other methods with a 405 ...
    for path in ("/datasets//documents/parse", "/datasets//documents/stop"):
        res = a.j("POST", path, json={"document_ids": ["x"]})
        assert res["code"] == 100 and "Method Not Allowed" in res["message"]
    assert a.j("GET", f"/datasets/{ds}/nope")["code"] == 100
    # ... and before v0.25.1 such a path is unknown.
    assert api("v0.24").call("POST", "/datasets//documents/parse", json={}).status_code == 404
