"""Two thin transports: ``requests`` for the sync client, ``httpx`` for the async one.

They send a prepared :class:`~ragflow_integrations._http.Request`, retry what is safe to
retry, and hand back the status, headers and body (or the body's bytes as they arrive).
Nothing here knows about RAGFlow's envelopes.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import requests

from ._exceptions import APIConnectionError, APITimeoutError
from ._http import Request, Response, Timeout
from ._retry import retry_delay, should_retry_status

__all__ = ["AsyncStream", "AsyncTransport", "SyncStream", "SyncTransport", "api_root"]

log = logging.getLogger("ragflow_integrations")

_USER_AGENT = "ragflow-integrations"


def api_root(base_url: str) -> str:
    """``http://host:9380`` (or ``.../api/v1``) -> ``http://host:9380/api/v1``."""
    root = base_url.rstrip("/")
    if root.endswith("/api/v1"):
        root = root[: -len("/api/v1")]
    return root + "/api/v1"


@dataclass
class SyncStream:
    """A streamed answer: status and headers now, the body as it arrives."""

    status: int
    headers: dict[str, str]
    _response: requests.Response

    def iter_bytes(self) -> Iterator[bytes]:
        """The body's bytes as the server sends them."""
        try:
            yield from self._response.iter_content(chunk_size=None)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise APIConnectionError(f"the stream broke: {type(exc).__name__}") from exc
        except requests.Timeout as exc:
            raise APITimeoutError("the stream timed out") from exc

    def read(self) -> bytes:
        """The whole body (for an error answer)."""
        return self._response.content

    def close(self) -> None:
        """Release the connection."""
        self._response.close()


@dataclass
class AsyncStream:
    """The async twin of :class:`SyncStream`."""

    status: int
    headers: dict[str, str]
    _response: httpx.Response

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body's bytes as the server sends them."""
        try:
            async for chunk in self._response.aiter_bytes():
                yield chunk
        except httpx.TimeoutException as exc:
            raise APITimeoutError("the stream timed out") from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(f"the stream broke: {type(exc).__name__}") from exc

    async def aread(self) -> bytes:
        """The whole body (for an error answer)."""
        return await self._response.aread()

    async def aclose(self) -> None:
        """Release the connection."""
        await self._response.aclose()


def _connection_error(req: Request, exc: Exception, timed_out: bool) -> APIConnectionError:
    kind = APITimeoutError if timed_out else APIConnectionError
    verb = "timed out" if timed_out else f"could not reach the server ({type(exc).__name__})"
    return kind(f"{req.describe()} {verb}")


class _RetryLoop:
    """The retry decisions both transports share."""

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)

    def delay_after_status(
        self, req: Request, attempt: int, status: int, headers: Any
    ) -> float | None:
        if attempt >= self.max_retries or not should_retry_status(
            status, idempotent=req.idempotent
        ):
            return None
        return retry_delay(attempt, headers)

    def delay_after_error(self, req: Request, attempt: int, *, sent: bool) -> float | None:
        # A request that may have reached the server is repeated only when that is safe.
        if attempt >= self.max_retries or (sent and not req.idempotent):
            return None
        return retry_delay(attempt)


