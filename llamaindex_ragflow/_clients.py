"""How the LlamaIndex classes get their RAGFlow clients: built from credentials, or passed in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any, TypeVar, cast

from ragflow_integrations import AsyncRAGFlow, RAGFlow, RAGFlowConfigError

__all__ = ["Clients", "iterate_in_thread"]

T = TypeVar("T")


class Clients:
    """A sync and an async :mod:`ragflow_integrations` client for one integration object.

    Without ``client``/``async_client`` both are built from the credentials (``api_key``
    defaults to ``RAGFLOW_API_KEY``, ``base_url`` to ``RAGFLOW_BASE_URL``): the sync one at
    once, so a missing key fails early, the async one on first async use. With only
    ``client``, async calls run the sync client in a worker thread; with only
    ``async_client``, sync calls raise :class:`~ragflow_integrations.RAGFlowConfigError`.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
    ) -> None:
        self._settings: dict[str, Any] | None = None
        if client is None and async_client is None:
            settings: dict[str, Any] = {
                "api_key": api_key,
                "base_url": base_url,
                "server_version": server_version,
            }
            if timeout is not None:
                settings["timeout"] = timeout
            if max_retries is not None:
                settings["max_retries"] = max_retries
            self._settings = settings
            client = RAGFlow(**settings)
        self._client = client
        self._async_client = async_client

    @property
    def has_sync(self) -> bool:
        """Whether sync calls are possible."""
        return self._client is not None

    @property
    def sync(self) -> RAGFlow:
        """The sync client."""
        if self._client is None:
            raise RAGFlowConfigError(
                "this object was given only async_client=; pass client= (or credentials) "
                "as well to call its synchronous methods"
            )
        return self._client

    @property
    def async_(self) -> AsyncRAGFlow | None:
        """The async client, or ``None`` when only a sync ``client`` was given."""
        if self._async_client is None and self._settings is not None:
            self._async_client = AsyncRAGFlow(**self._settings)
        return self._async_client


_DONE = object()


async def iterate_in_thread(make: Callable[[], Iterator[T]]) -> AsyncGenerator[T, None]:
    """Drive a blocking iterator from a worker thread, one item at a time."""
    iterator = await asyncio.to_thread(make)
    while True:
        item = await asyncio.to_thread(next, iterator, _DONE)
        if item is _DONE:
            return
        yield cast(T, item)
