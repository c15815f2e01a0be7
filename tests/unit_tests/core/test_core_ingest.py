"""Bulk ingestion's IO-free pieces, driven with scripted answers (no sockets)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from ragflow_integrations import (
    APIConnectionError,
    Dialect,
    IngestError,
    IngestItem,
    InvalidArgumentError,
)
from ragflow_integrations._fanout import drive_async, drive_sync
from ragflow_integrations._http import Request, Response
from ragflow_integrations._operations import documents, ingest
from ragflow_integrations._operations._core import Op, call
from ragflow_integrations.metadata import CONTENT_HASH_KEY, SOURCE_ID_KEY
from ragflow_integrations.types.ingest import IngestedDocument, IngestResult, as_items
from tests.unit_tests.core.scripted import ok, params, run

# -- listing by ids ------------------------------------------------------------------------


def test_by_ids_lists_a_hundred_at_a_time_where_the_server_filters() -> None:
    ids = [f"{i:032x}" for i in range(250)]

    def answer(req: Request) -> Response:
        asked = params(req)["ids"]
        assert params(req)["page_size"] == [str(len(asked))]
        return ok({"total": len(asked), "docs": [{"id": i} for i in asked]})

    found, sent = run(documents.by_ids(Dialect.of("v0.27"), "ds", ids), answer)
    assert [len(params(r)["ids"]) for r in sent] == [100, 100, 50]
    assert [d["id"] for d in found] == ids


def test_by_ids_asks_one_by_one_before_v0_25_1_and_skips_unknown_ids() -> None:
    def answer(req: Request) -> Response:
        doc_id = params(req)["id"][0]
        if doc_id == "gone":
            return ok(code=102, message=f"You don't own the document {doc_id}.")
        return ok({"total": 1, "docs": [{"id": doc_id}]})

    found, sent = run(documents.by_ids(Dialect.of("v0.25.0"), "ds", ["a", "gone", "b"]), answer)
    assert [d["id"] for d in found] == ["a", "b"] and len(sent) == 3


def test_newest_pages_until_every_id_was_seen() -> None:
    pages = {1: [{"id": f"n{i}"} for i in range(100)], 2: [{"id": "x"}, *([{"id": "y"}] * 99)]}

    def answer(req: Request) -> Response:
        p = params(req)
        assert p["orderby"] == ["create_time"] and p["desc"] == ["True"]
        return ok({"docs": pages[int(p["page"][0])]})

    _, sent = run(documents.newest(Dialect.of("v0.20"), "ds", {"n5", "x"}), answer)
    assert len(sent) == 2  # page 3 is never asked for


# -- fan-out and drivers -------------------------------------------------------------------------


def _two_step(name: str) -> Op[str]:
    first = yield from call(Request("GET", f"/{name}", "first"))
    second = yield from call(Request("GET", f"/{name}/{first}", "second"))
    return f"{name}:{second}"


def test_concurrently_runs_operations_in_rounds_and_keeps_their_errors() -> None:
    def fails() -> Op[str]:
        yield from call(Request("GET", "/bad", "bad"))
        return "never"

    op = ingest.concurrently([_two_step("a"), fails(), _two_step("b")])
    step = next(op)
    assert isinstance(step, ingest.Fanout)
    assert [r.path for r in step.requests] == ["/a", "/bad", "/b"]
    lost = APIConnectionError("reset")
    step = op.send([ok("1"), lost, ok("2")])
    assert [r.path for r in step.requests] == ["/a/1", "/b/2"]
    with pytest.raises(StopIteration) as stop:
        op.send([ok("x"), ok("y")])
    assert stop.value.value == ["a:x", lost, "b:y"]


class FakeTransport:
    def __init__(self, fail: set[str]) -> None:
        self.sent: list[str] = []
        self.fail = fail

    def answer(self, req: Request) -> Response:
        self.sent.append(req.path)
        if req.path in self.fail:
            raise APIConnectionError(f"{req.path} is down")
        return ok(req.path.rsplit("/", 1)[-1])

    def send(self, req: Request) -> Response:
        return self.answer(req)


def _script() -> ingest.IngestOp[list[Any]]:
    out: list[Any] = []
    out.append((yield from call(Request("GET", "/one", "single"))))
    yield ingest.Sleep(1.5)
    out.append((yield from ingest.concurrently([_two_step("p"), _two_step("q")])))
    try:
        yield from call(Request("GET", "/down", "single"))
    except APIConnectionError as exc:  # a transport error is thrown into the operation
        out.append(str(exc))
    return out


def test_drive_sync_answers_every_kind_of_step_and_counts_requests() -> None:
    slept: list[float] = []
    transport = FakeTransport(fail={"/down"})
    value, counts = drive_sync(transport, _script(), slept.append)
    assert value == ["one", ["p:p", "q:q"], "/down is down"]
    assert slept == [1.5]
    assert counts == {"single": 2, "first": 2, "second": 2}


def test_drive_async_bounds_fanouts() -> None:
    inner = FakeTransport(fail={"/down"})
    busy, peak = [0], [0]

    class Async:
        async def send(self, req: Request) -> Response:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
            await asyncio.sleep(0)
            busy[0] -= 1
            return inner.answer(req)

    async def nap(seconds: float) -> None:
        slept.append(seconds)

    slept: list[float] = []
    ops = ingest.concurrently([_two_step(str(i)) for i in range(6)])
    value, counts = asyncio.run(drive_async(Async(), ops, nap, limit=2))
    assert value == [f"{i}:{i}" for i in range(6)] and peak[0] == 2
    assert counts == {"first": 6, "second": 6}
    with pytest.raises(InvalidArgumentError):
        asyncio.run(drive_async(Async(), _script(), nap, limit=0))


# -- a whole run, scripted -----------------------------------------------------------------------


class Scripted:
    """A tiny dataset answering the requests of one ingestion (v0.27 shapes)."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.polls = 0

    def __call__(self, req: Request) -> Response:
        if req.method == "GET":
            ids = params(req).get("ids")
            docs = [d for d in self.docs.values() if ids is None or d["id"] in ids]
            if ids is not None:
                self.polls += 1
                for d in docs:  # each poll moves parsing on
                    d["run"] = "DONE" if self.polls >= 2 else "RUNNING"
                    d["progress"] = 1.0 if self.polls >= 2 else 0.5
            return ok({"total": len(docs), "docs": docs})
        if req.method == "POST" and req.path.endswith("/documents"):
            names = re.findall(rb'filename="([^"]+)"', req.content or b"")
            new = []
            for n, name in enumerate(names):
                doc = {"id": f"id{len(self.docs) + n}", "name": name.decode(), "run": "UNSTART"}
                new.append(doc)
            self.docs.update({d["id"]: d for d in new})
            return ok(new)
        if req.method == "PATCH":
            self.docs[req.path.rsplit("/", 1)[-1]].update(req.json)
            return ok()
        if req.method == "POST" and req.path.endswith("/chunks"):
            return ok()
        raise AssertionError(f"unexpected {req.describe()}")


