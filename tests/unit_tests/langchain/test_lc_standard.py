"""langchain-tests standard unit suites (offline)."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from langchain_tests.unit_tests import ChatModelUnitTests, ToolsUnitTests

from langchain_ragflow import (
    ChatRAGFlow,
    RAGFlowAskTool,
    RAGFlowListDatasetsTool,
    RAGFlowListDocumentsTool,
    RAGFlowParseDocumentsTool,
    RAGFlowSearchTool,
    RAGFlowUploadTextTool,
)

BASE_URL = "http://ragflow.test"
ENV = {"RAGFLOW_API_KEY": "env-key", "RAGFLOW_BASE_URL": "http://env.ragflow.test"}
FROM_ENV = {"api_key": "env-key", "base_url": "http://env.ragflow.test"}


class TestChatRAGFlowUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatRAGFlow]:
        return ChatRAGFlow

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"chat_id": "chat-1", "base_url": BASE_URL}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return ENV, {"chat_id": "chat-1"}, FROM_ENV

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True


class _ToolUnit(ToolsUnitTests):
    tool_class: type[BaseTool]
    extra: dict[str, Any] = {}  # noqa: RUF012
    example: dict[str, Any] = {}  # noqa: RUF012

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return self.tool_class

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"api_key": "test", "base_url": BASE_URL, "dataset_ids": ["ds-1"], **self.extra}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return self.example

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return ENV, {"dataset_ids": ["ds-1"], **self.extra}, FROM_ENV


class TestSearchToolUnit(_ToolUnit):
    tool_class = RAGFlowSearchTool
    example = {"query": "How does RAGFlow cite sources?"}  # noqa: RUF012


class TestAskToolUnit(_ToolUnit):
    tool_class = RAGFlowAskTool
    extra = {"chat_id": "chat-1"}  # noqa: RUF012
    example = {"question": "How does RAGFlow cite sources?"}  # noqa: RUF012


class TestListDatasetsToolUnit(_ToolUnit):
    tool_class = RAGFlowListDatasetsTool


class TestListDocumentsToolUnit(_ToolUnit):
    tool_class = RAGFlowListDocumentsTool
    example = {"dataset_id": "ds-1", "keywords": "chunk", "page": 1}  # noqa: RUF012


class TestUploadTextToolUnit(_ToolUnit):
    tool_class = RAGFlowUploadTextTool
    example = {"dataset_id": "ds-1", "name": "notes.md", "text": "# Notes"}  # noqa: RUF012


class TestParseDocumentsToolUnit(_ToolUnit):
    tool_class = RAGFlowParseDocumentsTool
    example = {"dataset_id": "ds-1", "document_ids": ["doc-1"]}  # noqa: RUF012
