"""LangChain integration for RAGFlow: retriever, vector store, chat model, loader, tools and
toolkit.

Built on the typed client in :mod:`ragflow_integrations`; works with RAGFlow v0.13 to v0.27.

>>> from langchain_ragflow import RAGFlowRetriever
>>> retriever = RAGFlowRetriever(dataset_ids=["..."], k=4)  # doctest: +SKIP
"""

from .chat_message_histories import RAGFlowChatMessageHistory
from .chat_models import ChatRAGFlow
from .document_loaders import RAGFlowLoader
from .retrievers import RAGFlowRetriever, RAGFlowTranslator
from .toolkits import RAGFlowToolkit
from .tools import (
    RAGFlowAgentTool,
    RAGFlowAskTool,
    RAGFlowListDatasetsTool,
    RAGFlowListDocumentsTool,
    RAGFlowParseDocumentsTool,
    RAGFlowSearchTool,
    RAGFlowUploadTextTool,
)
from .vectorstores import RAGFlowVectorStore

__all__ = [
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
