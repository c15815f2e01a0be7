"""Memories (RAGFlow v0.24+): stores of an agent's conversations, searchable later.

Replies are models that also read like the official SDK's dicts (``page["memory_list"]``,
``message["agent_id"]``), so code written for ``ragflow-sdk`` keeps working.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._base import AsyncModel, RAGFlowModel, SyncModel

__all__ = [
    "AsyncMemory",
    "Memory",
    "MemoryFields",
    "MemoryMessage",
    "MemoryMessageList",
    "MemoryMessages",
    "MemoryPage",
    "message_parts",
    "pair_turns",
    "stored_turns",
]

_RAW_CONTENT = re.compile(r"^User Input: (.*?)\nAgent Response: (.*)$", re.S)


def message_parts(content: str) -> tuple[str, str] | None:
    """``(user_input, agent_response)`` of a raw message's content, as RAGFlow stores it
    (``"User Input: ...\\nAgent Response: ..."``), or ``None`` for any other text."""
    match = _RAW_CONTENT.match(content)
    return (match.group(1), match.group(2)) if match else None


def pair_turns(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(role, text)`` turns (``user``/``assistant``) as ``(user_input, agent_response)``
    exchanges, the unit a memory stores: a user turn with the assistant turn after it; a
    turn without its partner is stored with an empty other side."""
    exchanges: list[tuple[str, str]] = []
    pending: str | None = None
    for role, text in turns:
        if role == "user":
            if pending is not None:
                exchanges.append((pending, ""))
            pending = text
        else:
            exchanges.append((pending or "", text))
            pending = None
    if pending is not None:
        exchanges.append((pending, ""))
    return exchanges


def stored_turns(messages: list[MemoryMessage]) -> list[tuple[str, str]]:
    """The ``(role, text)`` turns of stored raw exchanges, oldest first (forgotten ones and
    extracted memories left out; empty sides skipped)."""
    turns: list[tuple[str, str]] = []
    for message in sorted(messages, key=lambda m: m.message_id):
        if message.message_type != "raw" or message.forget_at:
            continue
        for role, text in (("user", message.user_input), ("assistant", message.agent_response)):
            if text:
                turns.append((role, text))
    return turns


class _ReadsAsDict:
    """Read access by key, as the official SDK's plain dicts offer."""

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        fields = type(self).model_fields  # type: ignore[attr-defined]
        return key in fields or key in (self.model_extra or {})  # type: ignore[attr-defined]

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        if key not in self:
            return default
        return self[key]


class MemoryMessage(_ReadsAsDict, BaseModel):
    """One stored message: a raw exchange (``message_type="raw"``) or a memory extracted
    from one (``semantic``, ``episodic``, ``procedural``; ``source_id`` names the raw one).
    ``forget_at`` is set once forgotten; ``status`` False hides it from searches.
    """

    model_config = ConfigDict(extra="allow")

    message_id: int = 0
    message_type: str = "raw"
    source_id: int | None = None
    memory_id: str = ""
    user_id: str | None = None
    agent_id: str | None = None
    session_id: str | None = None
    valid_at: str | None = None
    invalid_at: str | None = None
    forget_at: str | None = None
    status: bool = True
    content: str | None = None
    extract: list[MemoryMessage] = Field(default_factory=list)

    @field_validator("extract", mode="before")
    @classmethod
    def _no_null_list(cls, value: Any) -> Any:
        return value or []

    @property
    def user_input(self) -> str | None:
        """The user's side of a raw exchange (``None`` for other messages)."""
        parts = message_parts(self.content or "")
        return parts[0] if parts and self.message_type == "raw" else None

    @property
    def agent_response(self) -> str | None:
        """The agent's side of a raw exchange (``None`` for other messages)."""
        parts = message_parts(self.content or "")
        return parts[1] if parts and self.message_type == "raw" else None


class MemoryMessageList(_ReadsAsDict, BaseModel):
    """One page of a memory's raw messages (each with the messages extracted from it)."""

    model_config = ConfigDict(extra="allow")

    message_list: list[MemoryMessage] = Field(default_factory=list)
    total_count: int = 0


