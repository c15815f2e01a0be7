"""``RAGFlowChatEngine``: a conversation with a RAGFlow chat assistant as a chat engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterable, Mapping
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.callbacks import CallbackManager, trace_method
from llama_index.core.chat_engine.types import (
    AgentChatResponse,
    BaseChatEngine,
    StreamingAgentChatResponse,
)

from ragflow_integrations import (
    AgentSession,
    AsyncAgentSession,
    AsyncChat,
    AsyncRAGFlow,
    AsyncSession,
    Chat,
    ChatCompletion,
    ChatCompletionChunk,
    Message,
    RAGFlow,
    RAGFlowConfigError,
    Session,
    UnsupportedFeatureError,
)

from ._answers import (
    AnswerStream,
    completion_metadata,
    openai_messages,
    to_chat_history,
)
from ._clients import Clients, iterate_in_thread
from ._nodes import chunks_to_nodes

__all__ = ["RAGFlowChatEngine"]


class RAGFlowChatEngine(BaseChatEngine):
    """Chat with a RAGFlow chat assistant (``chat_id``) in one of its server sessions.

    RAGFlow retrieves, prompts and answers; the conversation lives in the server session,
    so follow-up questions see the earlier turns. The session is created on the first
    message (or ``session_id=`` continues an existing one); ``reset()`` leaves it on the
    server and starts a new one with the next message. ``chat_history`` is the session's
    history (including the assistant's opener) as the server stores it, kept in step
    after each answer.

    Responses carry the answer's references as ``source_nodes`` (node id = chunk id, the
    retriever's metadata) and ``session_id``/``chat_id``/``reasoning`` in ``metadata``;
    citation markers stay in the text as ``[ID:N]``, N indexing ``source_nodes``. Streams
    yield text deltas; a server that inserts citation markers into already streamed text
    only shows them in the final answer (``chat_history``).

    Passing ``chat_history=`` to a chat method answers that one turn statelessly from the
    given history (RAGFlow's OpenAI-compatible endpoint, v0.17+) and leaves the engine's
    session and history untouched. ``ask_options`` are sent with every question (e.g.
    prompt variables). Connect with credentials or ``client``/``async_client``.

    With ``agent_id`` instead of ``chat_id`` the engine talks to a RAGFlow agent in one of
    its sessions, alike (``agent_id`` in ``metadata``; ``ask_options`` such as ``inputs``
    go with every question). The agent's opening statement starts ``chat_history`` and is
    never part of an answer. Agents take no history from the caller: ``chat_history=``
    with earlier turns raises :class:`~ragflow_integrations.UnsupportedFeatureError`.
    """

    def __init__(
        self,
        chat_id: str | None = None,
        *,
        agent_id: str | None = None,
        session_id: str | None = None,
        session_name: str = "LlamaIndex chat",
        user_id: str | None = None,
        ask_options: Mapping[str, Any] | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        server_version: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        client: RAGFlow | None = None,
        async_client: AsyncRAGFlow | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        if bool(chat_id) == bool(agent_id):
            raise RAGFlowConfigError(
                "RAGFlowChatEngine needs a chat assistant's chat_id or an agent_id"
            )
        self.chat_id = chat_id or ""
        self.agent_id = agent_id
        self.session_name = session_name
        self.user_id = user_id
        self.ask_options: dict[str, Any] = dict(ask_options or {})
        self.callback_manager = callback_manager or CallbackManager([])
        self._clients = Clients(
            api_key=api_key,
            base_url=base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )
        self._session_id = session_id
        self._chat: Chat | None = None
        self._achat: AsyncChat | None = None
        self._session: Session | AgentSession | None = None
        self._asession: AsyncSession | AsyncAgentSession | None = None
        self._history: list[ChatMessage] = []
        self._history_loaded = False

    # -- state ----------------------------------------------------------------------------
    @property
    def session_id(self) -> str | None:
        """The server session in use (``None`` until the first message after a reset)."""
        return self._session_id

    @property
    def chat_history(self) -> list[ChatMessage]:
        """The session's messages (a copy); an attached ``session_id`` is read on first use."""
        if not self._history_loaded and self._session_id is not None and self._clients.has_sync:
            self._sync_session()
        return list(self._history)

    def reset(self) -> None:
        """Forget the session: the next message starts a new server session, with an empty
        history until then. The old session stays on the server.
        """
        self._session_id = None
        self._session = None
        self._asession = None
        self._history = []
        self._history_loaded = False

    def _adopt(self, session: Session | AsyncSession | AgentSession | AsyncAgentSession) -> None:
        self._session_id = session.id
        if not self._history_loaded:
            self._history = to_chat_history(session.messages)
            self._history_loaded = True

    def _sync_session(self) -> Session | AgentSession:
        if self.agent_id and (self._session is None or self._session.id != self._session_id):
            rag = self._clients.sync
            if self._session_id is None:
                session: Session | AgentSession = rag.create_agent_session(
                    self.agent_id, self.session_name
                )
            else:
                session = rag.get_agent_session(self.agent_id, self._session_id)
            self._adopt(session)
            self._session = session
        if self._session is None or self._session.id != self._session_id:
            if self._chat is None:
                self._chat = self._clients.sync.get_chat(id=self.chat_id)
            if self._session_id is None:
                session = self._chat.create_session(self.session_name, user_id=self.user_id)
            else:
                session = self._chat.get_session(self._session_id)
            self._adopt(session)
            self._session = session
        return self._session

    async def _async_session(self, arag: AsyncRAGFlow) -> AsyncSession | AsyncAgentSession:
        if self.agent_id and (self._asession is None or self._asession.id != self._session_id):
            if self._session_id is None:
                session: AsyncSession | AsyncAgentSession = await arag.create_agent_session(
                    self.agent_id, self.session_name
                )
            else:
                session = await arag.get_agent_session(self.agent_id, self._session_id)
            self._adopt(session)
            self._asession = session
        if self._asession is None or self._asession.id != self._session_id:
            if self._achat is None:
                self._achat = await arag.get_chat(id=self.chat_id)
            if self._session_id is None:
                session = await self._achat.create_session(self.session_name, user_id=self.user_id)
            else:
                session = await self._achat.get_session(self._session_id)
            self._adopt(session)
            self._asession = session
        return self._asession

    def _record(self, question: str, answer: str, session_id: str | None) -> None:
        if session_id is not None and session_id == self._session_id:
            self._history.append(ChatMessage(role=MessageRole.USER, content=question))
            self._history.append(ChatMessage(role=MessageRole.ASSISTANT, content=answer))

    def _no_history(self, chat_history: list[ChatMessage]) -> None:
        """Agents take no history from the caller (they keep their own in sessions)."""
        if openai_messages(chat_history, "")[:-1]:
            raise UnsupportedFeatureError(
                "a RAGFlow agent keeps its history in its sessions and takes none from the "
                "caller: continue the engine's session (no chat_history) instead",
                feature="agent_history",
            )

    def _session_for(self, chat_history: list[ChatMessage] | None) -> Session | AgentSession:
        """The engine's session, or (an agent given ``chat_history``) a fresh one for one
        stateless turn."""
        if chat_history is None or self.agent_id is None:
            return self._sync_session()
        self._no_history(chat_history)
        return self._clients.sync.create_agent_session(self.agent_id, self.session_name)

    async def _asession_for(
        self, arag: AsyncRAGFlow, chat_history: list[ChatMessage] | None
    ) -> AsyncSession | AsyncAgentSession:
        if chat_history is None or self.agent_id is None:
            return await self._async_session(arag)
        self._no_history(chat_history)
        return await arag.create_agent_session(self.agent_id, self.session_name)

    # -- responses ------------------------------------------------------------------------
    def _answered(self, question: str, answer: Message, session_id: str) -> AgentChatResponse:
        self._record(question, answer.content, session_id)
        metadata = completion_metadata(self.chat_id, answer, self.agent_id)
        metadata["session_id"] = session_id
        return AgentChatResponse(
            response=answer.content,
            source_nodes=chunks_to_nodes(answer.reference),
            metadata=metadata,
        )

    def _stateless(self, completion: ChatCompletion) -> AgentChatResponse:
        metadata = completion_metadata(self.chat_id, completion, self.agent_id)
        metadata["session_id"] = None
        return AgentChatResponse(
            response=completion.content,
            source_nodes=chunks_to_nodes(completion.reference),
            metadata=metadata,
        )

    def _deltas(self, text: str, delta: str) -> ChatResponse:
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta
        )

    def _session_stream(
        self, messages: Iterable[Message], question: str, state: AnswerStream, session_id: str
    ) -> Generator[ChatResponse, None, None]:
        for m in messages:
            delta = state.message(m)
            if delta:
                yield self._deltas(state.streamed, delta)
        self._record(question, state.finish(), session_id)

    async def _asession_stream(
        self,
        messages: AsyncIterator[Message],
        question: str,
        state: AnswerStream,
        session_id: str,
    ) -> AsyncGenerator[ChatResponse, None]:
        async for m in messages:
            delta = state.message(m)
            if delta:
                yield self._deltas(state.streamed, delta)
        self._record(question, state.finish(), session_id)

    def _completion_stream(
        self, chunks: Iterable[ChatCompletionChunk], state: AnswerStream
    ) -> Generator[ChatResponse, None, None]:
        for c in chunks:
            delta = state.chunk(c)
            if delta:
                yield self._deltas(state.streamed, delta)
        state.finish()

    async def _acompletion_stream(
        self, chunks: AsyncIterator[ChatCompletionChunk], state: AnswerStream
    ) -> AsyncGenerator[ChatResponse, None]:
        async for c in chunks:
            delta = state.chunk(c)
            if delta:
                yield self._deltas(state.streamed, delta)
        state.finish()

    # -- chat -----------------------------------------------------------------------------
    @trace_method("chat")
    def chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> AgentChatResponse:
        """Ask the assistant in the session; the answer with its references."""
        if chat_history is not None and not self.agent_id:
            messages = openai_messages(chat_history, message)
            return self._stateless(
                self._clients.sync.openai_chat_completion(self.chat_id, messages)
            )
        session = self._session_for(chat_history)
        return self._answered(message, session.ask(message, **self.ask_options), session.id)

    @trace_method("chat")
    def stream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        """Ask and stream the answer; ``source_nodes`` fill in when the stream ends."""
        state = AnswerStream(self.chat_id, agent_id=self.agent_id)
        stream: Generator[ChatResponse, None, None]
        if chat_history is not None and not self.agent_id:
            messages = openai_messages(chat_history, message)
            chunks = self._clients.sync.openai_chat_completion(self.chat_id, messages, stream=True)
            stream = self._completion_stream(chunks, state)
        else:
            session = self._session_for(chat_history)
            answer = session.ask(message, stream=True, **self.ask_options)
            stream = self._session_stream(answer, message, state, session.id)
        return StreamingAgentChatResponse(
            chat_stream=stream, source_nodes=state.nodes, is_writing_to_memory=False
        )

    @trace_method("chat")
    async def achat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> AgentChatResponse:
        """Async :meth:`chat` (native on the async client)."""
        arag = self._clients.async_
        if arag is None:
            return await asyncio.to_thread(self.chat, message, chat_history)
        if chat_history is not None and not self.agent_id:
            messages = openai_messages(chat_history, message)
            return self._stateless(await arag.openai_chat_completion(self.chat_id, messages))
        session = await self._asession_for(arag, chat_history)
        answer = await session.ask(message, **self.ask_options)
        return self._answered(message, answer, session.id)

    @trace_method("chat")
    async def astream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        """Async :meth:`stream_chat`; read it with ``async_response_gen()``."""
        arag = self._clients.async_
        if arag is None:
            sync = await asyncio.to_thread(self.stream_chat, message, chat_history)
            chat_stream = sync.chat_stream
            assert chat_stream is not None
            return StreamingAgentChatResponse(
                achat_stream=iterate_in_thread(lambda: chat_stream),
                source_nodes=sync.source_nodes,
                is_writing_to_memory=False,
            )
        state = AnswerStream(self.chat_id, agent_id=self.agent_id)
        stream: AsyncGenerator[ChatResponse, None]
        if chat_history is not None and not self.agent_id:
            messages = openai_messages(chat_history, message)
            chunks = await arag.openai_chat_completion(self.chat_id, messages, stream=True)
            stream = self._acompletion_stream(chunks, state)
        else:
            asession = await self._asession_for(arag, chat_history)
            answer = asession.ask(message, stream=True, **self.ask_options)
            stream = self._asession_stream(answer, message, state, asession.id)
        return StreamingAgentChatResponse(
            achat_stream=stream, source_nodes=state.nodes, is_writing_to_memory=False
        )
