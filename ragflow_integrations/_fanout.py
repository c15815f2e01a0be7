"""Driving operations that send several requests at once and sleep (bulk ingestion).

The clients drive ordinary operations request by request; these drivers also answer
:class:`~ragflow_integrations._operations.ingest.Fanout` (sequentially in the sync client,
concurrently but at most ``limit`` at a time in the async one) and
:class:`~ragflow_integrations._operations.ingest.Sleep`, throw transport errors back into
the operation, and count the requests sent by kind.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from ._exceptions import InvalidArgumentError, RAGFlowError
from ._http import Request, Response
from ._operations.ingest import Fanout, IngestOp, Sleep

__all__ = ["drive_async", "drive_sync"]

T = TypeVar("T")
Outcome = Response | RAGFlowError


class _SyncTransport(Protocol):
    def send(self, req: Request) -> Response: ...


class _AsyncTransport(Protocol):
    async def send(self, req: Request) -> Response: ...


def drive_sync(
    transport: _SyncTransport, op: IngestOp[T], sleep: Callable[[float], None]
) -> tuple[T, dict[str, int]]:
    """Run ``op`` to its end; returns its value and the requests sent, by kind."""
    counts: Counter[str] = Counter()

    def outcome(req: Request) -> Outcome:
        counts[req.what] += 1
        try:
            return transport.send(req)
        except RAGFlowError as exc:
            return exc

    try:
        step = next(op)
        while True:
            if isinstance(step, Sleep):
                sleep(step.seconds)
                step = op.send(None)
            elif isinstance(step, Fanout):
                step = op.send([outcome(r) for r in step.requests])
            else:
                answer = outcome(step)
                step = op.throw(answer) if isinstance(answer, RAGFlowError) else op.send(answer)
    except StopIteration as stop:
        return stop.value, dict(counts)


async def drive_async(
    transport: _AsyncTransport,
    op: IngestOp[T],
    sleep: Callable[[float], Awaitable[Any]],
    limit: int,
) -> tuple[T, dict[str, int]]:
    """The async twin of :func:`drive_sync`: a fan-out sends up to ``limit`` requests at once."""
    if limit < 1:
        raise InvalidArgumentError(f"max_concurrency must be >= 1, got {limit}")
    counts: Counter[str] = Counter()
    gate = asyncio.Semaphore(limit)

    async def outcome(req: Request) -> Outcome:
        counts[req.what] += 1
        async with gate:
            try:
                return await transport.send(req)
            except RAGFlowError as exc:
                return exc

    try:
        step = next(op)
        while True:
            if isinstance(step, Sleep):
                await sleep(step.seconds)
                step = op.send(None)
            elif isinstance(step, Fanout):
                step = op.send(list(await asyncio.gather(*map(outcome, step.requests))))
            else:
                answer = await outcome(step)
                step = op.throw(answer) if isinstance(answer, RAGFlowError) else op.send(answer)
    except StopIteration as stop:
        return stop.value, dict(counts)
