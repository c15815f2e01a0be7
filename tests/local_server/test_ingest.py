"""Bulk ingestion end to end against LocalRAGFlow on 127.0.0.1.

Parsing takes real time on the stand-in (``parse_delay``), so these tests wait against
deadlines and count requests, never wall-clock durations.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ragflow_integrations import (
    APIConnectionError,
    AsyncRAGFlow,
    IngestError,
    IngestItem,
    IngestProgress,
    RAGFlow,
    UnsupportedFeatureError,
)
from ragflow_integrations._http import Request, Response
from ragflow_integrations.metadata import CONTENT_HASH_KEY, SOURCE_ID_KEY
from ragflow_integrations.testing import LocalRAGFlow, ManualClock, RecordedRequest


def items(n: int, prefix: str = "doc", **meta: Any) -> list[IngestItem]:
    return [
        IngestItem.from_text(
            f"Note {i} of {prefix}: ingestion keeps a hash of each document.",
            source_id=f"{prefix}-{i}",
            metadata={"n": i, **meta},
        )
        for i in range(n)
    ]


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[LocalRAGFlow]:
    dialect = getattr(request, "param", "v0.27")
    with LocalRAGFlow(dialect=dialect, parse_delay=0.1) as srv:
        yield srv


def client(srv: LocalRAGFlow) -> RAGFlow:
    return RAGFlow(srv.api_key, srv.base_url, server_version=srv.version)


def requests_of(srv: LocalRAGFlow, method: str, suffix: str) -> list[RecordedRequest]:
    return [r for r in srv.request_log if r.method == method and r.path.endswith(suffix)]


def documents_in(srv: LocalRAGFlow, dataset_id: str) -> list[Any]:
    with srv.store.lock:
        return sorted(srv.store.dataset_docs(dataset_id), key=lambda d: d.create_time)


class Sleeps:
    """The client's sleep, recorded (and really slept, so the stand-in's parsing moves on)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        time.sleep(seconds)


@pytest.mark.parametrize("server", ["v0.20", "v0.25.1", "v0.27"], indirect=True)
def test_batched_upload_one_parse_request_and_cheap_polls(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="bulk")
    sleeps = Sleeps()
    rag._sleep = sleeps  # type: ignore[method-assign]
    server.request_log.clear()

    result = rag.ingest(ds, items(150), timeout=60)

    assert [d.state for d in result] == ["DONE"] * 150 and not result.failed
    assert all(d.chunk_count >= 1 and d.token_count > 0 and d.action == "created" for d in result)
    files, _ = rag._dialect().upload_limits
    uploads = requests_of(server, "POST", "/documents")
    assert len(uploads) == math.ceil(150 / files)
    assert sum(len(u.body["files"]) for u in uploads) == 150
    assert len(requests_of(server, "POST", "/chunks")) == 1
    lists = requests_of(server, "GET", "/documents")
    # The inventory of the empty dataset is one request; every poll at most two (150 docs).
    polls = lists[1:]
    assert len(polls) <= 2 * len(sleeps.asked)
    assert result.requests["list documents"] == len(lists)
    assert result.requests["update document"] == 150  # metadata differs per document
    stored = {d.id: d.meta_fields for d in documents_in(server, ds.id)}
    first = result.documents[0]
    assert stored[first.document_id] == {
        "n": 0,
        SOURCE_ID_KEY: "doc-0",
        CONTENT_HASH_KEY: items(1)[0].sha256,
    }


