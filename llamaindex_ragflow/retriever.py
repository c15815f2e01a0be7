"""``RAGFlowRetriever``: RAGFlow's hybrid retrieval as a LlamaIndex retriever."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.callbacks import CallbackManager
from llama_index.core.schema import NodeWithScore, QueryBundle

from ragflow_integrations import AsyncRAGFlow, RAGFlow, RAGFlowConfigError
from ragflow_integrations.filters import FilterExpr

from ._clients import Clients
from ._filters import FilterLike, to_filter_expr
from ._nodes import chunks_to_nodes

__all__ = ["RAGFlowRetriever"]


class RAGFlowRetriever(BaseRetriever):
    """Chunks from RAGFlow datasets, as ``NodeWithScore`` (node id = chunk id, score =
    similarity, a SOURCE link to the document). Node metadata: the source document's own
    metadata (``meta_fields``) at the top level, then RAGFlow's keys (ids, names, scores,
    positions, ``source_id``); a key of yours is never overwritten (see
    :mod:`ragflow_integrations.metadata`). ``document_metadata=False`` leaves the
    document's own metadata out (older servers spend one request per distinct document
    per call on it; v0.25.2+ send it along).

    ``similarity_top_k`` is the number of results (RAGFlow's ``page_size``); ``top_k`` is
    the vector-candidate pool. Options left ``None`` take the server's defaults; options the
    server's version lacks raise :class:`~ragflow_integrations.UnsupportedFeatureError`.
    ``filters`` (LlamaIndex ``MetadataFilters``, nested groups included) filter on the
    documents' metadata exactly on every server version; see :mod:`llamaindex_ragflow._filters`.

    Connect with ``api_key``/``base_url`` (default ``RAGFLOW_API_KEY``/``RAGFLOW_BASE_URL``)
    or ready-made ``client``/``async_client``. ``aretrieve`` uses the async client natively.
    """

    def __init__(
        self,
        dataset_ids: Sequence[str],
        *,
        document_ids: Sequence[str] | None = None,
        similarity_top_k: int = 4,
        top_k: int | None = None,
        similarity_threshold: float | None = None,
        vector_similarity_weight: float | None = None,
        rerank_id: str | None = None,
        keyword: bool | None = None,
        highlight: bool | None = None,
        cross_languages: Sequence[str] | None = None,
        use_kg: bool | None = None,
        toc_enhance: bool | None = None,
        filters: FilterLike | None = None,
        document_metadata: bool = True,
        api_key: str | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
        callback_manager: CallbackManager | None = None,
        verbose: bool = False,
    ) -> None:
        if isinstance(dataset_ids, str) or not dataset_ids:
            raise RAGFlowConfigError("RAGFlowRetriever needs a non-empty list of dataset_ids")
        if similarity_top_k < 1:
            raise RAGFlowConfigError(f"similarity_top_k must be >= 1, got {similarity_top_k}")
        self.dataset_ids = list(dataset_ids)
        self.document_ids = list(document_ids) if document_ids else None
        self.similarity_top_k = similarity_top_k
        self.top_k = top_k
        self.similarity_threshold = similarity_threshold
        self.vector_similarity_weight = vector_similarity_weight
        self.rerank_id = rerank_id
        self.keyword = keyword
        self.highlight = highlight
        self.cross_languages = list(cross_languages) if cross_languages is not None else None
        self.use_kg = use_kg
        self.toc_enhance = toc_enhance
        self.filters = filters  # translated now, so a bad filter fails here
        self.document_metadata = document_metadata
        self._clients = Clients(
            api_key=api_key,
            base_url=base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )
        super().__init__(callback_manager=callback_manager, verbose=verbose)

    @property
    def filters(self) -> FilterLike | None:
        """The metadata filter applied to every retrieval (settable)."""
        return self._filters

    @filters.setter
    def filters(self, value: FilterLike | None) -> None:
        self._filter: FilterExpr | None = to_filter_expr(value)
        self._filters = value

    def _arguments(self, query: str) -> dict[str, Any]:
        options = {
            "top_k": self.top_k,
            "similarity_threshold": self.similarity_threshold,
            "vector_similarity_weight": self.vector_similarity_weight,
            "rerank_id": self.rerank_id,
            "keyword": self.keyword,
            "highlight": self.highlight,
            "cross_languages": self.cross_languages,
            "use_kg": self.use_kg,
            "toc_enhance": self.toc_enhance,
            "filter": self._filter,
            "document_metadata": self.document_metadata,
        }
        return {
            "dataset_ids": self.dataset_ids,
            "document_ids": self.document_ids,
            "question": query,
            "page_size": self.similarity_top_k,
            **{k: v for k, v in options.items() if v is not None},
        }

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        chunks = self._clients.sync.retrieve(**self._arguments(query_bundle.query_str))
        return chunks_to_nodes(chunks)

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self._retrieve, query_bundle)
        chunks = await arag.retrieve(**self._arguments(query_bundle.query_str))
        return chunks_to_nodes(chunks)
