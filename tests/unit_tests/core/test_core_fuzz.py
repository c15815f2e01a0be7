"""Every parser takes any input: a result, or a ``RAGFlowError`` (Hypothesis).

A server behind a proxy can answer anything, and the agent tools turn only
``RAGFlowError`` into text: any other exception ends an agent's run. These properties
feed the SSE decoder, the envelope, both stream normalisers, the answer parsers and the
models with arbitrary bytes and with JSON shaped like RAGFlow's (its keys, any values).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ragflow_integrations import (
    APIResponseValidationError,
    Chat,
    Chunk,
    DataSet,
    Document,
    Message,
    RAGFlowError,
    ResponseTooLargeError,
    Session,
    StreamError,
)
from ragflow_integrations._envelope import unwrap
from ragflow_integrations._http import Request, Response
from ragflow_integrations._operations.completions import message_from_answer, parse_openai
from ragflow_integrations._streaming import (
    AnswerAccumulator,
    OpenAIAccumulator,
    SSEDecoder,
    StreamReader,
)
from ragflow_integrations.types._base import fit
from ragflow_integrations.types.openai import ChatCompletion, ChatCompletionChunk

FUZZ = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REQ = Request("GET", "/datasets", "list datasets")

# The keys RAGFlow's answers use, so generated objects reach past the first shape check.
KEYS = [
    "code", "retcode", "message", "retmsg", "data", "answer", "reference", "chunks", "id",
    "session_id", "final", "start_to_think", "end_to_think", "choices", "delta", "content",
    "reasoning_content", "final_content", "usage", "finish_reason", "message", "doc_aggs",
    "total", "docs", "document_id", "doc_id", "similarity", "positions", "position_int",
    "available", "dataset_id", "kb_id", "run", "progress", "name", "datasets", "llm",
    "prompt", "llm_setting", "prompt_config", "dataset_ids", "messages", "prompt_tokens",
    "important_kwd", "questions", "document_metadata", "chunk_count", "parser_config",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["0", "100", "[ID:0]", "##1$$", "<think>", "</think>", "RUNNING", "3"])
    | st.sampled_from([math.inf, -math.inf, math.nan, 10**25, -1, 1.5, True])
)
shaped = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=6)
    ),
    max_leaves=20,
)
objects = st.dictionaries(st.sampled_from(KEYS), shaped, max_size=8)
envelopes = st.fixed_dictionaries(
    {"code": scalars}, optional={"message": shaped, "data": shaped, "retcode": scalars}
)
native_events = objects | st.fixed_dictionaries(
    {"code": st.sampled_from([0, 0, 0, None, 102, "0", 0.0]), "data": shaped | objects}
)
openai_events = objects | st.fixed_dictionaries(
    {
        "choices": st.lists(
            shaped | st.fixed_dictionaries({"delta": shaped | objects}, optional={"x": shaped}),
            max_size=2,
        ),
    },
    optional={"usage": shaped | objects, "id": shaped, "model": shaped},
)


def payload(event: Any) -> str:
    return json.dumps(event)  # NaN and Infinity become the tokens JSON parsers meet


EOLS = (b"\n", b"\r\n", b"\r")
# Field text: any characters but a line end (non-ASCII, U+2028 and emoji included).
field_text = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=16) | (
    st.sampled_from(["", " ", "  two spaces", "é", "日本語", "a\u2028b", "😀", '{"answer": "ok"}'])
)
# One SSE line without its line end, and the data it carries (None: no data).
sse_lines = st.one_of(
    st.tuples(st.sampled_from(["", " "]), field_text).map(
        lambda p: ((f"data:{p[0]}{p[1]}").encode(), p[1] if p[0] else p[1].removeprefix(" "))
    ),
    field_text.map(lambda t: (f"event:{t}".encode(), None)),
    field_text.map(lambda t: (f":{t}".encode(), None)),  # a comment
)


@st.composite
def sse_streams(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """An SSE stream and the ``data`` payloads of its events, in order.

    Each line ends in LF, CRLF or CR (mixed); an event's blank line never follows a CR
    with an LF (that would read as one CRLF). The last event may lack its blank line,
    and its last line its line end: the end of the stream finishes it.
    """
    out: list[bytes] = []
    expected: list[str] = []
    for lines in draw(st.lists(st.lists(sse_lines, min_size=1, max_size=4), max_size=5)):
        eol = b""
        for raw, _ in lines:
            eol = draw(st.sampled_from(EOLS))
            out += [raw, eol]
        out.append(draw(st.sampled_from(EOLS[1:] if eol == b"\r" else EOLS)))
        data = [value for _, value in lines if value is not None]
        if data:
            expected.append("\n".join(data))
    cut: bool = draw(st.booleans())
    if out and cut:
        del out[-draw(st.integers(1, 2)) :]  # no blank line at the end (nor a line end)
    return b"".join(out), expected


def pieces_of(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` (any byte: inside a UTF-8 character or a CRLF), empty
    pieces included (a read may return nothing, even between the CR and LF of a CRLF)."""
    bounds = [0, *sorted(min(cut, len(data)) for cut in cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def decoded(decoder: SSEDecoder, pieces: list[bytes]) -> list[str]:
    return [event for piece in pieces for event in decoder.feed(piece)] + decoder.flush()


@FUZZ
@given(stream=sse_streams(), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_sse_decoder_takes_any_bytes_in_any_pieces(
    stream: tuple[bytes, list[str]], cuts: list[int]
) -> None:
    data, expected = stream
    assert decoded(SSEDecoder(), [data]) == expected
    assert decoded(SSEDecoder(), pieces_of(data, cuts)) == expected


@FUZZ
@given(
    stream=sse_streams(),
    cuts=st.lists(st.integers(0, 400), max_size=8),
    limit=st.integers(1, 64),
)
def test_sse_decoder_holds_no_event_over_its_limit(
    stream: tuple[bytes, list[str]], cuts: list[int], limit: int
) -> None:
    # The limit is on an event's data: its payload lines joined by LF, in bytes.
    data, expected = stream
    over = any(len(e.encode()) > limit for e in expected)
    if data.endswith((b"\n", b"\r")):  # every line whole: refused exactly when one is over
        try:
            SSEDecoder(max_event_size=limit).feed(data)
        except ResponseTooLargeError:
            assert over, "an event within the limit was refused"
        else:
            assert not over, "an event over the limit was let through"
    decoder, pieces = SSEDecoder(max_event_size=limit), pieces_of(data, cuts)
    if over:
        with pytest.raises(ResponseTooLargeError) as info:
            decoded(decoder, pieces)
        assert info.value.limit == limit
        return
    try:
        events = decoded(decoder, pieces)
    except ResponseTooLargeError:
        return  # a line held across pieces counts whole (field name, comment): may refuse
    assert events == expected
    assert all(len(e.encode()) <= limit for e in events)


@FUZZ
@given(
    body=st.binary(max_size=200) | (objects | envelopes).map(lambda o: payload(o).encode()),
    status=st.integers(100, 599),
)
def test_the_envelope_takes_any_body(body: bytes, status: int) -> None:
    with contextlib.suppress(RAGFlowError):
        unwrap(Response(status, {"Content-Type": "application/json"}, body), REQ)


@FUZZ
@given(events=st.lists(native_events.map(payload) | st.text(max_size=30), max_size=8))
def test_the_native_normaliser_takes_any_events(events: list[str]) -> None:
    for legacy in (None, True):
        acc = AnswerAccumulator(cumulative=legacy)
        partial = _fed(acc, events, Message)
        assert partial is None or isinstance(partial, Message)


@FUZZ
@given(events=st.lists(openai_events.map(payload) | st.text(max_size=30), max_size=8))
def test_the_openai_normaliser_takes_any_events(events: list[str]) -> None:
    partial = _fed(OpenAIAccumulator(), events, ChatCompletionChunk)
    assert partial is None or isinstance(partial, ChatCompletion)


def _fed(acc: AnswerAccumulator | OpenAIAccumulator, events: list[str], kind: type) -> Any:
    """Feed every event (each gives items of ``kind``); the partial of a StreamError.

    A reference or usage that does not fit its model raises APIResponseValidationError
    here; the clients' stream reader turns it into a StreamError with the partial.
    """
    try:
        for event in events:
            assert all(isinstance(item, kind) for item in acc.feed(event))
    except StreamError as exc:
        return exc.partial
    except APIResponseValidationError:
        return acc.partial
    return None


@FUZZ
@given(chunks=st.lists(st.binary(max_size=80), max_size=6))
def test_a_stream_reader_takes_any_bytes(chunks: list[bytes]) -> None:
    for acc in (AnswerAccumulator(), OpenAIAccumulator()):
        reader = StreamReader(REQ, acc, max_event_size=64)
        try:
            for chunk in chunks:
                list(reader.feed(chunk))
            list(reader.end())
        except StreamError:
            pass


@FUZZ
@given(answer=shaped | objects)
def test_whole_answers_parse_or_fail_typed(answer: Any) -> None:
    for parse in (message_from_answer, parse_openai):
        with contextlib.suppress(APIResponseValidationError):
            parse(answer, REQ)


@pytest.mark.parametrize("cls", [Chunk, DataSet, Document, Chat, Session])
@FUZZ
@given(data=shaped | objects)
def test_models_fit_or_fail_typed(cls: type[Any], data: Any) -> None:
    try:
        model = fit(cls, data)
    except APIResponseValidationError:
        return
    model._bind(object())  # what the client does: it dumps the model to remember it
    str(model)
    if isinstance(model, Chunk):
        model.provenance()
