"""Each class derives from the LlamaIndex base it plugs into."""

from __future__ import annotations

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.chat_engine.types import BaseChatEngine
from llama_index.core.readers.base import BaseReader
from llama_index.core.tools.tool_spec.base import BaseToolSpec

from llamaindex_ragflow import (
    RAGFlowChatEngine,
    RAGFlowQueryEngine,
    RAGFlowReader,
    RAGFlowRetriever,
    RAGFlowToolSpec,
)


def test_class() -> None:
    names_of_base_classes = [b.__name__ for b in RAGFlowRetriever.__mro__]
    assert BaseRetriever.__name__ in names_of_base_classes
    assert BaseChatEngine.__name__ in [b.__name__ for b in RAGFlowChatEngine.__mro__]
    assert BaseQueryEngine.__name__ in [b.__name__ for b in RAGFlowQueryEngine.__mro__]
    assert BaseReader.__name__ in [b.__name__ for b in RAGFlowReader.__mro__]
    assert BaseToolSpec.__name__ in [b.__name__ for b in RAGFlowToolSpec.__mro__]