def _drive_steps(op: ingest.IngestOp[Any], answer: Scripted) -> tuple[Any, list[str]]:
    steps: list[str] = []
    try:
        step = next(op)
        while True:
            if isinstance(step, ingest.Sleep):
                steps.append(f"sleep {step.seconds:g}")
                step = op.send(None)
            elif isinstance(step, ingest.Fanout):
                steps.append(f"fanout {len(step.requests)} x {step.requests[0].what}")
                step = op.send([answer(r) for r in step.requests])
            else:
                steps.append(step.what)
                step = op.send(answer(step))
    except StopIteration as stop:
        return stop.value, steps


def test_an_ingestion_is_a_few_requests_whatever_the_number_of_documents() -> None:
    items = [IngestItem.from_text(f"text {i}", source_id=f"s{i}") for i in range(40)]
    server = Scripted()
    now = [0.0]
    op = ingest.ingest(
        Dialect.of("v0.27"), "ds", items, ingest.Policy(), lambda: now[0], lambda p: None
    )
    result, steps = _drive_steps(op, server)
    assert steps == [
        "list documents",  # the inventory
        "fanout 2 x upload documents",  # 32 files per request
        "fanout 32 x update document",  # metadata, side by side, 32 at a time
        "fanout 8 x update document",
        "parse documents",
        "sleep 0.2",
        "list documents",
        "sleep 0.2",
        "list documents",
    ]
    assert [d.state for d in result] == ["DONE"] * 40
    meta = server.docs["id0"]["meta_fields"]
    assert meta == {SOURCE_ID_KEY: "s0", CONTENT_HASH_KEY: items[0].sha256}


