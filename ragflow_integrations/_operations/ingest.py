"""Bulk ingestion, IO-free: upload many documents, tag, parse and wait for them, idempotently.

An ingestion is a few requests per step, whatever the number of documents:

1. *inventory*: the dataset is listed once (a request per 100 documents) to find what an
   earlier run stored under each item's source id (``meta_fields``, see
   :mod:`ragflow_integrations.metadata`);
2. *upload*: items whose bytes are not there yet go up several files per multipart request
   (:attr:`Dialect.upload_limits`). RAGFlow has no idempotency key, so after a failed
   upload the dataset is listed again and a document that did arrive (same name, same
   bytes, downloaded to check) is taken instead of uploading it twice; the rest are sent
   one by one, so one bad file fails alone;
3. *metadata*: each new document gets its metadata, source id and content hash (one update
   each: RAGFlow's batch metadata endpoints write the same values to every document they
   select, and these values differ per document);
4. *parse*: one request starts every document that needs it (a second one retries those a
   failed first request left unstarted);
5. *wait*: polls cost one listing per 100 unfinished documents (``ids`` filter, v0.25.1+)
   or the newest pages of the dataset, with an interval that grows with the time parsing
   has taken, until all are finished or the deadline passes;
6. *retire*: once a replacement is parsed, the previous versions (and only they, by id)
   are deleted, and the new document takes the item's name.

The operation yields :class:`~ragflow_integrations._http.Request` (one request; a
transport error is thrown back in), :class:`Fanout` (requests that may go concurrently;
each outcome is sent back in order) and :class:`Sleep`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .._dialect import Dialect
from .._exceptions import APIConnectionError, InternalServerError, RAGFlowError
from .._http import Request
from ..metadata import (
    CONTENT_HASH_KEY,
    SOURCE_ID_KEY,
    check_metadata,
    source_id_of,
    source_metadata,
)
from ..types._base import fit
from ..types.document import DocumentFields
from ..types.ingest import IngestedDocument, IngestItem, IngestProgress, IngestResult
from . import documents
from ._core import Op

__all__ = [
    "Fanout",
    "MakeBulk",
    "Policy",
    "Sleep",
    "concurrently",
    "delete_sources",
    "find",
    "ingest",
    "reparse",
]

log = logging.getLogger("ragflow_integrations.ingest")

T = TypeVar("T")

_FINAL = frozenset({"DONE", "FAIL", "CANCEL", "MISSING"})
_PREFERENCE = {"DONE": 0, "RUNNING": 1, "UNSTART": 2, "FAIL": 3, "CANCEL": 3}


@dataclass(frozen=True)
class Fanout:
    """Requests the driver may send concurrently; it sends back one outcome per request, in
    order: the :class:`~ragflow_integrations._http.Response`, or the
    :class:`~ragflow_integrations.RAGFlowError` the transport raised.
    """

    requests: tuple[Request, ...]


@dataclass(frozen=True)
class Sleep:
    """Ask the driver to wait ``seconds``."""

    seconds: float


Step = Request | Fanout | Sleep
IngestOp = Generator[Step, Any, T]
MakeBulk = Callable[[Dialect, Callable[[IngestProgress], None]], IngestOp[IngestResult]]
"""A bulk operation waiting for its dialect and its progress report."""


@dataclass(frozen=True)
class Policy:
    """How to ingest: wait for parsing (until ``timeout`` seconds after it starts),
    re-parse documents whose earlier parse failed, and the bounds of the poll interval.
    """

    wait: bool = True
    timeout: float = 3600.0
    reparse_failed: bool = True
    min_interval: float = 0.2
    max_interval: float = 10.0


def concurrently(ops: Sequence[Op[T]], wave: int = 32) -> IngestOp[list[T | RAGFlowError]]:
    """Run operations side by side: their requests go out together, as one :class:`Fanout`
    per round for at most ``wave`` operations at a time (so that only that many answers are
    held at once); each result is the operation's value or the error it raised.
    """
    results: list[T | RAGFlowError] = []
    for start in range(0, len(ops), wave):
        results.extend((yield from _together(ops[start : start + wave])))
    return results


def _together(ops: Sequence[Op[T]]) -> IngestOp[list[T | RAGFlowError]]:
    results: list[T | RAGFlowError] = [None] * len(ops)  # type: ignore[list-item]
    steps: dict[int, Request] = {}
    for i, op in enumerate(ops):
        try:
            steps[i] = next(op)
        except StopIteration as stop:
            results[i] = stop.value
        except RAGFlowError as exc:
            results[i] = exc
    while steps:
        active = list(steps)
        outcomes = yield Fanout(tuple(steps[i] for i in active))
        steps = {}
        for i, outcome in zip(active, outcomes, strict=True):
            try:
                if isinstance(outcome, RAGFlowError):
                    steps[i] = ops[i].throw(outcome)
                else:
                    steps[i] = ops[i].send(outcome)
            except StopIteration as stop:
                results[i] = stop.value
            except RAGFlowError as exc:
                results[i] = exc
    return results


_KEPT = frozenset(
    {
        "id",
        "name",
        "size",
        "run",
        "progress",
        "progress_msg",
        "chunk_count",
        "chunk_num",
        "token_count",
        "token_num",
        "meta_fields",
        "create_time",
    }
)


def _slim(doc: dict[str, Any]) -> dict[str, Any]:
    """The fields of a document an ingestion reads (documents can be many)."""
    return {k: v for k, v in doc.items() if k in _KEPT}


def _digest(meta: dict[str, Any]) -> str | None:
    value = meta.get(CONTENT_HASH_KEY)
    return value if isinstance(value, str) else None


def _run_state(doc: dict[str, Any]) -> DocumentFields:
    return fit(DocumentFields, doc)


def _failure_message(progress_msg: str) -> str:
    """The error lines of a parse log (RAGFlow marks them ``[ERROR]``), else its last line."""
    lines = [line.strip() for line in progress_msg.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line.upper()]
    return " | ".join(errors) if errors else (lines[-1] if lines else "no message")


def _name_variants(name: str) -> re.Pattern[str]:
    """``a.txt`` and the names RAGFlow gives duplicates of it (``a(1).txt`` ...)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    suffix = re.escape("." + ext) if dot else ""
    return re.compile(rf"^{re.escape(stem)}(\(\d+\))?{suffix}$")


