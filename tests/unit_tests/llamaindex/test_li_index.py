"""RAGFlowIndex without a server: its class, and what it leaves to RAGFlow."""

from __future__ import annotations

import pytest
from llama_index.core.indices.managed.base import BaseManagedIndex
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import Document, TextNode

from llamaindex_ragflow import RAGFlowIndex, RAGFlowRetriever
from ragflow_integrations import RAGFlowConfigError


def index() -> RAGFlowIndex:
    return RAGFlowIndex("ds", api_key="ragflow-test", base_url="http://ragflow.test")


def test_class() -> None:
    assert BaseManagedIndex.__name__ in [b.__name__ for b in RAGFlowIndex.__mro__]


def test_nodes_are_left_to_ragflow() -> None:
    idx = index()
    with pytest.raises(NotImplementedError, match="chunks documents itself"):
        idx.insert_nodes([TextNode(text="x")])
    with pytest.raises(NotImplementedError, match="deleting nodes"):
        idx.delete_nodes(["n"])
    with pytest.raises(RAGFlowConfigError, match="instead of transformations"):
        RAGFlowIndex.from_documents(
            [Document(text="x")], transformations=[SentenceSplitter()], dataset_id="ds"
        )
    with pytest.raises(RAGFlowConfigError, match="dataset_name"):
        RAGFlowIndex.from_documents([Document(text="x")], api_key="k")


def test_as_retriever_takes_the_retrievers_options_only() -> None:
    retriever = index().as_retriever(similarity_top_k=3, response_mode="compact")
    assert isinstance(retriever, RAGFlowRetriever)
    assert retriever.dataset_ids == ["ds"] and retriever.similarity_top_k == 3
