"""How stream decoding scales: ratios against a baseline measured in the same run.

Up to v0.23 every SSE event repeats the whole answer so far, so a long answer sends
quadratic bytes. The client must stay linear in the bytes it receives: the time per byte
should not grow with the answer. Baseline: ``json.loads`` of each payload split out with
``bytes.split`` (the least any decoder must do).

Run: ``.venv/bin/python benchmarks/bench_streaming.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from ragflow_integrations._streaming import AnswerAccumulator, SSEDecoder


def cumulative_stream(events: int, words_per_event: int = 8) -> bytes:
    text, out = "", []
    for i in range(events):
        text += " ".join(f"word{i}_{j}" for j in range(words_per_event)) + " "
        out.append(b"data:" + json.dumps({"code": 0, "data": {"answer": text}}).encode() + b"\n\n")
    out.append(b'data:{"code":0,"data":true}\n\n')
    return b"".join(out)


def ours(raw: bytes, chunk: int = 4096) -> int:
    decoder, acc, n = SSEDecoder(), AnswerAccumulator(cumulative=True), 0
    for i in range(0, len(raw), chunk):
        for payload in decoder.feed(raw[i : i + chunk]):
            n += len(acc.feed(payload))
    return n


def baseline(raw: bytes, chunk: int = 4096) -> int:
    n = 0
    for line in raw.split(b"\n\n"):
        if line.startswith(b"data:"):
            json.loads(line[5:])
            n += 1
    return n


def best_of(fn: Callable[[bytes], int], raw: bytes, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(raw)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    print(f"{'events':>7} {'MB':>7} {'ours/baseline':>14}")
    ratios = []
    for events in (100, 200, 400, 800):
        raw = cumulative_stream(events)
        ratio = best_of(ours, raw) / best_of(baseline, raw)
        ratios.append(ratio)
        print(f"{events:>7} {len(raw) / 1e6:>7.2f} {ratio:>14.2f}")
    print(
        f"growth of the ratio from 100 to 800 events: {ratios[-1] / ratios[0]:.2f}x "
        "(about 1 means ours scales like the baseline)"
    )
    print(
        f"\n{'one event':>9} {'MB':>6} {'ours/baseline':>14}  (a single long line in 4 KiB reads)"
    )
    long_ratios = []
    for size in (250_000, 1_000_000, 4_000_000):
        raw = b"data:" + json.dumps({"code": 0, "data": {"answer": "x" * size}}).encode()
        raw += b"\n\ndata:" + b'{"code":0,"data":true}\n\n'
        ratio = best_of(ours, raw) / best_of(baseline, raw)
        long_ratios.append(ratio)
        print(f"{'':>9} {len(raw) / 1e6:>6.2f} {ratio:>14.2f}")
    print(f"growth of the ratio from 0.25 MB to 4 MB: {long_ratios[-1] / long_ratios[0]:.2f}x")


if __name__ == "__main__":
    main()
