"""``RAGFlowMemoryBlock``: a RAGFlow memory (v0.24+) as a block of LlamaIndex's ``Memory``."""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.memory.memory import BaseMemoryBlock

from ragflow_integrations import AsyncRAGFlow, MemoryMessage, RAGFlow
from ragflow_integrations.types.memory import pair_turns

from ._clients import Clients

__all__ = ["RAGFlowMemoryBlock"]

_ROLES = {MessageRole.USER: "user", MessageRole.ASSISTANT: "assistant"}


class RAGFlowMemoryBlock(BaseMemoryBlock[str]):
    """Long-term memory kept in a RAGFlow memory (RAGFlow v0.24+).

    Messages leaving LlamaIndex's short-term memory are stored in ``memory_id`` as RAGFlow
    stores conversations: user/assistant exchanges tagged with ``agent_id`` and the
    session (the ``Memory``'s ``session_id``, or ``session_id`` here). When the ``Memory``
    is read, the recent messages are searched in the RAGFlow memory (its hybrid search,
    within ``top_n`` and ``similarity_threshold``) and the matching exchanges come back as
    text for the prompt; ``search_all_sessions`` widens the search to every session of
    ``agent_id``. System and tool messages are not stored. Connect with credentials or
    ``client``/``async_client``.

    Example:
        .. code-block:: python

            from llama_index.core.memory import Memory

            block = RAGFlowMemoryBlock(memory_id="...", agent_id="support-bot")
            memory = Memory.from_defaults(session_id="user-42", memory_blocks=[block])
    """

    name: str = Field(default="RAGFlowMemory", description="The name of the memory block.")
    memory_id: str = Field(description="The RAGFlow memory holding the conversations.")
    agent_id: str = Field(default="llamaindex", description="Who answered (an agent id or label).")
    session_id: str | None = Field(
        default=None, description="The conversation, when the Memory does not name one."
    )
    user_id: str = Field(default="", description="The end user, when the key acts for one.")
    top_n: int = Field(default=5, ge=1, le=100, description="Most exchanges to bring back.")
    similarity_threshold: float = Field(default=0.2, description="Weakest match kept.")
    query_window: int = Field(
        default=3, ge=1, description="How many recent messages make the search query."
    )
    search_all_sessions: bool = Field(
        default=False, description="Search every session of agent_id, not only this one."
    )
    _clients: Clients = PrivateAttr()

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
        **fields: Any,
    ) -> None:
        super().__init__(**fields)
        self._clients = Clients(
            api_key=api_key,
            base_url=base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )

    def _session(self, messages: list[ChatMessage] | None, given: str | None) -> str | None:
        if given:
            return given
        for message in messages or []:
            found = message.additional_kwargs.get("session_id")
            if isinstance(found, str) and found:
                return found
        return self.session_id

    def _query(self, messages: list[ChatMessage]) -> str:
        recent = [m for m in messages if m.role in _ROLES][-self.query_window :]
        return " ".join(m.content or "" for m in recent).strip()

    def _format(self, found: list[MemoryMessage]) -> str:
        return "\n\n".join(m.content or "" for m in found if m.content)

    async def _aget(
        self,
        messages: list[ChatMessage] | None = None,
        session_id: str | None = None,
        **block_kwargs: Any,
    ) -> str:
        """The stored exchanges that match the recent messages, as text ("" for none)."""
        query = self._query(messages or [])
        if not query:
            return ""
        session = None if self.search_all_sessions else self._session(messages, session_id)
        options: dict[str, Any] = {
            "agent_id": self.agent_id,
            "session_id": session,
            "similarity_threshold": self.similarity_threshold,
            "top_n": self.top_n,
        }
        arag = self._clients.async_
        if arag is None:
            rag = self._clients.sync
            found = await asyncio.to_thread(rag.search_message, query, [self.memory_id], **options)
        else:
            found = await arag.search_message(query, [self.memory_id], **options)
        return self._format(found)

    async def _aput(self, messages: list[ChatMessage]) -> None:
        """Store user/assistant messages as exchanges of their session."""
        turns = [(_ROLES[m.role], m.content or "") for m in messages if m.role in _ROLES]
        session = self._session(messages, None) or "llamaindex"
        arag = self._clients.async_
        for user_input, agent_response in pair_turns(turns):
            args = ([self.memory_id], self.agent_id, session, user_input, agent_response)
            if arag is None:
                rag = self._clients.sync
                await asyncio.to_thread(rag.add_message, *args, user_id=self.user_id)
            else:
                await arag.add_message(*args, user_id=self.user_id)
