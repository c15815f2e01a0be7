"""RAGFlowVectorStore: langchain-tests' standard suite, the indexing API in every cleanup
mode, and what RAGFlow's own embeddings mean for the store. Replayed from cassettes
(recorded against LocalRAGFlow v0.27; parsing waited for while recording).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.indexing import InMemoryRecordManager, aindex, index
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import VectorStoreIntegrationTests

from langchain_ragflow import RAGFlowRetriever, RAGFlowVectorStore
from ragflow_integrations import AsyncRAGFlow, RAGFlow
from tests.support import Server, server_for

pytestmark = [pytest.mark.vcr, pytest.mark.usefixtures("instant_waits_on_replay")]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with server_for("v0.27") as srv:
        yield srv


def clients(server: Server) -> tuple[RAGFlow, AsyncRAGFlow]:
    kwargs: dict[str, Any] = {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "server_version": server.dialect,
        "max_retries": 0,
    }
    return RAGFlow(**kwargs), AsyncRAGFlow(**kwargs)


@pytest.fixture(autouse=True)
def _ids_as_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated document ids are random; the same sequence on every run replays."""
    numbers = itertools.count()
    monkeypatch.setattr(
        "langchain_ragflow.vectorstores.uuid.uuid4", lambda: uuid.UUID(int=next(numbers))
    )


@pytest.fixture
def store(server: Server, request: pytest.FixtureRequest) -> Iterator[RAGFlowVectorStore]:
    """An empty store over a dataset of its own, deleted afterwards."""
    rag, arag = clients(server)
    dataset = rag.create_dataset(name=f"vs_{request.node.name}"[:100])
    try:
        yield RAGFlowVectorStore(dataset.id, client=rag, async_client=arag)
    finally:
        rag.delete_datasets(ids=[dataset.id])
        rag.close()


class TestRAGFlowVectorStoreStandard(VectorStoreIntegrationTests):
    """The whole suite runs: none of its tests needs the caller's embeddings (RAGFlow's
    hybrid search ranks an identical text first, as the suite expects)."""

    @pytest.fixture
    def vectorstore(self, store: RAGFlowVectorStore) -> VectorStore:
        return store


DOCS = [
    Document("Hybrid retrieval mixes term and vector scores.", metadata={"source": "a.md"}),
    Document("Chunks are cut by token count.", metadata={"source": "b.md"}),
    Document("Citations point at the chunks used.", metadata={"source": "c.md"}),
]


@pytest.mark.parametrize("cleanup", [None, "incremental", "full", "scoped_full"])
def test_indexing_api_in_every_cleanup_mode(store: RAGFlowVectorStore, cleanup: Any) -> None:
    manager = InMemoryRecordManager(namespace=f"ragflow/{store.dataset_id}")
    manager.create_schema()
    options: dict[str, Any] = {"cleanup": cleanup}
    if cleanup in ("incremental", "scoped_full"):
        options["source_id_key"] = "source"

    options["key_encoder"] = "sha256"
    first = index(DOCS, manager, store, **options)
    assert first == {"num_added": 3, "num_updated": 0, "num_skipped": 0, "num_deleted": 0}
    again = index(DOCS, manager, store, **options)
    assert again["num_added"] == 0 and again["num_skipped"] == 3  # nothing uploaded again

    changed = Document("Chunks are cut by tokens and delimiters.", metadata={"source": "b.md"})
    third = index([DOCS[0], changed], manager, store, **options)
    assert third["num_added"] == 1
    texts = {d.page_content for d in store.get_by_ids(manager.list_keys())}
    if cleanup is None:  # nothing is ever deleted
        assert third["num_deleted"] == 0 and len(texts) == 4
    elif cleanup == "full":  # c.md was not in the batch: deleted too
        assert third["num_deleted"] == 2
        assert texts == {DOCS[0].page_content, changed.page_content}
    else:  # the old b.md is replaced; c.md's source was not seen, so it stays
        assert third["num_deleted"] == 1
        assert texts == {DOCS[0].page_content, changed.page_content, DOCS[2].page_content}
    hits = store.similarity_search("tokens and delimiters", k=1)
    assert hits[0].page_content == changed.page_content


async def test_async_indexing_api(store: RAGFlowVectorStore) -> None:
    manager = InMemoryRecordManager(namespace="ragflow/async")
    await manager.acreate_schema()
    first = await aindex(DOCS, manager, store, cleanup="full", key_encoder="sha256")
    assert first["num_added"] == 3
    gone = await aindex(DOCS[:1], manager, store, cleanup="full", key_encoder="sha256")
    assert gone["num_deleted"] == 2
    assert [d.page_content for d in await store.aget_by_ids(await manager.alist_keys())] == [
        DOCS[0].page_content
    ]


def test_search_with_scores_filters_and_the_retriever(store: RAGFlowVectorStore) -> None:
    store.add_documents(
        [
            Document("Hybrid retrieval mixes two scores.", id="h", metadata={"topic": "search"}),
            Document("Parsing cuts documents into chunks.", id="p", metadata={"topic": "parse"}),
        ]
    )
    [(hit, score)] = store.similarity_search_with_score("hybrid retrieval", k=1)
    assert hit == Document(
        "Hybrid retrieval mixes two scores.", id="h", metadata={"topic": "search"}
    )
    assert 0 < score <= 1
    only = store.similarity_search("hybrid retrieval", k=2, filter={"topic": "parse"})
    assert [d.id for d in only] == ["p"]
    relevant = store.similarity_search_with_relevance_scores("hybrid retrieval", k=2)
    assert [d.id for d, _ in relevant] == ["h", "p"]

    retrieved = store.as_retriever(search_kwargs={"k": 1}).invoke("hybrid retrieval")
    direct = RAGFlowRetriever(
        dataset_ids=[store.dataset_id], client=store._settings.client, k=1, similarity_threshold=0
    ).invoke("hybrid retrieval")
    assert retrieved == direct  # chunk ids, the document's metadata and RAGFlow's keys
    assert retrieved[0].metadata["topic"] == "search"
    assert retrieved[0].metadata["source_id"] == "h"


def test_from_documents_creates_then_reuses_a_dataset(server: Server) -> None:
    rag, arag = clients(server)
    docs = [Document("One small note.", id="n1", metadata={"k": 1})]
    first = RAGFlowVectorStore.from_documents(
        docs, dataset_name="vs_from_documents", client=rag, async_client=arag
    )
    second = RAGFlowVectorStore.from_documents(
        docs, dataset_name="vs_from_documents", client=rag, async_client=arag
    )
    try:
        assert second.dataset_id == first.dataset_id
        assert [d.id for d in second.get_by_ids(["n1"])] == ["n1"]
    finally:
        rag.delete_datasets(ids=[first.dataset_id])
