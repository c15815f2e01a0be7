"""Sample documents shipped with the package, and :func:`load_samples`, which loads them.

Four short markdown notes about RAGFlow, with metadata (author, year, topic) for filter
examples. The demo, the examples and the test recordings use them; so can your own tests:

    samples = load_samples(rag)          # dataset parsed, metadata set, chat assistant made
    rag.ingest(dataset, sample_items())  # the samples as ingestion items
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._client import RAGFlow
    from ..types import Chat, DataSet, Document
    from ..types.ingest import IngestItem

__all__ = [
    "EMPTY_RESPONSE",
    "SAMPLE_CHAT",
    "SAMPLE_DATASET",
    "SAMPLE_METADATA",
    "SampleSet",
    "load_samples",
    "sample_files",
    "sample_items",
]

SAMPLE_METADATA: dict[str, dict[str, Any]] = {
    "ragflow_overview.md": {"topic": "overview", "author": "alice", "year": 2023},
    "hybrid_retrieval.md": {"topic": "retrieval", "author": "bob", "year": 2024},
    "chunking.md": {"topic": "parsing", "author": "alice", "year": 2025},
    "citations.md": {"topic": "chat", "author": "carol", "year": 2025},
}
"""Metadata attached to each sample document (``meta_fields``), for filter examples."""

SAMPLE_DATASET = "ragflow_samples"
SAMPLE_CHAT = "RAGFlow guide"
EMPTY_RESPONSE = "The sample documents do not say."


def sample_files() -> list[tuple[str, bytes]]:
    """``(file name, content)`` of every sample document, in a fixed order."""
    folder = resources.files(__name__)
    return [(name, (folder / name).read_bytes()) for name in SAMPLE_METADATA]


@dataclass
class SampleSet:
    """What :func:`load_samples` created."""

    dataset: DataSet
    documents: list[Document] = field(default_factory=list)
    chat: Chat | None = None


def load_samples(
    rag: RAGFlow,
    *,
    dataset_name: str = SAMPLE_DATASET,
    chat_name: str | None = SAMPLE_CHAT,
    interval: float = 0.2,
    timeout: float = 600,
    show_progress: bool = False,
    on_progress: Callable[[Document, float, str], None] | None = None,
) -> SampleSet:
    """Create a dataset from the samples, parse it (waiting), tag metadata, and create a chat.

    From v0.17 the samples go in through :meth:`RAGFlow.ingest` (``show_progress``: a tqdm
    bar); older servers, which keep no document metadata, get them uploaded, parsed and
    joined one by one (``interval``, ``on_progress``).
    """
    dataset = rag.create_dataset(
        name=dataset_name,
        description="Short notes about RAGFlow: parsing, retrieval and answers with citations.",
        chunk_method="naive",
        parser_config={"chunk_token_num": 48, "delimiter": "\n"},
    )
    if rag._dialect().has("document_meta_fields"):
        docs = _ingest(rag, dataset, timeout, show_progress)
    else:
        docs = _upload_and_join(dataset, interval, timeout, on_progress)
    samples = SampleSet(dataset, docs)
    if chat_name:
        samples.chat = rag.create_chat(
            chat_name,
            dataset_ids=[dataset.id],
            prompt={
                "opener": "Hi! Ask me about RAGFlow.",
                "empty_response": EMPTY_RESPONSE,
                "similarity_threshold": 0.1,
                "top_n": 3,
            },
        )
    return samples


def sample_items() -> list[IngestItem]:
    """The samples as items for :meth:`RAGFlow.ingest`, with their metadata."""
    from ..types.ingest import IngestItem

    return [IngestItem(n, b, SAMPLE_METADATA.get(n, {})) for n, b in sample_files()]


def _ingest(rag: RAGFlow, dataset: DataSet, timeout: float, show_progress: bool) -> list[Document]:
    items = sample_items()
    result = rag.ingest(dataset, items, timeout=timeout, show_progress=show_progress)
    result.raise_for_failures()
    by_id = {d.id: d for d in dataset.list_documents(page_size=len(items))}
    return [by_id[i] for i in result.document_ids if i in by_id]


def _upload_and_join(
    dataset: DataSet,
    interval: float,
    timeout: float,
    on_progress: Callable[[Document, float, str], None] | None,
) -> list[Document]:
    docs = dataset.upload_documents([{"display_name": n, "blob": b} for n, b in sample_files()])
    dataset.async_parse_documents([d.id for d in docs])
    for doc in docs:
        for progress, message in doc.join(interval=interval, timeout=timeout):
            if on_progress is not None:
                on_progress(doc, progress, message)
    return list(docs)
