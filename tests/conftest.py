"""Test wiring shared by every suite: cassettes (vcrpy via pytest-recording).

Replay is the default; see tests/support.py for recording and the seeded sample data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support import (  # noqa: F401  (Seeded and seeded_environment: re-exported)
    CASSETTES,
    Seeded,
    record_mode_from_env,
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
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make retry back-off and join() polling instant; returns the waits asked for."""
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("ragflow_integrations._transport.time.sleep", waits.append)
    monkeypatch.setattr("ragflow_integrations._transport.asyncio.sleep", asleep)
    monkeypatch.setattr("ragflow_integrations._client.time.sleep", waits.append)
    return waits


@pytest.fixture(autouse=True)
def _every_interaction_is_played(vcr: Any, record_mode: str) -> Iterator[None]:
    """Replay is strict: a test that leaves a recorded interaction unplayed fails.

    Except an exact copy of an interaction that was played: vcrpy records some streamed
    httpx downloads twice while the client sent them once.
    """
    yield
    if vcr is not None and record_mode == "none":
        played = [(vcr.data[i][0]._to_dict(), vcr.data[i][1]) for i in vcr.play_counts]
        unplayed = [
            r.uri
            for i, (r, a) in enumerate(vcr.data)
            if not vcr.play_counts[i] and (r._to_dict(), a) not in played
        ]
        assert not unplayed, f"{vcr._path}: recorded but never played: {unplayed}"
