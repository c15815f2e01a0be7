"""ChatRAGFlow across server versions: real deltas, references and citations, session mode,
reasoning kept apart, and the pre-v0.17 behaviour. Replayed from cassettes recorded against
LocalRAGFlow speaking v0.16 (no history endpoint), v0.20 (cumulative native stream),
v0.24 (delta stream) and v0.27.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage

from langchain_ragflow import ChatRAGFlow
from langchain_ragflow._convert import _strip_markers
from ragflow_integrations import RAGFlow, UnsupportedFeatureError
from ragflow_integrations._http import Request
from tests.support import Seeded, live_server, recording, seeded_environment

NAME = Path(__file__).stem
QUESTION = "How does hybrid retrieval score chunks?"
DIALECTS = ["v0.16", "v0.20", "v0.24", "v0.27"]


@pytest.fixture(scope="module", params=DIALECTS)
def seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with seeded_environment(request.param, NAME) as seeded:
        yield seeded


def model(seeded: Seeded, **kwargs: Any) -> ChatRAGFlow:
    return ChatRAGFlow(chat_id=seeded.chat_id, **seeded.client_kwargs(), **kwargs)


def has_history_endpoint(seeded: Seeded) -> bool:
    return seeded.server.dialect != "v0.16"


def join(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


def check_stream(seeded: Seeded, chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """Real deltas, one last chunk with everything, citations inside the streamed text."""
    texts = [str(c.content) for c in chunks if c.content]
    # arrived in pieces, not as one answer (RAGFlow v0.27 sends deltas of 16 tokens or more)
    assert len(texts) > 1
    full = join(chunks)
    assert full.content == "".join(texts)  # deltas, never the answer so far again
    assert [c.chunk_position for c in chunks].count("last") == 1
    last = chunks[-1]
    assert last.chunk_position == "last"
    meta = last.response_metadata
    assert meta["chat_id"] == seeded.chat_id
    assert meta["references"]
    for ref in meta["references"]:
        assert ref["document_id"] in seeded.document_ids
        assert ref["id"] and ref["content"]
    for citation in meta["citations"]:
        start, end = citation["start_index"], citation["end_index"]
        assert 0 <= start < end <= len(full.content)
        n = citation["extras"]["reference_index"]
        assert citation["extras"]["chunk_id"] == meta["references"][n]["id"]
    if has_history_endpoint(seeded):
        assert last.usage_metadata is not None
        assert last.usage_metadata["total_tokens"] > 0
        assert sum(1 for c in chunks if c.usage_metadata) == 1
    else:
        assert meta["session_id"]  # answered in a fresh server session
    return full


@pytest.mark.vcr
def test_stream(seeded: Seeded) -> None:
    full = check_stream(seeded, list(model(seeded).stream(QUESTION)))
    assert "hybrid" in str(full.content).lower()


@pytest.mark.vcr
async def test_astream(seeded: Seeded) -> None:
    chunks = [c async for c in model(seeded).astream(QUESTION)]
    check_stream(seeded, chunks)


@pytest.mark.vcr
def test_invoke_and_stream_agree(seeded: Seeded) -> None:
    """Invoke keeps the [ID:n] markers. Up to v0.23 the server inserts them only into the
    finished answer, so the stream is the same text without them; from v0.24 the model's
    own markers stream with the text."""
    reply = model(seeded).invoke(QUESTION)
    streamed = join(list(model(seeded).stream(QUESTION)))
    assert "[ID:" in str(reply.content)
    if seeded.server.dialect >= "v0.24":
        assert streamed.content == reply.content
    else:
        stripped, _ = _strip_markers(str(reply.content))
        assert stripped == streamed.content
    assert len(reply.response_metadata["citations"]) == len(streamed.response_metadata["citations"])
    for citation in reply.response_metadata["citations"]:
        cited = str(reply.content)[citation["start_index"] : citation["end_index"]]
        assert cited and "[ID:" not in cited


@pytest.mark.vcr
def test_v1_output_has_citation_annotations(seeded: Seeded) -> None:
    full = join(list(model(seeded, output_version="v1").stream(QUESTION)))
    (text,) = [b for b in full.content if isinstance(b, dict) and b["type"] == "text"]
    assert text["annotations"]
    assert all(a["type"] == "citation" and a["title"] for a in text["annotations"])


@pytest.mark.vcr
def test_session_mode_continues_a_server_session(
    seeded: Seeded, sent_requests: list[Request]
) -> None:
    llm = model(seeded)
    session_id = llm.create_session()
    first = join(list(llm.stream(QUESTION, session_id=session_id)))
    assert first.response_metadata["session_id"] == session_id
    config: Any = {"configurable": {"ragflow_session_id": session_id}}
    history = [HumanMessage(QUESTION), AIMessage(str(first.content)), HumanMessage("And chunking?")]
    second = llm.invoke(history, config=config)
    assert second.response_metadata["session_id"] == session_id
    assert "chunk" in str(second.content).lower()
    sent = sent_requests[-1].json
    assert sent["session_id"] == session_id
    assert sent["question"] == "And chunking?"  # only the newest message
    assert "messages" not in sent


@pytest.fixture(scope="module", params=["v0.20", "v0.24"])
def reasoning_seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    """The stand-in reasons on these dialects; the fake models of scripts/real_ragflow do not,
    so this test keeps a stand-in seed of its own (the module's v0.24 seed is the real one).
    """
    if recording() and live_server():
        pytest.skip("needs a reasoning model")
    with seeded_environment(request.param, f"{NAME}_reasoning") as seeded:
        yield seeded


@pytest.mark.vcr
def test_reasoning_is_kept_apart(reasoning_seeded: Seeded) -> None:
    seeded = reasoning_seeded
    rag = RAGFlow(**seeded.client_kwargs())
    chat = rag.create_chat(
        "thinking guide", dataset_ids=[seeded.dataset_id], prompt={"reasoning": True}
    )
    try:
        llm = ChatRAGFlow(chat_id=chat.id, client=rag)
        chunks = list(llm.stream(QUESTION))
        full = join(chunks)
        reasoning = full.additional_kwargs["reasoning_content"]
        assert reasoning and reasoning not in str(full.content)
        assert "<think>" not in str(full.content)
        blocks = full.content_blocks
        assert [b["type"] for b in blocks] == ["reasoning", "text"]
        session_id = llm.create_session()
        reply = llm.invoke(QUESTION, session_id=session_id)
        assert reply.additional_kwargs["reasoning_content"]
        assert "<think>" not in str(reply.content)
    finally:
        rag.delete_chats(ids=[chat.id])


def test_a_history_without_the_history_endpoint_raises(seeded: Seeded) -> None:
    """Before v0.17 a message history cannot reach the server; no request is made."""
    if has_history_endpoint(seeded):
        pytest.skip("this server takes histories")
    history = [
        SystemMessage("Be brief."),
        HumanMessage("hi"),
        AIMessage("hello"),
        HumanMessage("q"),
    ]
    with pytest.raises(UnsupportedFeatureError, match="cannot send a message history"):
        model(seeded).invoke(history)
