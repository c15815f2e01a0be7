"""``RAGFlowToolSpec``: RAGFlow search, answers and dataset browsing as agent tools."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import PurePath
from typing import Any, TypeVar

from llama_index.core.schema import NodeWithScore
from llama_index.core.tools import FunctionTool, ToolMetadata
from llama_index.core.tools.tool_spec.base import SPEC_FUNCTION_TYPE, BaseToolSpec

from ragflow_integrations import (
    AsyncRAGFlow,
    ChatCompletion,
    InvalidArgumentError,
    Message,
    RAGFlow,
    RAGFlowConfigError,
    RAGFlowError,
)
from ragflow_integrations.types.agent import unique_tool_name
from ragflow_integrations.types.dataset import DatasetFields
from ragflow_integrations.types.document import DocumentFields

from ._clients import Clients
from ._filters import FilterLike
from ._nodes import chunks_to_nodes
from .retriever import RAGFlowRetriever

__all__ = ["RAGFlowToolSpec"]

T = TypeVar("T")
AGENT_USAGE = (
    "Ask this RAGFlow agent a complete, self-contained question; the answer cites its "
    "sources as [ID:n], listed after it."
)


class RAGFlowToolSpec(BaseToolSpec):
    """Tools for an agent: ``search`` (when ``dataset_ids`` are given), ``ask`` (when
    ``chat_id`` is given), ``list_datasets`` and ``list_documents``; with
    ``allow_write=True`` also ``upload_text`` (add a text document and start parsing it).
    Each RAGFlow agent of ``agent_ids`` is one more tool, named and described from the
    agent's title and description (:meth:`to_tool_list` reads them; a name already taken
    gets the agent's id appended), that asks it one question in a new agent session.

    Every tool returns text and has an async twin used by async agents. RAGFlow errors come
    back as ``"Error: ..."`` text the agent can read and act on, not as exceptions. With
    ``dataset_ids``, every tool stays within those datasets: ``list_datasets`` lists only
    them, and ``list_documents`` and ``upload_text`` refuse any other dataset id the
    model passes (without ``dataset_ids``, any dataset the key can see).
    ``search`` takes the retriever's options (``similarity_top_k``, ``filters``, ...) through
    ``retriever_options``; ``ask`` is stateless (see
    :class:`~llamaindex_ragflow.RAGFlowQueryEngine`). Connect with credentials or
    ``client``/``async_client``.
    """

    def __init__(
        self,
        dataset_ids: Sequence[str] | None = None,
        chat_id: str | None = None,
        allow_write: bool = False,
        *,
        agent_ids: Sequence[str] | None = None,
        similarity_top_k: int = 5,
        filters: FilterLike | None = None,
        retriever_options: dict[str, Any] | None = None,
        max_listed: int = 50,
        api_key: str | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
    ) -> None:
        self._clients = Clients(
            api_key=api_key,
            base_url=base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )
        self.dataset_ids = list(dataset_ids or [])
        self.chat_id = chat_id
        self.agent_ids = list(agent_ids or [])
        self.allow_write = allow_write
        self.max_listed = max_listed
        self._retriever: RAGFlowRetriever | None = None
        if self.dataset_ids:
            self._retriever = RAGFlowRetriever(
                self.dataset_ids,
                similarity_top_k=similarity_top_k,
                filters=filters,
                client=self._clients.sync if self._clients.has_sync else None,
                async_client=self._clients.async_,
                **(retriever_options or {}),
            )
        functions: list[SPEC_FUNCTION_TYPE] = []
        if self._retriever is not None:
            functions.append(("search", "asearch"))
        if chat_id:
            functions.append(("ask", "aask"))
        functions += [("list_datasets", "alist_datasets"), ("list_documents", "alist_documents")]
        if allow_write:
            functions.append(("upload_text", "aupload_text"))
        self.spec_functions = functions

    # -- search ---------------------------------------------------------------------------
    def search(self, query: str) -> str:
        """Search the knowledge base for passages relevant to a query.

        Args:
            query (str): What to look for, as a question or keywords.

        Returns the best-matching passages with their document names and scores.
        """
        return _guard(lambda: _format_hits(self._require_retriever().retrieve(query)))

    async def asearch(self, query: str) -> str:
        """Search the knowledge base for passages relevant to a query.

        Args:
            query (str): What to look for, as a question or keywords.
        """
        retriever = self._require_retriever()
        return await _aguard(lambda: _then(retriever.aretrieve(query), _format_hits))

    def _require_retriever(self) -> RAGFlowRetriever:
        if self._retriever is None:
            raise RAGFlowConfigError("search needs dataset_ids; none were configured")
        return self._retriever

    # -- ask ------------------------------------------------------------------------------
    def ask(self, question: str) -> str:
        """Ask the RAGFlow assistant a question; it answers from the knowledge base.

        Args:
            question (str): A complete, self-contained question.

        Returns the answer (citations like [ID:0] refer to the listed sources) and its sources.
        """
        return _guard(lambda: _format_answer(self._ask_sync(question)))

    async def aask(self, question: str) -> str:
        """Ask the RAGFlow assistant a question; it answers from the knowledge base.

        Args:
            question (str): A complete, self-contained question.
        """
        return await _aguard(lambda: _then(self._ask_async(question), _format_answer))

    def _messages(self, question: str) -> tuple[str, list[dict[str, Any]]]:
        if not self.chat_id:
            raise RAGFlowConfigError("ask needs chat_id; none was configured")
        return self.chat_id, [{"role": "user", "content": question}]

    def _ask_sync(self, question: str) -> ChatCompletion:
        chat_id, messages = self._messages(question)
        return self._clients.sync.openai_chat_completion(chat_id, messages)

    async def _ask_async(self, question: str) -> ChatCompletion:
        chat_id, messages = self._messages(question)
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self._ask_sync, question)
        return await arag.openai_chat_completion(chat_id, messages)

    # -- agents ---------------------------------------------------------------------------
    def to_tool_list(
        self,
        spec_functions: list[SPEC_FUNCTION_TYPE] | None = None,
        func_to_metadata_mapping: dict[str, ToolMetadata] | None = None,
    ) -> list[FunctionTool]:
        """The spec's tools, and (unless ``spec_functions`` picks some) one per agent."""
        tools = super().to_tool_list(spec_functions, func_to_metadata_mapping)
        if spec_functions is None:
            taken = {tool.metadata.name or "" for tool in tools}
            tools += [self._agent_tool(agent_id, taken) for agent_id in self.agent_ids]
        return tools

    def _agent_tool(self, agent_id: str, taken: set[str]) -> FunctionTool:
        agent = self._clients.sync.get_agent(agent_id)
        name = unique_tool_name(agent, taken)
        about = " ".join((agent.description or "").split())

        def ask_agent(question: str) -> str:
            return _guard(lambda: _format_answer(self._ask_agent(agent.id, question)))

        async def aask_agent(question: str) -> str:
            return await _aguard(
                lambda: _then(self._aask_agent(agent.id, question), _format_answer)
            )

        usage = f"{AGENT_USAGE}\n\n{about}" if about else AGENT_USAGE
        return FunctionTool.from_defaults(
            fn=ask_agent, async_fn=aask_agent, name=name, description=usage
        )

    def _ask_agent(self, agent_id: str, question: str) -> Message:
        return self._clients.sync.create_agent_session(agent_id, "LlamaIndex tool").ask(question)

    async def _aask_agent(self, agent_id: str, question: str) -> Message:
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self._ask_agent, agent_id, question)
        session = await arag.create_agent_session(agent_id, "LlamaIndex tool")
        return await session.ask(question)

    # -- browsing -------------------------------------------------------------------------
    def _in_scope(self, dataset_id: str) -> str:
        """The dataset id, if the tools may use it (an agent's model chose it)."""
        if self.dataset_ids and dataset_id not in self.dataset_ids:
            raise InvalidArgumentError(
                f"dataset {dataset_id!r} is not available to these tools; use one of "
                f"{', '.join(self.dataset_ids)}"
            )
        return dataset_id

    def list_datasets(self) -> str:
        """List the knowledge bases (datasets) available, with their ids and sizes."""

        def run() -> str:
            rag = self._clients.sync
            if self.dataset_ids:
                found = [rag.get_dataset(id=i) for i in self.dataset_ids[: self.max_listed]]
            else:
                found = list(rag.list_datasets(page_size=self.max_listed))
            return _format_datasets(found, self.max_listed)

        return _guard(run)

    async def alist_datasets(self) -> str:
        """List the knowledge bases (datasets) available, with their ids and sizes."""
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self.list_datasets)

        async def run() -> str:
            if self.dataset_ids:
                found = [await arag.get_dataset(id=i) for i in self.dataset_ids[: self.max_listed]]
            else:
                found = list(await arag.list_datasets(page_size=self.max_listed))
            return _format_datasets(found, self.max_listed)

        return await _aguard(run)

    def list_documents(self, dataset_id: str) -> str:
        """List the documents of one dataset, with their ids, parsing state and metadata.

        Args:
            dataset_id (str): The id of a dataset (see list_datasets).
        """

        def run() -> str:
            dataset = self._clients.sync.get_dataset(id=self._in_scope(dataset_id))
            docs = dataset.list_documents(page_size=self.max_listed)
            return _format_documents(dataset, docs, self.max_listed)

        return _guard(run)

    async def alist_documents(self, dataset_id: str) -> str:
        """List the documents of one dataset, with their ids, parsing state and metadata.

        Args:
            dataset_id (str): The id of a dataset (see list_datasets).
        """
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self.list_documents, dataset_id)

        async def run() -> str:
            dataset = await arag.get_dataset(id=self._in_scope(dataset_id))
            docs = await dataset.list_documents(page_size=self.max_listed)
            return _format_documents(dataset, docs, self.max_listed)

        return await _aguard(run)

    # -- writing (allow_write=True) -------------------------------------------------------
    def upload_text(self, dataset_id: str, name: str, text: str) -> str:
        """Add a text document to a dataset and start parsing it (search finds it once parsed).

        Args:
            dataset_id (str): The id of the dataset to add to.
            name (str): A file name for the document, e.g. "notes.md" (".txt" is added if missing).
            text (str): The document's content.
        """
        self._require_write()

        def run() -> str:
            dataset = self._clients.sync.get_dataset(id=self._in_scope(dataset_id))
            docs = dataset.upload_documents([_upload(name, text)])
            dataset.async_parse_documents([d.id for d in docs])
            return _format_upload(dataset_id, docs)

        return _guard(run)

    async def aupload_text(self, dataset_id: str, name: str, text: str) -> str:
        """Add a text document to a dataset and start parsing it (search finds it once parsed).

        Args:
            dataset_id (str): The id of the dataset to add to.
            name (str): A file name for the document, e.g. "notes.md" (".txt" is added if missing).
            text (str): The document's content.
        """
        self._require_write()
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self.upload_text, dataset_id, name, text)

        async def run() -> str:
            dataset = await arag.get_dataset(id=self._in_scope(dataset_id))
            docs = await dataset.upload_documents([_upload(name, text)])
            await dataset.async_parse_documents([d.id for d in docs])
            return _format_upload(dataset_id, docs)

        return await _aguard(run)

    def _require_write(self) -> None:
        if not self.allow_write:
            raise RAGFlowConfigError(
                "writing is disabled; create RAGFlowToolSpec(allow_write=True)"
            )


