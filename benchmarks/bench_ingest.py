"""Bulk ingestion against a naive per-document loop, in one run. A benchmark, not a test.

A LocalRAGFlow (v0.27, every document takes PARSE_DELAY seconds to parse) runs in a child
process. Both runs put the same 200 small text documents into an empty dataset:

* naive: what a user writes without ``ingest``: per document, upload, parse and
  ``join()`` (polling every 0.1 s, far shorter than join's default 15 s);
* ingest: ``RAGFlow.ingest`` (batched uploads, one parse request, polls per 100 documents).

For each: the requests sent by kind, the largest number of listing requests in one poll,
the wall time and the peak memory of this process (tracemalloc, on during both runs, so
both wall times include its overhead), with the goals beside the figures.
Run: ``.venv/bin/python benchmarks/bench_ingest.py``.
"""

from __future__ import annotations

import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

from _local_server import start_server

from ragflow_integrations import IngestItem, RAGFlow
from ragflow_integrations._http import Request, Response

DOCUMENTS = 200
PARSE_DELAY = 0.2
LIST = "list documents"


def items() -> list[IngestItem]:
    return [
        IngestItem.from_text(
            f"Benchmark note {i}. Hybrid retrieval mixes term and vector scores.",
            source_id=f"note-{i}",
        )
        for i in range(DOCUMENTS)
    ]


class Recorder:
    """Wraps a client's transport and sleep: what was sent, in order, and where it waited."""

    def __init__(self, rag: RAGFlow) -> None:
        self.events: list[str] = []
        inner, sleep = rag._transport, rag._sleep

        class Counting:
            def send(_, req: Request, deadline: float | None = None) -> Response:
                self.events.append(req.what)
                return inner.send(req, deadline)

            def __getattr__(_, name: str) -> Any:  # the rest of the transport, as it is
                return getattr(inner, name)

        def recorded_sleep(seconds: float) -> None:
            self.events.append("sleep")
            sleep(seconds)

        rag._transport = Counting()  # type: ignore[assignment]
        rag._sleep = recorded_sleep  # type: ignore[method-assign]

    def counts(self) -> Counter[str]:
        return Counter(e for e in self.events if e != "sleep")

    def most_lists_per_poll(self) -> int:
        """The most listing requests between two waits (a poll), after the first wait."""
        polls, current, started = [], 0, False
        for event in self.events:
            if event == "sleep":
                if started:
                    polls.append(current)
                started, current = True, 0
            elif event == LIST:
                current += 1
        if started:
            polls.append(current)
        return max(polls, default=0)


def naive(rag: RAGFlow, dataset_id: str) -> None:
    dataset = rag.get_dataset(id=dataset_id)
    for item in items():
        doc = dataset.upload_documents([{"display_name": item.name, "blob": item.blob}])[0]
        doc.async_parse()
        for _ in doc.join(interval=0.1, timeout=120):
            pass


def bulk(rag: RAGFlow, dataset_id: str) -> None:
    result = rag.ingest(dataset_id, items(), timeout=120)
    result.raise_for_failures()


def measure(url: str, key: str, run: Callable[[RAGFlow, str], None], name: str) -> dict[str, Any]:
    rag = RAGFlow(key, url, server_version="v0.27")
    dataset_id = rag.create_dataset(name=name).id
    recorder = Recorder(rag)
    tracemalloc.start()
    started = time.perf_counter()
    run(rag, dataset_id)
    wall = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    counts, per_poll = recorder.counts(), recorder.most_lists_per_poll()
    docs = rag.get_dataset(id=dataset_id).list_documents(page_size=100)
    assert rag.get_dataset(id=dataset_id).document_count == DOCUMENTS, "documents were lost"
    assert all(d.run == "DONE" for d in docs), "not every document was parsed"
    return {
        "counts": counts,
        "per_poll": per_poll,
        "wall": wall,
        "peak": peak,
    }


def main() -> None:
    proc, url, key = start_server(parse_delay=PARSE_DELAY)
    try:
        base = measure(url, key, naive, "naive")
        ours = measure(url, key, bulk, "bulk")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{DOCUMENTS} documents, each parsed in {PARSE_DELAY} s by LocalRAGFlow v0.27\n")
    print(f"{'requests by kind':<28} {'naive loop':>11} {'ingest':>8}")
    for kind in sorted(set(base["counts"]) | set(ours["counts"])):
        print(f"  {kind:<26} {base['counts'][kind]:>11} {ours['counts'][kind]:>8}")
    total_base, total_ours = sum(base["counts"].values()), sum(ours["counts"].values())
    print(f"  {'all':<26} {total_base:>11} {total_ours:>8}\n")

    ratio = ours["wall"] / base["wall"]
    rows = [
        ("upload requests", ours["counts"]["upload documents"], "<= 10"),
        ("parse requests", ours["counts"]["parse documents"], "<= 2"),
        ("listing requests per poll", ours["per_poll"], "<= 2"),
        ("wall time vs naive loop", f"{ratio:.3f}x", "<= 0.2x"),
    ]
    print(f"{'ingest':<28} {'measured':>10} {'goal':>8}")
    for label, value, goal in rows:
        print(f"  {label:<26} {value!s:>10} {goal:>8}")
    print(
        f"\nwall time: naive {base['wall']:.2f} s, ingest {ours['wall']:.2f} s"
        f"\npeak memory (this process): naive {base['peak'] / 1e6:.2f} MB, "
        f"ingest {ours['peak'] / 1e6:.2f} MB ({ours['peak'] / base['peak']:.2f}x)"
    )


if __name__ == "__main__":
    main()
