"""AsyncRAGFlow's write paths against LocalRAGFlow: create, update, upload, parse, delete."""

from __future__ import annotations

import asyncio
import time

import pytest

from ragflow_integrations import AsyncRAGFlow, NotFoundError
from ragflow_integrations.testing import LocalRAGFlow


@pytest.mark.parametrize("dialect", ["v0.20", "v0.27"])
async def test_async_dataset_and_document_lifecycle(dialect: str) -> None:
    with LocalRAGFlow(dialect=dialect, parse_delay=0.05) as srv:
        async with AsyncRAGFlow(srv.api_key, srv.base_url, server_version=dialect) as rag:
            made = [await rag.create_dataset(name=f"kb{i}") for i in range(3)]
            await made[0].update({"description": "first"})
            assert (await rag.get_dataset(id=made[0].id)).description == "first"
            listed = [ds.id async for ds in rag.iter_datasets(page_size=2)]  # two pages
            assert sorted(listed) == sorted(ds.id for ds in made)

            ds = made[0]
            docs = await ds.upload_documents(
                [
                    {"display_name": "a.txt", "blob": b"alpha"},
                    {"display_name": "b.txt", "blob": b"beta"},
                ]
            )
            assert sorted(d.name for d in docs) == ["a.txt", "b.txt"]
            await ds.async_parse_documents([d.id for d in docs])
            deadline = time.monotonic() + 10
            while True:
                runs = {d.name: d.run for d in await ds.list_documents()}
                if set(runs.values()) == {"DONE"} or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.02)
            assert runs == {"a.txt": "DONE", "b.txt": "DONE"}
            assert {d.name: await d.download() for d in docs} == {
                "a.txt": b"alpha",
                "b.txt": b"beta",
            }

            await ds.delete_documents(ids=[docs[0].id])
            assert [d.id for d in await ds.list_documents()] == [docs[1].id]
            await rag.delete_datasets(ids=[made[1].id])
            assert sorted(d.id for d in await rag.list_datasets()) == sorted(
                [made[0].id, made[2].id]
            )
            with pytest.raises(NotFoundError):
                await rag.get_dataset(id=made[1].id)
