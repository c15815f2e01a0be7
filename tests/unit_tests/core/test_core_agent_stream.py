"""Agent answers of both canvases come out as chat-shaped messages (no IO)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ragflow_integrations import Message, StreamError
from ragflow_integrations._agent_stream import (
    AgentAccumulator,
    AgentOpenAIAccumulator,
    CitationKeys,
    agent_openai_answer,
)
from ragflow_integrations._http import Request
from ragflow_integrations._operations.agents import parse_answer
from tests.support import assert_deltas_rebuild

REQ = Request("POST", "/agents/chat/completions", "ask agent")
CHUNKS = {
    "137": {"id": "c137", "content": "Paris is the capital.", "document_name": "fr.txt"},
    "42": {"id": "c42", "content": "Berlin is the capital.", "document_name": "de.txt"},
    "9": {"id": "c9", "content": "Unused.", "document_name": "x.txt"},
}


def ev(kind: str, **data: Any) -> str:
    return json.dumps({"event": kind, "message_id": "m1", "session_id": "s1", "data": data})


def feed_all(acc: AgentAccumulator, payloads: list[str]) -> list[Message]:
    out: list[Message] = []
    for payload in payloads:
        out += acc.feed(payload)
    return out


def test_v2_events_cite_positions_of_the_reference_in_citation_order() -> None:
    payloads = [
        ev("workflow_started", inputs={}),
        ev("node_started", component_id="begin"),
        ev("message", content="Berlin [ID:"),
        ev("message", content="42] and Paris [ID:137]"),
        ev("message", content=" [ID:42]."),
        ev("message_end", reference={"chunks": CHUNKS, "doc_aggs": {}}),
        ev("node_finished", component_id="Message:x"),
        "[DONE]",
    ]
    acc = AgentAccumulator(cumulative=False)
    messages = feed_all(acc, payloads)
    text = assert_deltas_rebuild(messages)
    final = messages[-1]
    assert final.final and acc.done
    assert text == final.content == "Berlin [ID:0] and Paris [ID:1] [ID:0]."
    assert [c.id for c in final.reference] == ["c42", "c137", "c9"]  # cited first, in order
    assert final.session_id == "s1" and final.id == "m1"
    assert not any("[ID:4" in m.delta for m in messages), "a split marker is never half-sent"


def test_v2_thinking_is_reasoning_and_workflow_finished_ends_v0_20_0_streams() -> None:
    payloads = [
        ev("message", content="", start_to_think=True),
        ev("message", content="Looking it up."),
        ev("message", content="", end_to_think=True),
        ev("message", content="Paris [ID:137]."),
        ev("message_end", reference={"chunks": CHUNKS, "doc_aggs": {}}),
        ev("workflow_finished", outputs={}),
    ]
    acc = AgentAccumulator(cumulative=False)
    messages = feed_all(acc, payloads)
    final = messages[-1]
    assert acc.done and final.final
    assert final.reasoning == "Looking it up."
    assert final.content == "Paris [ID:0]." and final.reference[0].id == "c137"


def test_a_citation_the_reference_lacks_is_dropped_by_a_final_rewrite() -> None:
    payloads = [
        ev("message", content="Rome [ID:77]. Paris [ID:137]."),
        ev("message_end", reference={"chunks": CHUNKS, "doc_aggs": {}}),
        "[DONE]",
    ]
    messages = feed_all(AgentAccumulator(cumulative=False), payloads)
    assert messages[0].content == "Rome [ID:0]. Paris [ID:1]."
    final = messages[-1]
    assert final.replaced and final.delta == ""
    assert final.content == "Rome. Paris [ID:0]."
    assert final.reference[0].id == "c137"
    assert_deltas_rebuild(messages)


def test_v1_cumulative_answers_skip_progress_and_keep_citations() -> None:
    def v1(data: Any) -> str:
        return json.dumps({"code": 0, "message": "", "data": data})

    payloads = [
        v1({"answer": "*'Retrieval'* is running...🕞", "running_status": True}),
        v1({"answer": "Paris", "reference": [], "session_id": "s0"}),
        v1({"answer": "Paris is the capital", "reference": []}),
        v1(
            {
                "answer": "Paris is the capital ##0$$.",
                "reference": {"chunks": [{"id": "c1", "content": "Paris."}], "doc_aggs": []},
            }
        ),
        v1(True),
    ]
    acc = AgentAccumulator(cumulative=True)
    messages = feed_all(acc, payloads)
    assert assert_deltas_rebuild(messages) == "Paris is the capital [ID:0]."
    assert messages[-1].final and messages[-1].reference[0].id == "c1"
    assert "running" not in messages[-1].content


def test_error_event_keeps_what_arrived() -> None:
    acc = AgentAccumulator(cumulative=False)
    acc.feed(ev("message", content="Half an"))
    with pytest.raises(StreamError, match="canvas exploded") as info:
        acc.feed(json.dumps({"code": 500, "message": "canvas exploded", "data": False}))
    assert info.value.partial is not None and info.value.partial.content == "Half an"


def test_empty_agent_output_still_names_the_session() -> None:
    acc = AgentAccumulator(cumulative=False)
    messages = feed_all(acc, [json.dumps({"session_id": "s9", "data": {}}), "[DONE]"])
    assert messages[-1].final and messages[-1].content == "" and messages[-1].session_id == "s9"


def test_whole_answers_of_each_era() -> None:
    v2 = {
        "event": "message_end",
        "message_id": "m",
        "session_id": "s",
        "data": {"content": "Paris [ID:137].", "reference": {"chunks": CHUNKS}},
    }
    answer = parse_answer(v2, REQ)
    assert answer.final and answer.content == "Paris [ID:0]." and answer.reference[0].id == "c137"
    v020 = {"event": "workflow_finished", "data": {"outputs": {"content": "From outputs."}}}
    assert parse_answer(v020, REQ).content == "From outputs."
    v1 = {"answer": "Paris ##0$$.", "reference": {"chunks": [{"id": "c1"}]}, "session_id": "s"}
    answer = parse_answer(v1, REQ)
    assert answer.content == "Paris [ID:0]." and answer.reference[0].id == "c1"
    only_session = parse_answer({"session_id": "s"}, REQ)
    assert only_session.final and only_session.session_id == "s" and only_session.content == ""


def test_openai_agent_stream_renumbers_and_rewrites_when_it_must() -> None:
    acc = AgentOpenAIAccumulator()

    def chunk(delta: dict[str, Any]) -> str:
        return json.dumps({"id": "x", "choices": [{"index": 0, "delta": delta}]})

    out = []
    for payload in [
        chunk({"content": "Rome [ID:77] and Paris [ID:1"}),
        chunk({"content": "37]."}),
        chunk({"content": "", "reference": {"chunks": CHUNKS}}),
        "[DONE]",
    ]:
        out += acc.feed(payload)
    assert "".join(c.delta for c in out) == "Rome [ID:0] and Paris [ID:1]."
    last = [c for c in out if c.reference][-1]
    assert [c.id for c in last.reference][:1] == ["c137"]
    assert last.final_content == "Rome and Paris [ID:0]."
    assert acc.done


def test_openai_agent_answer_renumbers_in_place() -> None:
    raw = {
        "choices": [
            {
                "message": {
                    "content": "Berlin [ID:42], Paris [ID:137].",
                    "reference": {"chunks": CHUNKS},
                }
            }
        ]
    }
    message = agent_openai_answer(raw)["choices"][0]["message"]
    assert message["content"] == "Berlin [ID:0], Paris [ID:1]."
    assert [c["id"] for c in message["reference"]] == ["c42", "c137", "c9"]


def test_citation_keys_hold_back_only_what_may_be_a_marker() -> None:
    keys = CitationKeys()
    assert keys.text("a [") == "a "
    assert keys.text("b") == "[b"
    assert keys.text(" [ID:5") == " "
    assert keys.flush() == "[ID:5"


def test_an_event_that_is_not_json_is_a_stream_error() -> None:
    acc = AgentAccumulator(cumulative=False)
    acc.feed(ev("message", content="Half"))
    with pytest.raises(StreamError, match="not JSON") as info:
        acc.feed("{oops")
    assert info.value.partial is not None and info.value.partial.content == "Half"
    with pytest.raises(StreamError, match="not JSON"):
        AgentOpenAIAccumulator().feed("[DON")
