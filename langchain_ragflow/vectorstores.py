"""``RAGFlowVectorStore``: one RAGFlow dataset as a LangChain ``VectorStore``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.vectorstores import VectorStore, VectorStoreRetriever
from pydantic import SecretStr

from ragflow_integrations import (
    AsyncDocument,
    AsyncRAGFlow,
    DeleteAllRequiredError,
    IngestItem,
    InvalidArgumentError,
    NotFoundError,
    RAGFlow,
)
from ragflow_integrations import Document as RAGFlowDocument
from ragflow_integrations.metadata import source_id_of, source_metadata
from ragflow_integrations.types.chunk import ChunkFields

from ._settings import RAGFlowSettings
from .retrievers import RAGFlowRetriever, to_filter

__all__ = ["RAGFlowVectorStore", "RAGFlowVectorStoreRetriever"]

_EMBEDDING_REFUSED = (
    "RAGFlow embeds text itself, with the dataset's own embedding model (chosen when the "
    "dataset is created: embedding_model='name@factory'); RAGFlowVectorStore takes no "
    "embedding"
)
_NO_VECTORS = (
    "RAGFlow embeds with the dataset's own model and does not return vectors, so {what} "
    "cannot be done on the client; use similarity search (RAGFlow's hybrid search, "
    "optionally with a rerank_id) instead"
)
_ADD_OPTIONS = frozenset({"wait", "parse_timeout", "show_progress", "batch_size"})


def _refuse_embedding(embedding: Any) -> None:
    if embedding is not None:
        raise InvalidArgumentError(_EMBEDDING_REFUSED)


class RAGFlowVectorStore(VectorStore):
    """A LangChain vector store over one RAGFlow dataset.

    Each LangChain ``Document`` becomes one RAGFlow document (a ``.txt`` file), parsed and
    embedded by the server with the dataset's own model; its id is the caller's id (or a
    generated one) and its metadata the document's ``meta_fields``. Adding is idempotent
    and waits until parsing is done (``wait=False`` returns once parsing started):
    unchanged documents are not uploaded again, changed ones are replaced.

    Searches return chunks as ``Document(id=<the source document's id>,
    page_content=<chunk text>, metadata=<the source document's metadata>)``; scores are
    RAGFlow's hybrid similarity (0 to 1, higher is closer). ``filter`` filters on the
    documents' metadata exactly on every server version (see
    :class:`~langchain_ragflow.RAGFlowRetriever`). ``as_retriever()`` retrieves like
    :class:`~langchain_ragflow.RAGFlowRetriever` (chunk ids, RAGFlow's keys beside the
    document's metadata). Works with ``langchain_core.indexing.index()``.

    There is no ``embedding`` to give (RAGFlow embeds with the dataset's model) and no MMR
    (RAGFlow does not return vectors): both are refused. Needs RAGFlow v0.17+.

    Example:
        .. code-block:: python

            store = RAGFlowVectorStore.from_documents(docs, dataset_name="notes")
            store.similarity_search("How does RAGFlow cite sources?", k=4)
    """

    def __init__(
        self,
        dataset_id: str,
        *,
        embedding: Any = None,
        similarity_threshold: float = 0.0,
        vector_similarity_weight: float = 0.3,
        top_k: int = 1024,
        wait: bool = True,
        parse_timeout: float = 3600.0,
        show_progress: bool = False,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int = 2,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
    ) -> None:
        """Attach to a dataset; credentials default to ``RAGFLOW_API_KEY`` /
        ``RAGFLOW_BASE_URL`` (or pass ``client=``/``async_client=``).
        """
        _refuse_embedding(embedding)
        if not dataset_id:
            raise InvalidArgumentError("RAGFlowVectorStore needs a dataset_id")
        self.dataset_id = dataset_id
        self.similarity_threshold = similarity_threshold
        self.vector_similarity_weight = vector_similarity_weight
        self.top_k = top_k
        self.wait = wait
        self.parse_timeout = parse_timeout
        self.show_progress = show_progress
        self._settings = RAGFlowSettings.given(
            api_key,
            base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )

    # -- creating -------------------------------------------------------------------------
    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Any = None,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        dataset_id: str | None = None,
        dataset_name: str | None = None,
        dataset_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> RAGFlowVectorStore:
        """A store over ``dataset_id``, or over the dataset named ``dataset_name`` (created,
        with ``dataset_options`` such as ``chunk_method``, when it does not exist), holding
        ``texts``. ``kwargs`` are the constructor's.
        """
        _refuse_embedding(embedding)
        store = cls(dataset_id or _unresolved(dataset_name), **kwargs)
        if dataset_id is None:
            store.dataset_id = store._dataset(dataset_name, dataset_options)
        store.add_texts(texts, metadatas, ids=ids)
        return store

    @classmethod
    def from_documents(
        cls, documents: list[Document], embedding: Any = None, **kwargs: Any
    ) -> RAGFlowVectorStore:
        """See :meth:`from_texts` (ids come from the documents)."""
        _refuse_embedding(embedding)
        return super().from_documents(documents, None, **kwargs)  # type: ignore[arg-type]

    @classmethod
    async def afrom_texts(
        cls,
        texts: list[str],
        embedding: Any = None,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        dataset_id: str | None = None,
        dataset_name: str | None = None,
        dataset_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> RAGFlowVectorStore:
        """Async :meth:`from_texts`."""
        _refuse_embedding(embedding)
        store = cls(dataset_id or _unresolved(dataset_name), **kwargs)
        if dataset_id is None:
            store.dataset_id = await store._adataset(dataset_name, dataset_options)
        await store.aadd_texts(texts, metadatas, ids=ids)
        return store

    @classmethod
    async def afrom_documents(
        cls, documents: list[Document], embedding: Any = None, **kwargs: Any
    ) -> RAGFlowVectorStore:
        """Async :meth:`from_documents`."""
        _refuse_embedding(embedding)
        return await super().afrom_documents(documents, None, **kwargs)  # type: ignore[arg-type]

    def _dataset(self, name: str | None, options: dict[str, Any] | None) -> str:
        """The id of the dataset named ``name``, created when there is none."""
        rag = self._settings._rag
        try:
            return rag.get_dataset(name).id
        except NotFoundError:
            return rag.create_dataset(name=str(name), **(options or {})).id

    async def _adataset(self, name: str | None, options: dict[str, Any] | None) -> str:
        """Async :meth:`_dataset`."""
        arag = self._settings._arag()
        try:
            return (await arag.get_dataset(name)).id
        except NotFoundError:
            return (await arag.create_dataset(name=str(name), **(options or {}))).id

    # -- adding and deleting --------------------------------------------------------------
    @property
    def embeddings(self) -> None:
        """``None``: RAGFlow embeds with the dataset's own model."""
        return None

    def _items(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None,
        ids: Sequence[str | None] | None,
    ) -> tuple[list[IngestItem], list[str]]:
        texts = list(texts)
        metas = metadatas if metadatas is not None else [{}] * len(texts)
        given = list(ids) if ids is not None else [None] * len(texts)
        if len(metas) != len(texts) or len(given) != len(texts):
            raise InvalidArgumentError("texts, metadatas and ids must have the same length")
        keys = [i or str(uuid.uuid4()) for i in given]
        items = [
            IngestItem.from_text(text, source_id=key, metadata=meta)
            for text, meta, key in zip(texts, metas, keys, strict=True)
        ]
        return items, keys

    def _ingest_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(kwargs) - _ADD_OPTIONS)
        if unknown:
            raise TypeError(f"unexpected option(s) {', '.join(unknown)}")
        return {
            "wait": kwargs.get("wait", self.wait),
            "timeout": kwargs.get("parse_timeout", self.parse_timeout),
            "show_progress": kwargs.get("show_progress", self.show_progress),
        }

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Add texts as documents (one RAGFlow document each); returns their ids.

        Options: ``wait``, ``parse_timeout``, ``show_progress`` (``batch_size`` is accepted
        and ignored: uploads are batched within the server's limits). Documents that could
        not be ingested raise :class:`~ragflow_integrations.IngestError` after the others
        were added.
        """
        items, keys = self._items(texts, metadatas, ids)
        options = self._ingest_options(kwargs)
        self._settings._rag.ingest(self.dataset_id, items, **options).raise_for_failures()
        return keys

    async def aadd_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Async :meth:`add_texts`, on the async client."""
        items, keys = self._items(texts, metadatas, ids)
        options = self._ingest_options(kwargs)
        result = await self._settings._arag().ingest(self.dataset_id, items, **options)
        result.raise_for_failures()
        return keys

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        """Delete the documents with these ids, and only them (unknown ids are ignored).

        Deleting every document of the dataset needs ``delete(delete_all=True)``.
        """
        rag = self._settings._rag
        if ids is None:
            self._delete_all(kwargs)
            rag.get_dataset(id=self.dataset_id).delete_documents(delete_all=True)
            return True
        rag.delete_ingested(self.dataset_id, list(ids))
        return True

    async def adelete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        """Async :meth:`delete`."""
        arag = self._settings._arag()
        if ids is None:
            self._delete_all(kwargs)
            dataset = await arag.get_dataset(id=self.dataset_id)
            await dataset.delete_documents(delete_all=True)
            return True
        await arag.delete_ingested(self.dataset_id, list(ids))
        return True

    @staticmethod
    def _delete_all(kwargs: dict[str, Any]) -> None:
        if kwargs.get("delete_all") is not True:
            raise DeleteAllRequiredError(
                "delete() needs the ids to delete; to delete every document of the "
                "dataset, pass delete_all=True"
            )

    # -- reading --------------------------------------------------------------------------
    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The documents with these ids, as added (their text and metadata); unknown ids
        are left out.
        """
        found = self._settings._rag.find_ingested(self.dataset_id, list(ids))
        return [
            _whole(key, docs[0], docs[0].download())
            for key in dict.fromkeys(ids)
            if (docs := found.get(key))
        ]

    async def aget_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """Async :meth:`get_by_ids`."""
        found = await self._settings._arag().find_ingested(self.dataset_id, list(ids))
        out = []
        for key in dict.fromkeys(ids):
            docs: list[AsyncDocument] = found.get(key) or []
            if docs:
                out.append(_whole(key, docs[0], await docs[0].download()))
        return out

    def _retrieve_kwargs(
        self, query: str, k: int, filter: Any, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "dataset_ids": [self.dataset_id],
            "question": query,
            "page_size": k,
            "similarity_threshold": self.similarity_threshold,
            "vector_similarity_weight": self.vector_similarity_weight,
            "top_k": self.top_k,
            "filter": to_filter(filter),
            "document_metadata": True,
            **kwargs,
        }

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: Any = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """The ``k`` best chunks with RAGFlow's similarity (0-1, higher is closer).

        ``kwargs`` are RAGFlow's retrieval options (``rerank_id``, ``keyword`` ...).
        """
        chunks = self._settings._rag.retrieve(**self._retrieve_kwargs(query, k, filter, kwargs))
        return [(_hit(c), c.similarity or 0.0) for c in chunks]

    async def asimilarity_search_with_score(
        self, query: str, k: int = 4, filter: Any = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Async :meth:`similarity_search_with_score`, on the async client."""
        arag = self._settings._arag()
        chunks = await arag.retrieve(**self._retrieve_kwargs(query, k, filter, kwargs))
        return [(_hit(c), c.similarity or 0.0) for c in chunks]

    def similarity_search(
        self, query: str, k: int = 4, filter: Any = None, **kwargs: Any
    ) -> list[Document]:
        """The ``k`` best chunks (see :meth:`similarity_search_with_score`)."""
        return [d for d, _ in self.similarity_search_with_score(query, k, filter, **kwargs)]

    async def asimilarity_search(
        self, query: str, k: int = 4, filter: Any = None, **kwargs: Any
    ) -> list[Document]:
        """Async :meth:`similarity_search`."""
        hits = await self.asimilarity_search_with_score(query, k, filter, **kwargs)
        return [d for d, _ in hits]

    def _select_relevance_score_fn(self) -> Any:
        return lambda score: score  # RAGFlow's similarity is already 0 (far) to 1 (close)

    # -- what needs vectors ---------------------------------------------------------------
    def max_marginal_relevance_search(self, *args: Any, **kwargs: Any) -> list[Document]:
        """Refused: see the class docstring."""
        raise NotImplementedError(_NO_VECTORS.format(what="maximal marginal relevance"))

    async def amax_marginal_relevance_search(self, *args: Any, **kwargs: Any) -> list[Document]:
        """Refused: see the class docstring."""
        raise NotImplementedError(_NO_VECTORS.format(what="maximal marginal relevance"))

    def max_marginal_relevance_search_by_vector(self, *args: Any, **kwargs: Any) -> list[Document]:
        """Refused: see the class docstring."""
        raise NotImplementedError(_NO_VECTORS.format(what="a search by vector"))

    def similarity_search_by_vector(self, *args: Any, **kwargs: Any) -> list[Document]:
        """Refused: see the class docstring."""
        raise NotImplementedError(_NO_VECTORS.format(what="a search by vector"))

    # -- retriever ------------------------------------------------------------------------
    def as_retriever(self, **kwargs: Any) -> RAGFlowVectorStoreRetriever:
        """A retriever over this dataset that returns what
        :class:`~langchain_ragflow.RAGFlowRetriever` returns. ``search_kwargs``: ``k``,
        ``filter``, ``score_threshold`` (with ``search_type="similarity_score_threshold"``)
        and RAGFlowRetriever's options; ``search_type="mmr"`` is refused.
        """
        tags = kwargs.pop("tags", None) or [*self._get_retriever_tags()]
        return RAGFlowVectorStoreRetriever(vectorstore=self, tags=tags, **kwargs)

    def _retriever(self, search_type: str, search_kwargs: dict[str, Any]) -> RAGFlowRetriever:
        options = dict(search_kwargs)
        threshold = options.pop("score_threshold", None)
        if search_type == "similarity_score_threshold" and threshold is not None:
            options["similarity_threshold"] = threshold
        options.setdefault("similarity_threshold", self.similarity_threshold)
        options.setdefault("vector_similarity_weight", self.vector_similarity_weight)
        options.setdefault("top_k", self.top_k)
        return RAGFlowRetriever(
            dataset_ids=[self.dataset_id], **self._settings._settings_for_child(), **options
        )


class RAGFlowVectorStoreRetriever(VectorStoreRetriever):
    """``RAGFlowVectorStore.as_retriever()``: retrieves as
    :class:`~langchain_ragflow.RAGFlowRetriever` does."""

    vectorstore: RAGFlowVectorStore
    allowed_search_types: ClassVar[tuple[str, ...]] = ("similarity", "similarity_score_threshold")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        retriever = self.vectorstore._retriever(self.search_type, self.search_kwargs)
        return retriever._get_relevant_documents(query, run_manager=run_manager, **kwargs)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        retriever = self.vectorstore._retriever(self.search_type, self.search_kwargs)
        return await retriever._aget_relevant_documents(query, run_manager=run_manager, **kwargs)


def _unresolved(dataset_name: str | None) -> str:
    """A stand-in id until the dataset named ``dataset_name`` is found or created."""
    if not dataset_name:
        raise InvalidArgumentError("pass dataset_id (an existing dataset) or dataset_name")
    return f"<dataset {dataset_name}>"


def _whole(key: str, doc: RAGFlowDocument | AsyncDocument, blob: bytes) -> Document:
    text = blob.decode("utf-8", errors="replace")
    return Document(id=key, page_content=text, metadata=source_metadata(doc.meta_fields))


def _hit(chunk: ChunkFields) -> Document:
    """A retrieved chunk as the vector store returns it: its document's id and metadata."""
    key = source_id_of(chunk.document_metadata) or chunk.document_id
    meta = source_metadata(chunk.document_metadata)
    return Document(id=key or None, page_content=chunk.content, metadata=meta)
