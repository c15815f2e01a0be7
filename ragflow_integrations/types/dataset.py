"""Datasets (knowledge bases)."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import AliasChoices, Field, field_validator

from .._checks import checked
from . import configs
from ._base import AsyncModel, RAGFlowModel, SyncModel, as_update
from .configs import as_settings
from .document import AsyncDocument, Document

if TYPE_CHECKING:
    from .ingest import IngestResult, IngestSource

__all__ = ["AsyncDataSet", "DataSet", "DatasetFields", "ParseStatus"]

ParseStatus = tuple[str, str, int, int]
"""``(document_id, run, chunk_count, token_count)`` of a document whose parsing ended."""


class DatasetFields(RAGFlowModel):
    """The fields of a dataset (older names such as ``parser_id`` or ``doc_num`` accepted)."""

    ParserConfig: ClassVar[builtins.type[configs.ParserConfig]] = configs.ParserConfig
    """The settings class of :attr:`parser_config` (``DataSet.ParserConfig(...)``)."""

    id: str = ""
    name: str = ""
    avatar: str | None = None
    description: str | None = None
    language: str | None = None
    embedding_model: str | None = Field(
        default=None, validation_alias=AliasChoices("embedding_model", "embd_id")
    )
    permission: str | None = None
    document_count: int = Field(
        default=0, validation_alias=AliasChoices("document_count", "doc_num")
    )
    chunk_count: int = Field(default=0, validation_alias=AliasChoices("chunk_count", "chunk_num"))
    token_num: int | None = None
    chunk_method: str | None = Field(
        default=None,
        validation_alias=AliasChoices("chunk_method", "parser_id", "parse_method", "parser_method"),
    )
    parser_config: configs.ParserConfig = Field(default_factory=configs.ParserConfig)
    pagerank: int | None = None
    tenant_id: str | None = None
    status: str | None = None
    create_time: int | float | None = None
    update_time: int | float | None = None

    @field_validator("parser_config", mode="before")
    @classmethod
    def _config(cls, value: Any) -> Any:
        return as_settings(value)

    @field_validator("document_count", "chunk_count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return value or 0

    @property
    def parse_method(self) -> str | None:
        """The draft API's name for :attr:`chunk_method`."""
        return self.chunk_method

    @parse_method.setter
    def parse_method(self, value: str | None) -> None:
        self.chunk_method = value

    @property
    def parser_method(self) -> str | None:
        """Another draft name for :attr:`chunk_method`."""
        return self.chunk_method

    @parser_method.setter
    def parser_method(self, value: str | None) -> None:
        self.chunk_method = value


_UPDATABLE = (
    "name",
    "avatar",
    "description",
    "embedding_model",
    "permission",
    "chunk_method",
    "parser_config",
    "language",
    "pagerank",
)


