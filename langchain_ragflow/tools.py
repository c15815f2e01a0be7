"""Agent tools over RAGFlow: search, ask, list datasets and documents, and (opt-in) write.

RAGFlow errors (server refusals, unreachable server, unsupported options) come back to the
agent as text (``ToolException`` with ``handle_tool_error=True``); configuration errors and
anything else raise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import ArgsSchema, BaseTool, ToolException
from pydantic import BaseModel, Field

from ragflow_integrations import (
    AsyncDataSet,
    AsyncDocument,
    DataSet,
    RAGFlowConfigError,
    RAGFlowError,
)
from ragflow_integrations import Document as RAGFlowDocument
from ragflow_integrations.types.dataset import DatasetFields

from ._convert import format_documents
from ._settings import RAGFlowSettings
from .chat_models import ChatRAGFlow
from .retrievers import RAGFlowRetriever

__all__ = [
    "RAGFlowAgentTool",
    "RAGFlowAskTool",
    "RAGFlowListDatasetsTool",
    "RAGFlowListDocumentsTool",
    "RAGFlowParseDocumentsTool",
    "RAGFlowSearchTool",
    "RAGFlowUploadTextTool",
]


@contextmanager
def _as_tool_errors() -> Iterator[None]:
    """RAGFlow errors become ``ToolException`` (text for the agent); config errors raise."""
    try:
        yield
    except RAGFlowConfigError:
        raise
    except RAGFlowError as exc:
        raise ToolException(f"RAGFlow error: {exc}") from exc


def _child_config(run_manager: Any) -> RunnableConfig | None:
    return {"callbacks": run_manager.get_child()} if run_manager is not None else None


class _RAGFlowTool(BaseTool, RAGFlowSettings):
    """Shared settings: RAGFlow errors are returned to the agent as text."""

    handle_tool_error: bool | str | Any = True
    dataset_ids: list[str] = Field(default_factory=list)
    """The datasets this tool may use (an empty list: any)."""

    def _dataset_in_scope(self, dataset_id: str | None) -> str:
        if not dataset_id:
            if len(self.dataset_ids) == 1:
                return self.dataset_ids[0]
            raise ToolException("name a dataset_id (see ragflow_list_datasets)")
        if self.dataset_ids and dataset_id not in self.dataset_ids:
            raise ToolException(
                f"dataset {dataset_id!r} is not available here; use one of "
                f"{', '.join(self.dataset_ids)}"
            )
        return dataset_id


# -- search ----------------------------------------------------------------------------

SEARCH_DESCRIPTION = (
    "Search the RAGFlow knowledge base for passages relevant to a query. Returns the best "
    "matching passages, numbered, each with the document it comes from. Use it to find facts "
    "before answering."
)


class SearchInput(BaseModel):
    """Arguments of ``ragflow_search``."""

    query: str = Field(description="What to look for, as a question or keywords.")


class RAGFlowSearchTool(_RAGFlowTool):
    """``ragflow_search``: passages from RAGFlow datasets, as text and as ``Document``s.

    The content is the numbered passages with their sources; the artifact is the list of
    ``Document``s (as :class:`RAGFlowRetriever` returns them). Pass ``retriever=`` to use a
    configured retriever; otherwise one is built from ``dataset_ids``, ``k``,
    ``similarity_threshold`` and ``filter``.
    """

    name: str = "ragflow_search"
    description: str = SEARCH_DESCRIPTION
    args_schema: ArgsSchema | None = SearchInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    k: int = 4
    """How many passages to return."""
    similarity_threshold: float = 0.2
    """Passages scoring below this are dropped."""
    filter: Any = None
    """A metadata filter (see :class:`RAGFlowRetriever`)."""
    retriever: RAGFlowRetriever | None = None
    """A retriever to use as is."""

    @cached_property
    def _retriever(self) -> RAGFlowRetriever:
        if self.retriever is not None:
            return self.retriever
        return RAGFlowRetriever(
            **self._settings_for_child(),
            dataset_ids=self.dataset_ids,
            k=self.k,
            similarity_threshold=self.similarity_threshold,
            filter=self.filter,
        )

    @staticmethod
    def _output(docs: list[Document]) -> tuple[str, list[Document]]:
        if not docs:
            return "No passages matched the query.", docs
        found = f"{len(docs)} passage" + ("s" if len(docs) != 1 else "")
        return f"Found {found}:\n\n{format_documents(docs)}", docs

    def _run(
        self, query: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, list[Document]]:
        with _as_tool_errors():
            docs = self._retriever.invoke(query, config=_child_config(run_manager))
        return self._output(docs)

    async def _arun(
        self, query: str, run_manager: AsyncCallbackManagerForToolRun | None = None
    ) -> tuple[str, list[Document]]:
        with _as_tool_errors():
            docs = await self._retriever.ainvoke(query, config=_child_config(run_manager))
        return self._output(docs)


# -- ask -------------------------------------------------------------------------------

ASK_DESCRIPTION = (
    "Ask the RAGFlow chat assistant a question. It answers from its knowledge base and cites "
    "its sources as [ID:n], listed after the answer."
)


class AskInput(BaseModel):
    """Arguments of ``ragflow_ask``."""

    question: str = Field(description="A self-contained question.")


def _references_as_documents(message: AIMessage) -> list[Document]:
    docs = []
    for n, ref in enumerate(message.response_metadata.get("references") or []):
        meta = {k: v for k, v in ref.items() if k not in ("id", "content")}
        meta["reference_index"] = n
        docs.append(Document(id=ref.get("id") or None, page_content=ref["content"], metadata=meta))
    return docs


class RAGFlowAskTool(_RAGFlowTool):
    """``ragflow_ask``: the chat assistant's answer plus its references.

    The content is the answer followed by its sources; the artifact is the references as
    ``Document``s (metadata ``reference_index`` is the ``n`` of ``[ID:n]``).
    """

    name: str = "ragflow_ask"
    description: str = ASK_DESCRIPTION
    args_schema: ArgsSchema | None = AskInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    chat_id: str
    """The chat assistant to ask."""

    @cached_property
    def _chat(self) -> ChatRAGFlow:
        return ChatRAGFlow(**self._settings_for_child(), chat_id=self.chat_id)

    @staticmethod
    def _output(message: AIMessage) -> tuple[str, list[Document]]:
        docs = _references_as_documents(message)
        lines: list[str] = [str(message.text)]
        if docs:
            lines.append("\nSources:")
            for doc in docs:
                name = doc.metadata.get("document_name") or doc.metadata.get("document_id")
                lines.append(f"[ID:{doc.metadata['reference_index']}] {name}")
        return "\n".join(lines), docs

    def _run(
        self, question: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, list[Document]]:
        with _as_tool_errors():
            answer = self._chat.invoke([HumanMessage(question)], config=_child_config(run_manager))
        return self._output(answer)

    async def _arun(
        self, question: str, run_manager: AsyncCallbackManagerForToolRun | None = None
    ) -> tuple[str, list[Document]]:
        with _as_tool_errors():
            answer = await self._chat.ainvoke(
                [HumanMessage(question)], config=_child_config(run_manager)
            )
        return self._output(answer)


# -- agents ----------------------------------------------------------------------------

AGENT_DESCRIPTION = (
    "Ask a RAGFlow agent (a workflow that retrieves from a knowledge base and answers). It "
    "cites its sources as [ID:n], listed after the answer."
)


class RAGFlowAgentTool(_RAGFlowTool):
    """A RAGFlow agent as a tool: each call asks it one question, in a new agent session.

    The content is the answer followed by its sources; the artifact is the references as
    ``Document``s (metadata ``reference_index`` is the ``n`` of ``[ID:n]``).
    :class:`RAGFlowToolkit` names and describes it from the agent's title and description.
    """

    name: str = "ragflow_agent"
    description: str = AGENT_DESCRIPTION
    args_schema: ArgsSchema | None = AskInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    agent_id: str
    """The agent to ask."""
    agent_inputs: dict[str, Any] | None = None
    """Values for the agent's Begin inputs (RAGFlow v0.20+)."""

    @cached_property
    def _agent(self) -> ChatRAGFlow:
        return ChatRAGFlow(
            **self._settings_for_child(), agent_id=self.agent_id, agent_inputs=self.agent_inputs
        )

    def _run(
        self, question: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, list[Document]]:
        with _as_tool_errors():
            answer = self._agent.invoke([HumanMessage(question)], config=_child_config(run_manager))
        return RAGFlowAskTool._output(answer)

    async def _arun(
        self, question: str, run_manager: AsyncCallbackManagerForToolRun | None = None
    ) -> tuple[str, list[Document]]:
        with _as_tool_errors():
            answer = await self._agent.ainvoke(
                [HumanMessage(question)], config=_child_config(run_manager)
            )
        return RAGFlowAskTool._output(answer)


