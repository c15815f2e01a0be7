"""The client against servers that misbehave on the wire (raw loopback servers).

Broken chunked encoding, undecodable bodies, redirects, bodies ended by closing the
connection, resets, stalls, oversized answers, and many event loops. Nothing here waits
on the wall clock for its verdict: servers wait for the client's signal (with a deadline
so a failing test ends), and stalls are cut by short timeouts whose length the
assertions do not depend on.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ragflow_integrations import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncRAGFlow,
    AsyncSession,
    AuthenticationError,
    RAGFlow,
    RAGFlowError,
    RedirectError,
    ResponseTooLargeError,
    Session,
    StreamError,
)
from ragflow_integrations.testing import LocalRAGFlow
from tests.local_server.rawserver import RawServer, Seen, chunked, head, reset

KEY = "ragflow-rawtestkey"
OK = json.dumps({"code": 0, "data": [{"id": "d1", "name": "kb"}]}).encode()
SSE = {"Content-Type": "text/event-stream", "Connection": "close"}


def event(answer: str, **data: Any) -> bytes:
    body = {"code": 0, "data": {"answer": answer, "final": False, **data}}
    return b"data:" + json.dumps(body).encode() + b"\n\n"


END = b'data:{"code":0,"data":true}\n\n'


def json_answer(body: bytes = OK, status: int = 200, **headers: str) -> bytes:
    return (
        head(
            status,
            {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers},
        )
        + body
    )


def client(srv: RawServer, **kw: Any) -> RAGFlow:
    return RAGFlow(KEY, srv.url, server_version="v0.27", max_retries=0, **kw)


def aclient(srv: RawServer, **kw: Any) -> AsyncRAGFlow:
    return AsyncRAGFlow(KEY, srv.url, server_version="v0.27", max_retries=0, **kw)


def session(rag: RAGFlow) -> Session:
    return rag.session("c", "s")


def asession(arag: AsyncRAGFlow) -> AsyncSession:
    return arag.session("c", "s")


def served(handler: Callable[[Seen, socket.socket], bool]) -> Iterator[RawServer]:
    with RawServer(handler) as srv:
        yield srv


def assert_no_key_in_chain(error: BaseException) -> None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        assert KEY not in repr(vars(current)) and KEY not in str(current)
        for value in vars(current).values():
            assert KEY not in repr(getattr(value, "headers", ""))
        current = current.__cause__ or current.__context__


# -- broken bodies ---------------------------------------------------------------------------


def _bad_chunk(seen: Seen, conn: socket.socket) -> bool:
    conn.sendall(head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
    conn.sendall(b'5\r\n{"cod\r\nzz-not-hex\r\n')
    return False


def _bad_gzip(seen: Seen, conn: socket.socket) -> bool:
    conn.sendall(json_answer(b"this is not gzip at all", **{"Content-Encoding": "gzip"}))
    return True


def test_broken_chunked_encoding_is_a_typed_error() -> None:
    with RawServer(_bad_chunk) as srv:
        with pytest.raises(APIConnectionError, match="broke while reading") as info:
            client(srv).list_datasets()
        assert_no_key_in_chain(info.value)


async def test_async_broken_chunked_encoding_is_a_typed_error() -> None:
    with RawServer(_bad_chunk) as srv:
        async with aclient(srv) as arag:
            with pytest.raises(APIConnectionError) as info:
                await arag.list_datasets()
        assert_no_key_in_chain(info.value)


def test_an_undecodable_body_is_a_typed_error() -> None:
    with RawServer(_bad_gzip) as srv:
        with pytest.raises(APIResponseValidationError, match="could not be decoded") as info:
            client(srv).list_datasets()
        assert_no_key_in_chain(info.value)


async def test_async_undecodable_body_is_a_typed_error() -> None:
    with RawServer(_bad_gzip) as srv:
        async with aclient(srv) as arag:
            with pytest.raises(APIResponseValidationError):
                await arag.list_datasets()


def test_deeply_nested_json_from_the_stand_in() -> None:
    with LocalRAGFlow(dialect="v0.27") as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version="v0.27")
        srv.inject(kind="malformed", body="[" * 100_000 + "]" * 100_000, path="/datasets")
        with pytest.raises(APIResponseValidationError, match="not JSON"):
            rag.list_datasets()


# -- redirects -------------------------------------------------------------------------------


def test_a_redirect_to_another_origin_is_not_followed() -> None:
    elsewhere: list[Seen] = []

    def other(seen: Seen, conn: socket.socket) -> bool:
        elsewhere.append(seen)
        conn.sendall(json_answer())
        return True

    with RawServer(other) as target:

        def redirect(seen: Seen, conn: socket.socket) -> bool:
            location = target.url + seen.target
            conn.sendall(json_answer(b"", 307, Location=location))
            return True

        with RawServer(redirect) as srv:
            for rag in (client(srv), client(srv).with_options(max_retries=2)):
                with pytest.raises(RedirectError, match=target.url) as info:
                    rag.create_dataset(name="kb")
                assert info.value.location == target.url + "/api/v1/datasets"

            async def via_async() -> None:
                async with aclient(srv) as arag:
                    with pytest.raises(RedirectError):
                        await arag.create_dataset(name="kb")

            asyncio.run(via_async())
    assert elsewhere == []  # neither the body nor the key went anywhere else


# -- streams ---------------------------------------------------------------------------------


def test_a_close_delimited_stream_arrives_as_it_is_sent() -> None:
    """No chunked encoding, no length: the body ends when the server closes."""
    first_seen = threading.Event()
    waited: list[bool] = []

    def stream(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(head(200, SSE) + event("Hello "))
        waited.append(first_seen.wait(timeout=10))  # until the client has the first message
        conn.sendall(event("world") + END)
        return False

    with RawServer(stream) as srv:
        got = []
        for message in session(client(srv)).ask("q", stream=True):
            got.append(message.delta)
            first_seen.set()
    assert waited == [True] and got == ["Hello ", "world", ""]


def _sends_then_resets(
    received: threading.Event, waited: list[bool]
) -> Callable[[Seen, socket.socket], bool]:
    """Sends two events, waits until the client has the second, then resets."""

    def handler(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(head(200, SSE) + event("Hello ") + event("world"))
        waited.append(received.wait(timeout=10))  # both events have arrived: now the reset
        reset(conn)
        return False

    return handler


def test_a_reset_keeps_what_arrived() -> None:
    received = threading.Event()
    waited: list[bool] = []
    with RawServer(_sends_then_resets(received, waited)) as srv:
        got = []
        with pytest.raises(StreamError) as info:
            for message in session(client(srv)).ask("q", stream=True):
                got.append(message.delta)
                if message.delta == "world":
                    received.set()
    assert waited == [True] and got == ["Hello ", "world"]
    assert info.value.partial is not None and info.value.partial.content == "Hello world"


async def test_async_reset_keeps_what_arrived() -> None:
    received = threading.Event()
    waited: list[bool] = []
    with RawServer(_sends_then_resets(received, waited)) as srv:
        async with aclient(srv) as arag:
            got = []
            with pytest.raises(StreamError) as info:
                async for message in asession(arag).ask("q", stream=True):
                    got.append(message.delta)
                    if message.delta == "world":
                        received.set()
    assert waited == [True] and got == ["Hello ", "world"]
    assert info.value.partial.content == "Hello world"


def test_a_non_json_event_mid_stream_keeps_what_arrived() -> None:
    def stream(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(head(200, SSE) + event("Hello ") + b"data:<html>502</html>\n\n" + END)
        return False

    with RawServer(stream) as srv, pytest.raises(StreamError, match="not JSON") as info:
        list(session(client(srv)).ask("q", stream=True))
    assert info.value.partial.content == "Hello "


def test_a_stream_that_goes_quiet_fails_at_the_idle_limit() -> None:
    release = threading.Event()

    def quiet(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(head(200, SSE) + event("Hello "))
        release.wait(timeout=10)
        return False

    with RawServer(quiet) as srv:
        rag = client(srv, stream_idle_timeout=0.3)
        with pytest.raises(StreamError) as info:
            list(session(rag).ask("q", stream=True))
        release.set()
    assert info.value.partial.content == "Hello "
    assert isinstance(info.value.__cause__, APITimeoutError)
    assert "stream_idle_timeout=0.3 s" in str(info.value)


async def test_async_stream_that_goes_quiet_fails_at_the_idle_limit() -> None:
    release = threading.Event()

    def quiet(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(head(200, SSE) + event("Hello "))
        release.wait(timeout=10)
        return False

    with RawServer(quiet) as srv:
        async with aclient(srv, stream_idle_timeout=0.3) as arag:
            with pytest.raises(StreamError) as info:
                async for _ in asession(arag).ask("q", stream=True):
                    pass
        release.set()
    assert info.value.partial.content == "Hello "


def test_a_server_that_stalls_after_its_headers_fails_at_the_timeout() -> None:
    release = threading.Event()

    def stall(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(head(200, {"Content-Type": "application/json", "Content-Length": "100"}))
        release.wait(timeout=10)
        return False

    with RawServer(stall) as srv:
        with pytest.raises(APITimeoutError, match=r"timeout=0\.5 s"):
            client(srv, timeout=0.5).list_datasets()
        release.set()


# -- sizes -----------------------------------------------------------------------------------


def test_an_endless_answer_stops_at_the_size_limit_with_flat_memory() -> None:
    def endless(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(
            head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        )
        for piece in chunked(b"x" * 65536 for _ in range(3200)):  # 200 MiB
            conn.sendall(piece)
        return False

    with RawServer(endless) as srv:
        rag = client(srv, max_response_size=2 * 1024 * 1024)
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError, match="max_response_size"):
                rag.list_datasets()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


# -- connections and event loops -------------------------------------------------------------


def test_answers_read_as_they_arrive_keep_the_connection_alive() -> None:
    served: list[tuple[socket.socket, Any]] = []  # the connection of each request, its peer

    def ok(seen: Seen, conn: socket.socket) -> bool:
        served.append((conn, conn.getpeername()))
        conn.sendall(json_answer())
        return True

    with RawServer(ok) as srv:
        rag = client(srv)
        for _ in range(5):
            rag.list_datasets()
    assert len(srv.seen) == len(served) == 5
    first, peer = served[0]
    assert all(conn is first for conn, _ in served), f"peers: {[p for _, p in served]}"
    assert {p for _, p in served} == {peer}  # one connection (one client port) served all 5


def test_pools_of_finished_event_loops_are_released() -> None:
    def ok(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(json_answer())
        return True

    gc.collect()  # what earlier tests left (an async test's loop on 3.10) is not ours to judge
    with RawServer(ok) as srv:
        arag = aclient(srv)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            for _ in range(50):
                assert [d.id for d in asyncio.run(arag.list_datasets())] == ["d1"]
            asyncio.run(arag.aclose())
            gc.collect()
        assert arag._transport._pools == {}
        assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
        deadline = time.monotonic() + 10
        while srv.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert srv.open_connections == 0 and len(srv.seen) == 50


def test_a_loop_closed_by_hand_leaves_no_task_behind(caplog: pytest.LogCaptureFixture) -> None:
    """Without asyncio.run nobody cancels the task that would close the pool: it is dropped
    quietly once the loop is seen closed."""

    def ok(seen: Seen, conn: socket.socket) -> bool:
        conn.sendall(json_answer())
        return True

    with RawServer(ok) as srv:
        arag = aclient(srv)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(arag.list_datasets())
        loop.close()
        del loop
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # its sockets: the loop is gone
            asyncio.run(arag.list_datasets())
            gc.collect()
        assert arag._transport._pools == {}
    assert not [r for r in caplog.records if r.name == "asyncio"]


def test_a_server_that_is_down_is_named() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    rag = RAGFlow(KEY, f"http://127.0.0.1:{port}", server_version="v0.27", max_retries=0)
    with pytest.raises(APIConnectionError, match=rf"at http://127\.0\.0\.1:{port} ") as info:
        rag.list_datasets()
    assert isinstance(info.value, RAGFlowError)
    assert_no_key_in_chain(info.value)


def test_a_wrong_key_on_v027_reads_well() -> None:
    with LocalRAGFlow(dialect="v0.27") as srv:
        rag = RAGFlow("ragflow-not-the-key", srv.base_url, max_retries=0)
        with pytest.raises(AuthenticationError) as info:
            rag.list_datasets()
    text = str(info.value)
    assert "did not accept the API key" in text and "<Unauthorized" not in text
    assert "ragflow-not-the-key" not in text
