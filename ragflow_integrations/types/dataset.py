"""Datasets (knowledge bases)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, Field, field_validator

from ._base import RAGFlowModel

if TYPE_CHECKING:
    from .document import AsyncDocument, Document
    from .ingest import IngestResult, IngestSource

__all__ = ["AsyncDataSet", "DataSet", "DatasetFields"]


class DatasetFields(RAGFlowModel):
    """The fields of a dataset (older names such as ``parser_id`` or ``doc_num`` accepted)."""

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
    parser_config: dict[str, Any] = Field(default_factory=dict)
    tenant_id: str | None = None
    status: str | None = None
    create_time: int | float | None = None
    update_time: int | float | None = None

    @field_validator("parser_config", mode="before")
    @classmethod
    def _config(cls, value: Any) -> Any:
        return value or {}

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
)


class DataSet(DatasetFields):
    """A dataset, with the methods of the draft Python API and of the released SDK."""

    def update(self, update_message: dict[str, Any]) -> None:
        """Update settings: ``name``, ``chunk_method`` (or ``parse_method``/``parser_method``),
        ``embedding_model``, ``parser_config``, ``description``, ``avatar``, ``permission`` ...
        """
        self._bound()._update_dataset(self, dict(update_message))

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

    def upload_documents(self, document_list: list[dict[str, Any]]) -> list[Document]:
        """Upload ``[{"display_name": name, "blob": bytes}, ...]`` (``name`` also accepted)."""
        return self._bound()._upload_documents(self.id, document_list)  # type: ignore[no-any-return]

    def list_documents(
        self,
        id: str | None = None,
        name: str | None = None,
        keywords: str | None = None,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        **filters: Any,
    ) -> list[Document]:
        """One page of this dataset's documents (the released SDK's signature)."""
        return self._bound()._list_documents(  # type: ignore[no-any-return]
            self.id,
            id=id,
            name=name,
            keywords=keywords,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            **filters,
        )

    def list_docs(
        self, keywords: str | None = None, offset: int = 0, limit: int = -1
    ) -> list[Document]:
        """Documents from record ``offset``, at most ``limit`` of them (-1: all): the draft API."""
        return self._bound()._list_docs_window(self.id, keywords, offset, limit)  # type: ignore[no-any-return]

    def iter_documents(self, page_size: int = 100, **filters: Any) -> Iterator[Document]:
        """Every document, one page at a time (memory stays flat on large datasets)."""
        return self._bound()._iter_documents(self.id, page_size=page_size, **filters)  # type: ignore[no-any-return]

    def delete_documents(self, ids: list[str] | None = None, *, delete_all: bool = False) -> None:
        """Delete the named documents; ``[]`` deletes none; all needs ``delete_all=True``."""
        self._bound()._delete_documents(self.id, ids, delete_all=delete_all)

    def async_parse_documents(self, document_ids: list[str]) -> None:
        """Start parsing these documents."""
        self._bound()._parse_documents(self.id, document_ids)

    def async_cancel_parse_documents(self, document_ids: list[str]) -> None:
        """Stop parsing these documents (those not being parsed are left alone)."""
        self._bound()._cancel_parse(self.id, document_ids)

    def ingest(self, items: Iterable[IngestSource], **options: Any) -> IngestResult:
        """Ingest many documents into this dataset (see :meth:`RAGFlow.ingest`)."""
        return self._bound().ingest(self, items, **options)  # type: ignore[no-any-return]


class AsyncDataSet(DatasetFields):
    """A dataset from :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    async def list_documents(
        self,
        id: str | None = None,
        name: str | None = None,
        keywords: str | None = None,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        **filters: Any,
    ) -> list[AsyncDocument]:
        """One page of this dataset's documents."""
        return await self._bound()._list_documents(  # type: ignore[no-any-return]
            self.id,
            id=id,
            name=name,
            keywords=keywords,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            **filters,
        )

    def iter_documents(self, page_size: int = 100, **filters: Any) -> AsyncIterator[AsyncDocument]:
        """Every document, one page at a time."""
        return self._bound()._iter_documents(self.id, page_size=page_size, **filters)  # type: ignore[no-any-return]

    async def update(self, update_message: dict[str, Any]) -> None:
        """Update settings (see :meth:`DataSet.update`)."""
        await self._bound()._update_dataset(self, dict(update_message))

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

    async def upload_documents(self, document_list: list[dict[str, Any]]) -> list[AsyncDocument]:
        """Upload ``[{"display_name": name, "blob": bytes}, ...]``."""
        return await self._bound()._upload_documents(self.id, document_list)  # type: ignore[no-any-return]

    async def delete_documents(
        self, ids: list[str] | None = None, *, delete_all: bool = False
    ) -> None:
        """Delete the named documents (see :meth:`DataSet.delete_documents`)."""
        await self._bound()._delete_documents(self.id, ids, delete_all=delete_all)

    async def async_parse_documents(self, document_ids: list[str]) -> None:
        """Start parsing these documents."""
        await self._bound()._parse_documents(self.id, document_ids)

    async def ingest(self, items: Iterable[IngestSource], **options: Any) -> IngestResult:
        """Ingest many documents into this dataset (see :meth:`AsyncRAGFlow.ingest`)."""
        return await self._bound().ingest(self, items, **options)  # type: ignore[no-any-return]

    async def async_cancel_parse_documents(self, document_ids: list[str]) -> None:
        """Stop parsing these documents (those not being parsed are left alone)."""
        await self._bound()._cancel_parse(self.id, document_ids)
