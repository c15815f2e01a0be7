"""The official ``ragflow-sdk`` runs its own flow against LocalRAGFlow.

This proves the stand-in speaks RAGFlow: the SDK is written against the real server.
The test group installs 0.22.1 (Python up to 3.12), spoken against the v0.22 dialect, and
0.27.3 (Python 3.13 only), spoken against v0.27. A missing SDK fails the test: CI must
not pass without it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import pytest
import ragflow_sdk

SDK = tuple(int(p) for p in version("ragflow-sdk").split(".")[:2])
DIALECT = {(0, 22): "v0.22", (0, 27): "v0.27"}[SDK]


def test_sdk_flow(serve: Callable[..., Any], facts: dict[str, str]) -> None:
    server = serve(DIALECT, parse_delay=0.05)
    rag = ragflow_sdk.RAGFlow(api_key=server.api_key, base_url=server.base_url)

    dataset = rag.create_dataset(name="sdk-kb")
    assert dataset.id and dataset.chunk_method == "naive"
    assert [d.name for d in rag.list_datasets(name="sdk-kb")] == ["sdk-kb"]

    docs = dataset.upload_documents(
        [{"display_name": name, "blob": text.encode()} for name, text in facts.items()]
        + [{"display_name": "scan.pdf", "blob": b"%PDF-1.4"}]
    )
    assert sorted(d.name for d in docs) == ["paris.md", "ragflow.html", "scan.pdf", "sky.txt"]
    ids = [d.id for d in docs]
    dataset.async_parse_documents(ids)
    finished = dataset._get_documents_status(ids)  # the SDK's own poller: list_documents(id=...)
    runs = {doc_id: run for doc_id, run, _, _ in finished}
    assert sorted(runs.values()) == ["DONE", "DONE", "DONE", "FAIL"]

    listed = dataset.list_documents(page_size=10)
    assert len(listed) == 4
    sky = next(d for d in listed if d.name == "sky.txt")
    assert sky.run == "DONE" and sky.chunk_count >= 1 and sky.progress == 1.0
    assert sky.download().startswith(b"The sky is blue")
    sky.update({"meta_fields": {"topic": "physics"}})
    assert dataset.list_documents(id=sky.id)[0].meta_fields.to_json() == {"topic": "physics"}

    chunk = sky.add_chunk(
        content="Blue light is scattered more than red light.", important_keywords=["blue"]
    )
    assert chunk.id and chunk.content.startswith("Blue light")
    assert any(c.id == chunk.id for c in sky.list_chunks(page_size=50))

    hits = rag.retrieve(dataset_ids=[dataset.id], question="Why is the sky blue?")
    assert hits and "blue" in hits[0].content.lower() and hits[0].similarity > 0
    meta_hits = rag.retrieve(
        dataset_ids=[dataset.id],
        question="sky",
        metadata_condition={
            "conditions": [{"name": "topic", "comparison_operator": "is", "value": "physics"}]
        },
    )
    assert meta_hits and {h.document_id for h in meta_hits} == {sky.id}

    chat = rag.create_chat("sdk-bot", dataset_ids=[dataset.id])
    opener = chat.prompt.opener if SDK < (0, 25) else chat.prompt_config.prologue
    assert chat.id and opener
    session = chat.create_session()
    assert session.messages[0]["content"] == opener

    streamed = list(session.ask("Why is the sky blue?", stream=True))
    # 0.22 streams are cumulative: the last message is the decorated answer. From 0.24 each
    # message is a delta, and the final one (empty) carries the references.
    text = streamed[-1].content if SDK < (0, 24) else "".join(m.content for m in streamed)
    assert "blue" in text.lower() and "[ID:" in text
    assert streamed[-1].reference

    (answer,) = list(session.ask("What is the capital of France?", stream=False))
    assert "Paris" in answer.content and answer.reference

    sessions = chat.list_sessions()
    assert len(sessions) == 1 and len(sessions[0].messages) == 5
    chat.update({"name": "sdk-bot-2", "dataset_ids": [dataset.id]})
    assert rag.list_chats(name="sdk-bot-2")[0].id == chat.id
    chat.delete_sessions(ids=[session.id])
    rag.delete_chats(ids=[chat.id])
    dataset.delete_documents(ids=[docs[-1].id])
    rag.delete_datasets(ids=[dataset.id])
    with pytest.raises(Exception, match="lacks permission"):
        rag.list_datasets(name="sdk-kb")
