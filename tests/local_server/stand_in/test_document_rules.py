"""Documents as RAGFlow's handlers treat them, version by version: delete, update, list,
download and upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MISSING = "f" * 32


def _docs(a: Any, ds: str, **params: Any) -> Any:
    return a.j("GET", f"/datasets/{ds}/documents", params=params)


def test_delete_documents_per_version(api: Callable[..., Any]) -> None:
    v24 = api("v0.24")
    ds = v24.dataset()
    one, two = v24.upload(ds, {"a.txt": "x", "b.txt": "y"})
    res = v24.j("DELETE", f"/datasets/{ds}/documents", json={"ids": [one, "nope"]})
    assert res == {"code": 102, "message": "Documents not found: ['nope']"}
    assert [d["id"] for d in _docs(v24, ds)["data"]["docs"]] == [two]  # the found one went
    res = v24.j("DELETE", f"/datasets/{ds}/documents", json={"ids": [two, two]})
    assert res == {
        "code": 0,
        "data": {"success_count": 1, "errors": [f"Duplicate document ids: {two}"]},
    }
    v251 = api("v0.25.1")
    ds = v251.dataset()
    (doc,) = v251.upload(ds, {"a.txt": "x"})
    res = v251.j("DELETE", f"/datasets/{ds}/documents", json={})
    assert res == {
        "code": 102,
        "message": f"should either provide doc ids or set delete_all(true), dataset: {ds}. ",
    }
    res = v251.j("DELETE", f"/datasets/{ds}/documents", json={"ids": ["nope"]})
    assert res["code"] == 101 and "Invalid UUID1 format" in res["message"]  # UUIDs until 0.25.2
    uuid1 = "00000000000010008000000000000000"
    assert v251.j("DELETE", f"/datasets/{ds}/documents", json={"ids": [uuid1]})["code"] == 0
    v27 = api("v0.27")
    ds = v27.dataset()
    (doc,) = v27.upload(ds, {"a.txt": "x"})
    res = v27.j("DELETE", f"/datasets/{ds}/documents", json={"ids": [doc, "nope"]})
    assert res == {
        "code": 102,
        "message": f"These documents do not belong to dataset {ds} or Document not found: nope",
    }
    res = v27.j("DELETE", f"/datasets/{ds}/documents", json={"ids": [doc, doc]})
    assert res["code"] == 101 and "Field: <ids> - Message: <Duplicate ids:" in res["message"]
    res = v27.j("DELETE", f"/datasets/{ds}/documents", json={"ids": [doc], "delete_all": True})
    assert res["message"].startswith("should not provide both doc ids and delete_all(true)")
    assert v27.j("DELETE", f"/datasets/{ds}/documents", json={"ids": [doc]}) == {
        "code": 0,
        "data": {"deleted": 1},
    }
    res = v27.j("DELETE", f"/datasets/{ds}/documents", content=b'"x"', headers=_JSON)
    assert res == {"code": 101, "message": "Invalid request payload: expected object, got str"}


_JSON = {"Content-Type": "application/json"}


def test_update_document_rules_from_025(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds, (doc,) = a.seeded({"a.txt": "one two three"})
    url = f"/datasets/{ds}/documents/{doc}"
    assert a.j("PATCH", url, json={"meta_fields": "x"}) == {
        "code": 102,
        "message": "Field: <meta_fields> - Message: <Input should be a valid dictionary> - "
        "Value: <x>",
    }
    assert a.j("PATCH", url, json={"meta_fields": {"a": {"b": 1}}})["message"] == (
        "Field: <meta_fields> - Message: <The type is not supported: {'b': 1}> - "
        "Value: <{'a': {'b': 1}}>"
    )
    assert a.j("PATCH", url, json={"chunk_count": 0})["message"] == "can't change `chunk_count`"
    assert a.j("PATCH", url, json={"progress": 2.0})["message"].startswith(
        "Field: <progress> - Message: <Input should be less than or equal to 1>"
    )
    assert a.j("PATCH", url, json={"name": None})["message"] == (
        "Field: <name> - Message: <Input should be a valid string> - Value: <None>"
    )
    assert a.j("PATCH", url, json={"name": "a.md"}) == {
        "code": 101,
        "message": "The extension of file can't be changed",
    }
    assert "Input should be a valid string" in a.j("PATCH", url, json={"name": 1})["message"]
    assert a.j("PATCH", url, json={"chunk_method": ""})["message"] == (
        "`chunk_method` (empty string) is not valid"
    )
    assert a.j("PATCH", url, json={"chunk_method": "x"})["message"] == (
        "Field: <chunk_method> - Message: <`chunk_method` x doesn't exist> - Value: <x>"
    )
    assert a.j("PATCH", f"/datasets/{ds}/documents/{MISSING}", json={}) == {
        "code": 102,
        "message": "the dataset doesn't own the document",
    }
    # a parser_config without raptor drops the document's raptor settings (update_parser_config)
    cfg = a.j("PATCH", url, json={"parser_config": {"chunk_token_num": 64}})["data"]
    assert cfg["parser_config"]["chunk_token_num"] == 64 and "raptor" not in cfg["parser_config"]
    res = a.j("PATCH", url, json={"chunk_method": "qa"})["data"]
    assert (res["chunk_method"], res["run"], res["chunk_count"]) == ("qa", "UNSTART", 0)
    old = api("v0.26")
    ds, (doc,) = old.seeded({"a.txt": "one two"})
    url = f"/datasets/{ds}/documents/{doc}"
    assert old.j("PATCH", url, json={"chunk_count": 0})["code"] == 0  # 0.25-0.26 skip falsy values
    assert old.j("PATCH", url, json={"chunk_count": 5})["message"] == "Can't change `chunk_count`."
    assert old.j("PATCH", f"/datasets/{MISSING}/documents/{doc}", json={})["message"] == (
        "You don't own the dataset."
    )


def test_list_documents_filters(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset()
    one, _ = a.upload(ds, {"a.txt": "x", "b.txt": "y"})
    res = _docs(a, ds, id=one, name="b.txt")  # both filters apply
    assert res["code"] == 0 and res["data"]["docs"] == []
    assert _docs(a, ds, id="nope") == {"code": 102, "message": "you don't own the document nope"}
    res = _docs(a, ds, create_time_from="9999999999000")
    assert res["data"]["docs"] == [] and res["data"]["total"] == 2  # the page only is filtered
    assert _docs(a, ds, orderby="size")["message"] == "invalid orderby field: size"
    old = api("v0.26")
    ds = old.dataset()
    old.upload(ds, {"a.txt": "x"})
    assert _docs(old, ds, name="z.txt")["message"] == "You don't own the document z.txt."


def test_download_and_upload_per_version(api: Callable[..., Any]) -> None:
    v253 = api("v0.25.3")
    assert v253.j("GET", f"/datasets/{MISSING}/documents/{MISSING}") == {
        "code": 102,
        "message": f"You do not own the dataset {MISSING}.",
    }
    res = v253.call(
        "GET", f"/datasets/{MISSING}/documents/{MISSING}", headers={"Authorization": ""}
    )
    assert res.status_code == 200 and res.json()["code"] == 0  # still token_required
    v256 = api("v0.25.6")
    res = v256.call(
        "GET", f"/datasets/{MISSING}/documents/{MISSING}", headers={"Authorization": ""}
    )
    assert res.status_code == 401
    v27 = api("v0.27")
    assert v27.j("GET", f"/datasets/{MISSING}/documents/{MISSING}") == {
        "code": 102,
        "message": "document not found",
    }
    res = v27.j("POST", f"/datasets/{MISSING}/documents", files=[("file", ("a.txt", b"x"))])
    assert res == {"code": 102, "message": f"Can't find the dataset with ID {MISSING}!"}


def test_document_by_id_and_chunk_images(api: Callable[..., Any]) -> None:
    a = api("v0.27")
    ds = a.dataset()
    (doc,) = a.upload(ds, {"a.txt": "hello"})
    assert a.call("GET", f"/documents/{doc}").content == b"hello"
    assert a.j("GET", f"/documents/{MISSING}") == {"code": 102, "message": "document not found"}
    assert a.j("GET", "/documents/images/nope") == {"code": 102, "message": "Image not found."}
    assert api("v0.25.3").call("GET", f"/documents/{doc}").status_code == 404  # v0.25.6+


def test_sandbox_artifacts(api: Callable[..., Any]) -> None:
    a = api("v0.27")  # no agent ever made one, so a well-formed name is never found
    missing = {"code": 102, "message": "Artifact not found."}
    assert a.j("GET", "/documents/artifact/x.png") == missing
    assert a.j("GET", "/documents/artifact/x.exe") == {"code": 102, "message": "invalid file type"}
    res = a.call("GET", "/documents/artifact/x.png", headers={"Authorization": ""})
    assert res.status_code == 401
    old = api("v0.25.1")
    assert old.j("GET", "/documents/artifact/x.exe")["message"] == "Invalid file type."
    assert api("v0.25.0").call("GET", "/documents/artifact/x.png").status_code == 404