# -- items and results ---------------------------------------------------------------------------


def test_items_from_text_paths_and_pairs(tmp_path: Any) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(b"# Notes")
    made = as_items(
        [
            IngestItem.from_text("hello", source_id="a/b c"),
            IngestItem.from_text("hello"),
            ("x.txt", b"1"),
            str(path),
        ]
    )
    assert [i.name for i in made[:3]] == [
        "a_b_c.txt",
        "text-" + IngestItem("", b"hello").sha256[:16] + ".txt",
        "x.txt",
    ]
    assert [i.key for i in made] == ["a/b c", made[1].name, "x.txt", str(path)]
    assert made[3].blob == b"# Notes" and made[3].name == "notes.md"
    with pytest.raises(InvalidArgumentError, match="not int"):
        as_items([3])  # type: ignore[list-item]
    with pytest.raises(InvalidArgumentError, match="cannot read the file"):
        as_items([str(tmp_path / "missing.txt")])


def test_batches_respect_the_dialects_limits() -> None:
    def sizes(version: str, blobs: list[int]) -> list[int]:
        tracks = [ingest._Track(IngestItem(f"{i}.txt", b"x" * n), "") for i, n in enumerate(blobs)]
        run = ingest._Ingestion(
            Dialect.of(version), "ds", tracks, ingest.Policy(), lambda: 0, lambda p: None
        )
        return [len(b) for b in run.batches(tracks)]

    mb = 1024 * 1024
    assert sizes("v0.27", [10] * 70) == [32, 32, 6]
    assert sizes("v0.13", [3 * mb] * 5) == [2, 2, 1]  # 10 MB per request on v0.13
    assert sizes("v0.27", [100 * mb, 1, 1]) == [1, 2]  # a big file goes alone


def test_failure_messages_and_duplicate_names() -> None:
    log = "10:00 Task has been received.\n10:01 [ERROR]Internal server error: bad PDF\n"
    assert ingest._failure_message(log) == "10:01 [ERROR]Internal server error: bad PDF"
    assert ingest._failure_message("a\nlast line\n") == "last line"
    pattern = ingest._name_variants("a.b.txt")
    assert pattern.match("a.b.txt") and pattern.match("a.b(12).txt")
    assert not pattern.match("a.b.txt.bak") and not pattern.match("xa.b.txt")


def test_raise_for_failures_names_each_failed_document() -> None:
    docs = [
        IngestedDocument("a", "a.txt", "1", "DONE", "created"),
        IngestedDocument("b", "b.pdf", "2", "FAIL", "created", error="parsing failed: x"),
    ]
    result = IngestResult(docs)
    assert result.succeeded == docs[:1] and result.failed == docs[1:]
    with pytest.raises(IngestError, match=r"1 of 2 documents .*'b': parsing failed: x"):
        result.raise_for_failures()
    IngestResult(docs[:1]).raise_for_failures()  # nothing to report


def test_reparse_of_unknown_ids_reports_them() -> None:
    op = ingest.reparse(
        Dialect.of("v0.27"), "ds", ["nope"], ingest.Policy(), lambda: 0.0, lambda p: None
    )
    result, sent = run(op, lambda r: ok({"total": 0, "docs": []}))
    assert len(sent) == 1
    assert result.documents[0].state == "NOT_UPLOADED"
    assert result.documents[0].error == "no such document in this dataset"


def test_metadata_values_ragflow_cannot_store_are_refused() -> None:
    op = ingest.ingest(
        Dialect.of("v0.27"),
        "ds",
        [IngestItem("a.txt", b"1", {"when": None})],
        ingest.Policy(),
        lambda: 0.0,
        lambda p: None,
    )
    with pytest.raises(InvalidArgumentError, match="'when' is NoneType"):
        next(op)
