"""The benchmarks still run (small sizes; their figures are read by people, not asserted)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_ingest_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    bench = importlib.import_module("bench_ingest")
    monkeypatch.setattr(bench, "DOCUMENTS", 6)
    monkeypatch.setattr(bench, "PARSE_DELAY", 0.01)
    bench.main()
    out = capsys.readouterr().out
    measured = dict(re.findall(r"^  (upload requests|parse requests)\s+(\d+)", out, re.M))
    assert measured == {"upload requests": "1", "parse requests": "1"}, out
    naive_uploads = re.search(r"^  upload documents\s+(\d+)\s+(\d+)$", out, re.M)
    assert naive_uploads is not None and naive_uploads.groups() == ("6", "1"), out


def test_bench_streaming_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_streaming.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "growth of the ratio" in done.stdout
