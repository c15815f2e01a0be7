"""Bulk ingestion: what goes in (:class:`IngestItem`), how it goes (:class:`IngestProgress`)
and what came of it (:class:`IngestResult`)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from .._exceptions import IngestError, InvalidArgumentError

__all__ = [
    "IngestItem",
    "IngestProgress",
    "IngestResult",
    "IngestSource",
    "IngestedDocument",
    "as_items",
]

_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class IngestItem:
    """One document to ingest: a file name (its suffix picks RAGFlow's parser), its bytes,
    metadata for ``meta_fields``, and the caller's ``source_id`` (default: the name).

    Ingesting the same ``source_id`` again uploads nothing when the bytes are unchanged
    and replaces the document when they changed.
    """

    name: str
    blob: bytes
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source_id: str | None = None

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        source_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> IngestItem:
        """Text as a ``.txt`` file named after ``source_id`` (or after its content)."""
        blob = text.encode("utf-8")
        if name is None:
            stem = source_id or "text-" + hashlib.sha256(blob).hexdigest()[:16]
            name = (_UNSAFE_NAME.sub("_", stem).strip("._") or "text")[:200] + ".txt"
        return cls(name, blob, dict(metadata or {}), source_id)

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        source_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> IngestItem:
        """A file on disk (source id: the path as given)."""
        p = Path(path)
        return cls(p.name, p.read_bytes(), dict(metadata or {}), source_id or str(path))

    @property
    def key(self) -> str:
        """The id this item is stored under: ``source_id``, else the name."""
        return self.source_id or self.name

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the bytes."""
        return hashlib.sha256(self.blob).hexdigest()


IngestSource = Union[IngestItem, tuple[str, bytes], str, "os.PathLike[str]"]
"""What :meth:`RAGFlow.ingest` takes: items, ``(name, bytes)`` pairs, or file paths."""


def as_items(sources: Iterable[IngestSource]) -> list[IngestItem]:
    """Items from what the caller passed; names must be non-empty and source ids unique."""
    items: list[IngestItem] = []
    for source in sources:
        if isinstance(source, IngestItem):
            item = source
        elif isinstance(source, tuple) and len(source) == 2:
            name, blob = source
            if not isinstance(blob, bytes | bytearray):
                raise InvalidArgumentError(f"the bytes of {name!r} must be bytes")
            item = IngestItem(str(name), bytes(blob))
        elif isinstance(source, str | os.PathLike):
            try:
                item = IngestItem.from_path(source)
            except OSError as exc:
                raise InvalidArgumentError(f"cannot read the file {str(source)!r}: {exc}") from exc
        else:
            raise InvalidArgumentError(
                "ingest takes IngestItem objects, (name, bytes) pairs or file paths, "
                f"not {type(source).__name__}"
            )
        if not item.name or not isinstance(item.blob, bytes):
            raise InvalidArgumentError("every ingested item needs a file name and bytes")
        items.append(item)
    seen: set[str] = set()
    for item in items:
        if item.key in seen:
            raise InvalidArgumentError(f"two items share the source id {item.key!r}")
        seen.add(item.key)
    return items


@dataclass(frozen=True)
class IngestProgress:
    """Where an ingestion is: ``phase`` (``"upload"``, ``"metadata"``, ``"parse"``,
    ``"wait"``, ``"done"``), how many of ``total`` documents are parsed (``done``) or
    failed, and the overall ``progress`` (0 to 1, the mean of the documents' progress).
    """

    phase: str
    total: int
    done: int
    failed: int
    progress: float


@dataclass(frozen=True)
class IngestedDocument:
    """What became of one item.

    ``state`` is the document's last known parse state (``UNSTART``, ``RUNNING``,
    ``DONE``, ``FAIL``, ``CANCEL``), or ``NOT_UPLOADED`` / ``MISSING`` (deleted meanwhile).
    ``action``: ``created``, ``replaced`` (the previous version is deleted once this one is
    parsed), ``updated`` (same bytes, new metadata), ``unchanged`` (nothing sent) or
    ``resumed`` (found uploaded but not parsed, from an earlier run). ``error`` holds the
    server's message on failure.
    """

    source_id: str
    name: str
    document_id: str | None
    state: str
    action: str
    chunk_count: int = 0
    token_count: int = 0
    progress: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Parsed, with nothing left to report."""
        return self.state == "DONE" and self.error is None


@dataclass
class IngestResult:
    """One :class:`IngestedDocument` per item, in the order given, plus what it took:
    ``requests`` counts the HTTP requests by kind, ``deleted`` lists the previous versions
    that were removed.
    """

    documents: list[IngestedDocument]
    deleted: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[IngestedDocument]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    @property
    def succeeded(self) -> list[IngestedDocument]:
        """The documents that are parsed."""
        return [d for d in self.documents if d.ok]

    @property
    def failed(self) -> list[IngestedDocument]:
        """The documents with an error: not uploaded, parsing failed or cancelled, still
        running at the deadline, deleted meanwhile ...
        """
        return [d for d in self.documents if d.error is not None]

    @property
    def pending(self) -> list[IngestedDocument]:
        """The documents still being parsed (an ingestion that did not wait)."""
        return [d for d in self.documents if not d.ok and d.error is None]

    @property
    def document_ids(self) -> list[str | None]:
        """The RAGFlow document ids, in the items' order (``None``: not uploaded)."""
        return [d.document_id for d in self.documents]

    def raise_for_failures(self) -> None:
        """Raise :class:`~ragflow_integrations.IngestError` naming each failed document."""
        failed = self.failed
        if failed:
            lines = "; ".join(f"{d.source_id!r}: {d.error or d.state}" for d in failed[:10])
            more = f" (and {len(failed) - 10} more)" if len(failed) > 10 else ""
            raise IngestError(
                f"{len(failed)} of {len(self.documents)} documents were not ingested: "
                f"{lines}{more}",
                result=self,
            )
