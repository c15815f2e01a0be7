"""Helpers shared by the test suites: cassette scrubbing, servers and the seeded sample data.

Replay is the default: tests marked ``@pytest.mark.vcr`` answer from ``cassettes/`` and
need no server and no network. To record again:

* against ``LocalRAGFlow``: ``RAGFLOW_RECORD_MODE=rewrite pytest tests/integration_tests``
  (each test starts a stand-in server speaking the dialect it asks for);
* against a live server: also set ``RAGFLOW_BASE_URL`` and ``RAGFLOW_API_KEY``.

Every recorded answer carries an ``x-recorded-against`` header naming the dialect or the
live server's version; the key and the host are scrubbed (``test_cassettes.py`` checks).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"
REPLAY_BASE_URL = "http://ragflow.test"
REPLAY_API_KEY = "ragflow-replay-key"
RECORDED_AGAINST = "x-recorded-against"
# A request carrying this header is sent but not recorded (house-keeping on a live server).
NOT_RECORDED = "x-not-recorded"

# What answers the requests being recorded; a plain global, since LangChain records from
# worker threads too.
_recorded_against = {"value": "unknown"}


def record_mode_from_env() -> str:
    """``none`` (replay only) unless ``RAGFLOW_RECORD_MODE`` says otherwise."""
    return os.getenv("RAGFLOW_RECORD_MODE", "none")


def recording() -> bool:
    """Whether this run records cassettes (and so needs a server)."""
    return record_mode_from_env() != "none"


def live_server() -> tuple[str, str] | None:
    """``(base_url, api_key)`` of a live server, when both variables are set."""
    url, key = os.getenv("RAGFLOW_BASE_URL"), os.getenv("RAGFLOW_API_KEY")
    return (url, key) if url and key else None


@dataclass
class Server:
    """Where the client under test points: a stand-in, a live server, or nothing (replay)."""

    base_url: str
    api_key: str
    dialect: str
    local: Any = None  # the LocalRAGFlow, when recording against one


def scrub_request(req: Any) -> Any:
    if req.headers.get(NOT_RECORDED):
        return None  # vcrpy then records nothing and lets the request through
    parts = urlsplit(req.uri)
    req.uri = urlunsplit(("http", "ragflow.test", parts.path, parts.query, ""))
    return req


def scrub_response(resp: dict[str, Any]) -> dict[str, Any]:
    keep = {"content-type", "retry-after", "retry-after-ms"}
    headers = {k: v for k, v in resp["headers"].items() if k.lower() in keep}
    headers[RECORDED_AGAINST] = [_recorded_against["value"]]
    resp["headers"] = headers
    return resp


@contextmanager
def server_for(dialect: str) -> Iterator[Server]:
    """A server for one test: replay needs none; recording uses a live one or LocalRAGFlow."""
    if not recording():
        _recorded_against["value"] = "replay"
        yield Server(REPLAY_BASE_URL, REPLAY_API_KEY, dialect)
        return
    live = live_server()
    if live is not None:
        from ragflow_integrations import RAGFlow
        from ragflow_integrations.testing import resolve_dialect

        probe = requests.Session()
        probe.headers[NOT_RECORDED] = "1"  # the tests replay without asking
        version = RAGFlow(api_key=live[1], base_url=live[0], http_session=probe).server_version()
        if resolve_dialect(version) != dialect:
            pytest.skip(f"the live server is RAGFlow {version}, this test asks for {dialect}")
        _recorded_against["value"] = f"live RAGFlow {version}"
        yield Server(live[0], live[1], version)
        return
    from ragflow_integrations.testing import LocalRAGFlow

    with LocalRAGFlow(dialect=dialect, parse_delay=0.2) as local:
        _recorded_against["value"] = f"LocalRAGFlow dialect {local.dialect}"
        yield Server(local.base_url, local.api_key, dialect, local)


def _unrecorded(server: Server, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {server.api_key}", NOT_RECORDED: "1"}
    url = f"{server.base_url.rstrip('/')}/api/v1{path}"
    return requests.request(method, url, headers=headers, timeout=60, **kwargs).json()["data"]


def _datasets_and_chats(server: Server) -> dict[str, set[str]]:
    chats = _unrecorded(server, "GET", "/chats", params={"page_size": 100})
    chats = chats["chats"] if isinstance(chats, dict) else chats  # v0.27 / before
    datasets = _unrecorded(server, "GET", "/datasets", params={"page_size": 100})
    return {"/chats": {c["id"] for c in chats}, "/datasets": {d["id"] for d in datasets}}


@contextmanager
def leftovers_removed(server: Server) -> Iterator[None]:
    """On a live server, delete the chats and datasets a test created, unrecorded.

    Tests that make their own (the draft examples) reuse names such as "kb_1": a stand-in is
    fresh for each test, a live server keeps what the last test left.
    """
    if server.local is not None or not recording():
        yield
        return
    before = _datasets_and_chats(server)
    try:
        yield
    finally:
        for path, ids in _datasets_and_chats(server).items():
            if ids - before[path]:
                _unrecorded(server, "DELETE", path, json={"ids": sorted(ids - before[path])})


@dataclass
class Seeded:
    """A server holding the sample dataset (parsed) and a chat assistant over it."""

    server: Server
    dataset_id: str
    document_ids: list[str] = field(default_factory=list)
    chat_id: str = ""
    agent_id: str = ""

    def client_kwargs(self) -> dict[str, Any]:
        """Arguments for ``RAGFlow``/``AsyncRAGFlow`` pointing at this server."""
        return {
            "api_key": self.server.api_key,
            "base_url": self.server.base_url,
            "server_version": self.server.dialect,
            "max_retries": 0,
        }


@contextmanager
def seeded_environment(dialect: str, name: str, *, agent: bool = False) -> Iterator[Seeded]:
    """The sample data for the tests of one module and dialect (with ``agent``, also the
    sample agent over the dataset).

    Recording creates it on the server (outside any cassette) and writes its ids to
    ``cassettes/<name>/seed-<dialect>.json``; replay reads them back.
    """
    path = CASSETTES / name / f"seed-{dialect}.json"
    if not recording():
        if not path.exists():
            pytest.fail(f"no recorded seed {path}; record with RAGFLOW_RECORD_MODE=once")
        with server_for(dialect) as server:
            yield Seeded(server, **json.loads(path.read_text()))
        return
    from ragflow_integrations import RAGFlow
    from ragflow_integrations.samples import load_samples

    with server_for(dialect) as server:
        rag = RAGFlow(
            api_key=server.api_key, base_url=server.base_url, server_version=server.dialect
        )
        samples = load_samples(
            rag,
            dataset_name=f"samples_{name}",
            chat_name=f"guide_{name}",
            agent_title=f"agent_{name}" if agent else None,
            interval=0.1,
        )
        assert samples.chat is not None
        seed = {
            "dataset_id": samples.dataset.id,
            "document_ids": [d.id for d in samples.documents],
            "chat_id": samples.chat.id,
        }
        if samples.agent is not None:
            seed["agent_id"] = samples.agent.id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(seed, indent=2) + "\n")
        try:
            yield Seeded(server, **seed)
        finally:
            if server.local is None:  # a live server: remove what we made
                if samples.agent is not None:
                    rag.delete_agent(samples.agent.id)
                rag.delete_chats(ids=[seed["chat_id"]])
                rag.delete_datasets(ids=[seed["dataset_id"]])
            rag.close()


def assert_deltas_rebuild(messages: Sequence[Any]) -> str:
    """Check, at every message, that appending deltas rebuilds ``content``; return the text.

    A message marked ``replaced`` restarts the text (a cumulative server's decorated rewrite).
    Checking every event, not only the last, catches doubled text: a delta that repeats
    what came before.
    """
    rebuilt = ""
    for index, message in enumerate(messages):
        rebuilt = message.content if message.replaced else rebuilt + message.delta
        assert rebuilt == message.content, (
            f"message {index}: the deltas rebuild {rebuilt!r} but content is {message.content!r}"
        )
    return rebuilt