# -- listing ---------------------------------------------------------------------------


class NoInput(BaseModel):
    """No arguments."""


def _dataset_line(ds: DatasetFields) -> str:
    about = (ds.description or "").strip() or "no description"
    return (
        f"- {ds.name} (id {ds.id}): {about} "
        f"[{ds.document_count} documents, {ds.chunk_count} chunks]"
    )


def _datasets_text(datasets: Sequence[DatasetFields]) -> str:
    if not datasets:
        return "No datasets."
    return "Datasets:\n" + "\n".join(_dataset_line(ds) for ds in datasets)


class RAGFlowListDatasetsTool(_RAGFlowTool):
    """``ragflow_list_datasets``: the datasets in scope with ids, descriptions and sizes."""

    name: str = "ragflow_list_datasets"
    description: str = (
        "List the RAGFlow datasets (knowledge bases) available, with their ids, descriptions "
        "and sizes."
    )
    args_schema: ArgsSchema | None = NoInput
    limit: int = 100
    """At most this many datasets when no ``dataset_ids`` are set."""

    def _run(self, run_manager: CallbackManagerForToolRun | None = None) -> str:
        rag = self._rag
        with _as_tool_errors():
            if self.dataset_ids:
                found: list[DataSet] = [rag.get_dataset(id=i) for i in self.dataset_ids]
            else:
                found = list(rag.list_datasets(page=1, page_size=self.limit))
        return _datasets_text(found)

    async def _arun(self, run_manager: AsyncCallbackManagerForToolRun | None = None) -> str:
        rag = self._arag()
        with _as_tool_errors():
            if self.dataset_ids:
                found: list[AsyncDataSet] = [await rag.get_dataset(id=i) for i in self.dataset_ids]
            else:
                found = list(await rag.list_datasets(page=1, page_size=self.limit))
        return _datasets_text(found)


