"""The async client does what the sync one does, end to end (LocalRAGFlow on 127.0.0.1).

``tests/unit_tests/core/test_core_parity.py`` compares the public methods; this runs the
ones the async models lacked (document updates, deletes, chunks, join, cancelling).
"""

from __future__ import annotations

import asyncio

import pytest

from ragflow_integrations import AsyncChunk, AsyncRAGFlow, ParseError
from ragflow_integrations.testing import LocalRAGFlow


@pytest.mark.parametrize("dialect", ["v0.20", "v0.27"])
async def test_documents_chunks_and_chats_through_the_async_client(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect, parse_delay=0.02) as srv:
        async with AsyncRAGFlow(srv.api_key, srv.base_url, server_version=dialect) as arag:
            ds = await arag.create_dataset(name="kb")
            ds.description = "notes"
            assert await ds.save()
            doc = await arag.upload_document(ds, "a.txt", b"alpha beta gamma " * 30)
            await doc.update({"name": "renamed.txt"})
            assert doc.name == "renamed.txt"
            await doc.async_parse()
            progress = [p async for p, _ in doc.join(interval=0.02, timeout=10)]
            assert progress[-1] == 1.0 and doc.run == "DONE"
            assert [d.name for d in await ds.list_docs()] == ["renamed.txt"]

            chunk = await doc.add_chunk("a chunk added by hand", important_keywords=["hand"])
            assert isinstance(chunk, AsyncChunk)
            await chunk.update({"content": "edited by hand"})
            listed = await doc.list_chunks(page_size=100)
            assert "edited by hand" in [c.content for c in listed]
            window = await doc.list_chunks(offset=1, limit=2)
            assert [c.id for c in window] == [c.id for c in listed[1:3]]
            assert await chunk.delete()
            await doc.delete_chunks(ids=[listed[0].id])
            remaining = {c.id for c in await doc.list_chunks(page_size=100)}
            assert chunk.id not in remaining and listed[0].id not in remaining

            chat = await arag.create_chat("bot")
            await chat.update({"name": "renamed bot"})
            assert chat.name == "renamed bot"
            assert await chat.delete() and await arag.list_chats() == []
            assert await doc.delete() and await ds.list_documents() == []
            assert await ds.delete() and await arag.list_datasets() == []


async def test_cancelling_a_parse_through_the_async_client() -> None:
    with LocalRAGFlow(dialect="v0.27", parse_delay=5) as srv:
        async with AsyncRAGFlow(srv.api_key, srv.base_url, server_version="v0.27") as arag:
            ds = await arag.create_dataset(name="kb")
            docs = await ds.upload_documents(
                [{"display_name": f"{n}.txt", "blob": b"words " * 40} for n in "abc"]
            )
            await arag.async_parse_documents([d.id for d in docs])
            await asyncio.sleep(0.1)
            await docs[0].cancel_parse()
            await ds.async_cancel_parse_documents([docs[1].id])
            await arag.async_cancel_parse_documents([docs[2].id])
            for doc in docs:
                with pytest.raises(ParseError, match="cancelled"):
                    async for _ in doc.join(interval=0.05, timeout=5):
                        pass
