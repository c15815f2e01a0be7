"""Test wiring shared by every suite: cassettes (vcrpy via pytest-recording).

Replay is the default; see tests/support.py for recording and the seeded sample data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from ragflow_integrations import AsyncRAGFlow, RAGFlow
from ragflow_integrations._http import Request
from ragflow_integrations._transport import AsyncTransport, SyncTransport
from tests.support import (  # noqa: F401  (Seeded and seeded_environment: re-exported)
    CASSETTES,
    Seeded,
    record_mode_from_env,
    recording,
    scrub_request,
    scrub_response,
    seeded_environment,
)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in the top-level ``cassettes/<test module>/``."""
    return str(CASSETTES / Path(str(request.node.fspath)).stem)


@pytest.fixture(scope="session")
def record_mode(request: pytest.FixtureRequest) -> str:
    """Replay-only unless ``--record-mode`` or ``RAGFLOW_RECORD_MODE`` asks to record."""
    return str(request.config.getoption("--record-mode") or record_mode_from_env())


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """Match on method, path, query and body; keep only harmless headers."""
    return {
        "match_on": ["method", "path", "query", "body"],
        "filter_headers": [
            ("authorization", "PLACEHOLDER"),
            ("cookie", None),
            ("host", None),
            ("user-agent", None),
            ("x-api-key", None),
        ],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item (``rep_setup``, ``rep_call`` ...)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _every_recorded_interaction_is_played(request: pytest.FixtureRequest) -> Iterator[None]:
    """Strict replay: a cassette test fails when any recorded interaction was not played.

    Otherwise a client that silently skips a request (a delete that sends nothing) passes
    on the answers recorded after it.
    """
    if not request.node.get_closest_marker("vcr"):
        yield
        return
    cassette = request.getfixturevalue("vcr")
    yield
    call = getattr(request.node, "rep_call", None)
    passed = call is not None and call.passed
    if passed and record_mode_from_env() == "none" and not cassette.all_played:
        # An exact copy of an interaction that was played does not count: vcrpy records
        # some streamed httpx downloads twice while the client sent them once.
        played = [
            (cassette.data[i][0]._to_dict(), cassette.data[i][1]) for i in cassette.play_counts
        ]
        unplayed = [
            f"{req.method} {urlsplit(req.uri).path}"
            for index, (req, answer) in enumerate(cassette.data)
            if not cassette.play_counts[index] and (req._to_dict(), answer) not in played
        ]
        if unplayed:
            pytest.fail(
                f"{len(unplayed)} recorded interaction(s) were not played: {unplayed}",
                pytrace=False,
            )


_SEND_LOCK = threading.RLock()


@pytest.fixture(autouse=True)
def _serialize_requests_under_vcr(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vcrpy patches ``requests`` in a way that is not thread-safe: one request at a time."""
    if request.node.get_closest_marker("vcr"):
        original = requests.Session.send

        def send(self: requests.Session, *args: Any, **kwargs: Any) -> Any:
            with _SEND_LOCK:
                return original(self, *args, **kwargs)

        monkeypatch.setattr(requests.Session, "send", send)


@pytest.fixture
def sent_requests(monkeypatch: pytest.MonkeyPatch) -> list[Request]:
    """Every request the client's transports send, in order (sync and async)."""
    sent: list[Request] = []

    def sync_wrapper(original: Any) -> Any:
        def send(self: Any, req: Request, *args: Any, **kwargs: Any) -> Any:
            sent.append(req)
            return original(self, req, *args, **kwargs)

        return send

    def async_wrapper(original: Any) -> Any:
        async def send(self: Any, req: Request, *args: Any, **kwargs: Any) -> Any:
            sent.append(req)
            return await original(self, req, *args, **kwargs)

        return send

    for name in ("send", "stream"):
        monkeypatch.setattr(SyncTransport, name, sync_wrapper(getattr(SyncTransport, name)))
        monkeypatch.setattr(AsyncTransport, name, async_wrapper(getattr(AsyncTransport, name)))
    return sent


@pytest.fixture
def no_sync_io(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Arm it (``no_sync_io()``) to fail any request through the sync transport from then on:
    async code must be natively async, not sync code in a thread.
    """

    def refuse(self: Any, req: Request, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{req.describe()} went through the sync transport")

    def arm() -> None:
        monkeypatch.setattr(SyncTransport, "send", refuse)
        monkeypatch.setattr(SyncTransport, "stream", refuse)

    return arm


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


@pytest.fixture
def instant_waits_on_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingestion's polls sleep only while recording (parsing takes time on the server);
    a replay answers from the cassette at once."""
    if recording():
        return

    async def asleep(seconds: float) -> None:
        return None

    monkeypatch.setattr(RAGFlow, "_sleep", staticmethod(lambda seconds: None))
    monkeypatch.setattr(AsyncRAGFlow, "_sleep", staticmethod(asleep))
