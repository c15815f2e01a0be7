"""Connection settings shared by every class of this package, and their lazy clients."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from langchain_core.utils import from_env, secret_from_env
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ragflow_integrations import AsyncRAGFlow, RAGFlow

__all__ = ["RAGFlowSettings"]

_DEFAULT_BASE_URL = "http://localhost:9380"


class RAGFlowSettings(BaseModel):
    """Where the RAGFlow server is and how to talk to it.

    Either credentials (``api_key``, default ``RAGFLOW_API_KEY``; ``base_url``, default
    ``RAGFLOW_BASE_URL``) or existing clients (``client=RAGFlow(...)``,
    ``async_client=AsyncRAGFlow(...)``). Clients are built on first use.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True)

    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("RAGFLOW_API_KEY", default=None)
    )
    """The RAGFlow API key (``RAGFLOW_API_KEY``)."""
    base_url: str = Field(
        default_factory=from_env(["RAGFLOW_BASE_URL", "RAGFLOW_API_URL"], default=_DEFAULT_BASE_URL)
    )
    """The server root, e.g. ``http://localhost:9380`` (``RAGFLOW_BASE_URL``)."""
    server_version: str | None = None
    """Pin the server's version (``"v0.27"``); detected on first use when unset."""
    timeout: float | None = None
    """Seconds one call may take, retries included (the client's default, 300, when unset)."""
    max_retries: int = 2
    """Retries of failed requests that are safe to repeat."""
    client: RAGFlow | None = Field(default=None, exclude=True, repr=False)
    """An existing synchronous client to use instead of the credentials."""
    async_client: AsyncRAGFlow | None = Field(default=None, exclude=True, repr=False)
    """An existing asynchronous client to use instead of the credentials."""

    @classmethod
    def given(
        cls, api_key: Any = None, base_url: str | None = None, **rest: Any
    ) -> RAGFlowSettings:
        """Settings from a class's keyword arguments: an ``api_key`` or ``base_url`` left
        ``None`` falls back to the environment.
        """
        if api_key is not None:
            rest["api_key"] = api_key
        if base_url is not None:
            rest["base_url"] = base_url
        return cls(**rest)

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "api_key": self.api_key.get_secret_value() if self.api_key is not None else None,
            "base_url": self.base_url,
            "server_version": self.server_version,
            "max_retries": self.max_retries,
        }
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        return kwargs

    @cached_property
    def _rag(self) -> RAGFlow:
        """The synchronous client (given, or built once)."""
        if self.client is not None:
            return self.client
        return RAGFlow(**self._client_kwargs())

    @cached_property
    def _async_rag(self) -> AsyncRAGFlow:
        return AsyncRAGFlow(**self._async_kwargs())

    def _arag(self) -> AsyncRAGFlow:
        """The asynchronous client: the given one, else one built once (it keeps a connection
        pool per event loop). With only ``client=`` given, it shares that client's settings.
        """
        return self.async_client if self.async_client is not None else self._async_rag

    def _async_kwargs(self) -> dict[str, Any]:
        if self.client is None:
            return self._client_kwargs()
        c = self.client
        return {
            "api_key": c.api_key,
            "base_url": c.base_url,
            "server_version": self.server_version,
            "timeout": c.timeout.total,
            "connect_timeout": c.timeout.connect,
            "stream_idle_timeout": c.timeout.stream_idle,
            "max_retries": c.max_retries,
            "max_response_size": c.max_response_size,
            "max_event_size": c.max_event_size,
        }

    def _settings_for_child(self) -> dict[str, Any]:
        """Arguments that make another settings holder share this one's clients, sync and
        async (built here once when they can be: a key or a client was given), so children
        made per call add no client, version detection or connection pool of their own.
        """
        can_build = self.client is not None or bool(self.api_key)
        return {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "server_version": self.server_version,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "client": self._rag if can_build else None,
            "async_client": self._arag() if can_build else self.async_client,
        }
