"""RAGFlowLoader against the sample dataset (v0.27), replayed from cassettes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from langchain_ragflow import RAGFlowLoader
from ragflow_integrations import RAGFlow
from ragflow_integrations.samples import SAMPLE_METADATA, sample_files
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        yield seeded


def words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in text.lower()).split()


@pytest.mark.vcr
def test_document_mode_gives_each_documents_parsed_text(seeded: Seeded) -> None:
    docs = RAGFlowLoader(seeded.dataset_id, **seeded.client_kwargs()).load()
    assert sorted(d.metadata["document_name"] for d in docs) == sorted(SAMPLE_METADATA)
    originals = dict(sample_files())
    for doc in docs:
        name = doc.metadata["document_name"]
        assert doc.id == doc.metadata["document_id"]
        assert doc.id in seeded.document_ids
        assert doc.metadata["source"] == name
        assert doc.metadata["dataset_id"] == seeded.dataset_id
        assert doc.metadata["dataset_name"] == f"samples_{NAME}"
        own = {k: v for k, v in doc.metadata.items() if k in SAMPLE_METADATA[name]}
        assert own == SAMPLE_METADATA[name]  # the document's own metadata, at the top level
        # the chunks, joined in order, hold the whole file's words in order
        assert words(doc.page_content) == words(originals[name].decode())


@pytest.mark.vcr
def test_chunk_mode_pages_through_chunks(seeded: Seeded) -> None:
    loader = RAGFlowLoader(seeded.dataset_id, mode="chunk", page_size=2, **seeded.client_kwargs())
    chunks = list(loader.lazy_load())
    by_doc = RAGFlowLoader(seeded.dataset_id, **seeded.client_kwargs()).load()
    assert len(chunks) == sum(d.metadata["chunk_count"] for d in by_doc)
    assert len({c.id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert chunk.metadata["document_id"] in seeded.document_ids
        expected = SAMPLE_METADATA[chunk.metadata["source"]]
        assert {k: chunk.metadata[k] for k in expected} == expected


@pytest.mark.vcr
async def test_alazy_load_is_native_and_matches(
    seeded: Seeded, no_sync_io: Callable[[], None]
) -> None:
    no_sync_io()
    some = seeded.document_ids[:2]
    loader = RAGFlowLoader(seeded.dataset_id, document_ids=some, **seeded.client_kwargs())
    docs = [d async for d in loader.alazy_load()]
    assert [d.id for d in docs] == some
    originals = dict(sample_files())
    for doc in docs:  # the same text and metadata as the sync loader gives
        name = doc.metadata["document_name"]
        assert words(doc.page_content) == words(originals[name].decode())
        own = {k: v for k, v in doc.metadata.items() if k in SAMPLE_METADATA[name]}
        assert own == SAMPLE_METADATA[name]
    chunk_loader = RAGFlowLoader(
        seeded.dataset_id, document_ids=some, mode="chunk", **seeded.client_kwargs()
    )
    chunks = [c async for c in chunk_loader.alazy_load()]
    assert {c.metadata["document_id"] for c in chunks} == set(some)
    assert len(chunks) == sum(d.metadata["chunk_count"] for d in docs)


@pytest.mark.vcr
def test_loader_shares_an_existing_client(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    with RAGFlow(**seeded.client_kwargs()) as rag:
        through_rag: list[str] = []
        send = rag._transport.send
        monkeypatch.setattr(
            rag._transport, "send", lambda req, *a: through_rag.append(req.path) or send(req, *a)
        )
        monkeypatch.setattr(RAGFlow, "__init__", lambda *a, **k: pytest.fail("a new client"))
        docs = RAGFlowLoader(seeded.dataset_id, document_ids=seeded.document_ids[:1], client=rag)
        assert [d.id for d in docs.load()] == seeded.document_ids[:1]
        assert through_rag, "the loader did not send through the client it was given"
