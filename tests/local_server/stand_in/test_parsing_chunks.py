"""Parsing progress, cancel and failure; chunk splitting; chunk CRUD per era."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from ragflow_integrations.testing import ManualClock
from ragflow_integrations.testing._parsing import extract_text, split_chunks


def test_split_chunks_by_tokens_and_delimiter() -> None:
    text = "a b c.\nd e f.\ng h i.\nj k l."
    assert split_chunks(text, 6, "\n") == ["a b c. d e f.", "g h i. j k l."]
    assert split_chunks(text, 3, "\n") == ["a b c.", "d e f.", "g h i.", "j k l."]
    assert split_chunks("x y; z w", 2, "`; `") == ["x y;", "z w"]
    assert split_chunks("one! two? three", 1, "!?") == ["one!", "two?", "three"]


def test_extract_text_by_type() -> None:
    html = (
        b"<html><head><style>p{}</style></head><body><p>Hello &amp; bye</p><p>x</p></body></html>"
    )
    assert extract_text("a.html", html) == "Hello & bye\nx"
    assert extract_text("a.csv", b"name,age\nann,3\n") == "name: ann; age: 3"
    assert extract_text("a.json", b'[{"a": 1}, {"b": 2}]') == '{"a": 1}\n{"b": 2}'


def test_parse_progress_and_done(api: Callable[..., Any]) -> None:
    clock = ManualClock()
    a = api("v0.24", parse_delay=0.3, clock=clock)
    ds = a.dataset(parser_config={"chunk_token_num": 4})
    (doc,) = a.upload(ds, {"n.md": "# Title\nalpha beta gamma.\ndelta epsilon zeta.\neta theta."})
    a.parse(ds, [doc], wait=False)
    running = a.doc(ds, doc)
    assert (running["run"], running["progress"]) == ("RUNNING", 0.1)
    assert "Task has been received." in running["progress_msg"]
    clock.advance(0.15)
    halfway = a.doc(ds, doc)
    assert (halfway["run"], halfway["progress"]) == ("RUNNING", 0.5)
    clock.advance(0.15)
    done = a.doc(ds, doc)
    assert (done["run"], done["progress"]) == ("DONE", 1.0)
    assert done["chunk_count"] == 4 and done["token_count"] == 10
    assert re.search(r"Task done", done["progress_msg"])
    assert done["process_begin_at"]


def test_parse_cancel_and_stop_errors(api: Callable[..., Any]) -> None:
    a = api("v0.24", parse_delay=5)
    ds = a.dataset()
    (doc,) = a.upload(ds, {"a.txt": "hello world"})
    res = a.j("DELETE", f"/datasets/{ds}/chunks", json={"document_ids": [doc]})
    assert res == {"code": 102, "message": "Can't stop parsing document with progress at 0 or 1"}
    a.parse(ds, [doc], wait=False)
    assert a.j("DELETE", f"/datasets/{ds}/chunks", json={"document_ids": [doc]}) == {"code": 0}
    cancelled = a.doc(ds, doc)
    assert (cancelled["run"], cancelled["chunk_count"]) == ("CANCEL", 0)
    assert a.j("POST", f"/datasets/{ds}/chunks", json={})["message"] == "`document_ids` is required"
    new = api("v0.27", parse_delay=5)
    ds = new.dataset()
    (doc,) = new.upload(ds, {"a.txt": "hello"})
    body = {"document_ids": [doc]}
    res = new.j("DELETE", f"/datasets/{ds}/chunks", json=body)  # v0.25+: a code for clients
    assert res["data"] == {"error_code": "DOC_STOP_PARSING_INVALID_STATE"}
    # the v0.25.1 batch route reports an idle document instead of refusing the request
    res = new.j("POST", f"/datasets/{ds}/documents/stop", json=body)
    assert res == {
        "code": 0,
        "data": {
            "success_count": 0,
            "errors": ["Can't stop parsing document that has not started or already completed"],
        },
    }
    res = new.j("POST", f"/datasets/{ds}/documents/parse", json=body)
    assert res == {"code": 0, "data": {"success_count": 1}}
    res = new.j("POST", f"/datasets/{ds}/chunks", json=body)
    assert res == {"code": 102, "message": "Can't parse document that is currently being processed"}
    assert new.j("POST", f"/datasets/{ds}/documents/stop", json=body)["data"]["success_count"] == 1


def test_parse_reports_missing_ids_after_starting_the_rest(api: Callable[..., Any]) -> None:
    a = api("v0.27", parse_delay=5)
    ds = a.dataset()
    (doc,) = a.upload(ds, {"a.txt": "hello"})
    res = a.j("POST", f"/datasets/{ds}/chunks", json={"document_ids": [doc, "nope"]})
    assert res == {"code": 102, "message": "Documents not found: ['nope']"}
    assert a.doc(ds, doc)["run"] == "RUNNING"  # the found one started all the same
    a.j("DELETE", f"/datasets/{ds}/chunks", json={"document_ids": [doc]})
    res = a.j("POST", f"/datasets/{ds}/chunks", json={"document_ids": [doc, doc]})
    assert res == {
        "code": 0,
        "data": {"success_count": 1, "errors": [f"Duplicate document ids: {doc}"]},
    }
    res = a.j("POST", f"/datasets/{ds}/documents/parse", json={"document_ids": ["nope"]})
    assert res == {"code": 102, "message": "Documents not found: ['nope']"}
    res = a.j("POST", f"/datasets/{ds}/documents/parse", json={})
    assert res == {"code": 102, "message": "`document_ids` is required"}
    # get_request_json (v0.23+): a JSON body that is not an object never reaches the handler
    res = a.j("POST", f"/datasets/{ds}/documents/parse", json=[])
    assert res["code"] == 100 and res["message"] == "TypeError('JSON payload must be an object.')"
    res = a.j("POST", f"/datasets/{ds}/documents/parse", json="x")
    assert res["message"] == "AttributeError(\"'str' object has no attribute 'get'\")"
    old = api("v0.17", parse_delay=5)
    ds = old.dataset()
    (doc,) = old.upload(ds, {"a.txt": "hello"})
    res = old.j("POST", f"/datasets/{ds}/chunks", json={"document_ids": [doc, "nope"]})
    assert res == {"code": 102, "message": "You don't own the document nope."}
    assert old.doc(ds, doc)["run"] == "UNSTART"  # nothing started before v0.18


@pytest.mark.parametrize("name", ["report.pdf", "photo.png", "deck.docx"])
def test_unsupported_types_fail_like_the_server(api: Callable[..., Any], name: str) -> None:
    a = api("v0.20")
    ds = a.dataset()
    (doc,) = a.upload(ds, {name: b"\x00\x01binary"})
    (failed,) = a.parse(ds, [doc])
    assert failed["run"] == "FAIL" and failed["progress"] == -1
    assert "not supported" in failed["progress_msg"]


def _chunks(a: Any, ds: str, doc: str, **params: Any) -> Any:
    return a.j("GET", f"/datasets/{ds}/documents/{doc}/chunks", params=params)


def test_add_chunk_per_era(api: Callable[..., Any]) -> None:
    v13 = api("v0.13")
    ds = v13.dataset()
    (doc,) = v13.upload(ds, {"a.txt": "x"})
    res = v13.j("POST", f"/datasets/{ds}/documents/{doc}/chunks", json={"content": "Hello there."})
    chunk = res["data"]["chunk"]
    assert chunk["dataset_id"] == [ds]
    assert re.fullmatch(r"[0-9a-f]{32}", chunk["id"])
    assert "questions" not in chunk
    listed = _chunks(v13, ds, doc, offset=1, limit=10)["data"]
    assert listed["chunks"][0]["available"] == 1
    v15 = api("v0.15")
    ds = v15.dataset()
    (doc,) = v15.upload(ds, {"a.txt": "x"})
    body = {"content": "Hi", "important_keywords": ["k"], "questions": ["q?"]}
    chunk = v15.j("POST", f"/datasets/{ds}/documents/{doc}/chunks", json=body)["data"]["chunk"]
    assert re.fullmatch(r"[0-9a-f]{16}", chunk["id"]) and chunk["dataset_id"] == ds
    assert chunk["questions"] == ["q?"] and chunk["important_keywords"] == ["k"]
    bad = v15.j("POST", f"/datasets/{ds}/documents/{doc}/chunks", json={"content": ""})
    assert bad == {"code": 102, "message": "`content` is required"}


def test_chunk_list_update_delete(api: Callable[..., Any]) -> None:
    a = api("v0.24")
    ds, (doc,) = a.seeded({"a.txt": "red apple.\ngreen pear.\nblue berry."}, chunk_token_num=2)
    listed = _chunks(a, ds, doc)["data"]
    assert set(listed) == {"total", "chunks", "doc"}
    assert listed["total"] == 3 and listed["doc"]["run"] == "DONE"
    first = listed["chunks"][0]
    for key in (
        "id",
        "content",
        "document_id",
        "docnm_kwd",
        "important_keywords",
        "image_id",
        "available",
        "positions",
        "questions",
        "dataset_id",
    ):
        assert key in first
    assert (
        _chunks(a, ds, doc, keywords="pear")["data"]["chunks"][0]["content"]
        == "green <em>pear</em>."
    )
    res = a.j(
        "PUT",
        f"/datasets/{ds}/documents/{doc}/chunks/{first['id']}",
        json={"content": "yellow banana.", "available": False},
    )
    assert res == {"code": 0}
    assert _chunks(a, ds, doc, id=first["id"])["data"]["chunks"][0]["available"] is False
    assert (
        a.j("PATCH", f"/datasets/{ds}/documents/{doc}/chunks/{first['id']}", json={})["code"] == 100
    )
    assert a.j(
        "DELETE", f"/datasets/{ds}/documents/{doc}/chunks", json={"chunk_ids": [first["id"]]}
    ) == {"code": 0}
    assert a.j("DELETE", f"/datasets/{ds}/documents/{doc}/chunks", json={}) == {"code": 0}
    assert _chunks(a, ds, doc)["data"]["total"] == 0  # empty chunk_ids deleted every chunk
    new = api("v0.25.1")
    ds, (doc,) = new.seeded({"a.txt": "red apple.\ngreen pear."}, chunk_token_num=2)
    cid = _chunks(new, ds, doc)["data"]["chunks"][0]["id"]
    assert (
        new.j("PATCH", f"/datasets/{ds}/documents/{doc}/chunks/{cid}", json={"content": "z"})[
            "code"
        ]
        == 0
    )
    stored = new.j("GET", f"/datasets/{ds}/documents/{doc}/chunks/{cid}")["data"]
    assert (stored["content_with_weight"], stored["doc_id"]) == ("z", doc)  # the stored fields
    missing = new.j("GET", f"/datasets/{ds}/documents/{doc}/chunks/{'0' * 16}")
    assert missing == {"code": 102, "message": "Chunk not found!", "data": False}
    res = _chunks(new, ds, doc, id="0" * 16)
    assert res == {"code": 102, "message": f"Chunk not found: {ds}/{'0' * 16}"}
    new.j("DELETE", f"/datasets/{ds}/documents/{doc}/chunks", json={})
    assert _chunks(new, ds, doc)["data"]["total"] == 2  # 0.25+: nothing without delete_all
    ds, (doc,) = a.seeded({"b.txt": "x"})
    assert _chunks(a, ds, doc, id="0" * 16)["code"] == 404  # 0.18-0.25.0


def test_chunk_ids_are_content_hashes_and_counts_are_counters(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset()
    (doc,) = a.upload(ds, {"a.txt": "x"})
    url = f"/datasets/{ds}/documents/{doc}/chunks"
    first = a.j("POST", url, json={"content": "same text"})["data"]["chunk"]
    again = a.j("POST", url, json={"content": "same text"})["data"]["chunk"]
    assert first["id"] == again["id"]  # the second add overwrites the first
    listed = _chunks(a, ds, doc)["data"]
    assert listed["total"] == 1
    assert listed["doc"]["chunk_count"] == 2  # RAGFlow's counter counts both adds
    other = a.upload(a.dataset("b"), {"a.txt": "x"})[0]
    assert first["id"] != a.j(
        "POST",
        f"/datasets/{a.dataset('c')}/documents/{other}/chunks",
        json={"content": "same text"},
    ).get("data", {}).get("chunk", {}).get("id")


def test_chunk_bodies_per_version(api: Callable[..., Any]) -> None:
    new = api("v0.27")
    ds = new.dataset()
    (doc,) = new.upload(ds, {"a.txt": "x"})
    url = f"/datasets/{ds}/documents/{doc}/chunks"
    res = new.j("POST", url, json={"content": "c", "important_keywords": [1]})
    assert res == {"code": 102, "message": "`important_keywords` must be a list of strings"}
    res = new.j("POST", url, json={"content": "c", "tag_kwd": "t"})
    assert res == {"code": 102, "message": "`tag_kwd` is required to be a list"}
    chunk = new.j("POST", url, json={"content": "c", "questions": ["", " q "]})["data"]["chunk"]
    assert chunk["questions"] == ["q"] and "tag_kwd" not in chunk  # only when sent
    assert chunk["doc_type_kwd"] == "text"
    tagged = new.j("POST", url, json={"content": "d", "tag_kwd": ["t"]})["data"]["chunk"]
    assert tagged["tag_kwd"] == ["t"]
    patch = f"{url}/{chunk['id']}"
    res = new.j("PATCH", patch, json={"important_keywords": [1]})  # updates still join
    assert res["code"] == 100
    assert res["message"] == "TypeError('sequence item 0: expected str instance, int found')"
    assert new.j("PATCH", patch, json={"tag_kwd": [1]})["message"] == (
        "`tag_kwd` must be a list of strings"
    )
    assert new.j("PATCH", patch, json={"content": None}) == {"code": 0}  # None keeps the text
    assert new.j("PATCH", patch, json={"content": " "})["message"] == "`content` is required"
    old = api("v0.26")
    ds = old.dataset()
    (doc,) = old.upload(ds, {"a.txt": "x"})
    res = old.j(
        "POST", f"/datasets/{ds}/documents/{doc}/chunks", json={"content": "c", "questions": [2]}
    )
    assert res["code"] == 100 and "expected str instance, int found" in res["message"]
    v24 = api("v0.24")
    ds = v24.dataset()
    (doc,) = v24.upload(ds, {"a.txt": "x"})
    chunk = v24.j(
        "POST", f"/datasets/{ds}/documents/{doc}/chunks", json={"content": "c", "tag_kwd": ["t"]}
    )["data"]["chunk"]
    assert "tag_kwd" not in chunk  # no tags before v0.25


def test_chunk_duplicates_and_wrong_document(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds, (doc,) = a.seeded({"a.txt": "one.\ntwo.\nthree."}, chunk_token_num=1)
    ids = [c["id"] for c in _chunks(a, ds, doc)["data"]["chunks"]]
    url = f"/datasets/{ds}/documents/{doc}/chunks"
    res = a.j("DELETE", url, json={"chunk_ids": ids[:2] * 2})
    assert res == {
        "code": 0,
        "data": {
            "success_count": 2,
            "errors": [f"Duplicate chunk ids: {ids[0]}", f"Duplicate chunk ids: {ids[1]}"],
        },
    }
    gone = "f" * 32
    assert a.j("POST", f"/datasets/{ds}/documents/{gone}/chunks", json={"content": "c"}) == {
        "code": 102,
        "message": f"you don't own the document {gone}",
    }
    assert a.j("GET", f"/datasets/{gone}/documents/{doc}/chunks")["message"] == (
        f"You don't own the dataset {gone}."  # the chunk routes end without a space
    )
    res = a.j("PATCH", url, json={"chunk_ids": ids[2:], "available": False})
    assert res == {"code": 0, "data": True}
    assert a.j("PATCH", url, json={"available": False})["message"] == "`chunk_ids` is required."
    v26 = api("v0.26")
    assert v26.j("POST", f"/datasets/{ds}/documents/{doc}/chunks", json={})["message"].startswith(
        "You don't own the dataset"
    )
