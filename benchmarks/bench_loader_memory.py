"""Do the loaders keep memory flat on large datasets? Ratios against a baseline, one run.

A LocalRAGFlow in a separate process holds two datasets, both larger than a page, one ten
times the other. For
each loader we measure the peak memory (tracemalloc, this process only) of iterating the
lazy loader, and of the baseline that keeps every result (``load()``). Lazy loading should
stay near 1x from small to large; the baseline grows about 10x.

Run: ``.venv/bin/python benchmarks/bench_loader_memory.py``.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

from _local_server import start_server

from ragflow_integrations import RAGFlow

SMALL, LARGE, CHUNKS_PER_DOC = 200, 2000, 8  # both above the loaders' page of 100


def make_dataset(rag: RAGFlow, name: str, docs: int) -> str:
    ds = rag.create_dataset(name=name, parser_config={"chunk_token_num": 12, "delimiter": "\n"})
    text = "\n".join(
        f"Line {i} of a benchmark document about retrieval." for i in range(CHUNKS_PER_DOC)
    )
    for start in range(0, docs, 100):
        batch = [
            {"display_name": f"doc{i}.txt", "blob": f"{i}\n{text}".encode()}
            for i in range(start, min(start + 100, docs))
        ]
        uploaded = ds.upload_documents(batch)
        ds.async_parse_documents([d.id for d in uploaded])
    for doc in ds.iter_documents():
        for _ in doc.join(interval=0.05, timeout=120):
            pass
    return ds.id


def peak(run: Callable[..., Any], *args: Any) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    run(*args)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def drain(items: Iterable[Any]) -> None:
    for _ in items:
        pass


def main() -> None:
    proc, url, key = start_server(parse_delay=0.01)
    try:
        rag = RAGFlow(key, url)
        small, large = make_dataset(rag, "small", SMALL), make_dataset(rag, "large", LARGE)
        from langchain_ragflow import RAGFlowLoader
        from llamaindex_ragflow import RAGFlowReader

        cases: dict[str, Callable[[str, bool], Any]] = {
            "langchain RAGFlowLoader (chunks)": lambda ds, lazy: (
                drain(RAGFlowLoader(ds, mode="chunk", client=rag).lazy_load())
                if lazy
                else RAGFlowLoader(ds, mode="chunk", client=rag).load()
            ),
            "llamaindex RAGFlowReader (chunks)": lambda ds, lazy: (
                drain(RAGFlowReader(client=rag).lazy_load_data(dataset_id=ds, mode="chunk"))
                if lazy
                else RAGFlowReader(client=rag).load_data(dataset_id=ds, mode="chunk")
            ),
        }
        print(f"datasets: {SMALL} and {LARGE} documents, {CHUNKS_PER_DOC}+ chunks each")
        print(f"{'loader':<36} {'lazy large/small':>17} {'load() large/small':>19}")
        for name, run in cases.items():
            lazy = peak(run, large, True) / peak(run, small, True)
            eager = peak(run, large, False) / peak(run, small, False)
            print(f"{name:<36} {lazy:>16.2f}x {eager:>18.2f}x")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
