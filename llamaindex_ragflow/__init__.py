"""LlamaIndex integration for RAGFlow: managed index, retriever, chat and query engines, reader,
tool spec and memory block.

>>> from llamaindex_ragflow import RAGFlowRetriever
>>> retriever = RAGFlowRetriever(dataset_ids=["..."], api_key="ragflow-...")  # doctest: +SKIP
>>> nodes = retriever.retrieve("How does RAGFlow chunk documents?")  # doctest: +SKIP
"""

from ._filters import to_filter_expr
from ._nodes import METADATA_KEYS
from .chat_engine import RAGFlowChatEngine
from .index import RAGFlowIndex
from .memory import RAGFlowMemoryBlock
from .query_engine import RAGFlowQueryEngine
from .reader import RAGFlowReader
from .retriever import RAGFlowRetriever
from .tools import RAGFlowToolSpec

__all__ = [
    "METADATA_KEYS",
    "RAGFlowChatEngine",
    "RAGFlowIndex",
    "RAGFlowMemoryBlock",
    "RAGFlowQueryEngine",
    "RAGFlowReader",
    "RAGFlowRetriever",
    "RAGFlowToolSpec",
    "to_filter_expr",
]
