"""The public surface of ``langchain_ragflow``."""

from __future__ import annotations

import langchain_ragflow

EXPECTED_ALL = [
    "ChatRAGFlow",
    "RAGFlowAgentTool",
    "RAGFlowAskTool",
    "RAGFlowChatMessageHistory",
    "RAGFlowListDatasetsTool",
    "RAGFlowListDocumentsTool",
    "RAGFlowLoader",
    "RAGFlowParseDocumentsTool",
    "RAGFlowRetriever",
    "RAGFlowSearchTool",
    "RAGFlowToolkit",
    "RAGFlowTranslator",
    "RAGFlowUploadTextTool",
    "RAGFlowVectorStore",
]


def test_all_imports() -> None:
    assert sorted(langchain_ragflow.__all__) == EXPECTED_ALL
    namespace: dict[str, object] = {}
    exec("from langchain_ragflow import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == EXPECTED_ALL
    for name in EXPECTED_ALL:  # each is a class of this package, not a re-exported stranger
        obj = getattr(langchain_ragflow, name)
        assert isinstance(obj, type) and obj.__module__.startswith("langchain_ragflow."), name


def test_bases() -> None:
    from langchain_core.chat_history import BaseChatMessageHistory
    from langchain_core.document_loaders import BaseLoader
    from langchain_core.language_models import BaseChatModel
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.structured_query import Visitor
    from langchain_core.tools import BaseTool, BaseToolkit

    assert issubclass(langchain_ragflow.ChatRAGFlow, BaseChatModel)
    assert issubclass(langchain_ragflow.RAGFlowRetriever, BaseRetriever)
    assert issubclass(langchain_ragflow.RAGFlowLoader, BaseLoader)
    assert issubclass(langchain_ragflow.RAGFlowToolkit, BaseToolkit)
    assert issubclass(langchain_ragflow.RAGFlowSearchTool, BaseTool)
    assert issubclass(langchain_ragflow.RAGFlowTranslator, Visitor)
    assert issubclass(langchain_ragflow.RAGFlowAgentTool, BaseTool)
    assert issubclass(langchain_ragflow.RAGFlowChatMessageHistory, BaseChatMessageHistory)


def test_package_knows_no_http() -> None:
    """The LangChain layer maps models; it never builds URLs or parses JSON itself."""
    from pathlib import Path

    for path in Path(langchain_ragflow.__file__).parent.glob("*.py"):
        text = path.read_text()
        for word in ("import json", "import httpx", "import requests", "/api/v1"):
            assert word not in text, f"{path.name} contains {word!r}"
