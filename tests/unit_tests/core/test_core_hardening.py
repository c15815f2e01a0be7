"""Broken servers and careless settings, through the public client, with no network.

Each test pins down one problem found by attacking the client (issue: hostile input and
broken servers): untyped transport errors, followed redirects, unbounded waits and
answers, Retry-After values that hang, keys that leak, pickles that carry the key.
Deadlines are tested on a fake clock.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import pickle
import pkgutil
import random
from typing import Any

import httpx
import pytest
import requests

import ragflow_integrations
from ragflow_integrations import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncRAGFlow,
    AuthenticationError,
    InternalServerError,
    InvalidArgumentError,
    NotPicklableError,
    RAGFlow,
    RAGFlowConfigError,
    RAGFlowError,
    RateLimitError,
    RedirectError,
    ResponseTooLargeError,
    Session,
    StreamError,
    _transport,
)
from ragflow_integrations._http import encode_multipart
from ragflow_integrations._retry import retry_after
from tests.support import assert_deltas_rebuild
from tests.unit_tests.core.scripted import (
    KEY,
    OK,
    DripBody,
    DripStream,
    FakeClock,
    async_client,
    sync_client,
)

MiB = 1024 * 1024


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock for the transports; back-off sleeps advance it instead of waiting."""
    fake = FakeClock()
    monkeypatch.setattr("ragflow_integrations._transport.time.sleep", fake.sleep)
    monkeypatch.setattr("ragflow_integrations._transport.asyncio.sleep", fake.asleep)
    return fake


def on(clock: FakeClock, client: Any) -> Any:
    client._transport.clock = clock
    return client


def assert_scrubbed(error: BaseException) -> None:
    """A typed error whose cause carries no request (so no Authorization header)."""
    assert isinstance(error, RAGFlowError)
    assert error.__context__ is None
    cause = error.__cause__
    assert cause is not None
    state = vars(cause)
    assert state.get("request") is None and state.get("_request") is None
    assert KEY not in repr(vars(cause)) and KEY not in str(error)


# -- transport failures are typed, and carry no headers ----------------------------------


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (requests.exceptions.ChunkedEncodingError, APIConnectionError),
        (requests.exceptions.ContentDecodingError, APIResponseValidationError),
        (requests.exceptions.TooManyRedirects, APIConnectionError),
        (requests.exceptions.InvalidURL, RAGFlowConfigError),
        (requests.exceptions.InvalidHeader, RAGFlowConfigError),
        (requests.ReadTimeout, APITimeoutError),
        (requests.ConnectionError, APIConnectionError),
    ],
)
def test_sync_transport_errors_are_typed_without_headers(
    failure: type[Exception], kind: type[RAGFlowError], no_sleep: list[float]
) -> None:
    rag, _ = sync_client([failure] * 3)
    with pytest.raises(kind) as info:
        rag.list_datasets()
    assert_scrubbed(info.value)


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (httpx.DecodingError, APIResponseValidationError),
        (httpx.RemoteProtocolError, APIConnectionError),
        (httpx.TooManyRedirects, APIConnectionError),
        (httpx.UnsupportedProtocol, RAGFlowConfigError),
        (httpx.ReadTimeout, APITimeoutError),
    ],
)
async def test_async_transport_errors_are_typed_without_headers(
    failure: type[Exception], kind: type[RAGFlowError], no_sleep: list[float]
) -> None:
    arag = async_client([failure] * 3)
    with pytest.raises(kind) as info:
        await arag.list_datasets()
    assert_scrubbed(info.value)


async def test_an_invalid_url_inside_httpx_is_typed() -> None:
    arag = async_client([httpx.InvalidURL("Invalid non-printable ASCII character in URL")])
    with pytest.raises(RAGFlowConfigError, match="check base_url"):
        await arag.list_datasets()


async def test_a_closed_http_client_of_the_caller_is_named() -> None:
    given = httpx.AsyncClient()
    await given.aclose()
    arag = AsyncRAGFlow(
        api_key="k", base_url="http://ragflow.test", server_version="v0.27", http_client=given
    )
    with pytest.raises(RAGFlowConfigError, match=r"http_client= is closed") as info:
        await arag.list_datasets()
    assert "GET /api/v1/datasets" in str(info.value)


def test_redirects_are_not_followed() -> None:
    elsewhere = "https://elsewhere.test/api/v1/datasets"
    rag, adapter = sync_client([(302, b"", {"Location": elsewhere}), (200, OK)])
    with pytest.raises(RedirectError, match=r"elsewhere\.test") as info:
        rag.list_datasets()
    assert info.value.location == elsewhere and info.value.status_code == 302
    assert len(adapter.calls) == 1
    # A POST is not resent anywhere either (307/308 would resend its body).
    rag, adapter = sync_client([(307, b"", {"Location": elsewhere}), (200, OK)])
    with pytest.raises(RedirectError):
        rag.create_dataset(name="kb")
    assert len(adapter.calls) == 1


