"""RAGFlowVectorStore without a server: what it refuses, and why."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.vectorstores import VectorStore

from langchain_ragflow import RAGFlowVectorStore
from ragflow_integrations import DeleteAllRequiredError, InvalidArgumentError

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
