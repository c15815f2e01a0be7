"""RAGFlowIndex without a server: its class, and what it leaves to RAGFlow."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.indices.managed.base import BaseManagedIndex
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import Document, TextNode

from llamaindex_ragflow import RAGFlowIndex, RAGFlowRetriever
from ragflow_integrations import DataSet, NotFoundError, RAGFlowConfigError


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


class _Ingested:
    def raise_for_failures(self) -> None:
        return None


class _CountingRAG:
    """Stands in for the ``RAGFlow`` that the index builds from credentials."""

    built: list[_CountingRAG]

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.calls: list[tuple[str, Any]] = []
        self.built.append(self)

    def get_dataset(self, name: str | None = None, *, id: str | None = None) -> DataSet:
        self.calls.append(("get_dataset", name))
        raise NotFoundError(f"no dataset {name!r}", code=102)

    def create_dataset(self, name: str, **options: Any) -> DataSet:
        self.calls.append(("create_dataset", (name, options)))
        return DataSet(id="ds-new", name=name)

    def ingest(self, dataset_id: str, items: list[Any], **options: Any) -> _Ingested:
        self.calls.append(("ingest", (dataset_id, len(items))))
        return _Ingested()


def test_from_documents_by_name_builds_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dataset is found or created with the index's own client: none is thrown away."""
    monkeypatch.setattr(_CountingRAG, "built", [], raising=False)
    monkeypatch.setattr("llamaindex_ragflow._clients.RAGFlow", _CountingRAG)
    idx = RAGFlowIndex.from_documents(
        [Document(text="x")],
        dataset_name="notes",
        dataset_options={"chunk_method": "naive"},
        api_key="k",
        base_url="http://ragflow.test",
    )
    (rag,) = _CountingRAG.built
    assert idx._clients.sync is rag and idx.dataset_id == "ds-new"
    assert rag.settings["api_key"] == "k"
    assert rag.calls == [
        ("get_dataset", "notes"),
        ("create_dataset", ("notes", {"chunk_method": "naive"})),
        ("ingest", ("ds-new", 1)),
    ]
    with pytest.raises(RAGFlowConfigError, match="dataset_id"):
        RAGFlowIndex.from_documents([Document(text="x")], dataset_id="", api_key="k")
