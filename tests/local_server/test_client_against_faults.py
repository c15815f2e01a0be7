"""The client against LocalRAGFlow's injected faults, and proof that deletes stay narrow.

These tests start the stand-in server on 127.0.0.1 (no cassettes): faults and timing
cannot be recorded faithfully.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from ragflow_integrations import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncRAGFlow,
    InternalServerError,
    RAGFlow,
    StreamError,
)
from ragflow_integrations._demo import run_demo
from ragflow_integrations.samples import load_samples
from ragflow_integrations.testing import LocalRAGFlow
from tests.support import assert_deltas_rebuild


@pytest.fixture
def server() -> Iterator[LocalRAGFlow]:
    with LocalRAGFlow(dialect="v0.27", parse_delay=0.05) as srv:
        yield srv


def client(server: LocalRAGFlow, **kw: object) -> RAGFlow:
    return RAGFlow(server.api_key, server.base_url, server_version=server.version, **kw)  # type: ignore[arg-type]


def test_429_retry_after_is_honoured(server: LocalRAGFlow, no_sleep: list[float]) -> None:
    rag = client(server)
    rag.create_dataset(name="kb")
    server.inject(kind="status", status=429, retry_after=1.5, times=1, path="/datasets")
    assert [d.name for d in rag.list_datasets()] == ["kb"]
    assert no_sleep == [1.5]


def test_proxy_502_html_is_retried_then_reported(
    server: LocalRAGFlow, no_sleep: list[float]
) -> None:
    rag = client(server, max_retries=2)
    fault = server.inject(
        kind="status",
        status=502,
        times=None,
        body="<html>Bad Gateway</html>",
        content_type="text/html",
        path="/datasets",
    )
    with pytest.raises(InternalServerError, match="Bad Gateway") as info:
        rag.list_datasets()
    assert info.value.status_code == 502 and fault.hits == 3


def test_5xx_on_create_is_not_retried(server: LocalRAGFlow, no_sleep: list[float]) -> None:
    rag = client(server)
    server.inject(kind="status", status=503, times=1, path="/datasets", method="POST")
    with pytest.raises(InternalServerError):
        rag.create_dataset(name="once")
    posts = [r for r in server.request_log if r.method == "POST" and r.path.endswith("/datasets")]
    assert len(posts) == 1 and no_sleep == []


def test_read_timeout(server: LocalRAGFlow) -> None:
    rag = client(server, timeout=0.2, max_retries=0)
    server.inject(kind="delay", seconds=1.0, times=1, path="/datasets")
    with pytest.raises(APITimeoutError, match="timed out"):
        rag.list_datasets()


def test_malformed_body(server: LocalRAGFlow) -> None:
    rag = client(server)
    server.inject(kind="malformed", times=1, path="/datasets")
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        rag.list_datasets()


@pytest.mark.parametrize("dialect", ["v0.20", "v0.27"])
def test_dropped_stream_keeps_what_arrived(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect, parse_delay=0.05) as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version=dialect)
        samples = load_samples(rag, interval=0.02)
        assert samples.chat is not None
        session = samples.chat.create_session()
        srv.inject(kind="drop_stream", after_events=2, times=1)
        got = []
        with pytest.raises(StreamError) as info:
            for message in session.ask("How does hybrid retrieval work?", stream=True):
                got.append(message)
        assert got and info.value.partial is not None
        assert info.value.partial.content == got[-1].content != ""
        assert assert_deltas_rebuild(got) == info.value.partial.content


async def test_async_dropped_stream_keeps_what_arrived() -> None:
    with LocalRAGFlow(dialect="v0.24", parse_delay=0.05) as srv:
        samples = load_samples(RAGFlow(srv.api_key, srv.base_url), interval=0.02)
        assert samples.chat is not None
        async with AsyncRAGFlow(srv.api_key, srv.base_url, server_version="v0.24") as arag:
            chat = await arag.get_chat(id=samples.chat.id)
            session = await chat.create_session()
            srv.inject(kind="drop_stream", after_events=2, times=1)
            got = []
            with pytest.raises(StreamError) as info:
                async for message in session.ask("What is parsing?", stream=True):
                    got.append(message)
            assert got and info.value.partial.content == got[-1].content
            assert assert_deltas_rebuild(got) == info.value.partial.content


@pytest.mark.parametrize("dialect", ["v0.13", "v0.19", "v0.24", "v0.27"])
def test_deletes_never_reach_more_than_named(dialect: str) -> None:
    """Old servers delete everything on an empty list; the client never sends one."""
    with LocalRAGFlow(dialect=dialect, parse_delay=0.02) as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version=dialect)
        samples = load_samples(rag, interval=0.02)
        assert samples.chat is not None
        keep = rag.create_dataset(name="keep")
        ds, chat = samples.dataset, samples.chat
        doc = ds.list_documents()[0]
        session = chat.create_session()
        srv.request_log.clear()
        rag.delete_datasets(ids=[])
        ds.delete_documents(ids=[])
        doc.delete_chunks(ids=[])
        rag.delete_chats(ids=[])
        chat.delete_sessions(ids=[])
        assert [r for r in srv.request_log if r.method == "DELETE"] == []
        assert len(rag.list_datasets()) == 2 and len(ds.list_documents()) == 4
        assert doc.list_chunks() and chat.list_sessions()
        # Named deletes remove only what they name.
        doc.delete_chunks(ids=[doc.list_chunks()[0].id])
        assert len(doc.list_chunks(page_size=100)) == doc.chunk_count - 1
        # delete_all deletes everything, in one request, in this version's words.
        chat.delete_sessions(delete_all=True)
        assert chat.list_sessions() == [] and session.id
        rag.delete_datasets(ids=[keep.id])
        assert [d.id for d in rag.list_datasets()] == [ds.id]


def test_demo_runs_offline() -> None:
    out = io.StringIO()
    run_demo("v0.27", out=out, frameworks=False)
    text = out.getvalue()
    assert "LocalRAGFlow (an offline stand-in, not a RAG engine)" in text
    assert "4 documents parsed" in text and "hybrid_retrieval.md" in text
    assert "ingesting again: unchanged; requests {'list documents': 1}" in text
    assert "references:" in text and "[ID:0]" in text


def test_the_trap_is_real_on_old_servers() -> None:
    """What the client avoids: v0.13 deletes every dataset on an empty ids list."""
    import requests

    with LocalRAGFlow(dialect="v0.13") as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version="v0.13")
        rag.create_dataset(name="a")
        rag.create_dataset(name="b")
        requests.delete(
            f"{srv.base_url}/api/v1/datasets",
            json={"ids": []},
            headers={"Authorization": f"Bearer {srv.api_key}"},
            timeout=5,
        )
        assert list(rag.list_datasets()) == []
