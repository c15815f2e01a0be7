"""RAGFlowVectorStore without a server: what it refuses, and why."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.vectorstores import VectorStore

from langchain_ragflow import RAGFlowVectorStore
from ragflow_integrations import AsyncRAGFlow, DeleteAllRequiredError, InvalidArgumentError, RAGFlow

EMBEDDING = DeterministicFakeEmbedding(size=6)


def store() -> RAGFlowVectorStore:
    return RAGFlowVectorStore("ds", api_key="ragflow-test", base_url="http://ragflow.test")


def test_is_a_vector_store_without_client_side_embeddings() -> None:
    assert isinstance(store(), VectorStore)
    assert store().embeddings is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: RAGFlowVectorStore("ds", embedding=EMBEDDING, api_key="k"),
        lambda: RAGFlowVectorStore.from_texts(["a"], EMBEDDING, dataset_id="ds", api_key="k"),
        lambda: RAGFlowVectorStore.from_documents([Document("a")], EMBEDDING, api_key="k"),
    ],
)
def test_an_embedding_is_refused_with_the_reason(make: object) -> None:
    with pytest.raises(InvalidArgumentError, match="with the dataset's own embedding model"):
        make()  # type: ignore[operator]


async def test_mmr_and_vector_searches_are_refused() -> None:
    s = store()
    with pytest.raises(NotImplementedError, match="does not return vectors"):
        s.max_marginal_relevance_search("q")
    with pytest.raises(NotImplementedError, match="maximal marginal relevance"):
        await s.amax_marginal_relevance_search("q")
    with pytest.raises(NotImplementedError, match="search by vector"):
        s.similarity_search_by_vector([0.1, 0.2])
    with pytest.raises(NotImplementedError, match="search by vector"):
        s.max_marginal_relevance_search_by_vector([0.1])
    with pytest.raises(ValueError, match="mmr"):
        s.as_retriever(search_type="mmr")


async def test_deleting_everything_must_be_asked_for() -> None:
    with pytest.raises(DeleteAllRequiredError, match="delete_all=True"):
        store().delete()
    with pytest.raises(DeleteAllRequiredError):
        await store().adelete(None)


def test_arguments_are_checked_before_any_request() -> None:
    s = store()
    with pytest.raises(TypeError, match="unexpected option"):
        s.add_texts(["a"], colour="red")
    with pytest.raises(InvalidArgumentError, match="same length"):
        s.add_texts(["a", "b"], [{}])
    with pytest.raises(InvalidArgumentError, match="dataset_name"):
        RAGFlowVectorStore.from_texts(["a"], api_key="k")
    with pytest.raises(InvalidArgumentError, match="dataset_id"):
        RAGFlowVectorStore("", api_key="k")


async def test_retrievers_share_the_stores_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store built from credentials lends its own clients to every retriever it makes:
    no new client (version detection, connection pool) per ``as_retriever()`` or call."""
    used: list[object] = []

    def retrieve(self: object, **kwargs: object) -> list[object]:
        used.append(self)
        return []

    async def aretrieve(self: object, **kwargs: object) -> list[object]:
        used.append(self)
        return []

    monkeypatch.setattr(RAGFlow, "retrieve", retrieve)
    monkeypatch.setattr(AsyncRAGFlow, "retrieve", aretrieve)
    built: list[AsyncRAGFlow] = []
    real_init = AsyncRAGFlow.__init__

    def counting_init(self: AsyncRAGFlow, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(AsyncRAGFlow, "__init__", counting_init)
    s = store()
    retriever = s.as_retriever(search_kwargs={"k": 2})
    await retriever.ainvoke("q")
    await retriever.ainvoke("q")
    await s.as_retriever().ainvoke("q")
    await s.asimilarity_search("q")
    assert len(built) == 1 and all(c is s._settings._arag() for c in used)
    used.clear()
    retriever.invoke("q")
    s.as_retriever().invoke("q")
    s.similarity_search("q")
    assert len(used) == 3 and all(c is s._settings._rag for c in used)