class ListDocumentsInput(BaseModel):
    """Arguments of ``ragflow_list_documents``."""

    dataset_id: str | None = Field(
        default=None, description="The dataset's id (optional when only one is available)."
    )
    keywords: str | None = Field(
        default=None, description="Only documents whose name contains these words."
    )
    page: int = Field(default=1, ge=1, description="Page of results, from 1.")


def _documents_text(docs: Sequence[RAGFlowDocument | AsyncDocument], page: int, size: int) -> str:
    if not docs:
        return "No documents." if page == 1 else f"No documents on page {page}."
    lines = [f"Documents (page {page}):"]
    for doc in docs:
        meta = f", metadata {doc.meta_fields}" if doc.meta_fields else ""
        lines.append(
            f"- {doc.name} (id {doc.id}): parse {doc.run.lower()}, {doc.chunk_count} chunks{meta}"
        )
    if len(docs) == size:
        lines.append(f"(more on page {page + 1})")
    return "\n".join(lines)


class RAGFlowListDocumentsTool(_RAGFlowTool):
    """``ragflow_list_documents``: one page of a dataset's documents with their status."""

    name: str = "ragflow_list_documents"
    description: str = (
        "List the documents of a RAGFlow dataset with their ids, parsing status, chunk counts "
        "and metadata."
    )
    args_schema: ArgsSchema | None = ListDocumentsInput
    page_size: int = 30
    """Documents per page."""

    def _run(
        self,
        dataset_id: str | None = None,
        keywords: str | None = None,
        page: int = 1,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> str:
        dataset_id = self._dataset_in_scope(dataset_id)
        with _as_tool_errors():
            ds = self._rag.get_dataset(id=dataset_id)
            docs = ds.list_documents(keywords=keywords, page=page, page_size=self.page_size)
        return _documents_text(docs, page, self.page_size)

    async def _arun(
        self,
        dataset_id: str | None = None,
        keywords: str | None = None,
        page: int = 1,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> str:
        dataset_id = self._dataset_in_scope(dataset_id)
        with _as_tool_errors():
            ds = await self._arag().get_dataset(id=dataset_id)
            docs = await ds.list_documents(keywords=keywords, page=page, page_size=self.page_size)
        return _documents_text(docs, page, self.page_size)


# -- write (opt-in) --------------------------------------------------------------------


class UploadTextInput(BaseModel):
    """Arguments of ``ragflow_upload_text``."""

    dataset_id: str | None = Field(
        default=None, description="The dataset's id (optional when only one is available)."
    )
    name: str = Field(description="A file name for the new document, e.g. 'notes.md'.")
    text: str = Field(description="The document's text (plain text or Markdown).")
    parse: bool = Field(default=True, description="Start parsing it right away.")


class RAGFlowUploadTextTool(_RAGFlowTool):
    """``ragflow_upload_text``: add a text document to a dataset (and start parsing it)."""

    name: str = "ragflow_upload_text"
    description: str = (
        "Add a text or Markdown document to a RAGFlow dataset and start parsing it, so it "
        "becomes searchable once parsed."
    )
    args_schema: ArgsSchema | None = UploadTextInput

    def _run(
        self,
        name: str,
        text: str,
        dataset_id: str | None = None,
        parse: bool = True,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> str:
        dataset_id = self._dataset_in_scope(dataset_id)
        with _as_tool_errors():
            ds = self._rag.get_dataset(id=dataset_id)
            doc = ds.upload_documents([{"display_name": name, "blob": text.encode("utf-8")}])[0]
            if parse:
                ds.async_parse_documents([doc.id])
        return _uploaded(doc.name, doc.id, parse)

    async def _arun(
        self,
        name: str,
        text: str,
        dataset_id: str | None = None,
        parse: bool = True,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> str:
        dataset_id = self._dataset_in_scope(dataset_id)
        with _as_tool_errors():
            ds = await self._arag().get_dataset(id=dataset_id)
            uploaded = await ds.upload_documents(
                [{"display_name": name, "blob": text.encode("utf-8")}]
            )
            doc = uploaded[0]
            if parse:
                await ds.async_parse_documents([doc.id])
        return _uploaded(doc.name, doc.id, parse)


def _uploaded(name: str, doc_id: str, parse: bool) -> str:
    then = "parsing started" if parse else "not parsed yet"
    return f"Uploaded {name} as document {doc_id}; {then}."


class ParseInput(BaseModel):
    """Arguments of ``ragflow_parse_documents``."""

    dataset_id: str | None = Field(
        default=None, description="The dataset's id (optional when only one is available)."
    )
    document_ids: list[str] = Field(description="The documents to parse.", min_length=1)


class RAGFlowParseDocumentsTool(_RAGFlowTool):
    """``ragflow_parse_documents``: start parsing documents (it runs in the background)."""

    name: str = "ragflow_parse_documents"
    description: str = (
        "Start parsing documents of a RAGFlow dataset so they become searchable. Parsing runs "
        "in the background; check progress with ragflow_list_documents."
    )
    args_schema: ArgsSchema | None = ParseInput

    def _run(
        self,
        document_ids: list[str],
        dataset_id: str | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> str:
        dataset_id = self._dataset_in_scope(dataset_id)
        with _as_tool_errors():
            self._rag.get_dataset(id=dataset_id).async_parse_documents(list(document_ids))
        return f"Parsing started for {len(document_ids)} document(s)."

    async def _arun(
        self,
        document_ids: list[str],
        dataset_id: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> str:
        dataset_id = self._dataset_in_scope(dataset_id)
        with _as_tool_errors():
            ds = await self._arag().get_dataset(id=dataset_id)
            await ds.async_parse_documents(list(document_ids))
        return f"Parsing started for {len(document_ids)} document(s)."
