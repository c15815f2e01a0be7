"""``python -m ragflow_integrations demo``: the package's tour, on LocalRAGFlow or a real server.

Without ``RAGFLOW_BASE_URL``/``RAGFLOW_API_KEY`` it starts the offline stand-in server;
with them it runs against that server and removes what it created.
"""

from __future__ import annotations

import os
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from ._client import RAGFlow
from .samples import load_samples, sample_items

__all__ = ["main", "run_demo"]

QUESTION = "How does hybrid retrieval combine the term and vector scores?"


@contextmanager
def _server(dialect: str) -> Iterator[tuple[str, str, str | None, bool]]:
    """``(base_url, api_key, pinned version, is_local)``."""
    url, key = os.environ.get("RAGFLOW_BASE_URL"), os.environ.get("RAGFLOW_API_KEY")
    if url and key:
        yield url, key, os.environ.get("RAGFLOW_SERVER_VERSION"), False
        return
    from .testing import LocalRAGFlow

    with LocalRAGFlow(dialect=dialect, parse_delay=0.6) as local:
        yield local.base_url, local.api_key, None, True


def run_demo(dialect: str = "v0.27", out: TextIO = sys.stdout, frameworks: bool = True) -> None:
    """Create a dataset from the samples, parse, retrieve, and ask a chat assistant."""

    def say(text: str = "", end: str = "\n") -> None:
        out.write(text + end)
        out.flush()

    with _server(dialect) as (base_url, api_key, version, local):
        rag = RAGFlow(api_key=api_key, base_url=base_url, server_version=version)
        where = "LocalRAGFlow (an offline stand-in, not a RAG engine)" if local else base_url
        say(f"RAGFlow {rag.server_version()} at {where}\n")
        suffix = "" if local else "_" + uuid.uuid4().hex[:8]
        bulk = rag._dialect().has("document_meta_fields")
        say("1. Upload and parse the sample documents" + (" (bulk ingestion)" if bulk else ""))
        samples = load_samples(
            rag,
            dataset_name=f"ragflow_demo{suffix}",
            chat_name=f"RAGFlow demo guide{suffix}",
            show_progress=True,
        )
        try:
            say(f"   dataset {samples.dataset.name!r}: {len(samples.documents)} documents parsed")
            if bulk:
                again = rag.ingest(samples.dataset, sample_items())
                actions = sorted({d.action for d in again})
                say(f"   ingesting again: {', '.join(actions)}; requests {again.requests}")
            say()
            say(f"2. Retrieve: {QUESTION}")
            for chunk in rag.retrieve(
                dataset_ids=[samples.dataset.id],
                question=QUESTION,
                page_size=3,
                similarity_threshold=0.1,
            ):
                say(
                    f"   {chunk.similarity:.3f} (term {chunk.term_similarity:.3f}, vector "
                    f"{chunk.vector_similarity:.3f})  {chunk.document_name}"
                )
                say(textwrap.indent(textwrap.fill(chunk.content, 88), "      "))
            say()
            assert samples.chat is not None
            session = samples.chat.create_session("demo")
            say(f"3. Ask the chat assistant (streamed): {QUESTION}")
            say("   ", end="")
            final = None
            for message in session.ask(QUESTION, stream=True):
                if message.replaced:
                    say("\n   " + message.content, end="")
                else:
                    say(message.delta, end="")
                final = message
            say()
            if final is not None:
                say("   references:")
                for n, ref in enumerate(final.reference):
                    say(f"     [ID:{n}] {ref.document_name}: {ref.content[:70].strip()}...")
            say()
            if frameworks:
                _run_frameworks(
                    say,
                    base_url,
                    api_key,
                    rag.server_version(),
                    samples.dataset.id,
                    samples.chat.id,
                )
        finally:
            if not local:  # leave a real server as we found it
                if samples.chat is not None:
                    rag.delete_chats(ids=[samples.chat.id])
                rag.delete_datasets(ids=[samples.dataset.id])
                say("Removed the demo's dataset and chat assistant from the server.")
            rag.close()


def _run_frameworks(say: Callable[..., None], *args: Any) -> None:
    """The LangChain and LlamaIndex parts, when those packages are installed."""
    for title, module, function in (
        ("4. LangChain", "langchain_ragflow._demo", "run_langchain_demo"),
        ("5. LlamaIndex", "llamaindex_ragflow._demo", "run_llamaindex_demo"),
    ):
        try:
            runner = getattr(__import__(module, fromlist=[function]), function)
        except ImportError as exc:
            say(f"{title}: skipped ({exc.name or exc} is not installed)\n")
            continue
        say(title)
        runner(*args, print_fn=say)
        say()


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m ragflow_integrations demo [--dialect v0.27]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ragflow_integrations")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="tour the client on LocalRAGFlow or RAGFLOW_BASE_URL")
    demo.add_argument("--dialect", default="v0.27", help="LocalRAGFlow's server version")
    demo.add_argument("--no-frameworks", action="store_true", help="skip LangChain/LlamaIndex")
    args = parser.parse_args(argv)
    run_demo(args.dialect, frameworks=not args.no_frameworks)
    return 0
