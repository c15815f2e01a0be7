"""``RAGFlowIndex``: one RAGFlow dataset as a LlamaIndex managed index."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from llama_index.core.callbacks import CallbackManager
from llama_index.core.data_structs.data_structs import IndexDict
from llama_index.core.indices.managed.base import BaseManagedIndex
from llama_index.core.schema import BaseNode, Document, TransformComponent
from llama_index.core.storage.docstore.types import RefDocInfo
from llama_index.core.storage.storage_context import StorageContext

from ragflow_integrations import (
    AsyncRAGFlow,
    IngestItem,
    IngestResult,
    NotFoundError,
    RAGFlow,
    RAGFlowConfigError,
)
from ragflow_integrations.metadata import source_id_of, source_metadata

from ._clients import Clients
from .retriever import RAGFlowRetriever

__all__ = ["RAGFlowIndex"]

_NODES_REFUSED = (
    "RAGFlow parses and chunks documents itself; {what} is not possible on a RAGFlowIndex: "
    "insert, update or delete whole documents"
)
_RETRIEVER_OPTIONS = frozenset(inspect.signature(RAGFlowRetriever.__init__).parameters) - {
    "self",
    "dataset_ids",
    "api_key",
    "base_url",
    "server_version",
    "timeout",
    "max_retries",
    "client",
    "async_client",
}


class RAGFlowIndex(BaseManagedIndex):
    """A LlamaIndex managed index over one RAGFlow dataset: RAGFlow parses, chunks and
    embeds (with the dataset's own model) each inserted document.

    ``RAGFlowIndex(dataset_id=...)`` attaches to a dataset;
    ``RAGFlowIndex.from_documents(documents, dataset_name=..., show_progress=True)`` finds
    or creates the dataset (``dataset_options`` such as ``chunk_method`` when creating) and
    ingests. Each LlamaIndex document is one RAGFlow document (its text as a ``.txt``
    file), found again by its ``ref_doc_id`` kept in its metadata: ``insert`` and
    ``update_ref_doc`` upload only what changed (a replacement is parsed before its
    previous version is deleted), ``refresh_ref_docs`` says which documents changed,
    ``delete_ref_doc`` deletes exactly that document. Each waits until parsing is done
    (``wait=False``: until it started) and raises
    :class:`~ragflow_integrations.IngestError` for documents that failed. The ``a``-prefixed
    variants use the async client.

    ``as_retriever(**kwargs)`` is a :class:`~llamaindex_ragflow.RAGFlowRetriever` over the
    dataset; ``as_query_engine(llm=...)`` and ``as_chat_engine(llm=...)`` answer with your
    LLM over it (for answers from a RAGFlow chat assistant, see
    :class:`~llamaindex_ragflow.RAGFlowQueryEngine` and
    :class:`~llamaindex_ragflow.RAGFlowChatEngine`). Nodes cannot be inserted or deleted
    one by one: RAGFlow makes its own. Needs RAGFlow v0.17+.
    """

    def __init__(
        self,
        dataset_id: str,
        *,
        show_progress: bool = False,
        wait: bool = True,
        parse_timeout: float = 3600.0,
        api_key: str | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
        callback_manager: CallbackManager | None = None,
        storage_context: StorageContext | None = None,
    ) -> None:
        if not dataset_id:
            raise RAGFlowConfigError("RAGFlowIndex needs the dataset_id of a RAGFlow dataset")
        self.dataset_id = dataset_id
        self.wait = wait
        self.parse_timeout = parse_timeout
        self._clients = Clients(
            api_key=api_key,
            base_url=base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )
        super().__init__(
            index_struct=IndexDict(),
            storage_context=storage_context,
            show_progress=show_progress,
            callback_manager=callback_manager,
            transformations=[],
        )

    # -- building -------------------------------------------------------------------------
    @classmethod
    def from_documents(
        cls,
        documents: Sequence[Document],
        storage_context: StorageContext | None = None,
        show_progress: bool = False,
        callback_manager: CallbackManager | None = None,
        transformations: list[TransformComponent] | None = None,
        *,
        dataset_id: str | None = None,
        dataset_name: str | None = None,
        dataset_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> RAGFlowIndex:
        """An index over ``dataset_id``, or over the dataset named ``dataset_name`` (created
        with ``dataset_options`` when there is none), holding ``documents``. RAGFlow chunks
        them itself: ``transformations`` are refused (set the dataset's ``chunk_method`` and
        ``parser_config`` instead). ``kwargs`` are the constructor's.
        """
        if transformations:
            raise RAGFlowConfigError(
                "RAGFlow chunks documents itself; pass dataset_options={'chunk_method': ..., "
                "'parser_config': ...} instead of transformations"
            )
        if dataset_id is None and not dataset_name:
            raise RAGFlowConfigError("pass dataset_id (an existing dataset) or dataset_name")
        index = cls(  # over a stand-in id until the dataset is found or created
            dataset_id if dataset_id is not None else f"<dataset {dataset_name}>",
            show_progress=show_progress,
            callback_manager=callback_manager,
            storage_context=storage_context,
            **kwargs,
        )
        if dataset_id is None:
            index.dataset_id = _find_or_create(
                index._clients.sync, str(dataset_name), dataset_options
            )
        index._ingest(documents).raise_for_failures()
        return index

    def _items(self, documents: Sequence[Document]) -> list[IngestItem]:
        return [
            IngestItem.from_text(
                doc.text,
                source_id=doc.id_,
                metadata=doc.metadata,
                name=_file_name(doc),
            )
            for doc in documents
        ]

    def _ingest(self, documents: Sequence[Document]) -> IngestResult:
        return self._clients.sync.ingest(
            self.dataset_id,
            self._items(documents),
            wait=self.wait,
            timeout=self.parse_timeout,
            show_progress=self._show_progress,
        )

    async def _aingest(self, documents: Sequence[Document]) -> IngestResult:
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self._ingest, documents)
        return await arag.ingest(
            self.dataset_id,
            self._items(documents),
            wait=self.wait,
            timeout=self.parse_timeout,
            show_progress=self._show_progress,
        )

    # -- documents ------------------------------------------------------------------------
    def insert(self, document: Document, **insert_kwargs: Any) -> None:
        """Add a document (nothing is uploaded when it is already there unchanged)."""
        with self._callback_manager.as_trace("insert"):
            self._ingest([document]).raise_for_failures()

    async def ainsert(self, document: Document, **insert_kwargs: Any) -> None:
        """Async :meth:`insert`."""
        with self._callback_manager.as_trace("ainsert"):
            (await self._aingest([document])).raise_for_failures()

    def update_ref_doc(self, document: Document, **update_kwargs: Any) -> None:
        """Replace the document with the same ``id_``; the previous version is deleted
        once the new one is parsed.
        """
        with self._callback_manager.as_trace("update_ref_doc"):
            self._ingest([document]).raise_for_failures()

    async def aupdate_ref_doc(self, document: Document, **update_kwargs: Any) -> None:
        """Async :meth:`update_ref_doc`."""
        with self._callback_manager.as_trace("aupdate_ref_doc"):
            (await self._aingest([document])).raise_for_failures()

    def refresh_ref_docs(self, documents: Sequence[Document], **update_kwargs: Any) -> list[bool]:
        """Insert new documents and update changed ones (text or metadata), in one
        ingestion; returns, per document, whether it changed.
        """
        with self._callback_manager.as_trace("refresh_ref_docs"):
            result = self._ingest(documents)
        result.raise_for_failures()
        return [d.action != "unchanged" for d in result]

    async def arefresh_ref_docs(
        self, documents: Sequence[Document], **update_kwargs: Any
    ) -> list[bool]:
        """Async :meth:`refresh_ref_docs`."""
        with self._callback_manager.as_trace("arefresh_ref_docs"):
            result = await self._aingest(documents)
        result.raise_for_failures()
        return [d.action != "unchanged" for d in result]

    def delete_ref_doc(
        self, ref_doc_id: str, delete_from_docstore: bool = False, **delete_kwargs: Any
    ) -> None:
        """Delete the document with this ``ref_doc_id`` (and nothing else)."""
        with self._callback_manager.as_trace("delete_ref_doc"):
            self._clients.sync.delete_ingested(self.dataset_id, [ref_doc_id])

    async def adelete_ref_doc(
        self, ref_doc_id: str, delete_from_docstore: bool = False, **delete_kwargs: Any
    ) -> None:
        """Async :meth:`delete_ref_doc`."""
        arag = self._clients.async_
        with self._callback_manager.as_trace("adelete_ref_doc"):
            if arag is None:
                await asyncio.to_thread(self.delete_ref_doc, ref_doc_id)
            else:
                await arag.delete_ingested(self.dataset_id, [ref_doc_id])

    @property
    def ref_doc_info(self) -> dict[str, RefDocInfo]:
        """Each document of the dataset by its ``ref_doc_id`` (or RAGFlow id), with its
        metadata; RAGFlow's chunks are not nodes of this index, so ``node_ids`` is empty.
        """
        dataset = self._clients.sync.get_dataset(id=self.dataset_id)
        return {
            source_id_of(doc.meta_fields) or doc.id: RefDocInfo(
                node_ids=[], metadata=source_metadata(doc.meta_fields)
            )
            for doc in dataset.iter_documents()
        }

    # -- querying -------------------------------------------------------------------------
    def as_retriever(self, **kwargs: Any) -> RAGFlowRetriever:
        """A :class:`~llamaindex_ragflow.RAGFlowRetriever` over the dataset, with the
        retriever's options among ``kwargs`` (the others are left to the query or chat
        engine that :meth:`as_query_engine`/:meth:`as_chat_engine` build).
        """
        options = {k: v for k, v in kwargs.items() if k in _RETRIEVER_OPTIONS}
        options.setdefault("callback_manager", self._callback_manager)
        return RAGFlowRetriever(
            [self.dataset_id],
            client=self._clients.sync if self._clients.has_sync else None,
            async_client=self._clients.async_,
            **options,
        )

    # -- what RAGFlow does itself ---------------------------------------------------------
    def _insert(self, nodes: Sequence[BaseNode], **insert_kwargs: Any) -> None:
        raise NotImplementedError(_NODES_REFUSED.format(what="inserting nodes"))

    def insert_nodes(self, nodes: Sequence[BaseNode], **insert_kwargs: Any) -> None:
        """Refused: RAGFlow makes the nodes (chunks) of a document itself."""
        raise NotImplementedError(_NODES_REFUSED.format(what="inserting nodes"))

    async def ainsert_nodes(self, nodes: Sequence[BaseNode], **insert_kwargs: Any) -> None:
        """Refused: RAGFlow makes the nodes (chunks) of a document itself."""
        raise NotImplementedError(_NODES_REFUSED.format(what="inserting nodes"))

    def delete_nodes(
        self, node_ids: list[str], delete_from_docstore: bool = False, **delete_kwargs: Any
    ) -> None:
        """Refused: delete whole documents (:meth:`delete_ref_doc`)."""
        raise NotImplementedError(_NODES_REFUSED.format(what="deleting nodes"))


def _find_or_create(rag: RAGFlow, name: str, options: dict[str, Any] | None) -> str:
    try:
        return rag.get_dataset(name).id
    except NotFoundError:
        return rag.create_dataset(name=name, **(options or {})).id


def _file_name(doc: Document) -> str | None:
    """``<stem>.txt`` after the document's ``file_name`` (readers set it), if any."""
    file_name = doc.metadata.get("file_name")
    if not isinstance(file_name, str) or not PurePath(file_name).stem:
        return None
    return PurePath(file_name).stem + ".txt"
