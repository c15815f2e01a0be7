"""Two thin transports: ``requests`` for the sync client, ``httpx`` for the async one.

They send a prepared :class:`~ragflow_integrations._http.Request`, retry what is safe to
retry, and hand back the status, headers and body (or the body's bytes as they arrive).
Nothing here knows about RAGFlow's envelopes.

Every call has a deadline (``Timeout.total`` from its start): connecting, each read,
retries and the waits between them all fit in it. A stream's answer, once it has
started, is bounded instead by ``Timeout.stream_idle`` between two events. Bodies are
read incrementally up to ``max_response_size``. Redirects are never followed. Whatever
``requests`` or ``httpx`` raise leaves as a :class:`RAGFlowError` whose cause is a copy
of the original without the request it carried (and so without the API key).

Each request is logged at DEBUG on the ``ragflow_integrations`` logger (method, path,
status, duration, attempt; never headers or bodies), each retry at INFO.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import http.client
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import requests
import urllib3

from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    RAGFlowConfigError,
    RAGFlowError,
    RedirectError,
    ResponseTooLargeError,
)
from ._http import DEFAULT_MAX_RESPONSE_SIZE, Request, Response, Timeout, header
from ._retry import retry_delay, should_retry_status

__all__ = ["AsyncStream", "AsyncTransport", "SyncStream", "SyncTransport", "api_root", "log"]

log = logging.getLogger("ragflow_integrations")

_USER_AGENT = "ragflow-integrations"
_READ_SIZE = 64 * 1024

# What requests/urllib3 and httpx raise, by what it means for the caller.
_TIMEOUTS = (
    requests.Timeout,
    urllib3.exceptions.TimeoutError,
    httpx.TimeoutException,
    TimeoutError,
    asyncio.TimeoutError,
)
_UNDECODABLE = (
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.DecodeError,
    httpx.DecodingError,
)
_UNSENDABLE = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
    httpx.InvalidURL,
    httpx.UnsupportedProtocol,
    UnicodeError,
)
_NOT_SENT = (
    requests.ConnectTimeout,
    requests.exceptions.ProxyError,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    *_UNSENDABLE,
)
_SYNC_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
    ValueError,
)
_ASYNC_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    asyncio.TimeoutError,
    OSError,
    ValueError,
)


def api_root(base_url: str) -> str:
    """``http://host:9380`` (or ``.../api/v1``) -> ``http://host:9380/api/v1``."""
    root = base_url.rstrip("/")
    if root.endswith("/api/v1"):
        root = root[: -len("/api/v1")]
    return root + "/api/v1"