@dataclass(eq=False)
class _Track:
    """One item on its way in."""

    item: IngestItem
    digest: str
    action: str = "created"
    doc: dict[str, Any] | None = None
    stale: list[str] = field(default_factory=list)
    tagged: bool = False
    error: str | None = None
    _read: tuple[dict[str, Any], DocumentFields] | None = field(
        default=None, init=False, repr=False
    )

    @property
    def fields(self) -> DocumentFields:
        """The run state of ``doc``, validated once per copy of it (every change of the
        document replaces the dict, so the copy's identity says when to read it again)."""
        assert self.doc is not None
        if self._read is None or self._read[0] is not self.doc:
            self._read = (self.doc, _run_state(self.doc))
        return self._read[1]

    @property
    def state(self) -> str:
        if self.doc is None:
            return "NOT_UPLOADED"
        if self.doc.get("_missing"):
            return "MISSING"
        fields = self.fields
        if fields.progress < 0:
            return "FAIL"
        return fields.run

    @property
    def finished(self) -> bool:
        return self.state in _FINAL or self.error is not None

    @property
    def ok(self) -> bool:
        return self.state == "DONE" and self.error is None

    @property
    def doc_id(self) -> str:
        assert self.doc is not None, "only tracks with a document have an id"
        return str(self.doc["id"])

    def meta_fields(self) -> dict[str, Any]:
        return {
            **self.item.metadata,
            SOURCE_ID_KEY: self.item.key,
            CONTENT_HASH_KEY: self.digest,
        }


