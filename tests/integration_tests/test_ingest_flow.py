"""Bulk ingestion through the core client, sync and async, on the two ways it polls:
listing by ids (v0.27) and the newest pages (v0.20). Replayed from cassettes (recorded
against LocalRAGFlow; parsing waited for while recording).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ragflow_integrations import AsyncRAGFlow, IngestItem, RAGFlow
from ragflow_integrations.metadata import source_metadata
from tests.support import Server, server_for

pytestmark = [pytest.mark.vcr, pytest.mark.usefixtures("instant_waits_on_replay")]

NOTES = [
    IngestItem.from_text(
        f"Note {i}: hybrid retrieval mixes a term score and a vector score.",
        source_id=f"note-{i}",
        metadata={"n": i, "tags": ["retrieval", "scores"]},
    )
    for i in range(5)
]
SCAN = IngestItem("scan.pdf", b"%PDF-1.4 the stand-in cannot parse this", source_id="scan")


@pytest.fixture(scope="module", params=["v0.20", "v0.27"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with server_for(request.param) as srv:
        yield srv


def kwargs(server: Server) -> dict[str, Any]:
    return {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "server_version": server.dialect,
        "max_retries": 0,
    }


def test_ingest_again_change_and_reparse(server: Server) -> None:
    with RAGFlow(**kwargs(server)) as rag:
        ds = rag.create_dataset(name="ingest_flow")
        first = rag.ingest(ds, [*NOTES, SCAN])
        assert [d.state for d in first] == ["DONE"] * 5 + ["FAIL"]
        assert first.documents[-1].error and first.documents[-1].error.startswith("parsing failed")
        assert first.requests["upload documents"] == 1 and first.requests["parse documents"] == 1

        again = rag.ingest(ds, NOTES, reparse_failed=False)
        assert [d.action for d in again] == ["unchanged"] * 5
        assert set(again.requests) == {"list documents"}

        changed = [IngestItem.from_text("A new text.", source_id="note-0"), *NOTES[1:]]
        third = rag.ingest(ds, changed)
        assert [d.action for d in third] == ["replaced"] + ["unchanged"] * 4
        assert third.deleted == [first.documents[0].document_id]

        retried = rag.reparse(ds, [first.documents[-1].document_id])
        assert retried.documents[0].state == "FAIL" and retried.documents[0].source_id == "scan"
        docs = {d.name: d for d in ds.list_documents(page_size=100)}
        assert sorted(docs) == [
            "note-0.txt",
            "note-1.txt",
            "note-2.txt",
            "note-3.txt",
            "note-4.txt",
            "scan.pdf",
        ]
        assert source_metadata(docs["note-1.txt"].meta_fields) == {
            "n": 1,
            "tags": ["retrieval", "scores"],
        }
        rag.delete_datasets(ids=[ds.id])


async def test_async_ingest(server: Server) -> None:
    async with AsyncRAGFlow(**kwargs(server)) as arag:
        ds = await arag.create_dataset(name="ingest_async")
        result = await ds.ingest(NOTES, max_concurrency=2)
        assert not result.failed and [d.action for d in result] == ["created"] * 5
        found = await arag.find_ingested(ds, ["note-3", "nope"])
        assert list(found) == ["note-3"]
        assert await arag.delete_ingested(ds, ["note-3"]) == [result.documents[3].document_id]
        await arag.delete_datasets(ids=[ds.id])
