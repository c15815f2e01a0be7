"""Conversion helpers: chunks to documents, messages, citations, stop sequences, usage."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_ragflow._convert import (
    StopFilter,
    align_citations,
    chunk_metadata,
    chunk_to_document,
    citations_for,
    reference_dict,
    to_openai_messages,
    truncate_at_stop,
    usage_metadata,
)
from ragflow_integrations import Chunk, InvalidArgumentError, Usage


def chunk(n: int, **extra: object) -> Chunk:
    return Chunk.model_validate(
        {
            "id": f"c{n}",
            "content": f"content {n}",
            "document_id": f"d{n}",
            "document_keyword": f"doc{n}.md",
            "dataset_id": "ds",
            "similarity": 0.5,
            **extra,
        }
    )


def test_chunk_metadata_keeps_only_what_the_server_sent() -> None:
    c = chunk(
        1,
        vector_similarity=0.4,
        term_similarity=0.0,
        image_id="",
        positions=[""],
        important_keywords=["a"],
        highlight=None,
    )
    assert chunk_metadata(c) == {
        "document_id": "d1",
        "document_name": "doc1.md",
        "dataset_id": "ds",
        "similarity": 0.5,
        "vector_similarity": 0.4,
        "term_similarity": 0.0,
        "important_keywords": ["a"],
    }
    doc = chunk_to_document(c)
    assert doc.id == "c1"
    assert doc.page_content == "content 1"
    assert reference_dict(c) == {"id": "c1", "content": "content 1", **chunk_metadata(c)}


def test_chunk_metadata_old_field_names() -> None:
    old = Chunk.model_validate(
        {"chunk_id": "x", "content_with_weight": "t", "doc_id": "d", "kb_id": ["k"], "img_id": "i"}
    )
    assert chunk_metadata(old) == {"document_id": "d", "dataset_id": "k", "image_id": "i"}


def test_openai_messages_merge_roles_and_drop_names() -> None:
    messages = [
        SystemMessage("s1"),
        SystemMessage("s2"),
        HumanMessage("h1", name="bob"),
        HumanMessage("h2"),
        AIMessage([{"type": "reasoning", "reasoning": "hmm"}, {"type": "text", "text": "a1"}]),
        ChatMessage(role="user", content="h3"),
    ]
    assert to_openai_messages(messages) == [
        {"role": "system", "content": "s1\n\ns2"},
        {"role": "user", "content": "h1\n\nh2"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "h3"},
    ]


@pytest.mark.parametrize(
    "message",
    [
        ToolMessage("x", tool_call_id="1"),
        HumanMessage([{"type": "image", "url": "http://x/y.png"}]),
        AIMessage("", tool_calls=[{"name": "t", "args": {}, "id": "1"}]),
    ],
)
def test_openai_messages_refuse_what_ragflow_cannot_take(message: object) -> None:
    with pytest.raises(InvalidArgumentError, match="RAGFlow"):
        to_openai_messages([message])  # type: ignore[list-item]


def test_citations_point_at_the_cited_clause() -> None:
    text = "First fact [ID:0]. Second fact [ID:1][ID:0]. Unknown [ID:7]."
    refs = [chunk(0), chunk(1)]
    cites = citations_for(text, refs)
    spans = [(c["start_index"], c["end_index"], c["extras"]["reference_index"]) for c in cites]
    assert [text[s:e] for s, e, _ in spans] == ["First fact", "Second fact", "Second fact"]
    assert [n for *_, n in spans] == [0, 1, 0]
    assert cites[0]["title"] == "doc0.md"
    assert cites[0]["cited_text"] == "content 0"
    assert cites[1]["extras"]["chunk_id"] == "c1"


def test_align_when_markers_were_inserted_after_streaming() -> None:
    streamed = "Alpha beta. Gamma delta."
    final = "Alpha beta [ID:0]. Gamma delta [ID:1]."
    remainder, cites = align_citations(streamed, final, [chunk(0), chunk(1)])
    assert remainder == ""
    assert [streamed[c["start_index"] : c["end_index"]] for c in cites] == [
        "Alpha beta",
        "Gamma delta",
    ]


def test_align_when_the_final_text_extends_the_stream() -> None:
    remainder, cites = align_citations("Alpha", "Alpha beta [ID:0].", [chunk(0)])
    assert remainder == " beta [ID:0]."
    assert (cites[0]["start_index"], cites[0]["end_index"]) == (0, 10)


def test_align_gives_positionless_citations_when_text_was_rewritten() -> None:
    remainder, cites = align_citations("Something else", "Other [ID:0] [ID:0]", [chunk(0)])
    assert remainder == ""
    assert len(cites) == 1
    assert "start_index" not in cites[0]


def test_truncate_at_stop() -> None:
    assert truncate_at_stop("hello you there", ["you", "the"]) == ("hello ", True)
    assert truncate_at_stop("hello", ["x"]) == ("hello", False)
    assert truncate_at_stop("hello", None) == ("hello", False)


def test_stop_filter_holds_back_a_possible_stop_start() -> None:
    f = StopFilter(["STOP"])
    assert f.feed("abc S") == "abc "
    assert f.feed("T") == ""
    assert f.feed("x") == "STx"
    assert f.feed("yy ST") == "yy "
    assert f.feed("OP more") == ""
    assert f.stopped
    assert f.feed("ignored") == ""
    assert f.flush() == ""
    g = StopFilter(None)
    assert g.feed("abc") == "abc"
    h = StopFilter(["END"])
    assert h.feed("x E") == "x "
    assert h.flush() == "E"


def test_usage_metadata() -> None:
    assert usage_metadata(None) is None
    usage = Usage.model_validate(
        {
            "prompt_tokens": 3,
            "completion_tokens": 4,
            "total_tokens": 7,
            "completion_tokens_details": {"reasoning_tokens": 2},
        }
    )
    assert usage_metadata(usage) == {
        "input_tokens": 3,
        "output_tokens": 4,
        "total_tokens": 7,
        "output_token_details": {"reasoning": 2},
    }
