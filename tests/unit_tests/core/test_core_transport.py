"""Retries, Retry-After, timeouts and streams on both transports, with no network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from ragflow_integrations import (
    APIConnectionError,
    AsyncRAGFlow,
    AuthenticationError,
    InternalServerError,
    RateLimitError,
    StreamError,
)
from ragflow_integrations._retry import retry_after, retry_delay, should_retry_status
from tests.support import assert_deltas_rebuild
from tests.unit_tests.core.scripted import OK, handler_from, sync_client


def test_retry_policy() -> None:
    assert should_retry_status(429, idempotent=False)
    assert should_retry_status(503, idempotent=True)
    assert not should_retry_status(503, idempotent=False)
    assert not should_retry_status(400, idempotent=True)
    assert retry_after({"Retry-After": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0) == 10.0
    assert retry_delay(0, {"Retry-After": "61"}) is None  # too long: give up
    for attempt in range(6):
        delay = retry_delay(attempt)
        assert delay is not None and 0.75 * min(0.5 * 2**attempt, 8) <= delay <= min(
            0.5 * 2**attempt, 8
        )


def test_retries_429_with_retry_after_then_succeeds(no_sleep: list[float]) -> None:
    rag, adapter = sync_client([(429, {"code": 429}, {"Retry-After": "1.5"}), (200, OK)])
    assert [d.id for d in rag.list_datasets()] == ["d1"]
    assert no_sleep == [1.5] and len(adapter.calls) == 2


def test_retries_5xx_on_safe_requests_and_gives_up(no_sleep: list[float]) -> None:
    rag, adapter = sync_client([(502, b"<html>bad gateway</html>")] * 3)
    with pytest.raises(InternalServerError, match="bad gateway"):
        rag.list_datasets()
    assert len(adapter.calls) == 3 and len(no_sleep) == 2  # max_retries=2


def test_no_retry_of_creates_after_5xx(no_sleep: list[float]) -> None:
    rag, adapter = sync_client([(503, {"code": 503, "message": "busy"}), (200, OK)])
    with pytest.raises(InternalServerError):
        rag.create_dataset(name="kb")
    assert len(adapter.calls) == 1 and no_sleep == []


def test_creates_retry_when_the_connection_was_refused(no_sleep: list[float]) -> None:
    refused = requests.ConnectionError("NewConnectionError: Connection refused")
    rag, adapter = sync_client([refused, (200, {"code": 0, "data": {"id": "n", "name": "kb"}})])
    assert rag.create_dataset(name="kb").id == "n"
    assert len(adapter.calls) == 2


def test_creates_do_not_retry_a_lost_answer(no_sleep: list[float]) -> None:
    rag, adapter = sync_client([requests.ReadTimeout("read timed out"), (200, OK)])
    with pytest.raises(APIConnectionError, match="timed out"):
        rag.create_dataset(name="kb")
    assert len(adapter.calls) == 1


def test_rate_limit_error_after_retries(no_sleep: list[float]) -> None:
    rag, _ = sync_client([(429, {"code": 429, "message": "slow"})] * 2, max_retries=1)
    with pytest.raises(RateLimitError) as info:
        rag.list_datasets()
    assert info.value.status_code == 429


def test_key_never_in_repr_or_error(no_sleep: list[float]) -> None:
    rag, adapter = sync_client([(401, {"code": 401, "message": "<Unauthorized>"})])
    assert "ragflow-secret" not in repr(rag)
    with pytest.raises(AuthenticationError) as info:
        rag.list_datasets()
    assert "ragflow-secret" not in str(info.value) and "ragflow-secret" not in repr(info.value)
    assert adapter.calls[0].headers["Authorization"] == "Bearer ragflow-secret"


def test_per_call_timeout_and_pool_reuse() -> None:
    rag, adapter = sync_client([(200, OK), (200, OK), (200, OK)], timeout=60, connect_timeout=3)
    rag.list_datasets()
    quick = rag.with_options(timeout=7)
    quick.list_datasets()
    rag.list_datasets()
    (connect, read), (q_connect, q_read), (_, read_again) = adapter.timeouts
    assert connect == q_connect == 3
    assert 7 < read <= 60 and 0 < q_read <= 7 and read_again > 7  # the option is per call
    assert len(adapter.calls) == 3
    # One pool: the copy sends through the same session and adapter.
    assert quick._transport._session is rag._transport._session
    assert rag._transport._session.get_adapter("http://rf.test/") is adapter


async def test_async_retries_and_connection_errors(no_sleep: list[float]) -> None:
    script: list[Any] = [httpx.ConnectError("refused"), (503, b"busy"), (200, OK)]
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler_from(script)))
    async with AsyncRAGFlow(
        "k", "http://rf.test", server_version="v0.27", http_client=client
    ) as arag:
        assert [d.id for d in await arag.list_datasets()] == ["d1"]
    assert len(no_sleep) == 2 and script == []


async def test_async_gives_up_with_connection_error(no_sleep: list[float]) -> None:
    script: list[Any] = [httpx.ConnectError("refused")] * 3
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler_from(script)))
    arag = AsyncRAGFlow("k", "http://rf.test", server_version="v0.27", http_client=client)
    with pytest.raises(APIConnectionError, match="could not reach the server"):
        await arag.list_datasets()
    await arag.aclose()


class BrokenStream(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            yield chunk
        raise httpx.RemoteProtocolError("peer closed connection")


async def test_async_stream_broken_midway_keeps_partial() -> None:
    events = [
        b'data:{"code":0,"data":{"answer":"Hello ","final":false}}\n\n',
        b'data:{"code":0,"data":{"answer":"world","final":false}}\n\n',
    ]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Type": "text/event-stream"}, stream=BrokenStream(events)
        )

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    arag = AsyncRAGFlow("k", "http://rf.test", server_version="v0.27", http_client=client)
    from ragflow_integrations import AsyncSession

    sess = AsyncSession(id="s", chat_id="c")
    sess._bind(arag)
    got: list[str] = []

    async def consume() -> None:
        async for m in sess.ask("q", stream=True):
            got.append(m.delta)

    with pytest.raises(StreamError) as info:
        await consume()
    assert got == ["Hello ", "world"]
    assert info.value.partial is not None and info.value.partial.content == "Hello world"
    await arag.aclose()


def test_sync_stream_ends_without_end_marker() -> None:
    body = b'data:{"code":0,"data":{"answer":"partial"}}\n\n'
    rag, _ = sync_client([(200, body, {"Content-Type": "text/event-stream"})])
    from ragflow_integrations import Session

    sess = Session(id="s", chat_id="c")
    sess._bind(rag)
    stream: Iterator[Any] = sess.ask("q", stream=True)
    first = next(stream)
    assert first.content == "partial"
    with pytest.raises(StreamError, match="before the server's end marker") as info:
        next(stream)
    assert info.value.partial.content == "partial"


def test_with_options_overrides_one_call_and_shares_the_pool(no_sleep: list[float]) -> None:
    rag, adapter = sync_client([(503, b"busy"), (503, b"busy"), (200, OK)])
    quick = rag.with_options(timeout=1.5, max_retries=0)
    quick._transport.clock = lambda: 100.0  # no time passes: the whole 1.5 s is left
    assert quick._transport._session is rag._transport._session
    with pytest.raises(InternalServerError):
        quick.list_datasets()
    # Connecting may take what is left of the call's timeout, at most connect_timeout.
    assert len(adapter.calls) == 1 and adapter.timeouts == [(1.5, 1.5)]
    assert rag.timeout.total == 300.0
    assert [d.id for d in rag.list_datasets()] == ["d1"]  # the original still retries
    assert len(adapter.calls) == 3


def test_answer_that_does_not_fit_the_model() -> None:
    from ragflow_integrations import APIResponseValidationError

    rag, _ = sync_client([(200, {"code": 0, "data": [{"id": "d", "chunk_count": "many"}]})])
    with pytest.raises(APIResponseValidationError, match=r"DataSet.*chunk_count"):
        rag.list_datasets()


def test_json_error_answer_to_a_stream_request() -> None:
    from ragflow_integrations import BadRequestError, Session

    error = {"code": 101, "message": "required argument are missing: messages; "}
    rag, _ = sync_client([(200, error)])
    sess = Session(id="s", chat_id="c")
    sess._bind(rag)
    with pytest.raises(BadRequestError, match="required argument are missing"):
        list(sess.ask("q", stream=True))


def test_json_answer_to_a_stream_request_is_one_final_message() -> None:
    """A server (or proxy) may answer a stream request with one JSON reply."""
    from ragflow_integrations import Session

    answer = {"answer": "Whole ##0$$", "reference": {"chunks": [{"id": "c1"}]}, "id": "m"}
    rag, adapter = sync_client([(200, {"code": 0, "data": answer})], server_version="v0.18")
    sess = Session(id="s", chat_id="c")
    sess._bind(rag)
    got = list(sess.ask("q", stream=True))
    assert got[-1].final and got[-1].content == "Whole [ID:0]"
    assert [c.id for c in got[-1].reference] == ["c1"] and len(adapter.calls) == 1
    assert assert_deltas_rebuild(got) == "Whole [ID:0]"