async def test_async_redirects_are_not_followed_either() -> None:
    elsewhere = "https://elsewhere.test/api/v1/datasets"
    seen: list[httpx.Request] = []
    arag = async_client([(308, b"", {"Location": elsewhere}), (200, OK)], seen)
    arag._transport._given.follow_redirects = True  # even on a client that would follow
    with pytest.raises(RedirectError) as info:
        await arag.create_dataset(name="kb")
    assert info.value.location == elsewhere and len(seen) == 1


# -- Retry-After and the deadline --------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["nan", "NaN", "inf", "-inf", "-5", "1e999", "soon", "Wed, 99 Foo 2015 07:28 GMT"]
)
def test_unusable_retry_after_values_are_ignored(value: str) -> None:
    assert retry_after({"Retry-After": value}) is None
    assert retry_after({"retry-after-ms": value}) is None


def test_retry_after_nan_falls_back_to_back_off(clock: FakeClock) -> None:
    rag, _ = sync_client([(429, {"code": 429}, {"Retry-After": "nan"}), (200, OK)])
    assert [d.id for d in on(clock, rag).list_datasets()] == ["d1"]
    assert len(clock.slept) == 1 and 0.375 <= clock.slept[0] <= 0.5


async def test_async_retry_after_nan_falls_back_to_back_off(clock: FakeClock) -> None:
    arag = on(clock, async_client([(429, {"code": 429}, {"Retry-After": "nan"}), (200, OK)]))
    assert [d.id for d in await arag.list_datasets()] == ["d1"]
    assert len(clock.slept) == 1 and 0.375 <= clock.slept[0] <= 0.5


def test_a_retry_after_longer_than_the_timeout_is_not_waited_for(clock: FakeClock) -> None:
    rag, adapter = sync_client([(429, {"code": 429}, {"Retry-After": "30"}), (200, OK)], timeout=3)
    with pytest.raises(RateLimitError):
        on(clock, rag).list_datasets()
    assert clock.slept == [] and len(adapter.calls) == 1


async def test_async_retry_after_longer_than_the_timeout(clock: FakeClock) -> None:
    script: list[Any] = [(503, {"code": 503}, {"Retry-After": "30"}), (200, OK)]
    arag = on(clock, async_client(script, timeout=3))
    with pytest.raises(InternalServerError):
        await arag.list_datasets()
    assert clock.slept == [] and len(script) == 1


def test_back_off_stops_at_the_deadline(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.0)  # no jitter: waits 0.5, 1, 2 ...
    rag, adapter = sync_client([(503, b"busy")] * 10, timeout=3, max_retries=9)
    start = clock.now
    with pytest.raises(InternalServerError):
        on(clock, rag).list_datasets()
    assert clock.slept == [0.5, 1.0] and len(adapter.calls) == 3  # 2 more would pass 3 s
    assert clock.now - start <= 3


def test_a_dripping_answer_is_cut_at_the_timeout(clock: FakeClock) -> None:
    body = DripBody(clock, size=100, cost=2.0)  # one byte every 2 s
    rag, _ = sync_client([(200, body)], timeout=3)
    with pytest.raises(APITimeoutError, match="timeout=3 s"):
        on(clock, rag).list_datasets()
    assert body.reads == 2


async def test_async_dripping_answer_is_cut_at_the_timeout(clock: FakeClock) -> None:
    stream = DripStream(clock, size=100, cost=2.0)
    arag = on(clock, async_client([(200, stream)], timeout=3))
    with pytest.raises(APITimeoutError, match="timeout=3 s"):
        await arag.list_datasets()
    assert stream.reads == 2


def test_a_stalled_server_fails_a_default_call_within_minutes(clock: FakeClock) -> None:
    body = DripBody(clock, size=10**6, cost=60.0)  # a byte a minute: never done
    rag, _ = sync_client([(200, body)])
    start = clock.now
    with pytest.raises(APITimeoutError, match="timeout=300 s"):
        on(clock, rag).list_datasets()
    assert clock.now - start <= 300 + 60


async def test_async_stalled_server_fails_a_default_call(clock: FakeClock) -> None:
    stream = DripStream(clock, size=10**6, cost=60.0)
    arag = on(clock, async_client([(200, stream)]))
    start = clock.now
    with pytest.raises(APITimeoutError):
        await arag.list_datasets()
    assert clock.now - start <= 300 + 60


