"""Test wiring shared by every suite: cassettes (vcrpy via pytest-recording) and servers.

Replay is the default: tests marked ``@pytest.mark.vcr`` answer from ``cassettes/`` and
need no server and no network. To record again:

* against ``LocalRAGFlow``: ``RAGFLOW_RECORD_MODE=rewrite pytest tests/integration_tests``
  (each test starts a stand-in server speaking the dialect it asks for);
* against a live server: also set ``RAGFLOW_BASE_URL`` and ``RAGFLOW_API_KEY``.

Every recorded answer carries an ``x-recorded-against`` header naming the dialect or the
live server's version; the key and the host are scrubbed (``test_cassettes.py`` checks).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
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

_recorded_against = threading.local()


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


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in the top-level ``cassettes/<test module>/``."""
    return str(CASSETTES / Path(str(request.node.fspath)).stem)


@pytest.fixture(scope="session")
def record_mode(request: pytest.FixtureRequest) -> str:
    """Replay-only unless ``--record-mode`` or ``RAGFLOW_RECORD_MODE`` asks to record."""
    return str(request.config.getoption("--record-mode") or record_mode_from_env())


def _scrub_request(req: Any) -> Any:
    parts = urlsplit(req.uri)
    req.uri = urlunsplit(("http", "ragflow.test", parts.path, parts.query, ""))
    return req


def _scrub_response(resp: dict[str, Any]) -> dict[str, Any]:
    keep = {"content-type", "retry-after", "retry-after-ms"}
    headers = {k: v for k, v in resp["headers"].items() if k.lower() in keep}
    headers[RECORDED_AGAINST] = [getattr(_recorded_against, "value", "unknown")]
    resp["headers"] = headers
    return resp


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """Match on method, path, query and body; keep only harmless headers."""
    return {
        "match_on": ["method", "path", "query", "body"],
        "filter_headers": [("authorization", "PLACEHOLDER"), ("cookie", None), ("host", None),
                           ("user-agent", None), ("x-api-key", None)],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


_SEND_LOCK = threading.RLock()


@pytest.fixture(autouse=True)
def _serialize_requests_under_vcr(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """vcrpy patches ``requests`` in a way that is not thread-safe: one request at a time."""
    if request.node.get_closest_marker("vcr"):
        original = requests.Session.send

        def send(self: requests.Session, *args: Any, **kwargs: Any) -> Any:
            with _SEND_LOCK:
                return original(self, *args, **kwargs)

        monkeypatch.setattr(requests.Session, "send", send)
    yield


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make retry back-off and join() polling instant; returns the waits asked for."""
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("ragflow_integrations._transport.time.sleep", waits.append)
    monkeypatch.setattr("ragflow_integrations._transport.asyncio.sleep", asleep)
    monkeypatch.setattr("ragflow_integrations._client.time.sleep", waits.append)
    return waits


def start_server(dialect: str) -> Iterator[Server]:
    """A server for one test: replay needs none; recording uses a live one or LocalRAGFlow."""
    if not recording():
        _recorded_against.value = "replay"
        yield Server(REPLAY_BASE_URL, REPLAY_API_KEY, dialect)
        return
    live = live_server()
    if live is not None:
        from ragflow_integrations import RAGFlow

        version = RAGFlow(api_key=live[1], base_url=live[0]).server_version()
        _recorded_against.value = f"live RAGFlow {version}"
        yield Server(live[0], live[1], version)
        return
    from ragflow_integrations.testing import LocalRAGFlow

    with LocalRAGFlow(dialect=dialect, parse_delay=0.2) as local:
        _recorded_against.value = f"LocalRAGFlow dialect {local.dialect}"
        yield Server(local.base_url, local.api_key, dialect, local)
