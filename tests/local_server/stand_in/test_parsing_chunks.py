"""Parsing progress, cancel and failure; chunk splitting; chunk CRUD per era."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

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
    a = api("v0.24", parse_delay=0.3)
    ds = a.dataset(parser_config={"chunk_token_num": 4})
    (doc,) = a.upload(ds, {"n.md": "# Title\nalpha beta gamma.\ndelta epsilon zeta.\neta theta."})
    a.parse(ds, [doc], wait=False)
    running = a.doc(ds, doc)
    assert running["run"] == "RUNNING" and 0 <= running["progress"] < 1
    assert "Task has been received." in running["progress_msg"]
    time.sleep(0.35)
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
    assert res == {"code": 102, "message": "Can't stop parsing document with progress at 0 or 100"}
    a.parse(ds, [doc], wait=False)
    assert a.j("DELETE", f"/datasets/{ds}/chunks", json={"document_ids": [doc]}) == {"code": 0}
    cancelled = a.doc(ds, doc)
    assert (cancelled["run"], cancelled["chunk_count"]) == ("CANCEL", 0)
    assert a.j("POST", f"/datasets/{ds}/chunks", json={})["message"] == "`document_ids` is required"
    new = api("v0.27", parse_delay=5)
    ds = new.dataset()
    (doc,) = new.upload(ds, {"a.txt": "hello"})
    res = new.j("POST", f"/datasets/{ds}/documents/stop", json={"document_ids": [doc]})
    assert res["data"] == {"error_code": "DOC_STOP_PARSING_INVALID_STATE"}
    assert (
        new.j("POST", f"/datasets/{ds}/documents/parse", json={"document_ids": [doc]})["code"] == 0
    )
    assert new.j("POST", f"/datasets/{ds}/chunks", json={"document_ids": [doc]})["code"] == 102
    assert (
        new.j("POST", f"/datasets/{ds}/documents/stop", json={"document_ids": [doc]})["code"] == 0
    )


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
    assert new.j("GET", f"/datasets/{ds}/documents/{doc}/chunks/{cid}")["data"]["content"] == "z"
    new.j("DELETE", f"/datasets/{ds}/documents/{doc}/chunks", json={})
    assert _chunks(new, ds, doc)["data"]["total"] == 2  # 0.25+: nothing without delete_all
