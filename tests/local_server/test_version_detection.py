"""Version detection and health against each dialect of LocalRAGFlow (on 127.0.0.1)."""

from __future__ import annotations

import json
import logging
import socket

import pytest
import requests

from ragflow_integrations import AsyncRAGFlow, AuthenticationError, RAGFlow
from ragflow_integrations.samples import load_samples
from ragflow_integrations.testing import LocalRAGFlow
from tests.local_server.rawserver import RawServer, Seen, head

# What the probe ladder can tell from an empty server, with a document in it, and whether
# the empty server's answer is exact (else a warning says what range it is).
CASES = [
    ("v0.13", "v0.13.0", "v0.13.0", True),
    ("v0.14", "v0.14.0", "v0.14.0", False),
    ("v0.15", "v0.14.0", "v0.14.0", False),
    ("v0.16", "v0.16.0", "v0.16.0", True),
    ("v0.17", "v0.17.0", "v0.17.0", False),
    ("v0.18", "v0.17.0", "v0.17.0", False),
    ("v0.19", "v0.19.0", "v0.19.0", False),
    ("v0.20", "v0.19.0", "v0.20.0", False),
    ("v0.21", "v0.21.0", "v0.21.0", False),
    ("v0.22", "v0.21.0", "v0.21.0", False),
    ("v0.23", "v0.23.0", "v0.23.0", True),
    ("v0.24", "v0.24.0", "v0.24.0", True),
    ("v0.25.3", "v0.25.3", "v0.25.3", True),
    ("v0.27", "v0.27.0", "v0.27.0", True),
]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    found = [
        r.getMessage()
        for r in caplog.records
        if r.name == "ragflow_integrations" and r.levelno == logging.WARNING
    ]
    caplog.clear()
    return found


@pytest.mark.parametrize(("dialect", "empty", "with_document", "exact"), CASES)
def test_detection(
    dialect: str, empty: str, with_document: str, exact: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ragflow_integrations")
    with LocalRAGFlow(dialect=dialect) as srv:
        before = len(srv.request_log)
        assert RAGFlow(srv.api_key, srv.base_url).server_version() == empty
        probes = srv.request_log[before:]
        assert {r.method for r in probes} <= {"GET", "POST"}  # reads, and refused requests
        warned = _warnings(caplog)
        if exact:
            assert warned == []
        else:
            (message,) = warned
            assert f"{empty} or newer" in message and "server_version=" in message
        pinned = RAGFlow(srv.api_key, srv.base_url, server_version=dialect)
        assert pinned.list_datasets() == [] and pinned.list_chats() == []  # nothing left behind
        ds = pinned.create_dataset(name="probe")
        pinned.upload_document(ds, "a.txt", b"text")
        assert RAGFlow(srv.api_key, srv.base_url).server_version() == with_document


def _renaming_version(local: LocalRAGFlow, named: str) -> RawServer:
    """A proxy in front of ``local`` that answers /system/version with ``named``."""

    def forward(seen: Seen, conn: socket.socket) -> bool:
        if seen.target.startswith("/api/v1/system/version"):
            body = json.dumps({"code": 0, "message": "success", "data": named}).encode()
            status, ctype = 200, "application/json"
        else:
            headers = {
                k: v for k, v in seen.headers.items() if k in ("authorization", "content-type")
            }
            answer = requests.request(
                seen.method,
                local.base_url + seen.target,
                headers=headers,
                data=seen.body,
                timeout=10,
            )
            body, status = answer.content, answer.status_code
            ctype = answer.headers.get("Content-Type", "application/json")
        conn.sendall(head(status, {"Content-Type": ctype, "Content-Length": str(len(body))}) + body)
        return True

    return RawServer(forward)


@pytest.mark.parametrize(
    ("dialect", "detected"),
    [("v0.25.0", "v0.25.0"), ("v0.25.3", "v0.25.1"), ("v0.26", "v0.26.0"), ("v0.27", "v0.26.0")],
)
def test_a_server_that_says_unknown_is_probed(
    dialect: str, detected: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A source checkout without a VERSION file answers "unknown": probe, and say so."""
    caplog.set_level(logging.WARNING, logger="ragflow_integrations")
    with LocalRAGFlow(dialect=dialect) as local, _renaming_version(local, "unknown") as proxy:
        assert RAGFlow(local.api_key, proxy.url).server_version() == detected
        (message,) = _warnings(caplog)
        assert "does not name its version" in message and "'unknown'" in message
        assert RAGFlow(local.api_key, local.base_url).list_datasets() == []


def test_a_server_newer_than_the_client_knows_is_spoken_to_as_the_newest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ragflow_integrations")
    with LocalRAGFlow(dialect="v0.27") as local, _renaming_version(local, "v0.29.1") as proxy:
        assert RAGFlow(local.api_key, proxy.url).server_version() == "v0.27.99"
        (message,) = _warnings(caplog)
        assert "'v0.29.1', newer than this client knows" in message


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


def test_a_guessed_version_keeps_citations_and_references(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On v0.20, an empty dataset listed first hides the version: the guess is v0.19."""
    from langchain_ragflow import ChatRAGFlow
    from llamaindex_ragflow import RAGFlowQueryEngine

    caplog.set_level(logging.WARNING, logger="ragflow_integrations")
    with LocalRAGFlow(dialect="v0.20", parse_delay=0.02) as srv:
        pinned = RAGFlow(srv.api_key, srv.base_url, server_version="v0.20")
        samples = load_samples(pinned, interval=0.02)
        assert samples.chat is not None
        pinned.create_dataset(name="newest and empty")
        guessed = RAGFlow(srv.api_key, srv.base_url)
        assert guessed.server_version() == "v0.19.0"
        assert _warnings(caplog)  # the guess is announced

        question = "How does RAGFlow cite its sources?"
        reply = ChatRAGFlow(chat_id=samples.chat.id, client=guessed).invoke(question)
        assert "[ID:" in reply.text and reply.response_metadata["references"]
        answer = RAGFlowQueryEngine(samples.chat.id, client=guessed).query(question)
        assert "[ID:" in str(answer) and answer.source_nodes
        session = guessed.get_chat(id=samples.chat.id).create_session()
        message = session.ask(question)
        assert "[ID:" in message.content and message.reference
        *_, last = session.ask(question, stream=True)
        assert last.final and "[ID:" in last.content and last.reference
