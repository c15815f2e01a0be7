"""``RAGFlowRetriever``: RAGFlow's hybrid retrieval as a LangChain retriever."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever, LangSmithRetrieverParams
from langchain_core.structured_query import (
    Comparator,
    Comparison,
    FilterDirective,
    Operation,
    Operator,
    StructuredQuery,
    Visitor,
)
from pydantic import Field, field_validator

from ragflow_integrations.filters import (
    And,
    Condition,
    FilterExpr,
    Not,
    Op,
    Or,
    UnsupportedFilterError,
    parse_filter,
)

from ._convert import chunk_to_document
from ._settings import RAGFlowSettings

__all__ = ["RAGFlowRetriever", "RAGFlowTranslator"]

_COMPARATORS: dict[str, Op] = {
    "eq": "eq",
    "ne": "ne",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
    "contain": "contains",
    "in": "in",
    "nin": "nin",
}

_OPERATORS = (Operator.AND, Operator.OR, Operator.NOT)


class RAGFlowTranslator(Visitor):
    """Translates LangChain structured queries into RAGFlow metadata filters.

    ``visit_structured_query`` returns ``(query, {"filter": expr})`` for
    ``RAGFlowRetriever.invoke(query, **kwargs)``. Comparators: eq, ne, gt, gte, lt, lte,
    contain, in, nin; operators: and, or, not. ``like`` raises
    :class:`~ragflow_integrations.filters.UnsupportedFilterError`. Date values
    (``{"type": "date", "date": "2024-01-31"}``) compare as ``YYYY-MM-DD`` strings.
    """

    allowed_comparators: Sequence[Comparator] | None = tuple(Comparator(c) for c in _COMPARATORS)
    allowed_operators: Sequence[Operator] | None = _OPERATORS

    def visit_operation(self, operation: Operation) -> FilterExpr:
        """``and``/``or``/``not`` over the translated arguments."""
        if operation.operator not in _OPERATORS:
            raise UnsupportedFilterError(
                f"unsupported filter operator {operation.operator.value!r}"
            )
        children = tuple(arg.accept(self) for arg in operation.arguments)
        if operation.operator == Operator.AND:
            return And(children)
        if operation.operator == Operator.OR:
            return Or(children)
        if len(children) != 1:
            raise UnsupportedFilterError(
                f"the filter operator 'not' takes one argument, got {len(children)}"
            )
        return Not(children[0])

    def visit_comparison(self, comparison: Comparison) -> FilterExpr:
        """One condition on a metadata key."""
        name = getattr(comparison.comparator, "value", str(comparison.comparator))
        op = _COMPARATORS.get(name)
        if op is None:
            raise UnsupportedFilterError(
                f"unsupported filter comparator {name!r} on key {comparison.attribute!r}; "
                f"RAGFlow filters take {', '.join(_COMPARATORS)}"
            )
        value = _plain(comparison.value)
        if op in ("in", "nin"):
            if not isinstance(value, list | tuple | set | frozenset):
                value = [value]
            value = tuple(_plain(v) for v in value)
        return parse_filter(Condition(comparison.attribute, op, value))

    def visit_structured_query(
        self, structured_query: StructuredQuery
    ) -> tuple[str, dict[str, Any]]:
        """``(query, {"filter": expr})``, or ``(query, {})`` without a filter."""
        if structured_query.filter is None:
            return structured_query.query, {}
        return structured_query.query, {"filter": structured_query.filter.accept(self)}


def _plain(value: Any) -> Any:
    """Structured-query date values as ``YYYY-MM-DD`` strings; anything else unchanged."""
    if isinstance(value, Mapping) and value.get("type") in ("date", "datetime"):
        return str(value.get(value["type"]) or value.get("date"))
    return value


def to_filter(value: Any) -> Any:
    """A filter as the core takes it: a dict or an expression (structured queries translated)."""
    if value is None:
        return None
    if isinstance(value, FilterDirective):
        return value.accept(RAGFlowTranslator())
    parse_filter(value)  # raise now, naming what is wrong
    return value


_OPTIONS = (
    "dataset_ids",
    "document_ids",
    "k",
    "top_k",
    "similarity_threshold",
    "vector_similarity_weight",
    "rerank_id",
    "keyword",
    "highlight",
    "cross_languages",
    "use_kg",
    "toc_enhance",
    "filter",
    "document_metadata",
)


class RAGFlowRetriever(BaseRetriever, RAGFlowSettings):
    """Chunks from RAGFlow datasets, best first, as LangChain documents.

    Each ``Document`` has ``id`` = chunk id, ``page_content`` = chunk text and, in its
    metadata, the source document's own metadata (its ``meta_fields``) at the top level,
    then RAGFlow's keys ``document_id``, ``document_name``, ``dataset_id``, ``similarity``,
    ``vector_similarity``, ``term_similarity``, ``positions``, ``image_id``, ``highlight``,
    ``important_keywords`` (those the server sent) and ``source_id`` (the id the document
    was ingested under); a key of yours is never overwritten (ours becomes
    ``ragflow_<key>``, see :mod:`ragflow_integrations.metadata`). Every option can be
    overridden per call: ``retriever.invoke("q", k=3, filter={"author": "alice"})``.

    ``filter`` filters on document metadata (``meta_fields``) exactly on every server
    version: a Mongo-style dict (``{"year": {"$gte": 2024}}``, ``$and``/``$or``/``$not``), a
    :mod:`ragflow_integrations.filters` expression, or a LangChain structured-query
    ``Comparison``/``Operation``. Options the server's version lacks raise
    :class:`~ragflow_integrations.UnsupportedFeatureError`.

    Example:
        .. code-block:: python

            retriever = RAGFlowRetriever(dataset_ids=["..."], k=4)
            docs = retriever.invoke("How does RAGFlow cite sources?")
    """

    dataset_ids: list[str] = Field(default_factory=list)
    """Datasets to search (at least one, here or per call)."""
    document_ids: list[str] | None = None
    """Search only these documents."""
    k: int = 4
    """How many chunks to return (RAGFlow's ``page_size``)."""
    top_k: int = 1024
    """How many candidates the vector search considers."""
    similarity_threshold: float = 0.2
    """Chunks scoring below this are dropped."""
    vector_similarity_weight: float = 0.3
    """Weight of the vector score against the keyword score."""
    rerank_id: str | None = None
    """A rerank model configured on the server."""
    keyword: bool = False
    """Let the server's LLM extract keywords from the question."""
    highlight: bool | None = None
    """Ask for highlighted matches (metadata ``highlight``)."""
    cross_languages: list[str] | None = None
    """Also search translations of the question into these languages."""
    use_kg: bool = False
    """Add results from the dataset's knowledge graph."""
    toc_enhance: bool = False
    """Use the documents' tables of contents."""
    filter: Any = None
    """A metadata filter (see the class docstring)."""
    document_metadata: bool = True
    """Put each source document's own metadata in the results (sent along by v0.25.2+
    servers; older ones cost one request per distinct document per call)."""

    @field_validator("filter", mode="before")
    @classmethod
    def _check_filter(cls, value: Any) -> Any:
        return to_filter(value)

    def _get_ls_params(self, **kwargs: Any) -> LangSmithRetrieverParams:
        """LangSmith's retriever parameters: RAGFlow embeds with each dataset's own model."""
        params = super()._get_ls_params(**kwargs)
        params["ls_vector_store_provider"] = "ragflow"
        params["ls_embedding_provider"] = "ragflow"
        return params

    def _retrieve_kwargs(self, query: str, overrides: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(overrides) - set(_OPTIONS))
        if unknown:
            raise TypeError(
                f"unexpected retrieval option(s) {', '.join(unknown)}; known: {', '.join(_OPTIONS)}"
            )
        opts = {name: getattr(self, name) for name in _OPTIONS}
        opts.update(overrides)
        if "filter" in overrides:
            opts["filter"] = to_filter(overrides["filter"])
        opts["page_size"] = opts.pop("k")
        opts["question"] = query
        return opts

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        chunks = self._rag.retrieve(**self._retrieve_kwargs(query, kwargs))
        return [chunk_to_document(chunk) for chunk in chunks]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        chunks = await self._arag().retrieve(**self._retrieve_kwargs(query, kwargs))
        return [chunk_to_document(chunk) for chunk in chunks]
