"""AsyncRAGFlow on httpx, replayed from cassettes, on a cumulative and a delta dialect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from ragflow_integrations import (
    AsyncChat,
    AsyncChunk,
    AsyncDataSet,
    AsyncRAGFlow,
    AsyncSession,
    Message,
    NotFoundError,
)
from ragflow_integrations.samples import sample_files
from tests.support import Seeded, assert_deltas_rebuild, seeded_environment

pytestmark = pytest.mark.vcr


@pytest.fixture(scope="module", params=["v0.20", "v0.27"])
def env(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with seeded_environment(request.param, "test_async_client") as seeded:
        yield seeded


@pytest.fixture
async def arag(env: Seeded) -> AsyncIterator[AsyncRAGFlow]:
    async with AsyncRAGFlow(**env.client_kwargs()) as client:
        yield client


async def test_datasets_documents_chunks(arag: AsyncRAGFlow, env: Seeded) -> None:
    datasets = await arag.list_datasets()
    assert env.dataset_id in {d.id for d in datasets}
    ds = await arag.get_dataset(id=env.dataset_id)
    assert isinstance(ds, AsyncDataSet)
    docs = [d async for d in ds.iter_documents(page_size=3)]
    assert sorted(d.id for d in docs) == sorted(env.document_ids)
    page = await ds.list_documents(page=1, page_size=2)
    assert len(page) == 2
    chunks = [c async for c in docs[0].iter_chunks(page_size=1)]
    assert chunks and all(c.document_id == docs[0].id for c in chunks)
    assert chunks == await docs[0].list_chunks(page_size=100)
    assert await docs[0].download() == dict(sample_files())[docs[0].name]
    with pytest.raises(NotFoundError):
        await arag.get_document(id="f" * 32)


async def test_retrieval(arag: AsyncRAGFlow, env: Seeded) -> None:
    hits = await arag.retrieve(
        dataset_ids=[env.dataset_id],
        question="What is a chunk method?",
        page_size=3,
        similarity_threshold=0.0,
    )
    assert hits and all(isinstance(h, AsyncChunk) and h.similarity is not None for h in hits)
    assert hits[0].dataset_id == env.dataset_id
    same = await arag.retrieval(
        "What is a chunk method?", [env.dataset_id], limit=3, similarity_threshold=0.0
    )
    assert [h.id for h in same] == [h.id for h in hits]


async def test_concurrent_requests_share_one_pool(
    arag: AsyncRAGFlow, env: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[httpx.AsyncClient] = []
    original_init = httpx.AsyncClient.__init__

    def counting_init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        pools.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting_init)
    questions = ["parsing progress", "vector similarity", "citations"]
    results = await asyncio.gather(
        *(
            arag.retrieve(
                dataset_ids=[env.dataset_id], question=q, page_size=2, similarity_threshold=0.0
            )
            for q in questions
        )
    )
    assert [len(r) > 0 for r in results] == [True, True, True]
    assert len(pools) == 1, "three concurrent requests must share one connection pool"


async def test_sessions_and_ask(arag: AsyncRAGFlow, env: Seeded) -> None:
    chat = await arag.get_chat(id=env.chat_id)
    assert isinstance(chat, AsyncChat) and chat.dataset_ids == [env.dataset_id]
    sess = await chat.create_session("async")
    assert isinstance(sess, AsyncSession) and sess.chat_id == chat.id
    listed = await chat.list_sessions(id=sess.id)
    assert [s.id for s in listed] == [sess.id]
    answer = await sess.ask("How does the final similarity mix scores?")
    assert isinstance(answer, Message) and answer.final and answer.reference
    streamed = [m async for m in sess.ask("What does a session keep?", stream=True)]
    assert len(streamed) > 2 and streamed[-1].final and streamed[-1].reference
    assert assert_deltas_rebuild(streamed) == streamed[-1].content
    await chat.delete_sessions(ids=[sess.id])
    assert await chat.list_sessions() == []


async def test_openai_compatible(arag: AsyncRAGFlow, env: Seeded) -> None:
    messages = [{"role": "user", "content": "What does retrieval score?"}]
    done = await arag.openai_chat_completion(env.chat_id, messages)
    assert done.content and done.usage is not None
    stream = await arag.openai_chat_completion(env.chat_id, messages, stream=True)
    pieces = [p async for p in stream]
    assert "".join(p.delta for p in pieces).strip() and pieces[-1].finish_reason == "stop"