class DataSet(DatasetFields, SyncModel):
    """A dataset, with the methods of the draft Python API and of the released SDK."""

    @checked
    def update(self, update_message: dict[str, Any]) -> DataSet:
        """Update settings: ``name``, ``chunk_method`` (or ``parse_method``/``parser_method``),
        ``embedding_model``, ``parser_config``, ``description``, ``avatar``, ``permission``,
        ``pagerank`` ... as given (``None`` clears); a key the server's version does not
        update raises before anything is sent. Returns this dataset, updated.
        """
        self._bound()._update_dataset(self, as_update(update_message))
        return self

    def save(self) -> bool:
        """Send the settings changed on this object since the server last sent it."""
        changes = self._changes(_UPDATABLE)
        if changes:
            self._bound()._update_dataset(self, changes)
        return True

    def delete(self) -> bool:
        """Delete this dataset."""
        self._bound().delete_datasets(ids=[self.id])
        return True

    @checked
    def upload_documents(self, document_list: list[dict[str, Any]]) -> list[Document]:
        """Upload ``[{"display_name": name, "blob": bytes}, ...]`` (``name`` also accepted)."""
        return self._bound()._upload_documents(self.id, document_list)  # type: ignore[no-any-return]

    @checked
    def list_documents(
        self,
        id: str | None = None,
        ids: list[str] | None = None,
        name: str | None = None,
        keywords: str | None = None,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        create_time_from: int = 0,
        create_time_to: int = 0,
        *,
        suffix: list[str] | None = None,
        run: list[str] | None = None,
        metadata_condition: dict[str, Any] | None = None,
    ) -> list[Document]:
        """One page of this dataset's documents (the released SDK's signature); ``id`` or
        ``ids`` (not both), ``suffix``/``run`` lists and ``metadata_condition`` filter it.
        """
        return self._bound()._list_documents(  # type: ignore[no-any-return]
            self.id,
            **document_filters(locals()),
        )

    def list_docs(
        self, keywords: str | None = None, offset: int = 0, limit: int = -1
    ) -> list[Document]:
        """Documents from record ``offset``, at most ``limit`` of them (-1: all): the draft API."""
        return self._bound()._list_docs_window(self.id, keywords, offset, limit)  # type: ignore[no-any-return]

    def iter_documents(self, page_size: int = 100, **filters: Any) -> Iterator[Document]:
        """Every document, one page at a time (memory stays flat on large datasets)."""
        return self._bound()._iter_documents(self.id, page_size=page_size, **filters)  # type: ignore[no-any-return]

    @checked
    def delete_documents(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
        """Delete the named documents; ``[]`` deletes none; all needs ``delete_all=True``."""
        self._bound()._delete_documents(self.id, ids, delete_all=delete_all)

    @checked
    def async_parse_documents(self, document_ids: list[str]) -> None:
        """Start parsing these documents."""
        self._bound()._parse_documents(self.id, document_ids)

    @checked
    def async_cancel_parse_documents(self, document_ids: list[str]) -> None:
        """Stop parsing these documents (those not being parsed are left alone)."""
        self._bound()._cancel_parse(self.id, document_ids)

    def ingest(self, items: Iterable[IngestSource], **options: Any) -> IngestResult:
        """Ingest many documents into this dataset (see :meth:`RAGFlow.ingest`)."""
        return self._bound().ingest(self, items, **options)  # type: ignore[no-any-return]

    @checked
    def parse_documents(self, document_ids: list[str]) -> list[ParseStatus]:
        """Parse these documents and wait until each has ended (at most an hour):
        ``[(id, run, chunk_count, token_count)]``, ``run`` being ``DONE``, ``FAIL`` or
        ``CANCEL``. Interrupted (Ctrl-C), it cancels the parsing and returns the states.
        """
        try:
            self.async_parse_documents(document_ids)
            return self._get_documents_status(document_ids)
        except KeyboardInterrupt:
            self.async_cancel_parse_documents(document_ids)
        return self._get_documents_status(document_ids)

    def _get_documents_status(
        self, document_ids: list[str], interval: float = 1.0, timeout: float = 3600.0
    ) -> list[ParseStatus]:
        """Wait until parsing of these documents ended (the official SDK's poller)."""
        return self._bound()._wait_parsed(self, document_ids, interval, timeout)  # type: ignore[no-any-return]

    def get_auto_metadata(self) -> dict[str, Any]:
        """The dataset's automatic-metadata settings (v0.25.1+)."""
        return self._bound()._auto_metadata(self.id, None)  # type: ignore[no-any-return]

    def update_auto_metadata(self, **config: Any) -> dict[str, Any]:
        """Replace the automatic-metadata settings (``enabled``, ``fields`` ...; v0.25.1+)."""
        return self._bound()._auto_metadata(self.id, config)  # type: ignore[no-any-return]


class AsyncDataSet(DatasetFields, AsyncModel):
    """A dataset from :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    @checked
    async def list_documents(
        self,
        id: str | None = None,
        ids: list[str] | None = None,
        name: str | None = None,
        keywords: str | None = None,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        create_time_from: int = 0,
        create_time_to: int = 0,
        *,
        suffix: list[str] | None = None,
        run: list[str] | None = None,
        metadata_condition: dict[str, Any] | None = None,
    ) -> list[AsyncDocument]:
        """One page of this dataset's documents (see :meth:`DataSet.list_documents`)."""
        return await self._bound()._list_documents(  # type: ignore[no-any-return]
            self.id,
            **document_filters(locals()),
        )

    def iter_documents(self, page_size: int = 100, **filters: Any) -> AsyncIterator[AsyncDocument]:
        """Every document, one page at a time."""
        return self._bound()._iter_documents(self.id, page_size=page_size, **filters)  # type: ignore[no-any-return]

    @checked
    async def update(self, update_message: dict[str, Any]) -> AsyncDataSet:
        """Update settings (see :meth:`DataSet.update`); returns this dataset."""
        await self._bound()._update_dataset(self, as_update(update_message))
        return self

    async def save(self) -> bool:
        """Send the settings changed on this object since the server last sent it."""
        changes = self._changes(_UPDATABLE)
        if changes:
            await self._bound()._update_dataset(self, changes)
        return True

    async def delete(self) -> bool:
        """Delete this dataset."""
        await self._bound().delete_datasets(ids=[self.id])
        return True

    async def list_docs(
        self, keywords: str | None = None, offset: int = 0, limit: int = -1
    ) -> list[AsyncDocument]:
        """Documents from record ``offset``, at most ``limit`` of them (-1: all): the draft API."""
        return await self._bound()._list_docs_window(self.id, keywords, offset, limit)  # type: ignore[no-any-return]

    @checked
    async def upload_documents(self, document_list: list[dict[str, Any]]) -> list[AsyncDocument]:
        """Upload ``[{"display_name": name, "blob": bytes}, ...]``."""
        return await self._bound()._upload_documents(self.id, document_list)  # type: ignore[no-any-return]

    @checked
    async def delete_documents(
        self, ids: list[str] | None = None, delete_all: bool = False
    ) -> None:
        """Delete the named documents (see :meth:`DataSet.delete_documents`)."""
        await self._bound()._delete_documents(self.id, ids, delete_all=delete_all)

    @checked
    async def async_parse_documents(self, document_ids: list[str]) -> None:
        """Start parsing these documents."""
        await self._bound()._parse_documents(self.id, document_ids)

    async def ingest(self, items: Iterable[IngestSource], **options: Any) -> IngestResult:
        """Ingest many documents into this dataset (see :meth:`AsyncRAGFlow.ingest`)."""
        return await self._bound().ingest(self, items, **options)  # type: ignore[no-any-return]

    @checked
    async def async_cancel_parse_documents(self, document_ids: list[str]) -> None:
        """Stop parsing these documents (those not being parsed are left alone)."""
        await self._bound()._cancel_parse(self.id, document_ids)

    @checked
    async def parse_documents(self, document_ids: list[str]) -> list[ParseStatus]:
        """Parse these documents and wait until each has ended (see
        :meth:`DataSet.parse_documents`).
        """
        await self.async_parse_documents(document_ids)
        return await self._get_documents_status(document_ids)

    async def _get_documents_status(
        self, document_ids: list[str], interval: float = 1.0, timeout: float = 3600.0
    ) -> list[ParseStatus]:
        """Wait until parsing of these documents ended."""
        return await self._bound()._wait_parsed(self, document_ids, interval, timeout)  # type: ignore[no-any-return]

    async def get_auto_metadata(self) -> dict[str, Any]:
        """The dataset's automatic-metadata settings (v0.25.1+)."""
        return await self._bound()._auto_metadata(self.id, None)  # type: ignore[no-any-return]

    async def update_auto_metadata(self, **config: Any) -> dict[str, Any]:
        """Replace the automatic-metadata settings (v0.25.1+)."""
        return await self._bound()._auto_metadata(self.id, config)  # type: ignore[no-any-return]


def document_filters(args: dict[str, Any]) -> dict[str, Any]:
    """The filters of a ``list_documents`` call (its ``locals()``), as the client takes them."""
    if args["id"] and args["ids"]:
        from .._exceptions import InvalidArgumentError

        raise InvalidArgumentError("list_documents takes either id or ids, not both")
    out = {k: v for k, v in args.items() if k not in ("self", "__class__")}
    for key in ("create_time_from", "create_time_to"):
        if not out[key]:
            out[key] = None
    return out
