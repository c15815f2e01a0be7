"""SSE decoding and the answer normaliser, for every stream shape the servers send."""

from __future__ import annotations

import json

import pytest

from ragflow_integrations import StreamError
from ragflow_integrations._streaming import (
    AnswerAccumulator,
    OpenAIAccumulator,
    SSEDecoder,
    normalise_citations,
    split_think,
)
from tests.support import assert_deltas_rebuild


def ev(data: object, code: int = 0, **extra: object) -> str:
    return json.dumps({"code": code, "data": data, **extra}, ensure_ascii=False)


def wire(*payloads: str, sep: bytes = b"\n\n") -> bytes:
    return b"".join(b"data:" + p.encode() + sep for p in payloads)


def test_decoder_keeps_u2028_and_splits_on_bytes() -> None:
    payload = ev({"answer": "line\u2028separator"})
    decoder = SSEDecoder()
    raw = wire(payload)
    out: list[str] = []
    for i in range(len(raw)):  # one byte at a time
        out += decoder.feed(raw[i : i + 1])
    assert out == [payload]
    assert json.loads(out[0])["data"]["answer"] == "line\u2028separator"


@pytest.mark.parametrize("sep", [b"\n\n", b"\r\n\r\n", b"\r\r"])
def test_decoder_line_endings(sep: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(wire(ev(1), ev(2), sep=sep)) + decoder.flush() == [ev(1), ev(2)]


def test_decoder_flushes_last_event_without_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data:" + ev(True).encode()) == []
    assert decoder.flush() == [ev(True)]


def test_decoder_joins_multiline_data_and_ignores_other_fields() -> None:
    decoder = SSEDecoder()
    raw = b'event: message\nid: 3\ndata: {"a":\ndata: 1}\n\n: comment\n\n'
    assert decoder.feed(raw) == ['{"a":\n1}']


def run(acc: AnswerAccumulator, *events: str) -> list:
    out = []
    for e in events:
        out += acc.feed(e)
    return out


def test_cumulative_stream_with_citation_rewrite() -> None:
    ref = {
        "total": 1,
        "chunks": [
            {
                "chunk_id": "c1",
                "content_with_weight": "text",
                "doc_id": "d1",
                "docnm_kwd": "a.md",
                "kb_id": ["k1"],
                "similarity": 0.9,
            }
        ],
        "doc_aggs": [],
    }
    msgs = run(
        AnswerAccumulator(cumulative=True),
        ev({"answer": "Hello", "reference": {}}),
        ev({"answer": "Hello world", "reference": {"chunks": []}}),
        ev({"answer": "Hello ##0$$ world", "reference": ref}),
        ev(True),
    )
    assert [m.delta for m in msgs[:2]] == ["Hello", " world"]
    assert msgs[2].replaced and msgs[2].delta == "" and msgs[2].content == "Hello [ID:0] world"
    final = msgs[-1]
    assert final.final and final.content == "Hello [ID:0] world"
    assert final.reference[0].id == "c1" and final.reference[0].dataset_id == "k1"
    assert final.reference[0].document_name == "a.md"


def test_cumulative_stream_with_think_tags() -> None:
    msgs = run(
        AnswerAccumulator(cumulative=True),
        ev({"answer": "<think>Let me"}),
        ev({"answer": "<think>Let me see</think>"}),
        ev({"answer": "<think>Let me see</think>The answer"}),
        ev(True),
    )
    assert msgs[-1].reasoning == "Let me see" and msgs[-1].content == "The answer"
    assert "".join(m.reasoning_delta for m in msgs) == "Let me see"
    assert all("<think>" not in m.content for m in msgs)


def test_delta_stream_with_think_markers_and_final_reference() -> None:
    msgs = run(
        AnswerAccumulator(cumulative=False),
        ev({"answer": "", "start_to_think": True}),
        ev({"answer": "pondering"}),
        ev({"answer": "", "end_to_think": True}),
        ev({"answer": "Part one, "}),
        ev({"answer": "part two [ID:0]."}),
        ev({"answer": "", "final": True, "reference": {"chunks": [{"id": "x", "content": "c"}]}}),
        ev(True),
    )
    assert [m.delta for m in msgs if m.delta] == ["Part one, ", "part two [ID:0]."]
    final = msgs[-1]
    assert final.final and final.content == "Part one, part two [ID:0]."
    assert final.reasoning == "pondering" and [c.id for c in final.reference] == ["x"]
    assert sum(m.final for m in msgs) == 1, "the end marker after final adds nothing"


def test_delta_stream_without_final_event_solo_chat() -> None:
    msgs = run(
        AnswerAccumulator(cumulative=False), ev({"answer": "a"}), ev({"answer": "b"}), ev(True)
    )
    assert msgs[-1].final and msgs[-1].content == "ab" and msgs[-1].reference == []


def test_empty_response_path_final_carries_text() -> None:
    msgs = run(
        AnswerAccumulator(cumulative=False),
        ev({"answer": "Nothing found.", "final": True, "reference": {}}),
        ev(True),
    )
    assert [m.delta for m in msgs if m.delta] == ["Nothing found."]
    assert msgs[-1].final and msgs[-1].content == "Nothing found."


def test_error_event_keeps_partial_answer() -> None:
    acc = AnswerAccumulator(cumulative=False)
    acc.feed(ev({"answer": "kept"}))
    with pytest.raises(StreamError) as info:
        acc.feed(ev({"answer": "**ERROR**: boom", "reference": []}, code=500, message="boom"))
    assert info.value.code == 500 and "boom" in info.value.message
    assert info.value.partial is not None and info.value.partial.content == "kept"


def test_non_json_event_is_a_stream_error() -> None:
    with pytest.raises(StreamError, match="not JSON"):
        AnswerAccumulator(cumulative=True).feed("{broken")


def test_helpers() -> None:
    assert normalise_citations("a ##12$$ b ##0$$") == "a [ID:12] b [ID:0]"
    assert split_think("  <think>t</think>  answer") == ("t", "answer")
    assert split_think("<think>open") == ("open", "")
    assert split_think("plain") == ("", "plain")


def test_openai_stream() -> None:
    acc = OpenAIAccumulator()
    chunk = {
        "id": "chatcmpl-x",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": None,
                "delta": {"content": "Hi", "reasoning_content": None},
            }
        ],
        "usage": None,
    }
    last = {
        "id": "chatcmpl-x",
        "model": "m",
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "delta": {
                    "content": None,
                    "reference": [{"id": "c", "content": "t"}],
                    "final_content": "Hi ##0$$",
                },
            }
        ],
    }
    out = acc.feed(json.dumps(chunk)) + acc.feed(json.dumps(last)) + acc.feed("[DONE]")
    assert [c.delta for c in out] == ["Hi", ""] and acc.done
    assert out[-1].usage is not None and out[-1].usage.total_tokens == 5
    assert out[-1].reference[0].id == "c" and out[-1].final_content == "Hi [ID:0]"
    with pytest.raises(StreamError, match="You don't own"):
        OpenAIAccumulator().feed(json.dumps({"code": 102, "message": "You don't own the chat"}))


