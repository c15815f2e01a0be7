"""Agents and memories on :class:`RAGFlow` and :class:`AsyncRAGFlow` (mixed into both).

The methods take the official SDK 0.27.3's names and arguments; each drives an IO-free
operation of :mod:`._operations.agents` or :mod:`._operations.memories`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ._base_client import BaseClient, ModelList, ids_of
from ._operations import agents, memories
from .types._base import fit
from .types.agent import Agent, AgentSession, AsyncAgent, AsyncAgentSession
from .types.memory import AsyncMemory, Memory, MemoryMessage, MemoryMessages, MemoryPage
from .types.openai import ChatCompletion, ChatCompletionChunk
from .types.session import Message

if TYPE_CHECKING:
    from ._dialect import Dialect
    from ._http import Request
    from ._operations._core import Op

__all__ = ["AgentMethods", "AsyncAgentMethods"]

T = TypeVar("T")


def _agent_changes(
    title: str | None, description: str | None, dsl: dict[str, Any] | None, canvas_type: str | None
) -> dict[str, Any]:
    values = {"title": title, "description": description, "dsl": dsl, "canvas_type": canvas_type}
    return {k: v for k, v in values.items() if v is not None}


def _messages(items: list[Any]) -> list[MemoryMessage]:
    return [fit(MemoryMessage, m) for m in items if isinstance(m, dict)]


class AgentMethods(BaseClient):
    """Agents and memories of the synchronous client."""

    if TYPE_CHECKING:

        def _run(self, make: Callable[[Dialect], Op[T]]) -> T: ...
        def _dialect(self) -> Dialect: ...
        def _stream(self, req: Request, acc: Any) -> Iterator[Any]: ...

    # -- agents -------------------------------------------------------------------------
    def list_agents(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "update_time",
        desc: bool = True,
        id: str | None = None,
        title: str | None = None,
    ) -> ModelList[Agent]:
        """One page of agents (v0.15+), optionally only the one with this ``id``/``title``."""
        data = self._run(
            lambda d: agents.list_page(
                d, page, page_size, orderby=orderby, desc=desc, id=id, title=title
            )
        )
        return self._wrap_all(Agent, data)

    def get_agent(self, agent_id: str | None = None, *, title: str | None = None) -> Agent:
        """One agent by id (or ``title=``)."""
        return self._wrap(Agent, self._run(lambda d: agents.get(d, agent_id, title)))

    def create_agent(
        self,
        title: str,
        dsl: dict[str, Any],
        description: str | None = None,
        canvas_type: str | None = None,
    ) -> Agent:
        """Create an agent from a canvas DSL (v0.19+); returns it."""
        data = self._run(lambda d: agents.create(d, title, dsl, description, canvas_type))
        return self._wrap(Agent, data)

    def update_agent(
        self,
        agent_id: str,
        title: str | None = None,
        description: str | None = None,
        dsl: dict[str, Any] | None = None,
        canvas_type: str | None = None,
    ) -> None:
        """Change an agent (v0.19+); arguments left ``None`` are not sent."""
        changes = _agent_changes(title, description, dsl, canvas_type)
        self._run(lambda d: agents.update(d, agent_id, changes))

    def _update_agent_model(self, agent: Agent, changes: dict[str, Any]) -> None:
        self._run(lambda d: agents.update(d, agent.id, changes))
        for key, value in changes.items():
            setattr(agent, key, value)

    def delete_agent(self, agent_id: str) -> None:
        """Delete one agent (v0.19+)."""
        self._run(lambda d: agents.delete(d, agent_id))

    # -- agent sessions -----------------------------------------------------------------
    def agent_session(self, agent_id: str, session_id: str) -> AgentSession:
        """A handle on an existing agent session, made without a request."""
        return self._wrap(AgentSession, {"id": session_id, "agent_id": agent_id})

    def create_agent_session(
        self, agent_id: str, name: str | None = None, **inputs: Any
    ) -> AgentSession:
        """Open a session with an agent by id (see :meth:`Agent.create_session`)."""
        return self._create_agent_session(agent_id, name, inputs)

    def get_agent_session(self, agent_id: str, session_id: str) -> AgentSession:
        """One agent session, with its messages."""
        return self._get_agent_session(agent_id, session_id)

    def _create_agent_session(
        self, agent_id: str, name: str | None, inputs: dict[str, Any]
    ) -> AgentSession:
        data = self._run(lambda d: agents.create_session(d, agent_id, name, inputs))
        return self._wrap(AgentSession, data, agent_id=agent_id)

    def _list_agent_sessions(self, agent_id: str, **kw: Any) -> ModelList[AgentSession]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        data = self._run(lambda d: agents.list_sessions(d, agent_id, page, page_size, **kw))
        return self._wrap_all(AgentSession, data, agent_id=agent_id)

    def _get_agent_session(self, agent_id: str, session_id: str) -> AgentSession:
        data = self._run(lambda d: agents.get_session(d, agent_id, session_id))
        return self._wrap(AgentSession, data, agent_id=agent_id)

    def _delete_agent_sessions(
        self, agent_id: str, ids: list[str] | None, *, delete_all: bool = False
    ) -> None:
        id_list = ids_of(ids, "ids")
        self._run(lambda d: agents.delete_sessions(d, agent_id, id_list, delete_all=delete_all))

    def _ask_agent(self, sess: AgentSession, question: str, options: dict[str, Any]) -> Message:
        return self._run(lambda d: agents.ask(d, sess.agent_id, sess.id, question, options))

    def _ask_agent_stream(
        self, sess: AgentSession, question: str, options: dict[str, Any]
    ) -> Iterator[Message]:
        d = self._dialect()
        if not d.agent_streams(True):
            yield self._ask_agent(sess, question, options)
            return
        req = agents.ask_request(d, sess.agent_id, sess.id, question, stream=True, options=options)
        yield from self._stream(req, agents.accumulator(d))

    # -- OpenAI-compatible --------------------------------------------------------------
    @overload
    def openai_agent_completion(
        self,
        agent_id: str,
        messages: list[dict[str, Any]],
        stream: Literal[False] = False,
        *,
        session_id: str | None = None,
    ) -> ChatCompletion: ...

    @overload
    def openai_agent_completion(
        self,
        agent_id: str,
        messages: list[dict[str, Any]],
        stream: Literal[True],
        *,
        session_id: str | None = None,
    ) -> Iterator[ChatCompletionChunk]: ...

    def openai_agent_completion(
        self,
        agent_id: str,
        messages: list[dict[str, Any]],
        stream: bool = False,
        *,
        session_id: str | None = None,
    ) -> ChatCompletion | Iterator[ChatCompletionChunk]:
        """Run an agent through its OpenAI-compatible endpoint (v0.18+): the last user
        message is the question (the agent keeps its own history in ``session_id``)."""
        d = self._dialect()
        req = agents.openai_request(d, agent_id, messages, stream=stream, session_id=session_id)
        if stream:
            from ._agent_stream import AgentOpenAIAccumulator

            return self._stream(req, AgentOpenAIAccumulator())
        return self._run(lambda _: agents.openai_answer(req))

    # -- memories -----------------------------------------------------------------------
    def create_memory(self, name: str, memory_type: list[str], embd_id: str, llm_id: str) -> Memory:
        """Create a memory (v0.24+); ``memory_type`` is a list of ``raw``, ``semantic``,
        ``episodic``, ``procedural``."""
        data = self._run(lambda d: memories.create(d, name, memory_type, embd_id, llm_id))
        return self._wrap(Memory, data)

    def list_memory(
        self,
        page: int = 1,
        page_size: int = 50,
        tenant_id: str | list[str] | None = None,
        memory_type: str | list[str] | None = None,
        storage_type: str | None = None,
        keywords: str | None = None,
    ) -> MemoryPage:
        """One page of memories: ``memory_list`` and ``total_count``."""
        data = self._run(
            lambda d: memories.list_page(
                d,
                page,
                page_size,
                tenant_id=tenant_id,
                memory_type=memory_type,
                storage_type=storage_type,
                keywords=keywords,
            )
        )
        return MemoryPage(
            memory_list=list(self._wrap_all(Memory, data["memory_list"])),
            total_count=data["total_count"],
        )

    def get_memory(self, memory_id: str) -> Memory:
        """One memory (its settings) by id."""
        return self._wrap(Memory, self._run(lambda d: memories.get_config(d, memory_id)))

    def delete_memory(self, memory_id: str) -> None:
        """Delete one memory and its messages."""
        self._run(lambda d: memories.delete(d, memory_id))

    def _update_memory(self, memory: Memory, settings: dict[str, Any]) -> None:
        data = self._run(lambda d: memories.update(d, memory.id, settings))
        memory._refresh(fit(Memory, data))

    def _refresh_memory(self, memory: Memory) -> None:
        memory._refresh(fit(Memory, self._run(lambda d: memories.get_config(d, memory.id))))

    def _list_memory_messages(
        self,
        memory_id: str,
        agent_id: str | list[str] | None,
        keywords: str | None,
        page: int,
        page_size: int,
    ) -> MemoryMessages:
        data = self._run(
            lambda d: memories.list_messages(d, memory_id, agent_id, keywords, page, page_size)
        )
        return fit(MemoryMessages, data)

    def add_message(
        self,
        memory_id: str | list[str],
        agent_id: str,
        session_id: str,
        user_input: str,
        agent_response: str,
        user_id: str = "",
    ) -> str:
        """Store one exchange in one or more memories; returns the server's message."""
        return self._run(
            lambda d: memories.add_message(
                d, memory_id, agent_id, session_id, user_input, agent_response, user_id
            )
        )

    def search_message(
        self,
        query: str,
        memory_id: str | list[str],
        agent_id: str | None = None,
        session_id: str | None = None,
        user_id: str | None = None,
        similarity_threshold: float = 0.2,
        keywords_similarity_weight: float = 0.7,
        top_n: int = 10,
    ) -> list[MemoryMessage]:
        """Messages of the memories matching ``query``, best first."""
        found = self._run(
            lambda d: memories.search_messages(
                d,
                query,
                memory_id,
                agent_id=agent_id,
                session_id=session_id,
                user_id=user_id,
                similarity_threshold=similarity_threshold,
                keywords_similarity_weight=keywords_similarity_weight,
                top_n=top_n,
            )
        )
        return _messages(found)

    def get_recent_messages(
        self,
        memory_id: str | list[str],
        agent_id: str | None = None,
        session_id: str | None = None,
        limit: int = 10,
    ) -> list[MemoryMessage]:
        """The newest messages of the memories."""
        found = self._run(
            lambda d: memories.recent_messages(
                d, memory_id, agent_id=agent_id, session_id=session_id, limit=limit
            )
        )
        return _messages(found)

    def _get_message(self, memory_id: str, message_id: Any) -> MemoryMessage:
        data = self._run(lambda d: memories.get_message(d, memory_id, message_id))
        return fit(MemoryMessage, data)

    def _forget_message(self, memory_id: str, message_id: Any) -> None:
        self._run(lambda d: memories.forget_message(d, memory_id, message_id))

    def _set_message_status(self, memory_id: str, message_id: Any, status: bool) -> None:
        self._run(lambda d: memories.set_message_status(d, memory_id, message_id, status))


