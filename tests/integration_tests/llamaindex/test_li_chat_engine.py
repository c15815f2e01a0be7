"""RAGFlowChatEngine over the sample chat assistant (v0.27)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from llamaindex_ragflow import METADATA_KEYS, RAGFlowChatEngine
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        yield seeded


def engine(seeded: Seeded) -> RAGFlowChatEngine:
    return RAGFlowChatEngine(seeded.chat_id, session_name="li-test", **seeded.client_kwargs())


@pytest.mark.vcr
def test_chat_keeps_a_server_session(seeded: Seeded) -> None:
    chat = engine(seeded)
    first = chat.chat("What is chunking?")
    assert "chunk" in first.response.lower()
    assert first.source_nodes
    hit = first.source_nodes[0]
    assert hit.node.metadata["document_name"] == "chunking.md"
    assert set(hit.node.metadata) <= set(METADATA_KEYS)
    assert first.metadata is not None
    session_id = first.metadata["session_id"]
    assert session_id == chat.session_id

    second = chat.chat("How are answers cited?")
    assert second.metadata is not None and second.metadata["session_id"] == session_id
    history = chat.chat_history
    assert [m.role for m in history] == [
        MessageRole.ASSISTANT,  # the assistant's opener, as the server stores it
        MessageRole.USER,
        MessageRole.ASSISTANT,
        MessageRole.USER,
        MessageRole.ASSISTANT,
    ]
    assert history[1].content == "What is chunking?"
    assert history[2].content == first.response

    # The history is the server's: a new engine attached to the session sees the same turns.
    attached = RAGFlowChatEngine(seeded.chat_id, session_id=session_id, **seeded.client_kwargs())
    assert [m.content for m in attached.chat_history] == [m.content for m in history]

    chat.reset()
    assert chat.chat_history == []
    assert chat.session_id is None
    chat.chat("What is RAGFlow?")
    assert chat.session_id not in (None, session_id)
    assert [m.content for m in chat.chat_history][1:2] == ["What is RAGFlow?"]


@pytest.mark.vcr
def test_stream_chat_with_sources(seeded: Seeded) -> None:
    chat = engine(seeded)
    streaming = chat.stream_chat("How does hybrid retrieval score chunks?")
    deltas = list(streaming.response_gen)
    assert len(deltas) > 1
    assert streaming.response == "".join(deltas).strip()
    assert streaming.source_nodes
    assert streaming.source_nodes[0].node.metadata["document_name"] == "hybrid_retrieval.md"
    assert all(n.node.node_id for n in streaming.source_nodes)
    assert chat.chat_history[-2].content == "How does hybrid retrieval score chunks?"
    assert chat.chat_history[-1].content.startswith(deltas[0])


@pytest.mark.vcr
async def test_achat_and_astream_chat(seeded: Seeded) -> None:
    chat = engine(seeded)
    first = await chat.achat("What is chunking?")
    assert first.source_nodes
    streaming = await chat.astream_chat("How are answers cited?")
    deltas = [d async for d in streaming.async_response_gen()]
    assert len(deltas) > 1
    assert streaming.source_nodes
    assert streaming.source_nodes[0].node.metadata["document_name"] == "citations.md"
    assert len(chat.chat_history) == 5


@pytest.mark.vcr
async def test_explicit_history_is_answered_statelessly(seeded: Seeded) -> None:
    chat = engine(seeded)
    history = [
        ChatMessage(role=MessageRole.USER, content="What is chunking?"),
        ChatMessage(role=MessageRole.ASSISTANT, content="Splitting documents into pieces."),
    ]
    reply = chat.chat("How are answers cited?", chat_history=history)
    assert reply.source_nodes
    assert reply.metadata is not None and reply.metadata["session_id"] is None
    areply = await chat.achat("How are answers cited?", chat_history=history)
    assert areply.response == reply.response
    assert chat.session_id is None and chat.chat_history == []