def test_decoder_crlf_split_across_chunks() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data:1\r") == []
    assert decoder.feed(b"\n\r") == ["1"]  # CRLF, then a lone CR: a blank line
    assert decoder.feed(b"\ndata:2\r\n\r\n") == ["2"]  # that LF belonged to the CR


def test_decoder_long_line_in_many_chunks() -> None:
    payload = ev({"answer": "x" * 100_000})
    raw = wire(payload)
    decoder = SSEDecoder()
    out: list[str] = []
    for i in range(0, len(raw), 7):
        out += decoder.feed(raw[i : i + 7])
    assert out == [payload]


@pytest.mark.parametrize("cumulative", [True, False])
def test_multi_digit_hash_citation_split_inside_a_stream(cumulative: bool) -> None:
    pieces = ["See ", "##1", "2$", "$ and ##", "3$$."]
    texts = ["".join(pieces[: i + 1]) for i in range(len(pieces))]
    events = [ev({"answer": t if cumulative else p}) for t, p in zip(texts, pieces, strict=True)]
    msgs = run(AnswerAccumulator(cumulative=cumulative), *events, ev(True))
    assert assert_deltas_rebuild(msgs) == "See [ID:12] and [ID:3]."
    assert msgs[-1].final and msgs[-1].content == "See [ID:12] and [ID:3]."
    assert all("##12$$" not in m.content and "[ID:1]" not in m.content for m in msgs)


def test_an_empty_read_between_cr_and_lf_keeps_the_crlf_one_line_break() -> None:
    decoder = SSEDecoder()
    events = [e for chunk in (b"data:1\r", b"", b"\ndata:2\r\n\r\n") for e in decoder.feed(chunk)]
    assert events == ["1\n2"]
