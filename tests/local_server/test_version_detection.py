"""Version detection and health against each dialect of LocalRAGFlow (on 127.0.0.1)."""

from __future__ import annotations

import pytest

from ragflow_integrations import AsyncRAGFlow, AuthenticationError, RAGFlow
from ragflow_integrations.testing import LocalRAGFlow

# What the probe ladder can tell from an empty server, and with a document in it.
CASES = [
    ("v0.13", "v0.13.0", "v0.13.0"),
    ("v0.14", "v0.14.0", "v0.14.0"),
    ("v0.16", "v0.14.0", "v0.14.0"),
    ("v0.17", "v0.17.0", "v0.17.0"),
    ("v0.18", "v0.17.0", "v0.17.0"),
    ("v0.19", "v0.19.0", "v0.19.0"),
    ("v0.20", "v0.19.0", "v0.20.0"),
    ("v0.21", "v0.21.0", "v0.21.0"),
    ("v0.22", "v0.21.0", "v0.21.0"),
    ("v0.23", "v0.23.0", "v0.23.0"),
    ("v0.24", "v0.24.0", "v0.24.0"),
    ("v0.25.3", "v0.25.3", "v0.25.3"),
    ("v0.27", "v0.27.0", "v0.27.0"),
]

@pytest.mark.parametrize(("dialect", "empty", "with_document"), CASES)
def test_detection(dialect: str, empty: str, with_document: str) -> None:
    with LocalRAGFlow(dialect=dialect) as srv:
        assert RAGFlow(srv.api_key, srv.base_url).server_version() == empty
        pinned = RAGFlow(srv.api_key, srv.base_url, server_version=dialect)
        ds = pinned.create_dataset(name="probe")
        pinned.upload_document(ds, "a.txt", b"text")
        assert RAGFlow(srv.api_key, srv.base_url).server_version() == with_document


async def test_async_detection_and_health() -> None:
    with LocalRAGFlow(dialect="v0.25.3") as srv:
        async with AsyncRAGFlow(srv.api_key, srv.base_url) as arag:
            assert await arag.server_version() == "v0.25.3"
            assert (await arag.health())["status"] == "ok"


@pytest.mark.parametrize("dialect", ["v0.13", "v0.20", "v0.27"])
def test_health(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect) as srv:
        assert RAGFlow(srv.api_key, srv.base_url).health()["status"] == "ok"


@pytest.mark.parametrize("dialect", ["v0.13", "v0.16", "v0.24", "v0.25.3", "v0.27"])
def test_bad_key_is_reported_during_detection_or_first_call(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect) as srv:
        rag = RAGFlow("ragflow-not-the-key", srv.base_url, max_retries=0)
        with pytest.raises(AuthenticationError) as info:
            rag.list_datasets()
        assert "ragflow-not-the-key" not in str(info.value)


def test_async_client_survives_several_event_loops() -> None:
    """Each asyncio.run() gets its own pool; the client keeps working."""
    import asyncio

    with LocalRAGFlow(dialect="v0.27") as srv:
        arag = AsyncRAGFlow(srv.api_key, srv.base_url, server_version="v0.27")
        asyncio.run(arag.create_dataset(name="a"))
        names = asyncio.run(arag.list_datasets())
        assert [d.name for d in names] == ["a"]
        asyncio.run(arag.aclose())