class MemoryMessages(_ReadsAsDict, BaseModel):
    """What :meth:`Memory.list_memory_messages` returns (the server's shape)."""

    model_config = ConfigDict(extra="allow")

    messages: MemoryMessageList = Field(default_factory=MemoryMessageList)
    storage_type: str | None = None


class MemoryFields(RAGFlowModel):
    """The fields of a memory."""

    id: str = ""
    name: str = ""
    avatar: str | None = None
    tenant_id: str | None = None
    owner_name: str | None = None
    memory_type: list[str] = Field(default_factory=list)
    storage_type: str | None = None
    embd_id: str | None = None
    llm_id: str | None = None
    permissions: str | None = None
    description: str | None = None
    memory_size: int | None = None
    forgetting_policy: str | None = None
    temperature: float | None = None
    system_prompt: str | None = None
    user_prompt: str | None = None
    create_time: int | float | None = None
    update_time: int | float | None = None

    @field_validator("memory_type", mode="before")
    @classmethod
    def _types(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v for v in value.split(",") if v]
        return value or []


class Memory(MemoryFields, SyncModel):
    """A memory of :class:`~ragflow_integrations.RAGFlow`, with the official SDK's methods."""

    def update(self, update_dict: dict[str, Any]) -> Memory:
        """Change settings (``name``, ``description``, ``llm_id``, ``memory_size``,
        ``temperature``, ``system_prompt``...); returns this memory, refreshed."""
        self._bound()._update_memory(self, dict(update_dict))
        return self

    def get_config(self) -> Memory:
        """Read the memory's settings again; returns this memory, refreshed."""
        self._bound()._refresh_memory(self)
        return self

    def list_memory_messages(
        self,
        agent_id: str | list[str] | None = None,
        keywords: str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> MemoryMessages:
        """One page of raw messages, newest first (``keywords`` match session ids)."""
        return self._bound()._list_memory_messages(  # type: ignore[no-any-return]
            self.id, agent_id, keywords, page, page_size
        )

    def forget_message(self, message_id: int) -> bool:
        """Forget one message (it stays listed, with ``forget_at`` set)."""
        self._bound()._forget_message(self.id, message_id)
        return True

    def update_message_status(self, message_id: int, status: bool) -> bool:
        """Enable or disable one message for searches."""
        self._bound()._set_message_status(self.id, message_id, status)
        return True

    def get_message_content(self, message_id: int) -> MemoryMessage:
        """One message with its content."""
        return self._bound()._get_message(self.id, message_id)  # type: ignore[no-any-return]

    def delete(self) -> bool:
        """Delete this memory and its messages."""
        self._bound().delete_memory(self.id)
        return True


class AsyncMemory(MemoryFields, AsyncModel):
    """A memory of :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    async def update(self, update_dict: dict[str, Any]) -> AsyncMemory:
        """Change settings (see :meth:`Memory.update`)."""
        await self._bound()._update_memory(self, dict(update_dict))
        return self

    async def get_config(self) -> AsyncMemory:
        """Read the memory's settings again."""
        await self._bound()._refresh_memory(self)
        return self

    async def list_memory_messages(
        self,
        agent_id: str | list[str] | None = None,
        keywords: str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> MemoryMessages:
        """One page of raw messages (see :meth:`Memory.list_memory_messages`)."""
        return await self._bound()._list_memory_messages(  # type: ignore[no-any-return]
            self.id, agent_id, keywords, page, page_size
        )

    async def forget_message(self, message_id: int) -> bool:
        """Forget one message."""
        await self._bound()._forget_message(self.id, message_id)
        return True

    async def update_message_status(self, message_id: int, status: bool) -> bool:
        """Enable or disable one message for searches."""
        await self._bound()._set_message_status(self.id, message_id, status)
        return True

    async def get_message_content(self, message_id: int) -> MemoryMessage:
        """One message with its content."""
        return await self._bound()._get_message(self.id, message_id)  # type: ignore[no-any-return]

    async def delete(self) -> bool:
        """Delete this memory and its messages."""
        await self._bound().delete_memory(self.id)
        return True


class MemoryPage(_ReadsAsDict, BaseModel):
    """One page of memories: ``memory_list`` and ``total_count`` (``code`` and ``message``
    as the official SDK returns them)."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    memory_list: list[Any] = Field(default_factory=list)
    total_count: int = 0
    code: int = 0
    message: Any = None
