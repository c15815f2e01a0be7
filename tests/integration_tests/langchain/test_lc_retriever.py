"""RAGFlowRetriever against the sample data: the standard suite (v0.27), filters, async,
and the same question on v0.20 (version independence). Replayed from cassettes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.structured_query import Comparator, Comparison, Operation, Operator
from langchain_tests.integration_tests import RetrieversIntegrationTests

from langchain_ragflow import RAGFlowRetriever
from ragflow_integrations.samples import SAMPLE_METADATA
from tests.support import Seeded, live_server, recording, seeded_environment

NAME = Path(__file__).stem
QUESTION = "How does hybrid retrieval score chunks?"
SEEDS: dict[str, Seeded] = {}


@pytest.fixture(scope="module", autouse=True)
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        SEEDS["v0.27"] = seeded
        yield seeded


def make(seeded: Seeded, **kwargs: Any) -> RAGFlowRetriever:
    return RAGFlowRetriever(dataset_ids=[seeded.dataset_id], **seeded.client_kwargs(), **kwargs)


@pytest.mark.vcr
class TestRAGFlowRetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[RAGFlowRetriever]:
        return RAGFlowRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        seeded = SEEDS["v0.27"]
        return {
            "dataset_ids": [seeded.dataset_id],
            "similarity_threshold": 0.0,
            **seeded.client_kwargs(),
        }

    @property
    def retriever_query_example(self) -> str:
        return QUESTION


@pytest.mark.vcr
def test_documents_carry_chunk_ids_scores_and_provenance(seeded: Seeded) -> None:
    docs = make(seeded, k=3, similarity_threshold=0.0).invoke(QUESTION)
    assert len(docs) == 3
    assert docs[0].metadata["document_name"] == "hybrid_retrieval.md"
    scores = [d.metadata["similarity"] for d in docs]
    assert scores == sorted(scores, reverse=True)  # the server's order
    for doc in docs:
        assert doc.id and doc.id != doc.metadata["document_id"]
        assert doc.metadata["dataset_id"] == seeded.dataset_id
        assert doc.metadata["document_id"] in seeded.document_ids
        assert {"vector_similarity", "term_similarity"} <= set(doc.metadata)
        own = SAMPLE_METADATA[doc.metadata["document_name"]]
        assert {k: doc.metadata[k] for k in own} == own  # the document's own metadata


def names(docs: list[Any]) -> set[str]:
    return {d.metadata["document_name"] for d in docs}


def expected(predicate: Any) -> set[str]:
    return {name for name, meta in SAMPLE_METADATA.items() if predicate(meta)}


@pytest.mark.vcr
def test_filters_are_exact(seeded: Seeded) -> None:
    retriever = make(seeded, k=10, similarity_threshold=0.0)
    docs = retriever.invoke("RAGFlow", filter={"author": "alice"})
    assert names(docs) == expected(lambda m: m["author"] == "alice")
    docs = retriever.invoke("RAGFlow", filter={"$or": [{"year": {"$lt": 2024}}, {"topic": "chat"}]})
    assert names(docs) == expected(lambda m: m["year"] < 2024 or m["topic"] == "chat")


@pytest.mark.vcr
def test_structured_query_filter(seeded: Seeded) -> None:
    condition = Operation(
        operator=Operator.AND,
        arguments=[
            Comparison(comparator=Comparator.EQ, attribute="author", value="alice"),
            Comparison(comparator=Comparator.GTE, attribute="year", value=2025),
        ],
    )
    docs = make(seeded, k=10, similarity_threshold=0.0, filter=condition).invoke("RAGFlow")
    assert names(docs) == {"chunking.md"}


@pytest.mark.vcr
async def test_ainvoke_matches_invoke(seeded: Seeded) -> None:
    sync = make(seeded, k=3).invoke(QUESTION)
    docs = await make(seeded, k=3).ainvoke(QUESTION, filter={"topic": "retrieval"})
    assert [d.id for d in docs] == [
        d.id for d in sync if d.metadata["document_name"] == "hybrid_retrieval.md"
    ]


@pytest.fixture(scope="module")
def seeded_pair() -> Iterator[tuple[Seeded, Seeded]]:
    """v0.27 and v0.20 side by side: two stand-ins (a live server is one version), the v0.27
    one with a seed of its own (``seed-v0.27.json`` of this module is the live recording's).
    """
    if recording() and live_server():
        pytest.skip("compares two versions; a live server is one")
    with (
        seeded_environment("v0.27", f"{NAME}_v0_20") as new,
        seeded_environment("v0.20", NAME) as old,
    ):
        yield new, old


@pytest.mark.vcr
def test_same_results_on_v0_20(seeded_pair: tuple[Seeded, Seeded]) -> None:
    """v0.20 speaks another dialect (no metadata_condition); the documents look the same."""
    seeded, seeded_v020 = seeded_pair
    new = make(seeded, k=3, similarity_threshold=0.0).invoke(QUESTION, filter={"author": "bob"})
    old = make(seeded_v020, k=3, similarity_threshold=0.0).invoke(
        QUESTION, filter={"author": "bob"}
    )
    assert [d.page_content for d in old] == [d.page_content for d in new]
    assert [set(d.metadata) for d in old] == [set(d.metadata) for d in new]
    assert names(old) == {"hybrid_retrieval.md"}
