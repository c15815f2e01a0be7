"""The examples and the demo run end to end against LocalRAGFlow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGFLOW_")}
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_example_runs(example: str) -> None:
    assert run(f"examples/{example}").strip()


def test_demo_command_with_frameworks() -> None:
    out = run("-m", "ragflow_integrations", "demo")
    for part in (
        "1. Upload and parse",
        "2. Retrieve",
        "3. Ask the chat assistant",
        "4. LangChain",
        "5. LlamaIndex",
        "references:",
    ):
        assert part in out
    assert "skipped" not in out
