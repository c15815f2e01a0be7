"""``RAGFlowReader``: a dataset's parsed documents or chunks as LlamaIndex ``Document`` objects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable, Iterator, Sequence
from typing import Literal

from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import Document

from ragflow_integrations import (
    AsyncDataSet,
    AsyncDocument,
    AsyncRAGFlow,
    DataSet,
    RAGFlow,
    RAGFlowConfigError,
)
from ragflow_integrations import Document as RAGFlowDocument
from ragflow_integrations.metadata import document_metadata
from ragflow_integrations.types.chunk import ChunkFields
from ragflow_integrations.types.document import DocumentFields

from ._clients import Clients
from ._nodes import chunk_to_node, hidden_keys

__all__ = ["RAGFlowReader"]

Mode = Literal["document", "chunk"]


class RAGFlowReader(BaseReader):
    """Load what RAGFlow parsed from a dataset, lazily, a page at a time.

    ``mode="document"`` gives one ``Document`` per RAGFlow document (id = document id,
    text = its chunks in order, joined by blank lines); ``mode="chunk"`` one per chunk (id =
    chunk id, text = chunk content, a SOURCE link to the document). Metadata: the document's
    own metadata (``meta_fields``) at the top level, then RAGFlow's keys ``document_id``,
    ``document_name``, ``dataset_id``, ``dataset_name``, ``type``, ``chunk_method``,
    ``chunk_count``, ``token_count``, ``source_id`` (and the retriever's chunk keys in chunk
    mode); a key of yours is never overwritten (see :mod:`ragflow_integrations.metadata`).
    Documents without chunks (not parsed yet, or failed) are skipped. ``document_ids``
    limits loading to those documents.

    Connect with credentials or ``client``/``async_client``; ``aload_data`` and
    ``aiter_data`` use the async client natively.
    """

    def __init__(
        self,
        *,
        page_size: int = 100,
        api_key: str | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
    ) -> None:
        if page_size < 1:
            raise RAGFlowConfigError(f"page_size must be >= 1, got {page_size}")
        self.page_size = page_size
        self._clients = Clients(
            api_key=api_key,
            base_url=base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )

    # -- sync -----------------------------------------------------------------------------
    def lazy_load_data(
        self,
        dataset_id: str,
        document_ids: Sequence[str] | None = None,
        mode: Mode = "document",
    ) -> Iterator[Document]:
        """Yield documents (or chunks) one at a time, fetching pages as needed."""
        _check_mode(mode)
        dataset = self._clients.sync.get_dataset(id=dataset_id)
        for doc in self._documents(dataset, document_ids):
            chunks = doc.iter_chunks(page_size=self.page_size)
            if mode == "chunk":
                for chunk in chunks:
                    yield _chunk_document(chunk, doc, dataset.name)
            else:
                whole = _whole_document(doc, chunks, dataset.name)
                if whole is not None:
                    yield whole

    def load_data(
        self,
        dataset_id: str,
        document_ids: Sequence[str] | None = None,
        mode: Mode = "document",
    ) -> list[Document]:
        """All documents (or chunks) of the dataset, in a list."""
        return list(self.lazy_load_data(dataset_id, document_ids, mode))

    def _documents(
        self, dataset: DataSet, document_ids: Sequence[str] | None
    ) -> Iterator[RAGFlowDocument]:
        if document_ids is None:
            yield from dataset.iter_documents(page_size=self.page_size)
            return
        for document_id in document_ids:
            yield from dataset.list_documents(id=document_id)

    # -- async ----------------------------------------------------------------------------
    async def aiter_data(
        self,
        dataset_id: str,
        document_ids: Sequence[str] | None = None,
        mode: Mode = "document",
    ) -> AsyncGenerator[Document, None]:
        """Async :meth:`lazy_load_data`: ``async for doc in reader.aiter_data(...)``."""
        _check_mode(mode)
        arag = self._clients.async_
        if arag is None:
            loaded = await asyncio.to_thread(self.load_data, dataset_id, document_ids, mode)
            for item in loaded:
                yield item
            return
        dataset = await arag.get_dataset(id=dataset_id)
        async for doc in self._adocuments(dataset, document_ids):
            if mode == "chunk":
                async for chunk in doc.iter_chunks(page_size=self.page_size):
                    yield _chunk_document(chunk, doc, dataset.name)
            else:
                chunks = [c async for c in doc.iter_chunks(page_size=self.page_size)]
                whole = _whole_document(doc, chunks, dataset.name)
                if whole is not None:
                    yield whole

    async def _adocuments(
        self, dataset: AsyncDataSet, document_ids: Sequence[str] | None
    ) -> AsyncGenerator[AsyncDocument, None]:
        if document_ids is None:
            async for doc in dataset.iter_documents(page_size=self.page_size):
                yield doc
            return
        for document_id in document_ids:
            for doc in await dataset.list_documents(id=document_id):
                yield doc

    async def aload_data(
        self,
        dataset_id: str,
        document_ids: Sequence[str] | None = None,
        mode: Mode = "document",
    ) -> list[Document]:
        """Async :meth:`load_data`."""
        return [d async for d in self.aiter_data(dataset_id, document_ids, mode)]

    async def alazy_load_data(
        self,
        dataset_id: str,
        document_ids: Sequence[str] | None = None,
        mode: Mode = "document",
    ) -> Iterable[Document]:
        """As :meth:`aload_data` (LlamaIndex's signature returns an iterable; for a lazy
        async stream use :meth:`aiter_data`).
        """
        return await self.aload_data(dataset_id, document_ids, mode)


def _check_mode(mode: str) -> None:
    if mode not in ("document", "chunk"):
        raise RAGFlowConfigError(f"mode must be 'document' or 'chunk', got {mode!r}")


def _whole_document(
    doc: DocumentFields, chunks: Iterable[ChunkFields], dataset_name: str
) -> Document | None:
    text = "\n\n".join(c.content for c in chunks if c.content)
    if not text:
        return None
    metadata = document_metadata(doc, dataset_name)
    hidden = hidden_keys(metadata, doc.meta_fields)
    return Document(
        id_=doc.id,
        text=text,
        metadata=metadata,
        excluded_llm_metadata_keys=hidden,
        excluded_embed_metadata_keys=hidden,
    )


def _chunk_document(chunk: ChunkFields, doc: DocumentFields, dataset_name: str) -> Document:
    node = chunk_to_node(chunk, doc, dataset_name)
    return Document(
        id_=node.id_,
        text=node.text,
        metadata=node.metadata,
        relationships=node.relationships,
        excluded_llm_metadata_keys=node.excluded_llm_metadata_keys,
        excluded_embed_metadata_keys=node.excluded_embed_metadata_keys,
    )
