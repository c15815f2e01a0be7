"""``RAGFlowToolkit``: the RAGFlow tools for an agent, described with the datasets' own words."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import Field

from ragflow_integrations import DataSet
from ragflow_integrations.types.agent import unique_tool_name

from ._settings import RAGFlowSettings
from .tools import (
    AGENT_DESCRIPTION,
    ASK_DESCRIPTION,
    SEARCH_DESCRIPTION,
    RAGFlowAgentTool,
    RAGFlowAskTool,
    RAGFlowListDatasetsTool,
    RAGFlowListDocumentsTool,
    RAGFlowParseDocumentsTool,
    RAGFlowSearchTool,
    RAGFlowUploadTextTool,
)

__all__ = ["RAGFlowToolkit"]


class RAGFlowToolkit(BaseToolkit, RAGFlowSettings):
    """Tools over RAGFlow datasets and (optionally) a chat assistant.

    ``get_tools()`` returns ``ragflow_search``, ``ragflow_list_datasets`` and
    ``ragflow_list_documents``, plus ``ragflow_ask`` when ``chat_id`` is given, one
    :class:`RAGFlowAgentTool` per agent of ``agent_ids`` (named and described from the
    agent's title and description; a name already taken gets the agent's id appended),
    plus ``ragflow_upload_text`` and ``ragflow_parse_documents`` only with
    ``allow_write=True``.
    The first call reads the datasets (every dataset when ``dataset_ids`` is empty) so the
    search tool's description names them with their own descriptions. All tools share
    one client.

    Example:
        .. code-block:: python

            toolkit = RAGFlowToolkit(dataset_ids=["..."], chat_id="...")
            tools = toolkit.get_tools()
    """

    dataset_ids: list[str] = Field(default_factory=list)
    """Datasets the agent may use (empty: every dataset the key can see)."""
    chat_id: str | None = None
    """A chat assistant for ``ragflow_ask``."""
    agent_ids: list[str] = Field(default_factory=list)
    """Agents to offer as tools, one each."""
    allow_write: bool = False
    """Add the tools that upload and parse documents."""
    k: int = 4
    """Passages per search."""
    similarity_threshold: float = 0.2
    """Passages scoring below this are dropped."""

    @cached_property
    def _datasets(self) -> list[DataSet]:
        rag = self._rag
        if self.dataset_ids:
            return [rag.get_dataset(id=i) for i in self.dataset_ids]
        return list(rag.list_datasets(page=1, page_size=100))

    def _describe(self, base: str, datasets: list[DataSet]) -> str:
        if not datasets:
            return base
        lines = [base, "Datasets:"]
        for ds in datasets:
            about = " ".join((ds.description or "").split())
            lines.append(f"- {ds.name}: {about}" if about else f"- {ds.name}")
        return "\n".join(lines)

    def _agent_tools(self, shared: dict[str, Any], taken: set[str]) -> list[BaseTool]:
        tools: list[BaseTool] = []
        for agent_id in self.agent_ids:
            agent = self._rag.get_agent(agent_id)
            name = unique_tool_name(agent, taken)
            about = " ".join((agent.description or "").split())
            description = f"{about}\n\n{AGENT_DESCRIPTION}" if about else AGENT_DESCRIPTION
            tools.append(
                RAGFlowAgentTool(**shared, agent_id=agent.id, name=name, description=description)
            )
        return tools

    def get_tools(self) -> list[BaseTool]:
        """The tools, sharing this toolkit's client (datasets are read on the first call)."""
        datasets = self._datasets
        ids = [ds.id for ds in datasets]
        shared: dict[str, Any] = {**self._settings_for_child(), "dataset_ids": ids}
        tools: list[BaseTool] = [
            RAGFlowSearchTool(
                **shared,
                k=self.k,
                similarity_threshold=self.similarity_threshold,
                description=self._describe(SEARCH_DESCRIPTION, datasets),
            ),
        ]
        if self.chat_id:
            chat = self._rag.get_chat(id=self.chat_id)
            about = f"{ASK_DESCRIPTION}\nAssistant: {chat.name}"
            if chat.description:
                about += f": {' '.join(chat.description.split())}"
            tools.append(RAGFlowAskTool(**shared, chat_id=self.chat_id, description=about))
        others: list[BaseTool] = [
            RAGFlowListDatasetsTool(**shared),
            RAGFlowListDocumentsTool(**shared),
        ]
        if self.allow_write:
            others.append(RAGFlowUploadTextTool(**shared))
            others.append(RAGFlowParseDocumentsTool(**shared))
        taken = {tool.name for tool in [*tools, *others]}
        return [*tools, *self._agent_tools(shared, taken), *others]
