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


# What each example must show: retrieval with scores, a filter, a cited answer with its
# references, and the loader/reader, tools and async paths.
SHOWS = {
    "agents.py": [
        "agent: RAGFlow guide agent - Answers questions",
        "opening: Hi! I am the RAGFlow guide agent.",
        "answer: ",
        "[ID:0]",
        "  cites ['",
        "  citations: ['",
        "langchain stream: ",
        "'ragflow_guide_agent'",
        "history: ['HumanMessage', 'AIMessage']",
        "  sources: ['",
        "llamaindex query: ",
        "llamaindex tools: [",
        "recalled from RAGFlow: User Input: ",
        "async: True True",
    ],
    "langchain_quickstart.py": [
        "hybrid_retrieval.md",
        "filtered: ['chunking.md']",
        "[ID:0]",
        "  cites ",
        "usage: {'input_tokens'",
        "loaded chunking.md",
        "'ragflow_search'",
        "Found 1 passage",
        "async: ['citations.md']",
    ],
    "langchain_vectorstore.py": [
        "stored: [",
        "retrieval {'source': 'retrieval.md', 'author': 'bob'}",
        "filtered: [Document(id='parsing'",
        "{'num_added': 3, 'num_updated': 0, 'num_skipped': 0, 'num_deleted': 0}",
        "{'num_added': 1, 'num_updated': 0, 'num_skipped': 1, 'num_deleted': 2}",
        "async: [",
    ],
    "llamaindex_managed_index.py": [
        "documents: ['parsing', 'retrieval']",
        "changed: [False, True, True]",
        "sources: ['retrieval', 'parsing']",
        "chat: ",
        "async: ['async', 'parsing', 'retrieval']",
    ],
    "llamaindex_quickstart.py": [
        "hybrid_retrieval.md",
        "source nodes",
        "[ID:0]",
        "sources: [",
        "messages in session",
        "chunking.md 419 characters",
        "similarity 0.",
    ],
}


def test_every_example_is_checked() -> None:
    assert sorted(p.name for p in (ROOT / "examples").glob("*.py")) == sorted(SHOWS)


@pytest.mark.parametrize("example", sorted(SHOWS))
def test_example_runs(example: str) -> None:
    out = run(f"examples/{example}")
    missing = [part for part in SHOWS[example] if part not in out]
    assert not missing, f"{example} did not show {missing}:\n{out}"


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
