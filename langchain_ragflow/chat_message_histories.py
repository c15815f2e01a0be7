"""``RAGFlowChatMessageHistory``: a conversation kept in a RAGFlow memory (v0.24+)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from ragflow_integrations import InvalidArgumentError, MemoryMessage
from ragflow_integrations.types.memory import pair_turns, stored_turns

from ._convert import to_openai_messages
from ._settings import RAGFlowSettings

__all__ = ["RAGFlowChatMessageHistory"]


def _as_messages(messages: list[MemoryMessage]) -> list[BaseMessage]:
    return [
        HumanMessage(text) if role == "user" else AIMessage(text)
        for role, text in stored_turns(messages)
    ]


def _turns(messages: Sequence[BaseMessage]) -> list[tuple[str, str]]:
    turns = [(m["role"], m["content"]) for m in to_openai_messages(messages)]
    system = [text for role, text in turns if role not in ("user", "assistant")]
    if system:
        raise InvalidArgumentError(
            "a RAGFlow memory stores user and assistant turns only, not system messages"
        )
    return turns


class RAGFlowChatMessageHistory(BaseChatMessageHistory):
    """A LangChain chat history stored in a RAGFlow memory (RAGFlow v0.24+).

    RAGFlow stores a conversation as exchanges (a user input with the agent's response)
    tagged with an agent id and a session id; this history is one ``(agent_id,
    session_id)`` conversation of ``memory_id``. ``messages`` reads back its newest
    ``window`` exchanges (at most 100, RAGFlow's limit), oldest first; ``add_messages``
    stores user/assistant pairs (a turn without its partner is stored alone); ``clear()``
    forgets this conversation's messages, and only them (RAGFlow keeps forgotten messages,
    marked, out of searches). Connect with ``api_key``/``base_url`` (default
    ``RAGFLOW_API_KEY``/``RAGFLOW_BASE_URL``) or ``client``/``async_client``, as every
    class of this package. Use it with ``RunnableWithMessageHistory``.

    Example:
        .. code-block:: python

            history = RAGFlowChatMessageHistory(memory_id="...", session_id="user-42")
            history.add_user_message("Hi")
    """

    def __init__(
        self,
        memory_id: str,
        session_id: str,
        *,
        agent_id: str = "langchain",
        user_id: str = "",
        window: int = 100,
        **settings: Any,
    ) -> None:
        if not memory_id or not session_id:
            raise InvalidArgumentError("RAGFlowChatMessageHistory needs memory_id and session_id")
        if not 1 <= window <= 100:
            raise InvalidArgumentError(f"window must be between 1 and 100, got {window}")
        self.memory_id = memory_id
        self.session_id = session_id
        self.agent_id = agent_id
        self.user_id = user_id
        self.window = window
        self._settings = RAGFlowSettings.given(**settings)

    def _recent(self, messages: list[MemoryMessage]) -> list[MemoryMessage]:
        """The conversation's own messages (the server filters; this makes sure)."""
        return [
            m for m in messages if m.session_id == self.session_id and m.agent_id == self.agent_id
        ]

    def _to_forget(self, messages: list[MemoryMessage], done: set[int]) -> list[int]:
        """Ids of this conversation's messages not yet forgotten (each once: bounded)."""
        ids = [m.message_id for m in self._recent(messages) if not m.forget_at]
        return [i for i in ids if i not in done]

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        """The conversation's newest exchanges as messages, oldest first."""
        found = self._settings._rag.get_recent_messages(
            [self.memory_id], agent_id=self.agent_id, session_id=self.session_id, limit=self.window
        )
        return _as_messages(self._recent(found))

    async def aget_messages(self) -> list[BaseMessage]:
        """Async :attr:`messages`."""
        found = await self._settings._arag().get_recent_messages(
            [self.memory_id], agent_id=self.agent_id, session_id=self.session_id, limit=self.window
        )
        return _as_messages(self._recent(found))

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Store user/assistant messages as exchanges."""
        for user_input, agent_response in pair_turns(_turns(messages)):
            self._settings._rag.add_message(
                [self.memory_id],
                self.agent_id,
                self.session_id,
                user_input,
                agent_response,
                user_id=self.user_id,
            )

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Async :meth:`add_messages`."""
        for user_input, agent_response in pair_turns(_turns(messages)):
            await self._settings._arag().add_message(
                [self.memory_id],
                self.agent_id,
                self.session_id,
                user_input,
                agent_response,
                user_id=self.user_id,
            )

    def clear(self) -> None:
        """Forget this conversation's messages (no other conversation's)."""
        rag = self._settings._rag
        memory = rag.get_memory(self.memory_id)
        done: set[int] = set()
        while ids := self._to_forget(
            rag.get_recent_messages(
                [self.memory_id], agent_id=self.agent_id, session_id=self.session_id, limit=100
            ),
            done,
        ):
            for message_id in ids:
                memory.forget_message(message_id)
            done.update(ids)

    async def aclear(self) -> None:
        """Async :meth:`clear`."""
        rag = self._settings._arag()
        memory = await rag.get_memory(self.memory_id)
        done: set[int] = set()
        while ids := self._to_forget(
            await rag.get_recent_messages(
                [self.memory_id], agent_id=self.agent_id, session_id=self.session_id, limit=100
            ),
            done,
        ):
            for message_id in ids:
                await memory.forget_message(message_id)
            done.update(ids)