class AsyncAgentMethods(BaseClient):
    """Agents and memories of the asynchronous client (see :class:`AgentMethods`)."""

    if TYPE_CHECKING:

        async def _run(self, make: Callable[[Dialect], Op[T]]) -> T: ...
        async def _dialect(self) -> Dialect: ...
        def _stream(self, req: Request, acc: Any) -> AsyncIterator[Any]: ...

    # -- agents -------------------------------------------------------------------------
    async def list_agents(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "update_time",
        desc: bool = True,
        id: str | None = None,
        title: str | None = None,
    ) -> ModelList[AsyncAgent]:
        """One page of agents (see :meth:`RAGFlow.list_agents`)."""
        data = await self._run(
            lambda d: agents.list_page(
                d, page, page_size, orderby=orderby, desc=desc, id=id, title=title
            )
        )
        return self._wrap_all(AsyncAgent, data)

    async def get_agent(
        self, agent_id: str | None = None, *, title: str | None = None
    ) -> AsyncAgent:
        """One agent by id (or ``title=``)."""
        return self._wrap(AsyncAgent, await self._run(lambda d: agents.get(d, agent_id, title)))

    async def create_agent(
        self,
        title: str,
        dsl: dict[str, Any],
        description: str | None = None,
        canvas_type: str | None = None,
    ) -> AsyncAgent:
        """Create an agent from a canvas DSL (v0.19+); returns it."""
        data = await self._run(lambda d: agents.create(d, title, dsl, description, canvas_type))
        return self._wrap(AsyncAgent, data)

    async def update_agent(
        self,
        agent_id: str,
        title: str | None = None,
        description: str | None = None,
        dsl: dict[str, Any] | None = None,
        canvas_type: str | None = None,
    ) -> None:
        """Change an agent (v0.19+); arguments left ``None`` are not sent."""
        changes = _agent_changes(title, description, dsl, canvas_type)
        await self._run(lambda d: agents.update(d, agent_id, changes))

    async def _update_agent_model(self, agent: AsyncAgent, changes: dict[str, Any]) -> None:
        await self._run(lambda d: agents.update(d, agent.id, changes))
        for key, value in changes.items():
            setattr(agent, key, value)

    async def delete_agent(self, agent_id: str) -> None:
        """Delete one agent (v0.19+)."""
        await self._run(lambda d: agents.delete(d, agent_id))

    # -- agent sessions -----------------------------------------------------------------
    def agent_session(self, agent_id: str, session_id: str) -> AsyncAgentSession:
        """A handle on an existing agent session, made without a request."""
        return self._wrap(AsyncAgentSession, {"id": session_id, "agent_id": agent_id})

    async def create_agent_session(
        self, agent_id: str, name: str | None = None, **inputs: Any
    ) -> AsyncAgentSession:
        """Open a session with an agent by id (see :meth:`Agent.create_session`)."""
        return await self._create_agent_session(agent_id, name, inputs)

    async def get_agent_session(self, agent_id: str, session_id: str) -> AsyncAgentSession:
        """One agent session, with its messages."""
        return await self._get_agent_session(agent_id, session_id)

    async def _create_agent_session(
        self, agent_id: str, name: str | None, inputs: dict[str, Any]
    ) -> AsyncAgentSession:
        data = await self._run(lambda d: agents.create_session(d, agent_id, name, inputs))
        return self._wrap(AsyncAgentSession, data, agent_id=agent_id)

    async def _list_agent_sessions(self, agent_id: str, **kw: Any) -> ModelList[AsyncAgentSession]:
        page, page_size = kw.pop("page"), kw.pop("page_size")
        data = await self._run(lambda d: agents.list_sessions(d, agent_id, page, page_size, **kw))
        return self._wrap_all(AsyncAgentSession, data, agent_id=agent_id)

    async def _get_agent_session(self, agent_id: str, session_id: str) -> AsyncAgentSession:
        data = await self._run(lambda d: agents.get_session(d, agent_id, session_id))
        return self._wrap(AsyncAgentSession, data, agent_id=agent_id)

    async def _delete_agent_sessions(
        self, agent_id: str, ids: list[str] | None, *, delete_all: bool = False
    ) -> None:
        id_list = ids_of(ids, "ids")
        await self._run(
            lambda d: agents.delete_sessions(d, agent_id, id_list, delete_all=delete_all)
        )

    def _ask_agent(
        self, sess: AsyncAgentSession, question: str, options: dict[str, Any]
    ) -> Coroutine[Any, Any, Message]:
        return self._run(lambda d: agents.ask(d, sess.agent_id, sess.id, question, options))

    async def _ask_agent_stream(
        self, sess: AsyncAgentSession, question: str, options: dict[str, Any]
    ) -> AsyncIterator[Message]:
        d = await self._dialect()
        if not d.agent_streams(True):
            yield await self._ask_agent(sess, question, options)
            return
        req = agents.ask_request(d, sess.agent_id, sess.id, question, stream=True, options=options)
        async for message in self._stream(req, agents.accumulator(d)):
            yield message

    # -- OpenAI-compatible --------------------------------------------------------------
    @overload
    async def openai_agent_completion(
        self,
        agent_id: str,
        messages: list[dict[str, Any]],
        stream: Literal[False] = False,
        *,
        session_id: str | None = None,
    ) -> ChatCompletion: ...

    @overload
    async def openai_agent_completion(
        self,
        agent_id: str,
        messages: list[dict[str, Any]],
        stream: Literal[True],
        *,
        session_id: str | None = None,
    ) -> AsyncIterator[ChatCompletionChunk]: ...

    async def openai_agent_completion(
        self,
        agent_id: str,
        messages: list[dict[str, Any]],
        stream: bool = False,
        *,
        session_id: str | None = None,
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        """Run an agent through its OpenAI-compatible endpoint (see
        :meth:`RAGFlow.openai_agent_completion`); a stream is an async iterator."""
        d = await self._dialect()
        req = agents.openai_request(d, agent_id, messages, stream=stream, session_id=session_id)
        if stream:
            from ._agent_stream import AgentOpenAIAccumulator

            return self._stream(req, AgentOpenAIAccumulator())
        return await self._run(lambda _: agents.openai_answer(req))

    # -- memories -----------------------------------------------------------------------
    async def create_memory(
        self, name: str, memory_type: list[str], embd_id: str, llm_id: str
    ) -> AsyncMemory:
        """Create a memory (v0.24+)."""
        data = await self._run(lambda d: memories.create(d, name, memory_type, embd_id, llm_id))
        return self._wrap(AsyncMemory, data)

    async def list_memory(
        self,
        page: int = 1,
        page_size: int = 50,
        tenant_id: str | list[str] | None = None,
        memory_type: str | list[str] | None = None,
        storage_type: str | None = None,
        keywords: str | None = None,
    ) -> MemoryPage:
        """One page of memories: ``memory_list`` and ``total_count``."""
        data = await self._run(
            lambda d: memories.list_page(
                d,
                page,
                page_size,
                tenant_id=tenant_id,
                memory_type=memory_type,
                storage_type=storage_type,
                keywords=keywords,
            )
        )
        return MemoryPage(
            memory_list=list(self._wrap_all(AsyncMemory, data["memory_list"])),
            total_count=data["total_count"],
        )

    async def get_memory(self, memory_id: str) -> AsyncMemory:
        """One memory (its settings) by id."""
        data = await self._run(lambda d: memories.get_config(d, memory_id))
        return self._wrap(AsyncMemory, data)

    async def delete_memory(self, memory_id: str) -> None:
        """Delete one memory and its messages."""
        await self._run(lambda d: memories.delete(d, memory_id))

    async def _update_memory(self, memory: AsyncMemory, settings: dict[str, Any]) -> None:
        data = await self._run(lambda d: memories.update(d, memory.id, settings))
        memory._refresh(fit(AsyncMemory, data))

    async def _refresh_memory(self, memory: AsyncMemory) -> None:
        data = await self._run(lambda d: memories.get_config(d, memory.id))
        memory._refresh(fit(AsyncMemory, data))

    async def _list_memory_messages(
        self,
        memory_id: str,
        agent_id: str | list[str] | None,
        keywords: str | None,
        page: int,
        page_size: int,
    ) -> MemoryMessages:
        data = await self._run(
            lambda d: memories.list_messages(d, memory_id, agent_id, keywords, page, page_size)
        )
        return fit(MemoryMessages, data)

    async def add_message(
        self,
        memory_id: str | list[str],
        agent_id: str,
        session_id: str,
        user_input: str,
        agent_response: str,
        user_id: str = "",
    ) -> str:
        """Store one exchange in one or more memories; returns the server's message."""
        return await self._run(
            lambda d: memories.add_message(
                d, memory_id, agent_id, session_id, user_input, agent_response, user_id
            )
        )

    async def search_message(
        self,
        query: str,
        memory_id: str | list[str],
        agent_id: str | None = None,
        session_id: str | None = None,
        user_id: str | None = None,
        similarity_threshold: float = 0.2,
        keywords_similarity_weight: float = 0.7,
        top_n: int = 10,
    ) -> list[MemoryMessage]:
        """Messages of the memories matching ``query``, best first."""
        found = await self._run(
            lambda d: memories.search_messages(
                d,
                query,
                memory_id,
                agent_id=agent_id,
                session_id=session_id,
                user_id=user_id,
                similarity_threshold=similarity_threshold,
                keywords_similarity_weight=keywords_similarity_weight,
                top_n=top_n,
            )
        )
        return _messages(found)

    async def get_recent_messages(
        self,
        memory_id: str | list[str],
        agent_id: str | None = None,
        session_id: str | None = None,
        limit: int = 10,
    ) -> list[MemoryMessage]:
        """The newest messages of the memories."""
        found = await self._run(
            lambda d: memories.recent_messages(
                d, memory_id, agent_id=agent_id, session_id=session_id, limit=limit
            )
        )
        return _messages(found)

    async def _get_message(self, memory_id: str, message_id: Any) -> MemoryMessage:
        data = await self._run(lambda d: memories.get_message(d, memory_id, message_id))
        return fit(MemoryMessage, data)

    async def _forget_message(self, memory_id: str, message_id: Any) -> None:
        await self._run(lambda d: memories.forget_message(d, memory_id, message_id))

    async def _set_message_status(self, memory_id: str, message_id: Any, status: bool) -> None:
        await self._run(lambda d: memories.set_message_status(d, memory_id, message_id, status))