class _Ingestion:
    """The state of one run; each step is a generator method."""

    def __init__(
        self,
        d: Dialect,
        dataset_id: str,
        tracks: list[_Track],
        policy: Policy,
        clock: Callable[[], float],
        report: Callable[[IngestProgress], None],
    ) -> None:
        self.d = d
        self.dataset_id = dataset_id
        self.tracks = tracks
        self.policy = policy
        self.clock = clock
        self._report = report
        self.deleted: list[str] = []
        self._orphans: list[dict[str, Any]] = []

    # -- reporting ------------------------------------------------------------------------
    def report(self, phase: str) -> None:
        done = sum(1 for t in self.tracks if t.ok)
        failed = sum(1 for t in self.tracks if t.finished and not t.ok)
        total = len(self.tracks)

        def progress(t: _Track) -> float:
            if t.finished:
                return 1.0
            return max(0.0, min(1.0, t.fields.progress)) if t.doc else 0.0

        overall = sum(progress(t) for t in self.tracks) / total if total else 1.0
        self._report(IngestProgress(phase, total, done, failed, overall))

    def fail(self, track: _Track, message: str) -> None:
        track.error = message
        log.warning("ingest %r: %s", track.item.key, message)

    # -- 1. inventory -----------------------------------------------------------------------
    def inventory(self) -> IngestOp[None]:
        """Match each item with what the dataset already holds under its source id."""
        docs = yield from documents.list_window(self.d, self.dataset_id, 0, None)
        by_key: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            meta = doc.get("meta_fields") or {}
            key = meta.get(SOURCE_ID_KEY)
            if isinstance(key, str):
                by_key.setdefault(key, []).append(_slim(doc))
            elif _run_state(doc).run == "UNSTART" and not meta:
                self._orphans.append(_slim(doc))  # perhaps uploaded by a run cut short
        for t in self.tracks:
            versions = by_key.get(t.item.key, [])
            same = [v for v in versions if _digest(v.get("meta_fields") or {}) == t.digest]
            if not same:
                t.action = "replaced" if versions else "created"
                t.stale = [v["id"] for v in versions]
                continue
            same.sort(key=lambda v: (_PREFERENCE.get(_run_state(v).run, 4), -_created(v)))
            t.doc = same[0]
            t.stale = [v["id"] for v in versions if v is not t.doc]
            t.tagged = source_metadata(t.doc.get("meta_fields")) == dict(t.item.metadata)
            if t.fields.run != "DONE":
                t.action = "resumed"
            else:
                t.action = "unchanged" if t.tagged else "updated"
        log.info(
            "ingest into dataset %s: %d items, %d already there",
            self.dataset_id,
            len(self.tracks),
            sum(1 for t in self.tracks if t.doc is not None),
        )

    # -- 2. upload --------------------------------------------------------------------------
    def adopt(
        self, tracks: list[_Track], docs: list[dict[str, Any]], resumed: bool = False
    ) -> IngestOp[None]:
        """Take documents that hold an item's bytes under its name (uploaded by an attempt
        whose answer was lost, or by an earlier run cut short: ``resumed``) instead of
        uploading the item again.
        """
        claimed = {t.doc["id"] for t in self.tracks if t.doc is not None}
        pairs: list[tuple[_Track, dict[str, Any]]] = []
        for t in tracks:
            pattern = _name_variants(t.item.name)
            for doc in docs:
                meta = doc.get("meta_fields") or {}
                if doc.get("id") in claimed or meta or _run_state(doc).run != "UNSTART":
                    continue
                if pattern.match(str(doc.get("name", ""))) and doc.get("size") in (
                    None,
                    len(t.item.blob),
                ):
                    pairs.append((t, doc))
        if not pairs:
            return
        blobs = yield from concurrently(
            [documents.download(self.d, self.dataset_id, doc["id"]) for _, doc in pairs]
        )
        for (t, doc), blob in zip(pairs, blobs, strict=True):
            if t.doc is not None or doc["id"] in claimed or not isinstance(blob, bytes):
                continue
            if hashlib.sha256(blob).hexdigest() == t.digest:
                t.doc, t.tagged = _slim(doc), False
                claimed.add(doc["id"])
                if resumed and t.action == "created":
                    t.action = "resumed"
                log.info("ingest %r: found it uploaded as %s", t.item.key, doc["id"])

    def upload(self) -> IngestOp[None]:
        """Upload what is not there: in batches, then one by one what a batch left out."""
        need = [t for t in self.tracks if t.doc is None]
        if need and self._orphans:
            yield from self.adopt(need, self._orphans, resumed=True)
            need = [t for t in need if t.doc is None]
        if not need:
            return
        self.report("upload")
        batches = self.batches(need)
        errors = yield from self.send_uploads(batches)
        if not errors:
            return
        yield from self.reconcile(list(errors))
        # Alone, a file fails by itself; resend those a larger request (or a lost answer)
        # left out, and report the rest.
        crowded = {t for batch in batches if len(batch) > 1 for t in batch}
        again = []
        for t, exc in errors.items():
            if t.doc is not None:
                continue
            if t in crowded or isinstance(exc, APIConnectionError):
                again.append([t])
            else:
                self.fail(t, f"upload failed: {_message(exc)}")
        errors = yield from self.send_uploads(again)
        if errors:
            yield from self.reconcile(list(errors))
            for t, exc in errors.items():
                if t.doc is None:
                    self.fail(t, f"upload failed: {_message(exc)}")

    def batches(self, tracks: list[_Track]) -> list[list[_Track]]:
        max_files, max_bytes = self.d.upload_limits
        out: list[list[_Track]] = []
        size = 0
        for t in tracks:
            blob = len(t.item.blob)
            if not out or len(out[-1]) >= max_files or (out[-1] and size + blob > max_bytes):
                out.append([])
                size = 0
            out[-1].append(t)
            size += blob
        return out

    def send_uploads(self, batches: list[list[_Track]]) -> IngestOp[dict[_Track, RAGFlowError]]:
        """Upload batches side by side; returns the items left without a document, with
        the error that left them out.
        """
        if not batches:
            return {}
        results = yield from concurrently(
            [
                documents.upload(
                    self.d, self.dataset_id, [(t.item.name, t.item.blob) for t in batch]
                )
                for batch in batches
            ]
        )
        errors: dict[_Track, RAGFlowError] = {}
        for batch, result in zip(batches, results, strict=True):
            if isinstance(result, RAGFlowError):
                body = getattr(result, "body", None)
                kept = body.get("data") if isinstance(body, dict) else None
                if isinstance(kept, list):
                    # v0.27 answers a partial upload with code 500, the files it refused
                    # (one message line each) and the documents it kept.
                    self.assign(batch, kept)
                    for t in batch:
                        if t.doc is None:
                            self.fail(t, f"upload failed: {_line_about(result, t.item.name)}")
                    continue
                errors.update(dict.fromkeys(batch, result))
            else:
                self.assign(batch, result)
                for t in batch:
                    if t.doc is None:
                        errors[t] = InternalServerError(
                            f"the server's answer to the upload does not list {t.item.name!r}"
                        )
        return errors

    def assign(self, batch: list[_Track], docs: list[Any]) -> None:
        """Pair uploaded documents with the items of their request (in order, by name)."""
        free = list(batch)
        for doc in docs:
            if not isinstance(doc, dict) or not doc.get("id"):
                continue
            for t in free:
                if _name_variants(t.item.name).match(str(doc.get("name", ""))):
                    t.doc, t.tagged = _slim(doc), False
                    free.remove(t)
                    break

    def reconcile(self, tracks: list[_Track]) -> IngestOp[None]:
        """After failed uploads: adopt the documents that arrived all the same."""
        docs = yield from documents.list_window(self.d, self.dataset_id, 0, None)
        yield from self.adopt(tracks, docs)

    # -- 3. metadata ------------------------------------------------------------------------
    def tag(self) -> IngestOp[None]:
        """Store metadata, source id and content hash on the documents that lack them."""
        todo = [t for t in self.tracks if t.doc is not None and not t.tagged and not t.error]
        if not todo:
            return
        self.report("metadata")
        results = yield from concurrently(
            [
                documents.update(
                    self.d, self.dataset_id, t.doc_id, {"meta_fields": t.meta_fields()}
                )
                for t in todo
            ]
        )
        for t, result in zip(todo, results, strict=True):
            if isinstance(result, RAGFlowError):
                # Left unparsed and untagged: a later run finds it by name and bytes.
                self.fail(t, f"could not store its metadata: {_message(result)}")
            else:
                t.tagged = True
                if isinstance(result, dict) and result.get("id") == t.doc_id:
                    t.doc = _slim(result)  # v0.25+ answer with the updated document

    # -- 4. parse ---------------------------------------------------------------------------
    def to_parse(self) -> list[_Track]:
        retry = {"FAIL", "CANCEL"} if self.policy.reparse_failed else set()
        return [
            t
            for t in self.tracks
            if t.doc is not None
            and t.tagged
            and t.error is None
            and (t.state == "UNSTART" or t.state in retry)
        ]

    def parse(self) -> IngestOp[float | None]:
        """Start parsing in one request (a second one for those the first left unstarted);
        returns when parsing started, or ``None`` when nothing needed it.
        """
        todo = self.to_parse()
        if not todo:
            return None
        self.report("parse")
        error: RAGFlowError | None = None
        for attempt in range(2):
            ids = [t.doc_id for t in todo]
            try:
                yield from documents.parse(self.d, self.dataset_id, ids)
            except RAGFlowError as exc:
                error = exc
                log.warning("ingest: starting to parse %d documents failed: %s", len(ids), exc)
                if attempt == 0:
                    yield from self.poll(todo)  # which ones did start?
                    todo = [t for t in todo if t.state in ("UNSTART", "FAIL", "CANCEL")]
                    if todo:
                        continue
                break
            else:
                error = None
                for t in todo:
                    t.doc = {**(t.doc or {}), "run": "RUNNING", "progress": 0.0}
                break
        if error is not None:
            for t in todo:
                self.fail(t, f"could not start parsing: {_message(error)}")
        log.info("ingest: parsing started")
        return self.clock()

    # -- 5. wait ----------------------------------------------------------------------------
    def poll(self, tracks: list[_Track]) -> IngestOp[None]:
        """Refresh the tracks' documents: one listing per 100 (or the newest pages)."""
        ids = {t.doc_id for t in tracks if t.doc is not None}
        if not ids:
            return
        if self.d.has("list_documents_by_ids"):
            docs = yield from documents.by_ids(self.d, self.dataset_id, sorted(ids))
        else:
            docs = yield from documents.newest(self.d, self.dataset_id, ids)
        fresh = {doc.get("id"): doc for doc in docs}
        for t in tracks:
            if t.doc is None:
                continue
            doc = fresh.get(t.doc_id)
            if doc is None:
                t.doc = {**t.doc, "_missing": True}
                self.fail(t, "the document was deleted during ingestion")
            else:
                t.doc = _slim(doc)

    def wait(self, started: float) -> IngestOp[None]:
        """Poll until every document is finished or the deadline passes."""
        deadline = started + self.policy.timeout
        while True:
            pending = [t for t in self.tracks if not t.finished]
            if not pending:
                return
            now = self.clock()
            if now >= deadline:
                for t in pending:
                    progress = t.fields.progress if t.doc else 0.0
                    self.fail(
                        t,
                        f"still {t.state} after {self.policy.timeout:g} s "
                        f"(progress {progress:.0%})",
                    )
                return
            interval = min(
                self.policy.max_interval, max(self.policy.min_interval, 0.25 * (now - started))
            )
            yield Sleep(min(interval, deadline - now))
            yield from self.poll(pending)
            self.report("wait")

    # -- 6. retire --------------------------------------------------------------------------
    def retire(self) -> IngestOp[None]:
        """Delete the previous versions of parsed replacements; rename the replacements."""
        done = [t for t in self.tracks if t.stale and t.state == "DONE" and t.error is None]
        stale = [i for t in done for i in t.stale]
        if not stale:
            return
        try:
            yield from documents.delete(self.d, self.dataset_id, stale)
        except RAGFlowError as exc:
            for t in done:
                self.fail(t, f"parsed, but its previous version could not be deleted: {exc}")
            return
        self.deleted = stale
        renames = [t for t in done if t.doc is not None and t.doc.get("name") != t.item.name]
        results = yield from concurrently(
            [
                documents.update(self.d, self.dataset_id, t.doc_id, {"name": t.item.name})
                for t in renames
            ]
        )
        for t, result in zip(renames, results, strict=True):
            if isinstance(result, RAGFlowError):
                log.warning(
                    "ingest %r: could not rename it %r: %s", t.item.key, t.item.name, result
                )
            else:
                t.doc = {**(t.doc or {}), "name": t.item.name}

    # -- the whole run ----------------------------------------------------------------------
    def result(self) -> IngestResult:
        out = []
        for t in self.tracks:
            fields = _run_state(t.doc) if t.doc is not None else None
            if fields is not None and t.error is None and t.state in ("FAIL", "CANCEL"):
                what = "was cancelled" if t.state == "CANCEL" else "failed"
                t.error = f"parsing {what}: {_failure_message(fields.progress_msg)}"
            out.append(
                IngestedDocument(
                    source_id=t.item.key,
                    name=str(t.doc.get("name")) if t.doc else t.item.name,
                    document_id=t.doc["id"] if t.doc else None,
                    state=t.state,
                    action=t.action,
                    chunk_count=fields.chunk_count if fields else 0,
                    token_count=fields.token_count if fields else 0,
                    progress=fields.progress if fields else 0.0,
                    error=t.error,
                )
            )
        result = IngestResult(out, deleted=list(self.deleted))
        log.info(
            "ingest into dataset %s: %d parsed, %d not",
            self.dataset_id,
            len(result.succeeded),
            len(result.failed),
        )
        return result

    def run(self) -> IngestOp[IngestResult]:
        yield from self.inventory()
        yield from self.upload()
        yield from self.tag()
        started = yield from self.parse()
        if self.policy.wait:
            yield from self.wait(self.clock() if started is None else started)
        yield from self.retire()
        self.report("done")
        return self.result()


