"""``python -m ragflow_integrations.testing serve``: prints the URL and key, stops on SIGINT."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _interrupt(proc: subprocess.Popen[str], times: int) -> str:
    """Send SIGINT ``times`` times; the server must exit 0 without a traceback."""
    try:
        for _ in range(times):
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "Traceback" not in err
    return out


def test_serve_and_sigint() -> None:
    cmd = [
        sys.executable,
        "-m",
        "ragflow_integrations.testing",
        "serve",
        "--port",
        "0",
        "--dialect",
        "v0.24",
        "--api-key",
        "ragflow-cli",
        "--parse-delay",
        "0.01",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        url_line = next(line for line in lines if line.startswith("base_url:"))
        base_url = url_line.split(":", 1)[1].strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        assert any("ragflow-cli" in line for line in lines)
        res = httpx.get(
            base_url + "/api/v1/datasets", headers={"Authorization": "Bearer ragflow-cli"}
        )
        assert res.json() == {"code": 0, "data": [], "total_datasets": 0}
    finally:
        out = _interrupt(proc, times=1)
    assert "stopped" in out


def test_bad_dialect_and_listing() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "ragflow_integrations.testing", "serve", "--dialect", "v9"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=30,
        check=False,
    )
    assert res.returncode == 2 and "v0.13" in res.stderr and "Traceback" not in res.stderr
    res = subprocess.run(
        [sys.executable, "-m", "ragflow_integrations.testing", "dialects"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=30,
        check=True,
    )
    assert res.stdout.split()[0] == "v0.13" and "v0.27" in res.stdout


def test_sigint_while_starting_and_twice() -> None:
    cmd = [sys.executable, "-m", "ragflow_integrations.testing", "serve", "--port", "0"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("LocalRAGFlow ")  # still printing its address
    finally:
        out = _interrupt(proc, times=2)
    assert out.rstrip().endswith("LocalRAGFlow stopped.")
