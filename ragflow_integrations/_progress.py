"""Reporting an ingestion's progress: the caller's callback and, on request, a tqdm bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .types.ingest import IngestProgress

__all__ = ["progress_reporter"]


@contextmanager
def progress_reporter(
    total: int,
    show_progress: bool,
    on_progress: Callable[[IngestProgress], None] | None,
    description: str = "ingest",
) -> Iterator[Callable[[IngestProgress], None]]:
    """A ``report(progress)`` function: calls ``on_progress`` and, with ``show_progress``,
    moves a ``tqdm`` bar (in documents, counting each one's parse progress; the phase and
    the failures beside it).
    """
    bar: Any = None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=description, unit="doc")

    def report(progress: IngestProgress) -> None:
        if bar is not None:
            bar.n = round(progress.progress * progress.total, 2)
            extra = f", {progress.failed} failed" if progress.failed else ""
            bar.set_postfix_str(progress.phase + extra, refresh=False)
            bar.refresh()
        if on_progress is not None:
            on_progress(progress)

    try:
        yield report
    finally:
        if bar is not None:
            bar.close()