def _created(doc: dict[str, Any]) -> float:
    value = doc.get("create_time")
    return float(value) if isinstance(value, int | float) else 0.0


def _message(exc: RAGFlowError) -> str:
    return str(getattr(exc, "message", None) or exc)


def _line_about(exc: RAGFlowError, name: str) -> str:
    """The line of a multi-file error message that names ``name`` (else the whole message)."""
    body = getattr(exc, "body", None)
    text = str(body.get("message", "")) if isinstance(body, dict) else ""
    for line in text.splitlines():
        if name in line:
            return line.strip()
    return _message(exc)


def ingest(
    d: Dialect,
    dataset_id: str,
    items: list[IngestItem],
    policy: Policy,
    clock: Callable[[], float],
    report: Callable[[IngestProgress], None],
) -> IngestOp[IngestResult]:
    """Ingest ``items`` into a dataset (see the module docstring)."""
    d.require("document_meta_fields", "ingestion (it keeps a content hash in meta_fields)")
    if not items:
        return IngestResult([])
    tracks = []
    for item in items:
        check_metadata(item.metadata, f"ingest {item.key!r}")
        tracks.append(_Track(item, item.sha256))
    return (yield from _Ingestion(d, dataset_id, tracks, policy, clock, report).run())


def reparse(
    d: Dialect,
    dataset_id: str,
    document_ids: list[str],
    policy: Policy,
    clock: Callable[[], float],
    report: Callable[[IngestProgress], None],
) -> IngestOp[IngestResult]:
    """Parse the named documents again (failed ones, typically) and wait as :func:`ingest`."""
    docs = yield from documents.by_ids(d, dataset_id, document_ids)
    found = {doc["id"]: doc for doc in docs}
    tracks = []
    for doc_id in dict.fromkeys(document_ids):
        doc = found.get(doc_id)
        meta = (doc or {}).get("meta_fields") or {}
        key = meta.get(SOURCE_ID_KEY) if isinstance(meta.get(SOURCE_ID_KEY), str) else doc_id
        item = IngestItem(str((doc or {}).get("name", doc_id)), b"", source_metadata(meta), key)
        track = _Track(item, _digest(meta) or "", action="resumed", doc=doc, tagged=True)
        if doc is not None and track.state != "RUNNING":  # a running one is just waited for
            track.doc = {**doc, "run": "UNSTART", "progress": 0.0}
        tracks.append(track)
    run = _Ingestion(d, dataset_id, tracks, policy, clock, report)
    for track in tracks:
        if track.doc is None:
            run.fail(track, "no such document in this dataset")
    started = yield from run.parse()
    if policy.wait:
        yield from run.wait(clock() if started is None else started)
    run.report("done")
    return run.result()


def find(d: Dialect, dataset_id: str, source_ids: list[str]) -> Op[dict[str, list[dict[str, Any]]]]:
    """The documents stored under each source id (a document ingested without one answers
    to its RAGFlow id), newest first; one listing per 100 documents of the dataset.
    """
    wanted = set(source_ids)
    found: dict[str, list[dict[str, Any]]] = {}
    if not wanted:
        return found
    for doc in (yield from documents.list_window(d, dataset_id, 0, None)):
        key = source_id_of(doc.get("meta_fields")) or doc.get("id")
        if key in wanted:
            found.setdefault(str(key), []).append(doc)
    for docs in found.values():
        docs.sort(key=lambda doc: -_created(doc))
    return found


def delete_sources(d: Dialect, dataset_id: str, source_ids: list[str]) -> Op[list[str]]:
    """Delete every document stored under these source ids, naming each by id; returns
    their RAGFlow ids (unknown source ids delete nothing).
    """
    found = yield from find(d, dataset_id, source_ids)
    ids = [doc["id"] for docs in found.values() for doc in docs]
    yield from documents.delete(d, dataset_id, ids)
    return ids
