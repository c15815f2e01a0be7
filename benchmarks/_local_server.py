"""LocalRAGFlow in a child process, so the benchmarks measure the client's memory alone."""

from __future__ import annotations

import subprocess
import sys


def start_server(
    parse_delay: float, dialect: str = "v0.27"
) -> tuple[subprocess.Popen[str], str, str]:
    """Start ``python -m ragflow_integrations.testing serve``; returns it, its URL and key."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ragflow_integrations.testing",
            "serve",
            "--port",
            "0",
            "--dialect",
            dialect,
            "--parse-delay",
            str(parse_delay),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = key = ""
    while not (url and key):
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("LocalRAGFlow did not start")
        if line.startswith("base_url:"):
            url = line.split(":", 1)[1].strip()
        elif line.startswith("api_key:"):
            key = line.split(":", 1)[1].strip()
    return proc, url, key
