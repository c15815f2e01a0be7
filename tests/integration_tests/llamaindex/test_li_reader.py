"""RAGFlowReader over the sample dataset (v0.27)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llamaindex_ragflow import RAGFlowReader
from ragflow_integrations.samples import SAMPLE_METADATA
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        yield seeded


@pytest.mark.vcr
def test_load_documents(seeded: Seeded) -> None:
    docs = RAGFlowReader(**seeded.client_kwargs()).load_data(dataset_id=seeded.dataset_id)
    assert sorted(d.id_ for d in docs) == sorted(seeded.document_ids)
    for doc in docs:
        name = doc.metadata["document_name"]
        assert doc.text.startswith("# ")
        assert doc.metadata["dataset_id"] == seeded.dataset_id
        for key, value in SAMPLE_METADATA[name].items():
            assert doc.metadata[key] == value


@pytest.mark.vcr
def test_lazy_chunks_of_selected_documents(seeded: Seeded) -> None:
    reader = RAGFlowReader(page_size=1, **seeded.client_kwargs())
    wanted = seeded.document_ids[:2]
    lazy = reader.lazy_load_data(seeded.dataset_id, document_ids=wanted, mode="chunk")
    first = next(iter(lazy))
    assert first.metadata["document_id"] == wanted[0]
    chunks = [first, *lazy]
    assert {c.metadata["document_id"] for c in chunks} == set(wanted)
    assert len({c.id_ for c in chunks}) == len(chunks) > 2
    assert all(c.ref_doc_id == c.metadata["document_id"] for c in chunks)


@pytest.mark.vcr
async def test_aload_data(seeded: Seeded) -> None:
    reader = RAGFlowReader(**seeded.client_kwargs())
    chunks = await reader.aload_data(seeded.dataset_id, mode="chunk")
    assert {c.metadata["document_id"] for c in chunks} == set(seeded.document_ids)
    docs = [d async for d in reader.aiter_data(seeded.dataset_id)]
    assert len(docs) == len(seeded.document_ids)
