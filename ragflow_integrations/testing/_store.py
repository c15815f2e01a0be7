"""In-memory records (datasets, documents, chunks, chats, sessions) behind one lock.

Parsing is lazy: starting a parse stores the start time and the planned chunks; every read
goes through :meth:`Store.refresh`, which moves ``run``/``progress``/``progress_msg`` on
according to the time elapsed on the store's clock and ``parse_delay``, and creates the chunks
when it finishes.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

from ._parsing import (
    UnsupportedFile,
    count_tokens,
    extract_text,
    file_type,
    split_chunks,
    suffix_of,
)

__all__ = [
    "RUN_CODES",
    "RUN_NAMES",
    "Chat",
    "Chunk",
    "Dataset",
    "Document",
    "Session",
    "Store",
    "clock",
    "http_date",
    "now_ms",
    "stamp",
]

RUN_NAMES = {"0": "UNSTART", "1": "RUNNING", "2": "CANCEL", "3": "DONE", "4": "FAIL"}
RUN_CODES = {v: k for k, v in RUN_NAMES.items()}


def now_ms() -> int:
    return int(time.time() * 1000)


def http_date(ms: int) -> str:
    return formatdate(ms / 1000.0, usegmt=True)


def clock(ms: int | None = None) -> str:
    t = time.localtime((ms if ms is not None else now_ms()) / 1000.0)
    return time.strftime("%H:%M:%S", t)


def stamp(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000.0))


@dataclass
class Dataset:
    id: str
    tenant_id: str
    name: str
    avatar: str | None = None
    description: str | None = None
    language: str = "English"
    embedding_model: str = "BAAI/bge-large-zh-v1.5@BAAI"
    permission: str = "me"
    chunk_method: str = "naive"
    parser_config: dict[str, Any] = field(default_factory=dict)
    pagerank: int = 0
    similarity_threshold: float = 0.2
    vector_similarity_weight: float = 0.3
    status: str = "1"
    create_time: int = field(default_factory=now_ms)
    update_time: int = field(default_factory=now_ms)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Document:
    id: str
    dataset_id: str
    tenant_id: str
    name: str
    blob: bytes
    chunk_method: str
    parser_config: dict[str, Any]
    meta_fields: dict[str, Any] = field(default_factory=dict)
    run: str = "0"
    progress: float = 0.0
    progress_msg: str = ""
    process_begin_at: str | None = None
    process_duration: float = 0.0
    status: str = "1"
    source_type: str = "local"
    create_time: int = field(default_factory=now_ms)
    update_time: int = field(default_factory=now_ms)
    parse_started: float | None = None
    parse_plan: list[str] | None = None
    parse_error: str | None = None
    #: RAGFlow's ``chunk_num``/``token_num`` columns: counters moved by each parse, add and
    #: delete, not a count of the chunks held (adding the same text twice counts twice).
    chunk_num: int = 0
    token_num: int = 0

    @property
    def suffix(self) -> str:
        return suffix_of(self.name)

    @property
    def type(self) -> str:
        return file_type(self.name)

    @property
    def size(self) -> int:
        return len(self.blob)


@dataclass
class Chunk:
    id: str
    doc_id: str
    dataset_id: str
    content: str
    important_keywords: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    available: bool = True
    positions: list[Any] = field(default_factory=list)
    image_id: str = ""
    tag_kwd: list[str] = field(default_factory=list)
    #: The document name a parse indexed with the chunk (``title_tks``); chunks added through
    #: the API have none.
    title: str = ""
    create_ms: int = field(default_factory=now_ms)

    @property
    def create_time(self) -> str:
        return stamp(self.create_ms)

    @property
    def create_timestamp(self) -> float:
        return self.create_ms / 1000.0


@dataclass
class Chat:
    id: str
    tenant_id: str
    name: str
    icon: str = ""
    description: str = "A helpful Assistant"
    language: str = "English"
    dataset_ids: list[str] = field(default_factory=list)
    llm_id: str = "qwen-plus@Tongyi-Qianwen"
    llm_setting: dict[str, Any] = field(default_factory=dict)
    prompt_config: dict[str, Any] = field(default_factory=dict)
    similarity_threshold: float = 0.2
    vector_similarity_weight: float = 0.3
    top_n: int = 6
    top_k: int = 1024
    rerank_id: str = ""
    do_refer: str = "1"
    status: str = "1"
    prompt_type: str = "simple"
    meta_data_filter: dict[str, Any] | None = None
    create_time: int = field(default_factory=now_ms)
    update_time: int = field(default_factory=now_ms)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Session:
    id: str
    chat_id: str
    name: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    reference: list[dict[str, Any]] = field(default_factory=list)
    user_id: str = ""
    create_time: int = field(default_factory=now_ms)
    update_time: int = field(default_factory=now_ms)


class Store:
    """All records of one server. Callers hold :attr:`lock` around every use."""

    def __init__(
        self,
        tenant_id: str,
        parse_delay: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.RLock()
        self.tenant_id = tenant_id
        self.parse_delay = max(0.0, float(parse_delay))
        #: Where parse progress is read from (``time.monotonic`` or a :class:`ManualClock`).
        self.clock = clock
        self._counter = 0
        self.datasets: dict[str, Dataset] = {}
        self.documents: dict[str, Document] = {}
        self.chunks: dict[str, Chunk] = {}
        self.chats: dict[str, Chat] = {}
        self.sessions: dict[str, Session] = {}
        self.indexed = False
        #: Records of the handlers that keep their own (agents, memories), cleared with these.
        self.extensions: dict[str, object] = {}

    def clear(self) -> None:
        with self.lock:
            self.datasets.clear()
            self.documents.clear()
            self.chunks.clear()
            self.chats.clear()
            self.sessions.clear()
            self.extensions.clear()
            self.indexed = False

    # -- ids ----------------------------------------------------------------------------
    def new_id(self) -> str:
        """A 32-hex UUID1-shaped id, deterministic per server (a counter, not the clock)."""
        with self.lock:
            self._counter += 1
            n = self._counter
        seed = hashlib.md5(f"{self.tenant_id}:{n}".encode()).digest()
        return uuid.UUID(bytes=seed, version=1).hex

    @staticmethod
    def chunk_id(content: str, doc_id: str, md5_style: bool) -> str:
        """A hash of content and document, as RAGFlow builds it: the same text added to a
        document twice is one chunk (md5 until v0.14; RAGFlow's xxhash64 is 16 hex
        characters as well, not the same digits)."""
        raw = f"{content}{doc_id}".encode("utf-8", "surrogatepass")
        if md5_style:
            return hashlib.md5(raw).hexdigest()
        return hashlib.blake2b(raw, digest_size=8).hexdigest()

    # -- queries ------------------------------------------------------------------------
    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        return [c for c in self.chunks.values() if c.doc_id == doc_id]

    def dataset_docs(self, dataset_id: str) -> list[Document]:
        return [d for d in self.documents.values() if d.dataset_id == dataset_id]

    def doc_counts(self, doc_id: str) -> tuple[int, int]:
        doc = self.documents[doc_id]
        return doc.chunk_num, doc.token_num

    def count_chunks(self, doc: Document, chunks: list[str], sign: int = 1) -> None:
        """Move the document's counters by these chunk texts (``sign`` -1 when removed)."""
        doc.chunk_num = max(0, doc.chunk_num + sign * len(chunks))
        doc.token_num = max(0, doc.token_num + sign * sum(count_tokens(c) for c in chunks))

    def clear_chunks(self, doc: Document) -> None:
        """Drop the document's chunks and release its counters (parse, stop, re-parse)."""
        for chunk in self.doc_chunks(doc.id):
            del self.chunks[chunk.id]
        doc.chunk_num = doc.token_num = 0

    def dataset_counts(self, dataset_id: str) -> tuple[int, int, int]:
        docs = self.dataset_docs(dataset_id)
        chunk_count = token_count = 0
        for doc in docs:
            self.refresh(doc)
            c, t = self.doc_counts(doc.id)
            chunk_count += c
            token_count += t
        return len(docs), chunk_count, token_count

    # -- parsing ------------------------------------------------------------------------
    def start_parse(self, doc: Document) -> None:
        self.clear_chunks(doc)
        doc.run = "1"
        doc.progress = 0.0
        started_ms = now_ms()
        doc.process_begin_at = http_date(started_ms)
        doc.process_duration = 0.0
        doc.parse_started = self.clock()
        doc.progress_msg = f"{clock(started_ms)} Task has been received."
        doc.parse_plan = None
        doc.parse_error = None
        try:
            text = extract_text(doc.name, doc.blob)
        except UnsupportedFile:
            doc.parse_error = (
                f"The type of file '{doc.name}' (.{doc.suffix or '?'}) is not supported by "
                "LocalRAGFlow: only text-like files (txt, md, html, csv, json) can be parsed."
            )
            return
        cfg = doc.parser_config or {}
        size = cfg.get("chunk_token_num") or 128
        delimiter = cfg.get("delimiter") or "\n"
        try:
            size_int = int(size)
        except (TypeError, ValueError):
            size_int = 128
        doc.parse_plan = split_chunks(text, size_int, str(delimiter))
        if not doc.parse_plan:
            doc.parse_error = "No chunk built from the file: it holds no text."

    def cancel_parse(self, doc: Document) -> None:
        doc.run = "2"
        doc.progress = 0.0
        doc.parse_started = None
        doc.parse_plan = None
        doc.progress_msg += f"\n{clock()} Task has been canceled."
        self.clear_chunks(doc)

    def refresh(self, doc: Document, md5_ids: bool = False) -> None:
        """Advance a running parse according to the elapsed time."""
        if doc.run != "1" or doc.parse_started is None:
            return
        elapsed = self.clock() - doc.parse_started
        if elapsed < self.parse_delay:
            fraction = elapsed / self.parse_delay if self.parse_delay else 1.0
            doc.progress = round(min(0.9, 0.1 + 0.8 * fraction), 4)
            if "Start to parse." not in doc.progress_msg and fraction >= 0.2:
                doc.progress_msg += f"\n{clock()} Page(1~100000001): Start to parse."
            return
        doc.process_duration = round(self.parse_delay, 4)
        doc.parse_started = None
        if doc.parse_error is not None:
            doc.run = "4"
            doc.progress = -1.0
            doc.progress_msg += f"\n{clock()} [ERROR]{doc.parse_error}"
            return
        plan = doc.parse_plan or []
        for text in plan:
            cid = self.chunk_id(text, doc.id, md5_ids)
            self.chunks[cid] = Chunk(
                id=cid, doc_id=doc.id, dataset_id=doc.dataset_id, content=text, title=doc.name
            )
            self.indexed = True
        self.count_chunks(doc, plan)
        doc.parse_plan = None
        doc.run = "3"
        doc.progress = 1.0
        doc.progress_msg += (
            f"\n{clock()} Page(1~100000001): Finish parsing."
            f"\n{clock()} Generate {len(plan)} chunks"
            f"\n{clock()} Indexing done ({doc.process_duration:.2f}s)."
            f"\n{clock()} Task done ({doc.process_duration:.2f}s)"
        )

    def refresh_all(self, md5_ids: bool = False) -> None:
        for doc in list(self.documents.values()):
            self.refresh(doc, md5_ids)

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the records (for debugging and tests)."""
        with self.lock:
            return copy.deepcopy(
                {
                    "datasets": self.datasets,
                    "documents": self.documents,
                    "chunks": self.chunks,
                    "chats": self.chats,
                    "sessions": self.sessions,
                }
            )
