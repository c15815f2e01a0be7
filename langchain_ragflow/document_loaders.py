"""``RAGFlowLoader``: a RAGFlow dataset's parsed documents or chunks as LangChain documents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Literal

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document
from pydantic import SecretStr

from ragflow_integrations import (
    AsyncDataSet,
    AsyncDocument,
    AsyncRAGFlow,
    DataSet,
    RAGFlow,
    RAGFlowConfigError,
)
from ragflow_integrations import Document as RAGFlowDocument
from ragflow_integrations.metadata import chunk_metadata, document_metadata
from ragflow_integrations.types.chunk import ChunkFields
from ragflow_integrations.types.document import DocumentFields

from ._settings import RAGFlowSettings

__all__ = ["RAGFlowLoader"]


class RAGFlowLoader(BaseLoader):
    """Loads a RAGFlow dataset (or some of its documents) as LangChain documents.

    ``mode="document"`` gives one ``Document`` per RAGFlow document: its parsed text, i.e.
    its chunks joined in order with blank lines, ``id`` = document id. Its metadata is the
    document's own metadata (``meta_fields``) at the top level, then ``source`` (the file
    name, LangChain's convention), ``document_id``, ``document_name``, ``dataset_id``,
    ``dataset_name``, ``type``, ``chunk_method``, ``chunk_count``, ``token_count`` and
    ``source_id`` (see :mod:`ragflow_integrations.metadata`; a key of yours is never
    overwritten). Documents with no parsed chunks (not parsed yet, or failed) are skipped.
    ``mode="chunk"`` gives one ``Document`` per chunk (``id`` = chunk id) with the same
    metadata plus the chunk's own keys.

    ``lazy_load`` and ``alazy_load`` page through the server (``page_size`` documents or
    chunks per request), holding at most one document's chunks in memory.

    Example:
        .. code-block:: python

            loader = RAGFlowLoader(dataset_id="...", mode="chunk")
            for doc in loader.lazy_load():
                ...
    """

    def __init__(
        self,
        dataset_id: str,
        document_ids: list[str] | None = None,
        mode: Literal["document", "chunk"] = "document",
        *,
        page_size: int = 100,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int = 2,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
    ) -> None:
        """Credentials default to ``RAGFLOW_API_KEY`` / ``RAGFLOW_BASE_URL``."""
        if mode not in ("document", "chunk"):
            raise RAGFlowConfigError(f"mode must be 'document' or 'chunk', got {mode!r}")
        if page_size < 1:
            raise RAGFlowConfigError(f"page_size must be >= 1, got {page_size}")
        self.dataset_id = dataset_id
        self.document_ids = list(document_ids) if document_ids is not None else None
        self.mode = mode
        self.page_size = page_size
        self._settings = RAGFlowSettings.given(
            api_key,
            base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )

    # -- sync -----------------------------------------------------------------------------
    def _documents(self, dataset: DataSet) -> Iterator[RAGFlowDocument]:
        if self.document_ids is None:
            yield from dataset.iter_documents(page_size=self.page_size)
            return
        for document_id in self.document_ids:
            yield from dataset.list_documents(id=document_id)

    def lazy_load(self) -> Iterator[Document]:
        """Documents (or chunks) one at a time, paging through the server."""
        dataset = self._settings._rag.get_dataset(id=self.dataset_id)
        for doc in self._documents(dataset):
            chunks = doc.iter_chunks(page_size=self.page_size)
            if self.mode == "chunk":
                for chunk in chunks:
                    yield _chunk_document(chunk, doc, dataset.name)
                continue
            text = "\n\n".join(chunk.content for chunk in chunks)
            if text:
                yield _whole_document(doc, text, dataset.name)

    # -- async ----------------------------------------------------------------------------
    async def _adocuments(self, dataset: AsyncDataSet) -> AsyncIterator[AsyncDocument]:
        if self.document_ids is None:
            async for doc in dataset.iter_documents(page_size=self.page_size):
                yield doc
            return
        for document_id in self.document_ids:
            for doc in await dataset.list_documents(id=document_id):
                yield doc

    async def alazy_load(self) -> AsyncIterator[Document]:
        """Documents (or chunks) one at a time, paging through the server (natively async)."""
        dataset = await self._settings._arag().get_dataset(id=self.dataset_id)
        async for doc in self._adocuments(dataset):
            chunks = doc.iter_chunks(page_size=self.page_size)
            if self.mode == "chunk":
                async for chunk in chunks:
                    yield _chunk_document(chunk, doc, dataset.name)
                continue
            text = "\n\n".join([chunk.content async for chunk in chunks])
            if text:
                yield _whole_document(doc, text, dataset.name)


def _whole_document(doc: DocumentFields, text: str, dataset_name: str) -> Document:
    meta = document_metadata(doc, dataset_name, source=doc.name)
    return Document(id=doc.id or None, page_content=text, metadata=meta)


def _chunk_document(chunk: ChunkFields, doc: DocumentFields, dataset_name: str) -> Document:
    meta = chunk_metadata(chunk, doc, dataset_name, source=doc.name)
    return Document(id=chunk.id or None, page_content=chunk.content, metadata=meta)