def test_the_deadline_covers_every_request_of_a_call(clock: FakeClock) -> None:
    # get_document reads the datasets, then each dataset's documents: one call, one budget.
    datasets = {"code": 0, "data": [{"id": f"ds{i}", "name": "kb"} for i in range(3)]}
    rag, adapter = sync_client(
        [(200, datasets), (200, DripBody(clock, 4, 1.0)), (200, OK)], timeout=3
    )
    with pytest.raises(APITimeoutError):
        on(clock, rag).get_document(id="nope")
    assert len(adapter.calls) == 2


# -- bounded sizes ---------------------------------------------------------------------------


def test_an_answer_over_max_response_size() -> None:
    big = b'{"code":0,"data":"' + b"x" * (2 * MiB) + b'"}'
    rag, _ = sync_client([(200, big)], max_response_size=MiB)
    with pytest.raises(ResponseTooLargeError, match="max_response_size") as info:
        rag.list_datasets()
    assert info.value.limit == MiB


def test_a_declared_length_over_the_limit_is_refused_before_reading(clock: FakeClock) -> None:
    body = DripBody(clock, size=10, cost=0.0)
    rag, _ = sync_client([(200, body, {"Content-Length": str(10**12)})])
    with pytest.raises(ResponseTooLargeError):
        rag.list_datasets()
    assert body.reads == 0


async def test_async_answer_over_max_response_size() -> None:
    big = b'{"code":0,"data":"' + b"x" * (2 * MiB) + b'"}'
    arag = async_client([(200, big)], max_response_size=MiB)
    with pytest.raises(ResponseTooLargeError):
        await arag.list_datasets()


def _session(rag: Any) -> Session:
    sess = Session(id="s", chat_id="c")
    sess._bind(rag)
    return sess


def test_a_stream_event_over_max_event_size_keeps_what_arrived() -> None:
    body = (
        b'data:{"code":0,"data":{"answer":"Hello ","final":false}}\n\n'
        + b'data:{"code":0,"data":{"answer":"'
        + b"x" * (2 * MiB)
    )
    rag, _ = sync_client([(200, body, {"Content-Type": "text/event-stream"})], max_event_size=MiB)
    got = []
    with pytest.raises(StreamError, match="max_event_size") as info:
        for message in _session(rag).ask("q", stream=True):
            got.append(message.delta)
    assert got == ["Hello "] and info.value.partial.content == "Hello "
    assert isinstance(info.value.__cause__, ResponseTooLargeError)


# -- answers that are not what they should be ------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError in json
        b'{"code": Infinity}',  # OverflowError in int()
        b'{"code": NaN}',
        b'{"code": 1e400}',
        b'{"code": ' + b"9" * 5000 + b"}",  # ValueError: int too long to convert
        b'{"code": [1]}',
        b"\xff\xfe\x00garbage",
        b'{"code": 0, "data": [{"id": false, "chunk_count": {}}]}',
        b'{"code": 0, "data": [' + b'{"a":' * 150 + b"1" + b"}" * 150 + b"]}",
    ],
)
def test_hostile_bodies_raise_typed_errors(body: bytes) -> None:
    rag, _ = sync_client([(200, body)])
    with pytest.raises(APIResponseValidationError):
        rag.list_datasets()


def test_hostile_openai_answers() -> None:
    msgs = [{"role": "user", "content": "q"}]
    rag, _ = sync_client([(200, b"\xff\xfe not utf-8")])
    with pytest.raises(APIResponseValidationError):
        rag.openai_chat_completion("c", msgs)
    rag, _ = sync_client([(200, {"choices": [None], "usage": [1]})])
    assert rag.openai_chat_completion("c", msgs).content == ""
    answer = {"choices": [{"message": {"content": 5, "reference": 5}, "finish_reason": {}}]}
    rag, _ = sync_client([(200, answer)])
    completion = rag.openai_chat_completion("c", msgs)
    assert completion.reference == [] and completion.finish_reason is None


def test_hostile_native_answers() -> None:
    data = {"answer": "hi [ID:0]", "id": False, "session_id": [], "reference": {"chunks": 5}}
    rag, _ = sync_client([(200, {"code": 0, "data": data})])
    message = _session(rag).ask("q")
    assert (message.content, message.id, message.session_id, message.reference) == (
        "hi [ID:0]",
        None,
        None,
        [],
    )