def shown_url(url: str) -> str:
    """The URL for messages: without a user name or password in it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = str(parts.port or "")
    except ValueError:  # not a number: shown as given
        port = parts.netloc.rpartition(":")[2]
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _scrubbed(exc: BaseException) -> BaseException:
    """A copy of a transport's exception without the request (and headers) it holds."""
    try:
        return type(exc)(str(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "Connection refused" in text or "ConnectionRefused" in type(exc).__name__:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "the host name does not resolve"
    short = text if len(text) <= 160 else text[:157] + "..."
    return f"{type(exc).__name__}: {short}" if short else type(exc).__name__


class _Budget:
    """One request within its call: the attempt it is on and the call's deadline."""

    def __init__(self, transport: _Transport, req: Request, deadline: float) -> None:
        self.transport = transport
        self.req = req
        self.deadline = deadline
        self.attempt = 0

    def left(self) -> float:
        """Seconds left before the deadline; :class:`APITimeoutError` when none are."""
        left = self.deadline - self.transport.clock()
        if left <= 0:
            raise self.transport.timed_out(self.req, "an answer")
        return left

    def retry_after_status(self, status: int, headers: Mapping[str, str]) -> float | None:
        """The wait before another try after an error status, or ``None``: no retry."""
        if self.attempt >= self.transport.max_retries or not should_retry_status(
            status, idempotent=self.req.idempotent
        ):
            return None
        return self._fits(retry_delay(self.attempt, headers), f"HTTP {status}")

    def retry_after_error(self, error: RAGFlowError, *, sent: bool) -> float | None:
        """The wait before another try after a failure, or ``None``: no retry.

        A request that may have reached the server is repeated only when that is safe.
        """
        if (
            not isinstance(error, APIConnectionError)
            or self.attempt >= self.transport.max_retries
            or (sent and not self.req.idempotent)
        ):
            return None
        cause = error.__cause__
        return self._fits(retry_delay(self.attempt), _reason(cause) if cause else str(error))

    def _fits(self, delay: float | None, reason: str) -> float | None:
        req = self.req
        if delay is None:
            return None
        if self.transport.clock() + delay >= self.deadline:
            log.info(
                "not retrying %s %s after %s: waiting %.2f s would pass the call's timeout",
                req.method,
                req.path,
                reason,
                delay,
            )
            return None
        self.attempt += 1
        log.info(
            "retrying %s %s in %.2f s (retry %d of %d) after %s",
            req.method,
            req.path,
            delay,
            self.attempt,
            self.transport.max_retries,
            reason,
        )
        return delay


class _Transport:
    """What both transports share: settings, headers, the deadline, and error mapping."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout,
        max_retries: int,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self.root = api_root(base_url)
        self.shown_root = shown_url(base_url)
        self._auth = f"Bearer {api_key}"
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_response_size = max_response_size
        self.clock: Callable[[], float] = time.monotonic

    def with_options(self, timeout: Timeout, max_retries: int, max_response_size: int) -> Any:
        """A copy with other limits, sharing the connection pool."""
        clone = copy.copy(self)
        clone.timeout, clone.max_retries = timeout, max_retries
        clone.max_response_size = max_response_size
        return clone

    def deadline(self) -> float:
        """When a call starting now must be over (on :attr:`clock`)."""
        return self.clock() + self.timeout.total

    def _headers(self, req: Request) -> dict[str, str]:
        headers = {"User-Agent": _USER_AGENT}
        if req.authenticate:
            headers["Authorization"] = self._auth
        headers.update(req.header_items())
        return headers

    def _url(self, req: Request) -> str:
        return self.root + req.path

    def _read_timeout(self, req: Request, left: float) -> float:
        """How long one read may wait: what is left of the call, and for a stream at most
        the idle limit (between its events, reads are bounded by that alone)."""
        return min(left, self.timeout.stream_idle) if req.stream else left

    def timed_out(self, req: Request, waiting_for: str) -> APITimeoutError:
        """The error for a call out of time."""
        if waiting_for == "an answer":
            limit = f"timeout={self.timeout.total:g} s"
        else:
            limit = f"stream_idle_timeout={self.timeout.stream_idle:g} s"
        return APITimeoutError(
            f"{req.describe()} timed out waiting for {waiting_for} from {self.shown_root} ({limit})"
        )

    def failure(
        self, req: Request, exc: BaseException, *, reading: bool, waiting_for: str = "an answer"
    ) -> RAGFlowError:
        """The typed error for what ``requests``/``httpx`` raised (cause: a scrubbed copy)."""
        error: RAGFlowError
        if isinstance(exc, _TIMEOUTS):
            error = self.timed_out(req, waiting_for)
        elif isinstance(exc, _UNDECODABLE):
            error = APIResponseValidationError(
                f"{req.describe()}: the answer from {self.shown_root} could not be decoded "
                f"({_reason(exc)})"
            )
        elif isinstance(exc, _UNSENDABLE) and not reading:
            error = RAGFlowConfigError(
                f"{req.describe()} cannot be sent to {self.shown_root}: {_reason(exc)}; "
                "check base_url"
            )
        elif reading:
            error = APIConnectionError(
                f"{req.describe()}: the connection to {self.shown_root} broke while reading "
                f"the answer ({_reason(exc)})"
            )
        else:
            error = APIConnectionError(
                f"{req.describe()}: could not reach the server at {self.shown_root} "
                f"({_reason(exc)})"
            )
        error.__cause__ = _scrubbed(exc)
        return error

    def _answered(
        self, req: Request, status: int, headers: Mapping[str, str], started: float, attempt: int
    ) -> None:
        """Log an answer; a redirect raises :class:`RedirectError` (the API never redirects)."""
        log.debug(
            "%s %s -> %d in %.3f s (attempt %d)",
            req.method,
            req.path,
            status,
            self.clock() - started,
            attempt + 1,
        )
        if 300 <= status < 400:
            location = header(headers, "location")
            raise RedirectError(
                f"{req.describe()} was redirected (HTTP {status}) to {location or 'nowhere'}; "
                f"the RAGFlow API never redirects, so base_url ({self.shown_root}) is probably "
                "wrong (https instead of http?) or a proxy is in the way; not followed",
                status_code=status,
                location=location,
            )

    def _failed(self, req: Request, error: RAGFlowError, started: float, attempt: int) -> None:
        log.debug(
            "%s %s -> %s after %.3f s (attempt %d)",
            req.method,
            req.path,
            type(error.__cause__ or error).__name__,
            self.clock() - started,
            attempt + 1,
        )

    def _check_length(self, req: Request, status: int, headers: Mapping[str, str]) -> None:
        length = header(headers, "content-length") or ""
        if length.strip().isdigit() and int(length) > self.max_response_size:
            raise self.too_large(req, status)

    def too_large(self, req: Request, status: int | None) -> ResponseTooLargeError:
        """The error for an answer over :attr:`max_response_size`."""
        return ResponseTooLargeError(
            f"{req.describe()}: the answer is larger than max_response_size "
            f"({self.max_response_size} bytes)",
            limit=self.max_response_size,
            status_code=status,
        )


# -- sync ---------------------------------------------------------------------------------


def _sync_chunks(resp: requests.Response, time_left: Callable[[], float]) -> Iterator[bytes]:
    """The body as it arrives, each read bounded by ``time_left()`` (which may raise).

    ``read1`` returns what has arrived, so a body that ends when the server closes the
    connection (no chunked encoding) streams too; ``iter_content`` would wait for the end.
    """
    raw = resp.raw
    if not (isinstance(raw, urllib3.response.HTTPResponse) and hasattr(raw, "read1")):
        for chunk in resp.iter_content(chunk_size=None):  # urllib3 < 2.3
            time_left()
            yield chunk
        return
    sock = _socket_of(raw)
    while True:
        left = time_left()
        if sock is not None:
            sock.settimeout(left)
        chunk = raw.read1(_READ_SIZE, decode_content=True)
        if not chunk:
            return
        yield chunk


def _socket_of(raw: urllib3.response.HTTPResponse) -> socket.socket | None:
    """The socket under a urllib3 response, so each read can wait only what is left.

    Best effort: through the pooled connection, or (when the server closes the
    connection after the answer, which detaches it) through http.client's reader.
    Without it, each read waits at most the read timeout the request was sent with.
    """
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        reader = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)
        sock = getattr(reader, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _read_sync(
    transport: _Transport,
    req: Request,
    resp: requests.Response,
    time_left: Callable[[], float],
    waiting_for: str,
) -> bytes:
    transport._check_length(req, resp.status_code, resp.headers)
    parts: list[bytes] = []
    size = 0
    chunks = _sync_chunks(resp, time_left)
    while True:
        failure = None
        try:
            chunk = next(chunks, None)
        except _SYNC_ERRORS as exc:
            failure = transport.failure(req, exc, reading=True, waiting_for=waiting_for)
        if failure is not None:
            raise failure
        if chunk is None:
            return b"".join(parts)
        size += len(chunk)
        if size > transport.max_response_size:
            raise transport.too_large(req, resp.status_code)
        parts.append(chunk)


class _Stream:
    """A streamed answer: status and headers now, the body as it arrives.

    Each read waits at most ``stream_idle`` seconds from the last :meth:`touch` (the
    reader calls it when an event is complete).
    """

    def __init__(self, transport: _Transport, req: Request, status: int, headers: Any) -> None:
        self.status = status
        self.headers = dict(headers)
        self._transport = transport
        self._req = req
        self.touch()

    def touch(self) -> None:
        """An event arrived: the idle limit starts again."""
        self._idle_until = self._transport.clock() + self._transport.timeout.stream_idle

    def _idle_left(self) -> float:
        left = self._idle_until - self._transport.clock()
        if left <= 0:
            raise self._transport.timed_out(self._req, "the next event")
        return left


class SyncStream(_Stream):
    """A streamed answer over ``requests``."""

    def __init__(self, transport: SyncTransport, req: Request, response: requests.Response) -> None:
        super().__init__(transport, req, response.status_code, response.headers)
        self._response = response

    def iter_bytes(self) -> Iterator[bytes]:
        """The body's bytes as the server sends them."""
        chunks = _sync_chunks(self._response, self._idle_left)
        while True:
            failure = None
            try:
                chunk = next(chunks, None)
            except _SYNC_ERRORS as exc:
                failure = self._transport.failure(
                    self._req, exc, reading=True, waiting_for="the next event"
                )
            if failure is not None:
                raise failure
            if chunk is None:
                return
            yield chunk

    def read(self) -> bytes:
        """The whole body (an answer that is not a stream), up to ``max_response_size``."""
        return _read_sync(self._transport, self._req, self._response, self._idle_left, "an answer")

    def close(self) -> None:
        """Release the connection."""
        self._response.close()


class SyncTransport(_Transport):
    """Sends requests over one ``requests.Session`` (a keep-alive pool per client)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout,
        max_retries: int,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            base_url,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            max_response_size=max_response_size,
        )
        self._session = session or requests.Session()

    def _send(self, req: Request, deadline: float | None) -> tuple[requests.Response, _Budget]:
        budget = _Budget(self, req, self.deadline() if deadline is None else deadline)
        headers = self._headers(req)
        body = req.body_bytes()
        while True:
            left = budget.left()
            started = self.clock()
            failure: RAGFlowError | None = None
            sent = True
            try:
                resp = self._session.request(
                    req.method,
                    self._url(req),
                    params=list(req.params) or None,
                    data=body,
                    headers=headers,
                    timeout=(min(self.timeout.connect, left), self._read_timeout(req, left)),
                    stream=True,
                    allow_redirects=False,
                )
            except _SYNC_ERRORS as exc:
                failure = self.failure(req, exc, reading=False)
                sent = not isinstance(exc, _NOT_SENT) and not _refused(exc)
            if failure is not None:
                self._failed(req, failure, started, budget.attempt)
                delay = budget.retry_after_error(failure, sent=sent)
                if delay is None:
                    raise failure
            else:
                try:
                    self._answered(req, resp.status_code, resp.headers, started, budget.attempt)
                except RedirectError:
                    resp.close()
                    raise
                delay = budget.retry_after_status(resp.status_code, resp.headers)
                if delay is None:
                    return resp, budget
                resp.close()
            time.sleep(delay)

    def send(self, req: Request, deadline: float | None = None) -> Response:
        """Send a request and read the whole answer (by ``deadline``, else the timeout)."""
        resp, budget = self._send(req, deadline)
        try:
            body = _read_sync(self, req, resp, budget.left, "an answer")
        finally:
            resp.close()
        return Response(resp.status_code, dict(resp.headers), body)

    def stream(self, req: Request, deadline: float | None = None) -> SyncStream:
        """Send a request and return its answer unread (retries stop at the first byte)."""
        resp, _ = self._send(req, deadline)
        return SyncStream(self, req, resp)

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()


def _refused(exc: Exception) -> bool:
    text = repr(exc)
    return "Connection refused" in text or "NewConnectionError" in text


# -- async --------------------------------------------------------------------------------


async def _next_within(chunks: AsyncIterator[bytes], seconds: float) -> bytes | None:
    try:
        return await asyncio.wait_for(chunks.__anext__(), seconds)
    except StopAsyncIteration:
        return None


async def _read_async(
    transport: _Transport,
    req: Request,
    resp: httpx.Response,
    time_left: Callable[[], float],
    waiting_for: str,
) -> bytes:
    transport._check_length(req, resp.status_code, resp.headers)
    parts: list[bytes] = []
    size = 0
    chunks = resp.aiter_bytes().__aiter__()
    while True:
        left = time_left()
        failure = None
        try:
            chunk = await _next_within(chunks, left)
        except _ASYNC_ERRORS as exc:
            failure = transport.failure(req, exc, reading=True, waiting_for=waiting_for)
        if failure is not None:
            raise failure
        if chunk is None:
            return b"".join(parts)
        size += len(chunk)
        if size > transport.max_response_size:
            raise transport.too_large(req, resp.status_code)
        parts.append(chunk)


class AsyncStream(_Stream):
    """The async twin of :class:`SyncStream`, over ``httpx``."""

    def __init__(self, transport: AsyncTransport, req: Request, response: httpx.Response) -> None:
        super().__init__(transport, req, response.status_code, response.headers)
        self._response = response

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body's bytes as the server sends them."""
        chunks = self._response.aiter_bytes().__aiter__()
        while True:
            left = self._idle_left()
            failure = None
            try:
                chunk = await _next_within(chunks, left)
            except _ASYNC_ERRORS as exc:
                failure = self._transport.failure(
                    self._req, exc, reading=True, waiting_for="the next event"
                )
            if failure is not None:
                raise failure
            if chunk is None:
                return
            yield chunk

    async def aread(self) -> bytes:
        """The whole body (an answer that is not a stream), up to ``max_response_size``."""
        return await _read_async(
            self._transport, self._req, self._response, self._idle_left, "an answer"
        )

    async def aclose(self) -> None:
        """Release the connection."""
        await self._response.aclose()


@dataclass
class _Pool:
    client: httpx.AsyncClient
    keeper: asyncio.Task[None] | None = None


class AsyncTransport(_Transport):
    """Sends requests over ``httpx.AsyncClient`` pools (native async).

    An httpx pool cannot cross event loops, and users call ``asyncio.run()`` more than
    once with one client, so there is a pool per running loop. Each pool is closed on its
    own loop when that loop shuts down (``asyncio.run`` cancels the task that keeps it),
    or by :meth:`aclose`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout,
        max_retries: int,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            base_url,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            max_response_size=max_response_size,
        )
        self._given = client
        self._pools: dict[asyncio.AbstractEventLoop, _Pool] = {}
        self._ssl: ssl.SSLContext | None = None

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            self._forget_closed_loops()
            if self._ssl is None:  # one for all pools: building one costs tens of ms
                self._ssl = httpx.create_ssl_context()
            pool = self._pools[loop] = _Pool(httpx.AsyncClient(verify=self._ssl))
            pool.keeper = loop.create_task(self._close_at_shutdown(loop, pool))
        return pool.client

    def _forget_closed_loops(self) -> None:
        # Loops closed without cancelling their tasks (not asyncio.run): nothing can run
        # on them any more, so their pools can only be dropped, and the task that waited
        # to close one goes quietly.
        for loop in [loop for loop in list(self._pools) if loop.is_closed()]:
            pool = self._pools.pop(loop, None)
            if pool is not None and pool.keeper is not None:
                with contextlib.suppress(AttributeError):
                    pool.keeper._log_destroy_pending = False  # type: ignore[attr-defined]

    async def _close_at_shutdown(self, loop: asyncio.AbstractEventLoop, pool: _Pool) -> None:
        try:
            await loop.create_future()  # until cancelled: aclose(), or the loop's shutdown
        except asyncio.CancelledError:
            if self._pools.get(loop) is pool:
                del self._pools[loop]
            await pool.client.aclose()
            raise

    async def _send(self, req: Request, deadline: float | None) -> tuple[httpx.Response, _Budget]:
        if self._given is not None and self._given.is_closed:
            raise RAGFlowConfigError(
                f"cannot send {req.describe()}: the httpx.AsyncClient given as http_client= "
                "is closed"
            )
        budget = _Budget(self, req, self.deadline() if deadline is None else deadline)
        headers = self._headers(req)
        body = req.body_bytes()
        while True:
            left = budget.left()
            started = self.clock()
            failure: RAGFlowError | None = None
            sent = True
            try:
                client = self._client
                request = client.build_request(
                    req.method,
                    self._url(req),
                    params=list(req.params) or None,
                    content=body,
                    headers=headers,
                    timeout=httpx.Timeout(
                        self._read_timeout(req, left), connect=min(self.timeout.connect, left)
                    ),
                )
                resp = await asyncio.wait_for(
                    client.send(request, stream=True, follow_redirects=False), left
                )
            except _ASYNC_ERRORS as exc:
                failure = self.failure(req, exc, reading=False)
                sent = not isinstance(exc, _NOT_SENT)
            if failure is not None:
                self._failed(req, failure, started, budget.attempt)
                delay = budget.retry_after_error(failure, sent=sent)
                if delay is None:
                    raise failure
            else:
                try:
                    self._answered(req, resp.status_code, resp.headers, started, budget.attempt)
                except RedirectError:
                    await resp.aclose()
                    raise
                delay = budget.retry_after_status(resp.status_code, resp.headers)
                if delay is None:
                    return resp, budget
                await resp.aclose()
            await asyncio.sleep(delay)

    async def send(self, req: Request, deadline: float | None = None) -> Response:
        """Send a request and read the whole answer (by ``deadline``, else the timeout)."""
        resp, budget = await self._send(req, deadline)
        try:
            body = await _read_async(self, req, resp, budget.left, "an answer")
        finally:
            await resp.aclose()
        return Response(resp.status_code, dict(resp.headers), body)

    async def stream(self, req: Request, deadline: float | None = None) -> AsyncStream:
        """Send a request and return its answer unread (retries stop at the first byte)."""
        resp, _ = await self._send(req, deadline)
        return AsyncStream(self, req, resp)

    async def aclose(self) -> None:
        """Close the pool of the running event loop (and forget those of closed loops)."""
        if self._given is not None:
            await self._given.aclose()
            return
        self._forget_closed_loops()
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None and pool.keeper is not None:
            pool.keeper.cancel()
            await asyncio.wait([pool.keeper])
