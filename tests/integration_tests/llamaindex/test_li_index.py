"""RAGFlowIndex over a dataset of its own: build, attach, insert, update, refresh, delete
(sync and async), then retrieve and answer with the caller's LLM. Replayed from cassettes
(recorded against LocalRAGFlow v0.27; parsing waited for while recording).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.chat_engine import CondensePlusContextChatEngine
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import Document

from llamaindex_ragflow import RAGFlowIndex, RAGFlowRetriever
from ragflow_integrations import RAGFlow
from tests.support import Server, server_for

pytestmark = [pytest.mark.vcr, pytest.mark.usefixtures("instant_waits_on_replay")]

DOCS = [
    Document(
        text="Hybrid retrieval mixes a term score and a vector score.",
        id_="hybrid",
        metadata={"topic": "retrieval", "file_name": "hybrid.md"},
    ),
    Document(text="Parsing cuts each document into chunks.", id_="parsing", metadata={"n": 2}),
]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with server_for("v0.27") as srv:
        yield srv


def connection(server: Server) -> dict[str, Any]:
    return {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "server_version": server.dialect,
        "max_retries": 0,
    }


@pytest.fixture
def index(server: Server, request: pytest.FixtureRequest) -> Iterator[RAGFlowIndex]:
    name = f"li_{request.node.name}"[:100]
    built = RAGFlowIndex.from_documents(DOCS, dataset_name=name, **connection(server))
    try:
        yield built
    finally:
        RAGFlow(**connection(server)).delete_datasets(ids=[built.dataset_id])


def texts(index: RAGFlowIndex, question: str = "retrieval chunks", k: int = 10) -> set[str]:
    nodes = index.as_retriever(similarity_top_k=k, similarity_threshold=0).retrieve(question)
    return {n.node.get_content() for n in nodes}


def test_from_documents_then_attach_by_id(index: RAGFlowIndex, server: Server) -> None:
    info = index.ref_doc_info
    assert sorted(info) == ["hybrid", "parsing"]
    assert info["hybrid"].metadata == {"topic": "retrieval", "file_name": "hybrid.md"}
    attached = RAGFlowIndex(dataset_id=index.dataset_id, **connection(server))
    retriever = attached.as_retriever(similarity_top_k=1)
    assert isinstance(retriever, RAGFlowRetriever)
    [hit] = retriever.retrieve("hybrid retrieval term score")
    assert hit.node.ref_doc_id == "hybrid"  # the LlamaIndex document's id
    assert hit.node.metadata["topic"] == "retrieval"
    assert hit.node.metadata["document_name"] == "hybrid.txt"


def test_insert_update_refresh_delete(index: RAGFlowIndex) -> None:
    index.insert(DOCS[0])  # already there, unchanged: nothing uploaded
    extra = Document(text="Citations point at chunks.", id_="citations")
    index.insert(extra)
    assert sorted(index.ref_doc_info) == ["citations", "hybrid", "parsing"]

    index.update_ref_doc(Document(text="Parsing splits by tokens.", id_="parsing"))
    assert "Parsing splits by tokens." in texts(index)
    assert "Parsing cuts each document into chunks." not in texts(index)

    changed = [DOCS[0], extra, Document(text="A new note.", id_="new")]
    assert index.refresh_ref_docs(changed) == [False, False, True]
    index.delete_ref_doc("citations")
    assert sorted(index.ref_doc_info) == ["hybrid", "new", "parsing"]


async def test_async_variants(index: RAGFlowIndex) -> None:
    await index.ainsert(Document(text="Async insert.", id_="a"))
    await index.aupdate_ref_doc(Document(text="Async update.", id_="a"))
    flags = await index.arefresh_ref_docs([DOCS[1], Document(text="Async new.", id_="b")])
    assert flags == [False, True]
    await index.adelete_ref_doc("hybrid")
    assert sorted(index.ref_doc_info) == ["a", "b", "parsing"]
    nodes = await index.as_retriever(similarity_top_k=5).aretrieve("async update")
    assert "Async update." in {n.node.get_content() for n in nodes}


def test_query_and_chat_engines_use_the_callers_llm(index: RAGFlowIndex) -> None:
    llm = MockLLM(max_tokens=5)
    engine = index.as_query_engine(llm=llm, similarity_top_k=1)
    assert isinstance(engine, RetrieverQueryEngine)
    response = engine.query("How does hybrid retrieval score?")
    assert [n.node.ref_doc_id for n in response.source_nodes] == ["hybrid"]
    assert str(response) == "text text text text text"  # MockLLM's answer
    chat = index.as_chat_engine(llm=llm, similarity_top_k=1)
    assert isinstance(chat, CondensePlusContextChatEngine)
    reply = chat.chat("How does hybrid retrieval score?")
    assert [n.node.ref_doc_id for n in reply.source_nodes] == ["hybrid"]