# -- helpers ------------------------------------------------------------------------------
def _guard(run: Callable[[], str]) -> str:
    """Run a tool; a RAGFlow error becomes text the agent can read."""
    try:
        return run()
    except RAGFlowError as exc:
        return _error_text(exc)


async def _aguard(run: Callable[[], Awaitable[str]]) -> str:
    try:
        return await run()
    except RAGFlowError as exc:
        return _error_text(exc)


async def _then(value: Awaitable[T], fn: Callable[[T], str]) -> str:
    return fn(await value)


def _error_text(exc: RAGFlowError) -> str:
    return f"Error: {type(exc).__name__}: {exc}"


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _format_hits(nodes: Sequence[NodeWithScore]) -> str:
    if not nodes:
        return "No matching passages found."
    parts = []
    for i, hit in enumerate(nodes, 1):
        meta = hit.node.metadata
        parts.append(
            f"[{i}] {meta.get('document_name') or meta.get('document_id')} "
            f"(document {meta.get('document_id')}, similarity {_score(hit.score)})\n"
            f"{hit.node.get_content()}"
        )
    return "\n\n".join(parts)


def _format_answer(completion: ChatCompletion | Message) -> str:
    nodes = chunks_to_nodes(completion.reference)
    if not nodes:
        return completion.content
    sources = "\n".join(
        f"[ID:{i}] {n.node.metadata.get('document_name')}: {n.node.get_content()[:200]}"
        for i, n in enumerate(nodes)
    )
    return f"{completion.content}\n\nSources:\n{sources}"