class SyncTransport:
    """Sends requests over one ``requests.Session`` (a keep-alive pool per client)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout,
        max_retries: int,
        session: requests.Session | None = None,
    ) -> None:
        self.root = api_root(base_url)
        self._auth = f"Bearer {api_key}"
        self.timeout = timeout
        self._retry = _RetryLoop(max_retries)
        self._session = session or requests.Session()

    def _send(self, req: Request) -> requests.Response:
        headers = {"Authorization": self._auth, "User-Agent": _USER_AGENT}
        headers.update(req.header_items())
        read = req.timeout if req.timeout is not None else self.timeout.read
        attempt = 0
        while True:
            try:
                resp = self._session.request(
                    req.method,
                    self.root + req.path,
                    params=list(req.params) or None,
                    data=req.body_bytes(),
                    headers=headers,
                    timeout=(self.timeout.connect, read),
                    stream=req.stream,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                sent = not isinstance(exc, requests.ConnectTimeout | requests.exceptions.ProxyError)
                if isinstance(exc, requests.ConnectionError) and _refused(exc):
                    sent = False
                delay = self._retry.delay_after_error(req, attempt, sent=sent)
                if delay is None:
                    raise _connection_error(req, exc, isinstance(exc, requests.Timeout)) from exc
            else:
                delay = self._retry.delay_after_status(req, attempt, resp.status_code, resp.headers)
                if delay is None:
                    return resp
                resp.close()
            self._retry.sleep(delay)
            attempt += 1

    def with_options(self, timeout: Timeout, max_retries: int) -> SyncTransport:
        """A copy with other timeouts or retries, sharing the connection pool."""
        clone = copy.copy(self)
        clone.timeout, clone._retry = timeout, _RetryLoop(max_retries)
        return clone

    def send(self, req: Request) -> Response:
        """Send a request and read the whole answer."""
        resp = self._send(req)
        try:
            body = resp.content
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _connection_error(req, exc, False) from exc
        except requests.Timeout as exc:
            raise _connection_error(req, exc, True) from exc
        return Response(resp.status_code, dict(resp.headers), body)

    def stream(self, req: Request) -> SyncStream:
        """Send a request and return its answer unread (retries stop at the first byte)."""
        resp = self._send(req)
        return SyncStream(resp.status_code, dict(resp.headers), resp)

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()


def _refused(exc: Exception) -> bool:
    text = repr(exc)
    return "Connection refused" in text or "NewConnectionError" in text


class AsyncTransport:
    """Sends requests over one ``httpx.AsyncClient`` (native async, a pool per client)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout,
        max_retries: int,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.root = api_root(base_url)
        self._auth = f"Bearer {api_key}"
        self.timeout = timeout
        self._retry = _RetryLoop(max_retries)
        self._given = client
        # One pool per event loop: an httpx pool cannot cross loops, and users call
        # asyncio.run() more than once with the same client.
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = httpx.AsyncClient()
        return pool

    async def _send(self, req: Request) -> httpx.Response:
        headers = {"Authorization": self._auth, "User-Agent": _USER_AGENT}
        headers.update(req.header_items())
        read = req.timeout if req.timeout is not None else self.timeout.read
        timeout = httpx.Timeout(read, connect=self.timeout.connect)
        attempt = 0
        while True:
            request = self._client.build_request(
                req.method,
                self.root + req.path,
                params=list(req.params) or None,
                content=req.body_bytes(),
                headers=headers,
                timeout=timeout,
            )
            try:
                resp = await self._client.send(request, stream=True)
            except httpx.TransportError as exc:
                sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                delay = self._retry.delay_after_error(req, attempt, sent=sent)
                if delay is None:
                    timed_out = isinstance(exc, httpx.TimeoutException)
                    raise _connection_error(req, exc, timed_out) from exc
            else:
                delay = self._retry.delay_after_status(req, attempt, resp.status_code, resp.headers)
                if delay is None:
                    return resp
                await resp.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    def with_options(self, timeout: Timeout, max_retries: int) -> AsyncTransport:
        """A copy with other timeouts or retries, sharing the connection pool."""
        clone = copy.copy(self)
        clone.timeout, clone._retry = timeout, _RetryLoop(max_retries)
        return clone

    async def send(self, req: Request) -> Response:
        """Send a request and read the whole answer."""
        resp = await self._send(req)
        try:
            body = await resp.aread()
        except httpx.TimeoutException as exc:
            raise _connection_error(req, exc, True) from exc
        except httpx.TransportError as exc:
            raise _connection_error(req, exc, False) from exc
        finally:
            await resp.aclose()
        return Response(resp.status_code, dict(resp.headers), body)

    async def stream(self, req: Request) -> AsyncStream:
        """Send a request and return its answer unread (retries stop at the first byte)."""
        resp = await self._send(req)
        return AsyncStream(resp.status_code, dict(resp.headers), resp)

    async def aclose(self) -> None:
        """Close the connection pool of the running event loop."""
        if self._given is not None:
            await self._given.aclose()
            return
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.aclose()