def test_a_non_json_event_mid_stream_keeps_what_arrived() -> None:
    body = (
        b'data:{"code":0,"data":{"answer":"Hello ","final":false}}\n\n'
        b"data:<html>proxy error</html>\n\n"
    )
    rag, _ = sync_client([(200, body, {"Content-Type": "text/event-stream"})])
    with pytest.raises(StreamError, match="not JSON") as info:
        list(_session(rag).ask("q", stream=True))
    assert info.value.partial is not None and info.value.partial.content == "Hello "


def test_a_broken_openai_stream_keeps_the_text_so_far() -> None:
    events = [
        {"id": "x", "choices": [{"delta": {"content": "Hello "}}]},
        {"id": "x", "choices": [{"delta": {"content": "world"}}]},
    ]
    body = b"".join(b"data:" + json.dumps(e).encode() + b"\n\n" for e in events)
    rag, _ = sync_client([(200, body, {"Content-Type": "text/event-stream"})])
    stream = rag.openai_chat_completion("c", [{"role": "user", "content": "q"}], stream=True)
    with pytest.raises(StreamError, match="end marker") as info:
        list(stream)
    assert info.value.partial.content == "Hello world"


# -- the key ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("ragflow-abcdef\n", "whitespace"),
        (" ragflow-abcdef", "whitespace"),
        ("ragflow-abc def", "whitespace"),
        ("ragflow-abc\x00def", "control character"),
        ("ragflow-abc\x85def", "whitespace|control character"),
        ("ragflow-abcdé€", "outside Latin-1"),
    ],
)
def test_a_key_that_cannot_be_sent_is_refused_when_the_client_is_built(key: str, what: str) -> None:
    for cls in (RAGFlow, AsyncRAGFlow):
        with pytest.raises(RAGFlowConfigError, match=what) as info:
            cls(key, "http://rf.test")
        assert "abc" not in str(info.value)


def test_a_client_cannot_be_pickled() -> None:
    rag, _ = sync_client([])
    for client in (rag, AsyncRAGFlow(KEY, "http://rf.test")):
        with pytest.raises(NotPicklableError) as info:
            pickle.dumps(client)
        assert isinstance(info.value, TypeError) and KEY not in str(info.value)
    assert copy.copy(rag)._transport is rag._transport  # with_options still copies


def test_pickled_models_drop_their_client() -> None:
    found = {"code": 0, "data": {"chunks": [{"id": "c1", "content": "x", "similarity": 0.5}]}}
    docs = {"code": 0, "data": {"docs": [{"id": "d1", "name": "a.txt"}], "total": 1}}
    rag, _ = sync_client([(200, found), (200, {"code": 0, "data": [{"id": "ds"}]}), (200, docs)])
    (chunk,) = rag.retrieve(dataset_ids=["ds"], question="q")
    dataset = rag.list_datasets()[0]
    (document,) = dataset.list_documents()
    for model in (chunk, dataset, document):
        blob = pickle.dumps(model)
        assert KEY.encode() not in blob and b"Bearer" not in blob
        loaded = pickle.loads(blob)
        assert loaded.model_dump() == model.model_dump() and loaded._client is None
        with pytest.raises(RAGFlowConfigError, match="not attached"):
            loaded.delete()
        assert model._client is rag  # the original keeps its binding
        assert copy.deepcopy(model)._client is rag  # copies share the client


# -- base URLs and messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("http://h:9380/v1", "http://h:9380 "),
        ("http://h:9380/v1/", "http://h:9380 "),
        ("http://h:9380/api", "http://h:9380 "),
        ("https://user:secret@h/ragflow/v1", "https://h/ragflow "),
        ("http://h:port", "not a valid URL"),
        ("http://", "names no host"),
        ("http://h/x?a=1", "query"),
        ("http://h /", "whitespace"),
    ],
)
def test_base_urls_that_cannot_work_are_refused_with_a_hint(url: str, hint: str) -> None:
    with pytest.raises(RAGFlowConfigError, match=hint) as info:
        RAGFlow(KEY, url)
    assert "secret" not in str(info.value)


def test_base_urls_that_work() -> None:
    for url in ("http://h:9380", "http://h:9380/", "http://h:9380/api/v1", "https://h/ragflow"):
        assert RAGFlow(KEY, url)._transport.root.endswith(("h:9380/api/v1", "ragflow/api/v1"))


def test_a_server_that_is_down_is_named(no_sleep: list[float]) -> None:
    refused = requests.ConnectionError("[Errno 111] Connection refused")
    rag, _ = sync_client([refused] * 3)
    with pytest.raises(APIConnectionError, match=r"at http://rf\.test \(connection refused\)"):
        rag.list_datasets()


