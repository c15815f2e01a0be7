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
    from ..types import Agent, Chat, DataSet, Document
    from ..types.ingest import IngestItem

__all__ = [
    "EMPTY_RESPONSE",
    "SAMPLE_AGENT",
    "SAMPLE_CHAT",
    "SAMPLE_DATASET",
    "SAMPLE_METADATA",
    "SampleSet",
    "load_samples",
    "sample_agent_dsl",
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
SAMPLE_AGENT = "RAGFlow guide agent"
AGENT_PROLOGUE = "Hi! I am the RAGFlow guide agent. What would you like to know?"
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
    agent: Agent | None = None


def load_samples(
    rag: RAGFlow,
    *,
    dataset_name: str = SAMPLE_DATASET,
    chat_name: str | None = SAMPLE_CHAT,
    agent_title: str | None = None,
    interval: float = 0.2,
    timeout: float = 600,
    show_progress: bool = False,
    on_progress: Callable[[Document, float, str], None] | None = None,
) -> SampleSet:
    """Create a dataset from the samples, parse it (waiting), tag metadata, and create a chat
    (and, with ``agent_title``, an agent over the dataset: :func:`sample_agent_dsl`, v0.19+).

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
    if agent_title:
        v2 = rag._dialect().has("agent_events")
        samples.agent = rag.create_agent(
            agent_title,
            sample_agent_dsl([dataset.id], canvas="v2" if v2 else "v1"),
            description="Answers questions about RAGFlow from the sample notes, with citations.",
        )
    return samples


def sample_agent_dsl(dataset_ids: list[str], *, canvas: str = "v2") -> dict[str, Any]:
    """A canvas DSL that retrieves from ``dataset_ids`` and answers citing what it found.

    ``canvas="v2"`` (RAGFlow v0.20+): Begin -> Retrieval -> Agent -> Message;
    ``canvas="v1"`` (up to v0.19): Begin -> Answer -> Retrieval -> Generate -> Answer. Both use
    only components :class:`~ragflow_integrations.testing.LocalRAGFlow` runs; on a real
    server, pick the agent's model in the canvas editor.
    """

    def node(name: str, params: dict[str, Any], down: list[str], up: list[str]) -> dict[str, Any]:
        return {
            "obj": {"component_name": name, "params": params},
            "downstream": down,
            "upstream": up,
        }

    retrieval = {"kb_ids": list(dataset_ids), "top_n": 3, "similarity_threshold": 0.1}
    begin = {"prologue": AGENT_PROLOGUE, "mode": "conversational"}
    if canvas == "v1":
        components = {
            "begin": node("Begin", begin, ["Answer:Ask"], []),
            "Answer:Ask": node("Answer", {}, ["Retrieval:Notes"], ["begin", "Generate:Reply"]),
            "Retrieval:Notes": node("Retrieval", retrieval, ["Generate:Reply"], ["Answer:Ask"]),
            "Generate:Reply": node(
                "Generate",
                {"prompt": "Answer from: {Retrieval:Notes}", "cite": True},
                ["Answer:Ask"],
                ["Retrieval:Notes"],
            ),
        }
        return {"components": components, "history": [], "messages": [], "path": [], "answer": []}
    if canvas != "v2":
        raise ValueError(f"canvas must be 'v1' or 'v2', got {canvas!r}")
    components = {
        "begin": node("Begin", {**begin, "inputs": {}}, ["Retrieval:Notes"], []),
        "Retrieval:Notes": node(
            "Retrieval", {**retrieval, "query": "sys.query"}, ["Agent:Guide"], ["begin"]
        ),
        "Agent:Guide": node(
            "Agent",
            {
                "sys_prompt": "Answer from the notes:\n{Retrieval:Notes@formalized_content}",
                "prompts": [{"role": "user", "content": "{sys.query}"}],
                "cite": True,
            },
            ["Message:Reply"],
            ["Retrieval:Notes"],
        ),
        "Message:Reply": node(
            "Message", {"content": ["{Agent:Guide@content}"]}, [], ["Agent:Guide"]
        ),
    }
    globals_ = {"sys.query": "", "sys.user_id": "", "sys.conversation_turns": 0, "sys.files": []}
    return {
        "components": components,
        "history": [],
        "path": [],
        "retrieval": [],
        "globals": globals_,
    }


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
