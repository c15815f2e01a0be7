"""Every cassette is scrubbed (no key, no real host) and says what it was recorded against."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.support import CASSETTES, RECORDED_AGAINST

FILES = sorted(CASSETTES.rglob("*.yaml"))
KEY_LIKE = re.compile(r"ragflow-[A-Za-z0-9_-]{16,}")


def test_there_are_cassettes() -> None:
    assert len(FILES) > 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_is_scrubbed(path: Path) -> None:
    text = path.read_text()
    assert not KEY_LIKE.search(text), f"{path.name} holds something that looks like an API key"
    data = yaml.safe_load(text)
    assert data["interactions"], f"{path.name} is empty"
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        assert request["uri"].startswith("http://ragflow.test/api/v1/")
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert headers.get("authorization") == ["PLACEHOLDER"]
        assert "host" not in headers and "cookie" not in headers
        against = response["headers"].get(RECORDED_AGAINST)
        assert against and against[0].startswith(("LocalRAGFlow dialect v0.", "live RAGFlow v0."))