def _format_datasets(datasets: Sequence[DatasetFields], limit: int) -> str:
    if not datasets:
        return "No datasets."
    lines = [
        f"- {d.name} (id {d.id}): {d.document_count} documents, {d.chunk_count} chunks"
        + (f" - {d.description}" if d.description else "")
        for d in datasets
    ]
    if len(datasets) >= limit:
        lines.append(f"(only the first {limit} are listed)")
    return "\n".join(lines)


def _format_documents(dataset: DatasetFields, docs: Sequence[DocumentFields], limit: int) -> str:
    if not docs:
        return f"Dataset {dataset.name} (id {dataset.id}) has no documents."
    lines = [f"Documents of {dataset.name} (id {dataset.id}):"]
    for d in docs:
        meta = f", metadata {d.meta_fields}" if d.meta_fields else ""
        lines.append(f"- {d.name} (id {d.id}): {d.run.lower()}, {d.chunk_count} chunks{meta}")
    if len(docs) >= limit:
        lines.append(f"(only the first {limit} are listed)")
    return "\n".join(lines)


def _upload(name: str, text: str) -> dict[str, Any]:
    if not PurePath(name).suffix:
        name = f"{name}.txt"
    return {"display_name": name, "blob": text.encode("utf-8")}


def _format_upload(dataset_id: str, docs: Sequence[DocumentFields]) -> str:
    names = ", ".join(f"{d.name} (id {d.id})" for d in docs)
    return f"Uploaded {names} to dataset {dataset_id}; parsing has started."
