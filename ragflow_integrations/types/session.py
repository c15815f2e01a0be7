"""Chat sessions (conversations) and the messages they answer with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, Literal, overload

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from .._checks import checked
from ._base import AsyncModel, RAGFlowModel, SyncModel, as_update
from .chunk import Chunk

__all__ = ["AsyncSession", "Message", "Session", "SessionFields"]


class Message(BaseModel):
    """An assistant answer, whole or as it streams.

    While streaming, ``content`` is the whole answer so far and ``delta`` the text new in
    this message; ``reasoning`` holds the model's thinking, kept out of ``content``. The
    last message has ``final=True`` and the references in ``reference``. Citation markers
    stay in ``content`` as ``[ID:N]`` (older servers' ``##N$$`` are rewritten), where N
    indexes ``reference``.
    """

    model_config = ConfigDict(extra="allow")

    content: str = ""
    delta: str = ""
    reasoning: str = ""
    reasoning_delta: str = ""
    reference: list[Chunk] = Field(default_factory=list)
    role: str = "assistant"
    id: str | None = None
    session_id: str | None = None
    final: bool = False
    replaced: bool = False
    """True when the server rewrote earlier text (citations inserted); ``delta`` is then empty."""

    def __iter__(self) -> Iterator[Message]:  # type: ignore[override]
        """This message, once: ``for m in session.ask(q)`` (the official SDK's loop over an
        answer that is not streamed) reads the answer. ``dict(message)`` still gives the
        fields (through :meth:`keys`).
        """
        yield self

    def keys(self) -> list[str]:
        """The field names (and any extra ones), so that ``dict(message)`` works."""
        return [*type(self).model_fields, *(self.__pydantic_extra__ or {})]

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)


class SessionFields(RAGFlowModel):
    """The fields of a session."""

    id: str = ""
    name: str = ""
    chat_id: str = Field(default="", validation_alias=AliasChoices("chat_id", "chat", "dialog_id"))
    user_id: str | None = None
    messages: list[dict[str, Any]] = Field(
        default_factory=list, validation_alias=AliasChoices("messages", "message")
    )
    create_time: int | float | None = None
    update_time: int | float | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("messages") is None and "messages" in data:
            data = {**data, "messages": []}
        return data


class Session(SessionFields, SyncModel):
    """A conversation with a chat assistant."""

    @overload
    def ask(self, question: str = "", stream: Literal[False] = False, **kwargs: Any) -> Message: ...

    @overload
    def ask(
        self, question: str = "", *, stream: Literal[True], **kwargs: Any
    ) -> Iterator[Message]: ...

    @overload
    def ask(self, question: str, stream: Literal[True], **kwargs: Any) -> Iterator[Message]: ...

    def ask(
        self, question: str = "", stream: bool = False, **kwargs: Any
    ) -> Message | Iterator[Message]:
        """Ask a question in this session.

        ``stream=False`` returns the whole :class:`Message` (iterating it yields it, as the
        official SDK's one-item iterator did); ``stream=True`` returns an iterator of
        messages as the answer grows. Extra keyword arguments are sent as body fields (e.g.
        ``legacy=True``, prompt variables).
        """
        client = self._bound()
        if stream:
            return client._ask_stream(self, question, kwargs)  # type: ignore[no-any-return]
        return client._ask(self, question, kwargs)  # type: ignore[no-any-return]

    @checked
    def update(self, update_message: dict[str, Any]) -> None:
        """Rename the session: ``{"name": ...}``."""
        self._bound()._update_session(self, as_update(update_message))

    def delete(self) -> bool:
        """Delete this session."""
        self._bound()._delete_sessions(self.chat_id, [self.id])
        return True


class AsyncSession(SessionFields, AsyncModel):
    """A session from :class:`~ragflow_integrations.AsyncRAGFlow`."""

    @overload
    def ask(
        self, question: str = "", stream: Literal[False] = False, **kwargs: Any
    ) -> Coroutine[Any, Any, Message]: ...

    @overload
    def ask(
        self, question: str = "", *, stream: Literal[True], **kwargs: Any
    ) -> AsyncIterator[Message]: ...

    @overload
    def ask(
        self, question: str, stream: Literal[True], **kwargs: Any
    ) -> AsyncIterator[Message]: ...

    def ask(
        self, question: str = "", stream: bool = False, **kwargs: Any
    ) -> Coroutine[Any, Any, Message] | AsyncIterator[Message]:
        """Ask a question: ``await session.ask(q)`` for the whole answer, or
        ``async for m in session.ask(q, stream=True)`` as it grows.
        """
        client = self._bound()
        if stream:
            return client._ask_stream(self, question, kwargs)  # type: ignore[no-any-return]
        return client._ask(self, question, kwargs)  # type: ignore[no-any-return]

    @checked
    async def update(self, update_message: dict[str, Any]) -> None:
        """Rename the session: ``{"name": ...}``."""
        await self._bound()._update_session(self, as_update(update_message))

    async def delete(self) -> bool:
        """Delete this session."""
        await self._bound()._delete_sessions(self.chat_id, [self.id])
        return True
