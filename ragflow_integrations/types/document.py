"""Documents inside a dataset."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, field_validator

from .._checks import checked
from . import configs
from ._base import AsyncModel, RAGFlowModel, SyncModel, as_update, first_of
from .chunk import AsyncChunk, Chunk
from .configs import as_settings

__all__ = ["RUN_STATES", "AsyncDocument", "Document", "DocumentFields"]

RUN_STATES = {"0": "UNSTART", "1": "RUNNING", "2": "CANCEL", "3": "DONE", "4": "FAIL"}
"""The server's run digits and the names newer servers send."""


class DocumentFields(RAGFlowModel):
    """The fields of a document (older names such as ``kb_id``, ``parser_id`` accepted)."""

    ParserConfig: ClassVar[builtins.type[configs.ParserConfig]] = configs.ParserConfig
    """The settings class of :attr:`parser_config` (``Document.ParserConfig(...)``)."""

    id: str = ""
    name: str = ""
    dataset_id: str = Field(
        default="", validation_alias=AliasChoices("dataset_id", "kb_id", "knowledgebase_id")
    )
    location: str | None = None
    size: int = 0
    type: str | None = None
    suffix: str | None = None
    source_type: str | None = None
    thumbnail: str | None = None
    created_by: str | None = None
    chunk_method: str | None = Field(
        default=None,
        validation_alias=AliasChoices("chunk_method", "parser_id", "parser_method", "parse_method"),
    )
    parser_config: configs.ParserConfig = Field(default_factory=configs.ParserConfig)
    meta_fields: dict[str, Any] = Field(default_factory=dict)
    progress: float = 0.0
    progress_msg: str = ""
    process_begin_at: str | None = None
    process_duration: float = Field(
        default=0.0, validation_alias=AliasChoices("process_duration", "process_duation")
    )
    run: str = "UNSTART"
    status: str | None = None
    token_count: int = Field(default=0, validation_alias=AliasChoices("token_count", "token_num"))
    chunk_count: int = Field(default=0, validation_alias=AliasChoices("chunk_count", "chunk_num"))
    create_time: int | float | None = None
    update_time: int | float | None = None

    @field_validator("dataset_id", mode="before")
    @classmethod
    def _one_id(cls, value: Any) -> Any:
        value = first_of(value)
        return "" if value is None else value

    @field_validator("run", mode="before")
    @classmethod
    def _run(cls, value: Any) -> Any:
        if value is None or value == "":
            return "UNSTART"
        return RUN_STATES.get(str(value), str(value).upper())

    @field_validator("parser_config", mode="before")
    @classmethod
    def _config(cls, value: Any) -> Any:
        return as_settings(value)

    @field_validator("meta_fields", mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> Any:
        return value or {}

    @field_validator("progress", "process_duration", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return value or 0.0

    @field_validator("size", "token_count", "chunk_count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return value or 0

    @property
    def knowledgebase_id(self) -> str:
        """The draft API's name for :attr:`dataset_id`."""
        return self.dataset_id

    @property
    def parser_method(self) -> str | None:
        """The draft API's name for :attr:`chunk_method` (settable; then :meth:`Document.save`)."""
        return self.chunk_method

    @parser_method.setter
    def parser_method(self, value: str | None) -> None:
        self.chunk_method = value

    @property
    def parse_method(self) -> str | None:
        """Another draft name for :attr:`chunk_method`."""
        return self.chunk_method

    @parse_method.setter
    def parse_method(self, value: str | None) -> None:
        self.chunk_method = value

    @property
    def process_duation(self) -> float:
        """The draft API's (misspelt) name for :attr:`process_duration`."""
        return self.process_duration

    @property
    def finished(self) -> bool:
        """Parsing ended (done, failed or cancelled)."""
        return self.run in ("DONE", "FAIL", "CANCEL") or self.progress < 0


_UPDATABLE = ("name", "chunk_method", "parser_config", "meta_fields")


class Document(DocumentFields, SyncModel):
    """A document, with the methods of the draft Python API and of the released SDK."""

    @checked
    def update(self, update_message: dict[str, Any]) -> Document:
        """Update ``name``, ``chunk_method`` (or ``parser_method``), ``parser_config``,
        ``enabled`` or ``meta_fields`` (the document's metadata, a dict); returns this
        document, updated.
        """
        self._bound()._update_document(self, as_update(update_message))
        return self

    def save(self) -> bool:
        """Send the attributes changed on this object; ``True`` on success."""
        changes = self._changes(_UPDATABLE)
        if changes:
            self._bound()._update_document(self, changes)
        return True

    def download(self) -> bytes:
        """The document's original file."""
        return self._bound()._download_document(self.dataset_id, self.id)  # type: ignore[no-any-return]

    def delete(self) -> bool:
        """Delete this document; ``True`` on success."""
        self._bound()._delete_documents(self.dataset_id, [self.id])
        return True

    def async_parse(self) -> None:
        """Start parsing this document."""
        self._bound()._parse_documents(self.dataset_id, [self.id])

    def cancel_parse(self) -> None:
        """Stop parsing this document, if it is being parsed."""
        self._bound()._cancel_parse(self.dataset_id, [self.id])

    def join(self, interval: float = 15, timeout: float = 3600) -> Iterator[tuple[float, str]]:
        """Wait for parsing to end, yielding ``(progress, message)`` every ``interval`` seconds.

        Progress is 0-1 as the server reports it. Raises :class:`ParseError` when parsing
        fails or is cancelled, :class:`ParseTimeoutError` after ``timeout`` seconds.
        """
        return self._bound()._join(self, interval, timeout)  # type: ignore[no-any-return]

    @checked
    def add_chunk(
        self,
        content: str,
        important_keywords: list[str] | None = None,
        questions: list[str] | None = None,
        image_base64: str | None = None,
        *,
        tag_kwd: list[str] | None = None,
    ) -> Chunk:
        """Add a chunk by hand (``image_base64``: an image for it; ``tag_kwd``: its tags)."""
        return self._bound()._add_chunk(  # type: ignore[no-any-return]
            self, content, important_keywords, questions, image_base64, tag_kwd
        )

    @checked
    def list_chunks(
        self,
        page: int | str | None = 1,
        page_size: int | str | None = 30,
        keywords: str | None = None,
        id: str | None = None,
        *,
        offset: int | None = None,
        limit: int | None = None,
    ) -> list[Chunk]:
        """One page of this document's chunks, in the released SDK's order (``page_size=0``:
        all of them); ``offset``/``limit`` give the draft's record window instead.
        """
        if offset is not None or limit is not None:
            return self._bound()._list_chunks_window(  # type: ignore[no-any-return]
                self, keywords, offset or 0, -1 if limit is None else limit, id or None
            )
        chunks: list[Chunk] = self._bound()._list_chunks(
            self, keywords=keywords or None, page=page, page_size=page_size, id=id or None
        )
        return chunks

    def iter_chunks(self, page_size: int = 100, keywords: str | None = None) -> Iterator[Chunk]:
        """Every chunk, one page at a time."""
        return self._bound()._iter_chunks(self, page_size=page_size, keywords=keywords)  # type: ignore[no-any-return]

    @checked
    def delete_chunks(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
        """Delete the named chunks; ``[]`` deletes nothing, everything needs ``delete_all=True``."""
        self._bound()._delete_chunks(self.dataset_id, self.id, ids, delete_all=delete_all)


class AsyncDocument(DocumentFields, AsyncModel):
    """A document from :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    @checked
    async def update(self, update_message: dict[str, Any]) -> AsyncDocument:
        """Update the document (see :meth:`Document.update`); returns it, updated."""
        await self._bound()._update_document(self, as_update(update_message))
        return self

    async def save(self) -> bool:
        """Send the attributes changed on this object; ``True`` on success."""
        changes = self._changes(_UPDATABLE)
        if changes:
            await self._bound()._update_document(self, changes)
        return True

    async def download(self) -> bytes:
        """The document's original file."""
        return await self._bound()._download_document(self.dataset_id, self.id)  # type: ignore[no-any-return]

    async def delete(self) -> bool:
        """Delete this document; ``True`` on success."""
        await self._bound()._delete_documents(self.dataset_id, [self.id])
        return True

    async def async_parse(self) -> None:
        """Start parsing this document."""
        await self._bound()._parse_documents(self.dataset_id, [self.id])

    async def cancel_parse(self) -> None:
        """Stop parsing this document, if it is being parsed."""
        await self._bound()._cancel_parse(self.dataset_id, [self.id])

    def join(self, interval: float = 15, timeout: float = 3600) -> AsyncIterator[tuple[float, str]]:
        """Wait for parsing to end: ``async for progress, message in doc.join(): ...``
        (see :meth:`Document.join`).
        """
        return self._bound()._join(self, interval, timeout)  # type: ignore[no-any-return]

    @checked
    async def add_chunk(
        self,
        content: str,
        important_keywords: list[str] | None = None,
        questions: list[str] | None = None,
        image_base64: str | None = None,
        *,
        tag_kwd: list[str] | None = None,
    ) -> AsyncChunk:
        """Add a chunk by hand (see :meth:`Document.add_chunk`)."""
        return await self._bound()._add_chunk(  # type: ignore[no-any-return]
            self, content, important_keywords, questions, image_base64, tag_kwd
        )

    @checked
    async def list_chunks(
        self,
        page: int | str | None = 1,
        page_size: int | str | None = 30,
        keywords: str | None = None,
        id: str | None = None,
        *,
        offset: int | None = None,
        limit: int | None = None,
    ) -> list[AsyncChunk]:
        """One page of this document's chunks (see :meth:`Document.list_chunks`)."""
        if offset is not None or limit is not None:
            return await self._bound()._list_chunks_window(  # type: ignore[no-any-return]
                self, keywords, offset or 0, -1 if limit is None else limit, id or None
            )
        chunks: list[AsyncChunk] = await self._bound()._list_chunks(
            self, keywords=keywords or None, page=page, page_size=page_size, id=id or None
        )
        return chunks

    def iter_chunks(
        self, page_size: int = 100, keywords: str | None = None
    ) -> AsyncIterator[AsyncChunk]:
        """Every chunk, one page at a time."""
        return self._bound()._iter_chunks(self, page_size=page_size, keywords=keywords)  # type: ignore[no-any-return]

    @checked
    async def delete_chunks(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
        """Delete the named chunks (see :meth:`Document.delete_chunks`)."""
        await self._bound()._delete_chunks(self.dataset_id, self.id, ids, delete_all=delete_all)