def test_rerun_uploads_nothing_and_updates_changed_metadata(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    first = rag.ingest(ds, items(5))
    server.request_log.clear()

    again = rag.ingest(ds, items(5))
    assert [d.action for d in again] == ["unchanged"] * 5
    assert again.document_ids == first.document_ids
    # One inventory listing, nothing else: no upload, no update, no parse, no poll.
    [listing] = server.request_log
    assert listing.method == "GET" and listing.path == f"/api/v1/datasets/{ds.id}/documents"
    assert again.requests == {"list documents": 1}

    retagged = items(5, tag="new")
    server.request_log.clear()
    third = rag.ingest(ds, retagged)
    assert third.document_ids == first.document_ids and not third.failed
    assert [d.action for d in third] == ["updated"] * 5
    assert not requests_of(server, "POST", "/documents")  # nothing uploaded
    assert len([r for r in server.request_log if r.method in ("PUT", "PATCH")]) == 5
    assert documents_in(server, ds.id)[0].meta_fields["tag"] == "new"


def test_changed_content_replaces_the_document_once_parsed(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    old = rag.ingest(ds, items(3)).documents[1]
    changed = items(3)
    changed[1] = IngestItem.from_text("A new text.", source_id="doc-1", metadata={"n": 1})
    server.request_log.clear()

    result = rag.ingest(ds, changed)

    new = result.documents[1]
    assert new.action == "replaced" and new.ok and new.document_id != old.document_id
    assert result.deleted == [old.document_id]
    deletes = requests_of(server, "DELETE", "/documents")
    assert [d.body for d in deletes] == [{"ids": [old.document_id]}]
    # The old version was deleted only after a poll had seen the new one parsed: a listing
    # of the new document by id, sent after its parse started and before the delete.
    log = server.request_log
    [parse] = requests_of(server, "POST", "/chunks")
    assert parse.body == {"document_ids": [new.document_id]}
    polls = [
        r
        for r in log[log.index(parse) + 1 : log.index(deletes[0])]
        if r.method == "GET"
        and r.path.endswith(f"/{ds.id}/documents")
        and new.document_id in r.query.get("ids", [])
    ]
    assert polls, "the replacement was not polled between its parse and the delete"
    docs = documents_in(server, ds.id)
    assert len(docs) == 3 and new.name == "doc-1.txt"
    assert {d.name for d in docs} == {"doc-0.txt", "doc-1.txt", "doc-2.txt"}


def test_a_failed_replacement_keeps_the_previous_version(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    rag.ingest(ds, [IngestItem("report.pdf", b"%PDF-1.4 first", source_id="report")])
    # The stand-in cannot parse PDFs: the first run failed too, yet left the document.
    before = {d.id for d in documents_in(server, ds.id)}
    result = rag.ingest(ds, [IngestItem("report.pdf", b"%PDF-1.4 second", source_id="report")])
    assert result.documents[0].state == "FAIL" and result.deleted == []
    assert before < {d.id for d in documents_in(server, ds.id)}
    assert not requests_of(server, "DELETE", "/documents")


def test_one_failure_does_not_fail_the_others(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    batch = [
        *items(3),
        IngestItem("scan.pdf", b"%PDF-1.4 not parseable here", source_id="scan"),
        IngestItem("tool.exe", b"MZ", source_id="tool"),
    ]
    result = rag.ingest(ds, batch)

    by_id = {d.source_id: d for d in result}
    assert all(by_id[f"doc-{i}"].ok for i in range(3))
    assert by_id["scan"].state == "FAIL"
    assert by_id["scan"].error and "not supported by LocalRAGFlow" in by_id["scan"].error
    assert by_id["tool"].state == "NOT_UPLOADED" and by_id["tool"].document_id is None
    assert "tool.exe" in (by_id["tool"].error or "")
    with pytest.raises(IngestError, match="2 of 5 documents") as info:
        result.raise_for_failures()
    assert info.value.result is result

    again = rag.reparse(ds, [by_id["scan"].document_id])
    assert again.documents[0].state == "FAIL" and again.documents[0].source_id == "scan"
    parses = requests_of(server, "POST", "/chunks")
    assert parses[-1].body == {"document_ids": [by_id["scan"].document_id]}


def test_rerun_reparses_failures_unless_told_not_to(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    scan = [IngestItem("scan.pdf", b"%PDF-1.4", source_id="scan")]
    doc_id = rag.ingest(ds, scan).documents[0].document_id
    server.request_log.clear()
    rag.ingest(ds, scan, reparse_failed=False)
    assert not requests_of(server, "POST", "/chunks")
    result = rag.ingest(ds, scan)
    assert requests_of(server, "POST", "/chunks")[0].body == {"document_ids": [doc_id]}
    assert result.documents[0].action == "resumed" and result.documents[0].state == "FAIL"


class _Interrupt(BaseException):
    """Stands for a process killed in the middle of a run."""


class CutAt:
    """A transport that dies (or loses the answer) at the first request matching ``what``."""

    def __init__(self, inner: Any, what: str, error: BaseException) -> None:
        self.inner, self.what, self.error, self.hit = inner, what, error, False

    def send(self, req: Request) -> Response:
        if self.hit or req.what != self.what:
            return self.inner.send(req)  # type: ignore[no-any-return]
        self.hit = True
        if isinstance(self.error, APIConnectionError):
            self.inner.send(req)  # the server acts, the answer is lost
        raise self.error


@pytest.mark.parametrize("server", ["v0.20", "v0.27"], indirect=True)
def test_an_interrupted_run_resumes_without_uploading_again(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    real = rag._transport
    rag._transport = CutAt(real, "parse documents", _Interrupt())  # type: ignore[assignment]
    with pytest.raises(_Interrupt):
        rag.ingest(ds, items(4))
    rag._transport = CutAt(real, "update document", _Interrupt())  # type: ignore[assignment]
    with pytest.raises(_Interrupt):  # uploaded, but died before tagging the 5th and 6th
        rag.ingest(ds, items(6))
    rag._transport = real
    server.request_log.clear()

    result = rag.ingest(ds, items(6))

    assert not result.failed and len(documents_in(server, ds.id)) == 6
    assert not requests_of(server, "POST", "/documents")
    assert [d.action for d in result] == ["resumed"] * 6
    assert len(requests_of(server, "GET", "/documents/" + result.documents[4].document_id)) == 1


@pytest.mark.parametrize("server", ["v0.20", "v0.27"], indirect=True)
def test_a_lost_upload_answer_never_duplicates(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    lost = APIConnectionError("upload documents: connection reset")
    rag._transport = CutAt(rag._transport, "upload documents", lost)  # type: ignore[assignment]

    result = rag.ingest(ds, items(5))

    assert not result.failed
    assert len(documents_in(server, ds.id)) == 5
    assert len(requests_of(server, "POST", "/documents")) == 1  # sent once, never again
    assert sorted(d.name for d in documents_in(server, ds.id)) == [f"doc-{i}.txt" for i in range(5)]


def test_waiting_ends_at_the_deadline() -> None:
    with LocalRAGFlow(dialect="v0.27", parse_delay=30) as srv:
        rag = client(srv)
        ds = rag.create_dataset(name="kb")
        result = rag.ingest(ds, items(2), timeout=0.5)
    assert [d.state for d in result] == ["RUNNING", "RUNNING"]
    assert all("still RUNNING after 0.5 s" in (d.error or "") for d in result)


def test_the_poll_interval_starts_short_and_grows() -> None:
    # One manual clock for the stand-in's parsing and the client's waiting: each wait moves
    # it, so the parse ends after exactly the waits the client asked for, and no real time.
    clock, delay = ManualClock(), 3.0
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        clock.advance(seconds)

    with LocalRAGFlow(dialect="v0.27", parse_delay=delay, clock=clock) as srv:
        rag = client(srv)
        rag._sleep, rag._clock = sleep, clock  # type: ignore[assignment]
        result = rag.ingest(rag.create_dataset(name="kb"), items(3))
    assert not result.failed
    # A quarter of the time parsing has taken so far, at least 0.2 s (at most 10 s).
    expected, elapsed = [], 0.0
    while elapsed < delay:
        step = min(10.0, max(0.2, 0.25 * elapsed))
        expected.append(step)
        elapsed += step
    assert asked == pytest.approx(expected)
    assert asked[:5] == pytest.approx([0.2] * 5)  # short while parsing has just started
    growth = [b / a for a, b in itertools.pairwise(asked[4:])]
    assert len(growth) >= 5 and growth == pytest.approx([1.25] * len(growth))


def test_progress_callback_bar_and_logging(
    server: LocalRAGFlow, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    seen: list[IngestProgress] = []
    with caplog.at_level(logging.INFO, logger="ragflow_integrations"):
        rag.ingest(ds, items(4), on_progress=seen.append, show_progress=True)
    phases = [p.phase for p in seen]
    assert phases[0] == "upload" and phases[-1] == "done"
    assert {"metadata", "parse", "wait"} <= set(phases)
    assert seen[-1].done == 4 and seen[-1].progress == 1.0 and seen[-1].total == 4
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert "4.0/4" in capsys.readouterr().err
    assert any("4 parsed, 0 not" in r.getMessage() for r in caplog.records)


def test_find_and_delete_by_source_id_delete_only_those(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    result = rag.ingest(ds, items(3))
    other = rag.upload_document(ds, "manual.txt", b"uploaded by hand")

    found = rag.find_ingested(ds, ["doc-0", "doc-2", other.id, "nope"])
    assert sorted(found) == sorted(["doc-0", "doc-2", other.id])
    assert found["doc-0"][0].id == result.documents[0].document_id
    server.request_log.clear()

    assert rag.delete_ingested(ds, ["doc-2", "nope"]) == [result.documents[2].document_id]
    assert [r.body for r in requests_of(server, "DELETE", "/documents")] == [
        {"ids": [result.documents[2].document_id]}
    ]
    assert rag.delete_ingested(ds, ["nope"]) == []
    assert len(requests_of(server, "DELETE", "/documents")) == 1  # nothing sent for nothing
    assert {d.id for d in documents_in(server, ds.id)} == {
        result.documents[0].document_id,
        result.documents[1].document_id,
        other.id,
    }


@pytest.mark.parametrize("server", ["v0.16"], indirect=True)
def test_servers_without_document_metadata_are_refused(server: LocalRAGFlow) -> None:
    rag = client(server)
    with pytest.raises(UnsupportedFeatureError, match=r"v0\.17"):
        rag.ingest(rag.create_dataset(name="kb"), items(1))


def test_bad_items_are_refused_before_any_request(server: LocalRAGFlow) -> None:
    rag = client(server)
    ds = rag.create_dataset(name="kb")
    server.request_log.clear()
    with pytest.raises(ValueError, match="share the source id"):
        rag.ingest(ds, [("a.txt", b"1"), ("a.txt", b"2")])
    with pytest.raises(ValueError, match="reserved"):
        rag.ingest(ds, [IngestItem("a.txt", b"1", {SOURCE_ID_KEY: "x"})])
    with pytest.raises(ValueError, match="'nested' is dict"):
        rag.ingest(ds, [IngestItem("a.txt", b"1", {"nested": {"a": 1}})])
    assert not server.request_log


@pytest.mark.parametrize("server", ["v0.20", "v0.27"], indirect=True)
async def test_async_ingest_bounds_its_concurrency(server: LocalRAGFlow) -> None:
    rag = AsyncRAGFlow(server.api_key, server.base_url, server_version=server.version)
    ds = await rag.create_dataset(name="kb")
    inner = rag._transport
    in_flight, peak = [0], [0]

    class Counting:
        async def send(self, req: Request) -> Response:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            try:
                await asyncio.sleep(0.01)
                return await inner.send(req)
            finally:
                in_flight[0] -= 1

    rag._transport = Counting()  # type: ignore[assignment]
    result = await rag.ingest(ds, items(40), max_concurrency=3)
    again = await rag.ingest(ds, items(40), max_concurrency=3)
    await inner.aclose()
    assert not result.failed and len(result) == 40
    assert peak[0] == 3  # 40 metadata updates went three at a time
    assert result.requests["update document"] == 40
    assert [d.action for d in again] == ["unchanged"] * 40


@pytest.mark.parametrize("dialect", ["v0.17", "v0.20", "v0.24", "v0.25.1", "v0.27"])
def test_the_vector_store_deletes_exactly_what_it_is_asked_to(dialect: str) -> None:
    from langchain_core.documents import Document

    from langchain_ragflow import RAGFlowVectorStore

    with LocalRAGFlow(dialect=dialect, parse_delay=0.02) as srv:
        rag = client(srv)
        ds = rag.create_dataset(name="kb")
        other = rag.upload_document(ds, "not-mine.txt", b"uploaded by hand")
        store = RAGFlowVectorStore(ds.id, client=rag)
        store.add_documents([Document(t, id=t) for t in ("one", "two", "three")])
        srv.request_log.clear()
        store.delete(["two", "missing"])
        store.delete(["missing"])  # nothing named exists: nothing is sent
        deletes = requests_of(srv, "DELETE", "/documents")
        assert len(deletes) == 1 and len(deletes[0].body["ids"]) == 1
        left = {d.name for d in documents_in(srv, ds.id)}
        assert left == {"one.txt", "three.txt", other.name}
        assert [d.page_content for d in store.get_by_ids(["three", "two"])] == ["three"]


def fragile(srv: LocalRAGFlow) -> RAGFlow:
    """A client that does not retry, so an injected fault reaches the ingestion."""
    return RAGFlow(srv.api_key, srv.base_url, server_version=srv.version, max_retries=0)


def test_a_failed_parse_request_is_sent_once_more(server: LocalRAGFlow) -> None:
    rag = fragile(server)
    ds = rag.create_dataset(name="kb")
    server.inject(kind="status", status=500, path="/chunks", method="POST", times=1)
    result = rag.ingest(ds, items(3))
    assert not result.failed
    assert len(requests_of(server, "POST", "/chunks")) == 2

    ds2 = rag.create_dataset(name="kb2")
    server.inject(kind="status", status=500, path="/chunks", method="POST", times=2)
    result = rag.ingest(ds2, items(2))
    assert [d.state for d in result] == ["UNSTART", "UNSTART"]
    assert all((d.error or "").startswith("could not start parsing") for d in result)
    assert rag.ingest(ds2, items(2)).succeeded  # the next run parses them


def test_a_failed_metadata_update_is_resumed_by_the_next_run(server: LocalRAGFlow) -> None:
    rag = fragile(server)
    ds = rag.create_dataset(name="kb")
    server.inject(kind="status", status=500, method="PATCH", times=1)
    first = rag.ingest(ds, items(3))
    [failed] = first.failed
    assert failed.error and failed.error.startswith("could not store its metadata")
    assert failed.state == "UNSTART" and len(first.succeeded) == 2
    server.request_log.clear()
    again = rag.ingest(ds, items(3))
    assert not again.failed and len(documents_in(server, ds.id)) == 3
    assert not requests_of(server, "POST", "/documents")
    assert again.documents[first.documents.index(failed)].action == "resumed"


def test_a_failed_delete_of_the_previous_version_is_finished_later(server: LocalRAGFlow) -> None:
    rag = fragile(server)
    ds = rag.create_dataset(name="kb")
    old = rag.ingest(ds, items(1)).documents[0]
    changed = [IngestItem.from_text("new text", source_id="doc-0", metadata={"n": 0})]
    server.inject(kind="status", status=500, path="/documents", method="DELETE", times=1)
    result = rag.ingest(ds, changed)
    assert result.deleted == [] and result.documents[0].state == "DONE"
    assert "previous version could not be deleted" in (result.documents[0].error or "")
    again = rag.ingest(ds, changed)
    assert again.deleted == [old.document_id] and again.documents[0].action == "unchanged"
    assert [d.name for d in documents_in(server, ds.id)] == ["doc-0.txt"]