def test_a_wrong_key_reads_well() -> None:
    refused = {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None}
    rag, _ = sync_client([(401, refused)])
    with pytest.raises(AuthenticationError) as info:
        rag.list_datasets()
    text = str(info.value)
    assert text.startswith("401: Unauthorized") and "<Unauthorized" not in text
    assert "the server did not accept the API key" in text
    assert "RAGFLOW_API_KEY" in text


# -- multipart -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["evil.txt\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"])
def test_file_names_cannot_inject_headers(name: str) -> None:
    with pytest.raises(InvalidArgumentError, match="control character"):
        encode_multipart([(name, b"x")])
    rag, adapter = sync_client([])
    with pytest.raises(InvalidArgumentError):
        rag.upload_document("ds", name, b"x")
    assert adapter.calls == []


def test_file_names_are_quoted() -> None:
    body, _ = encode_multipart([('say "hi" \\ bye.txt', b"x")])
    assert b'filename="say \\"hi\\" \\\\ bye.txt"' in body


# -- logging ---------------------------------------------------------------------------------


def test_requests_and_retries_are_logged_without_keys_or_bodies(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ragflow_integrations")
    rag, _ = sync_client([(503, b"busy-body"), (200, OK)])
    on(clock, rag).list_datasets()
    records = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in records] == ["DEBUG", "INFO", "DEBUG"]
    assert records[0][1].startswith("GET /datasets -> 503 in ") and "(attempt 1)" in records[0][1]
    assert records[1][1].startswith("retrying GET /datasets in ")
    assert "(retry 1 of 2) after HTTP 503" in records[1][1]
    assert records[2][1].startswith("GET /datasets -> 200") and "(attempt 2)" in records[2][1]
    for _, text in records:
        assert KEY not in text and "busy-body" not in text and "Bearer" not in text


def test_the_logger_is_the_packages() -> None:
    """Every module logs to ``ragflow_integrations`` or a child of it, so one handler or
    level set on that logger covers all the package's records."""
    package = logging.getLogger("ragflow_integrations")
    assert _transport.log is package
    loggers: dict[str, logging.Logger] = {}
    for info in pkgutil.walk_packages(ragflow_integrations.__path__, "ragflow_integrations."):
        if info.name.endswith(".__main__"):
            continue  # the CLI: importing it would run it
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, logging.Logger):
                loggers[f"{info.name}.{name}"] = value
    assert loggers["ragflow_integrations._operations.ingest.log"].name == (
        "ragflow_integrations.ingest"
    )
    for where, logger in loggers.items():
        node: logging.Logger | None = logger
        while node is not None and node is not package:
            assert node.propagate, f"{where}: {node.name} does not propagate"
            node = node.parent
        assert node is package, f"{where} ({logger.name}) is not under the package's logger"


# -- decode by shape -------------------------------------------------------------------------

CUMULATIVE = [  # v0.13-v0.23: each event holds the whole answer so far
    {"answer": "Hello", "reference": {}},
    {"answer": "Hello world", "reference": {"chunks": []}},
    {"answer": "Hello ##0$$ world", "reference": {"chunks": [{"id": "c1", "content": "x"}]}},
]
DELTA = [  # v0.24+: deltas, think markers, references on the final event
    {"answer": "", "final": False, "start_to_think": True},
    {"answer": "hmm", "final": False},
    {"answer": "", "final": False, "end_to_think": True},
    {"answer": "Hello", "final": False},
    {"answer": " world [ID:0]", "final": False},
    {"answer": "", "final": True, "reference": {"chunks": [{"id": "c1", "content": "x"}]}},
]


def _sse(events: list[dict[str, Any]]) -> bytes:
    wire = [{"code": 0, "data": e} for e in events] + [{"code": 0, "data": True}]
    return b"".join(b"data:" + json.dumps(e).encode() + b"\n\n" for e in wire)


@pytest.mark.parametrize("pinned", ["v0.20", "v0.23", "v0.24", "v0.27"])
@pytest.mark.parametrize("events", [CUMULATIVE, DELTA], ids=["cumulative", "delta"])
def test_the_streams_shape_decides_how_it_is_read(
    pinned: str, events: list[dict[str, Any]]
) -> None:
    """Whatever version the client believes, every answer keeps its text and citations."""
    body = _sse(events)
    rag, _ = sync_client(
        [(200, body, {"Content-Type": "text/event-stream"})], server_version=pinned
    )
    messages = list(_session(rag).ask("q", stream=True))
    final = messages[-1]
    assert final.final and [c.id for c in final.reference] == ["c1"]
    assert assert_deltas_rebuild(messages) == final.content
    if events is DELTA:
        assert final.content == "Hello world [ID:0]" and final.reasoning == "hmm"
    else:
        assert final.content == "Hello [ID:0] world"
