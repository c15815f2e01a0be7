"""``ChatRAGFlow``: a RAGFlow chat assistant as a LangChain chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig
from pydantic import Field, model_validator
from typing_extensions import Self

from ragflow_integrations import (
    AgentSession,
    AsyncAgentSession,
    ChatCompletion,
    ChatCompletionChunk,
    Chunk,
    InvalidArgumentError,
    Message,
    UnsupportedFeatureError,
    Usage,
)

from ._convert import (
    StopFilter,
    align_citations,
    citations_for,
    reference_dict,
    to_openai_messages,
    truncate_at_stop,
    usage_metadata,
)
from ._settings import RAGFlowSettings

__all__ = ["ChatRAGFlow"]

PROVIDER = "ragflow"
SESSION_CONFIG_KEY = "ragflow_session_id"
_GENERATION = ("temperature", "max_tokens", "top_p")
_HISTORY_ENDPOINT = "openai_compat"  # the core's name for the endpoint that takes a history
_PLACEHOLDER_MODEL = "model"  # what the core sends (and servers echo) when no model is named


@dataclass
class _Call:
    """One request, resolved from the model's fields and the call's arguments."""

    chat_id: str
    messages: list[dict[str, str]]
    session_id: str | None
    model: str | None
    generation: dict[str, Any]
    stop: list[str] | None
    agent_id: str | None = None

    @property
    def question(self) -> str:
        """The newest user message (what session mode sends)."""
        if not self.messages or self.messages[-1]["role"] != "user":
            raise InvalidArgumentError("the last message must be from the user")
        return self.messages[-1]["content"]


@dataclass
class _Piece:
    text: str
    reasoning: str


@dataclass
class _Final:
    content: str
    reasoning: str = ""
    references: list[Chunk] = field(default_factory=list)
    usage: Usage | None = None
    model: str = ""
    finish_reason: str | None = None
    session_id: str | None = None
    message_id: str | None = None


def _from_completion(c: ChatCompletion) -> _Final:
    return _Final(c.content, c.reasoning, list(c.reference), c.usage, c.model, c.finish_reason)


def _from_message(m: Message, session_id: str) -> _Final:
    return _Final(
        m.content,
        m.reasoning,
        list(m.reference),
        session_id=m.session_id or session_id,
        message_id=m.id,
        finish_reason="stop",
    )


class _OpenAIStream:
    """Collects an OpenAI-compatible stream: pieces as they come, the finish at the end."""

    def __init__(self) -> None:
        self.received = ""
        self.reasoning = ""
        self.final = _Final("")
        self.final_content: str | None = None

    def feed(self, chunk: ChatCompletionChunk) -> _Piece | None:
        self.received += chunk.delta
        self.reasoning += chunk.reasoning_delta
        f = self.final
        f.references = list(chunk.reference) or f.references
        f.usage = chunk.usage or f.usage
        f.model = chunk.model or f.model
        f.finish_reason = chunk.finish_reason or f.finish_reason
        if chunk.final_content is not None:
            self.final_content = chunk.final_content
        if chunk.delta or chunk.reasoning_delta:
            return _Piece(chunk.delta, chunk.reasoning_delta)
        return None

    def finish(self) -> _Final:
        self.final.content = self.final_content if self.final_content is not None else self.received
        self.final.reasoning = self.reasoning
        return self.final


def _native_event(m: Message, session_id: str) -> _Piece | _Final | None:
    if m.final:
        return _from_message(m, session_id)
    if m.delta or m.reasoning_delta:
        return _Piece(m.delta, m.reasoning_delta)
    return None  # a rewrite (citations inserted): the final message settles it


class _Assembler:
    """Turns pieces into ``AIMessageChunk``s, and the finish into the last chunk."""

    def __init__(self, stop: Sequence[str] | None) -> None:
        self.stopper = StopFilter(stop)
        self.received = ""
        self.emitted = ""

    def piece(self, piece: _Piece) -> AIMessageChunk | None:
        self.received += piece.text
        out = self.stopper.feed(piece.text) if piece.text else ""
        self.emitted += out
        if not out and not piece.reasoning:
            return None
        extra = {"reasoning_content": piece.reasoning} if piece.reasoning else {}
        return AIMessageChunk(
            content=out, additional_kwargs=extra, response_metadata={"model_provider": PROVIDER}
        )

    def last(self, final: _Final, metadata: dict[str, Any]) -> AIMessageChunk:
        remainder, citations = align_citations(self.received, final.content, final.references)
        out = self.stopper.feed(remainder) + self.stopper.flush()
        self.emitted += out
        if self.stopper.stopped:
            metadata["finish_reason"] = "stop"
            citations = [c for c in citations if c.get("end_index", 0) <= len(self.emitted)]
        metadata["citations"] = citations
        return AIMessageChunk(
            content=out,
            chunk_position="last",
            usage_metadata=usage_metadata(final.usage),
            response_metadata=metadata,
        )


def _session_kwargs(config: RunnableConfig | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    configurable = (config or {}).get("configurable") or {}
    session_id = configurable.get(SESSION_CONFIG_KEY)
    if session_id and "session_id" not in kwargs:
        return {**kwargs, "session_id": session_id}
    return kwargs


class ChatRAGFlow(BaseChatModel, RAGFlowSettings):
    """A RAGFlow chat assistant: answers grounded in its datasets, with references.

    **Stateless (default).** Each call sends the whole message list to the assistant's
    OpenAI-compatible endpoint (RAGFlow v0.17+), so the answer reflects all of it; the
    server keeps no state and the usage it reports is returned as ``usage_metadata``
    (servers before v0.24 count characters, not tokens). System messages are sent, but
    RAGFlow answers with the assistant's own system prompt. Servers before v0.17 have no
    endpoint that takes a history: there a call whose messages hold a single question
    opens a fresh server session and asks it (the session id is returned), and a call with
    earlier turns raises :class:`~ragflow_integrations.UnsupportedFeatureError` rather
    than answer only the last message. Use session mode there.

    **Session mode.** Pass a RAGFlow session id per call (``session_id="..."`` or
    ``config={"configurable": {"ragflow_session_id": "..."}}``) to continue that server
    session: only the newest user message is sent, the server keeps the history. Get one
    with :meth:`create_session`. The model itself holds no per-conversation state, so one
    instance is safe under concurrent calls.

    **Output.** ``response_metadata`` has ``references`` (dicts with ``id``, ``content`` and
    the retriever's metadata keys), ``citations`` (LangChain ``citation`` annotations for
    the ``[ID:n]`` markers, also on the text block of ``content_blocks`` and of
    ``output_version="v1"`` content), ``chat_id``, ``session_id`` (when a session was
    used), ``model_name`` and ``finish_reason``. Reasoning is kept out of the text, in
    ``additional_kwargs["reasoning_content"]`` (a ``reasoning`` block in v1). When
    streaming, RAGFlow inserts citation markers only into the finished answer, so streamed
    text has none; the last chunk carries the references and citations whose positions
    refer to the streamed text.

    ``model`` (a per-request LLM override, RAGFlow v0.25.1+), ``temperature``, ``top_p``
    and ``max_tokens`` (v0.26+) apply to the stateless endpoint; session mode uses the
    assistant's own settings. ``stop`` is applied to the answer client-side.

    **Agents.** With ``agent_id`` instead of ``chat_id`` the model talks to a RAGFlow agent
    (a canvas workflow), and its answers come back the same way: text with ``[ID:n]``
    citations, ``references`` and ``citations`` in ``response_metadata`` (``agent_id`` in
    place of ``chat_id``), streaming and async alike. An agent keeps a conversation only
    in its own sessions: session mode works as above, and a stateless call (one question)
    opens a fresh agent session for it; a stateless call with earlier turns raises
    :class:`~ragflow_integrations.UnsupportedFeatureError`. ``agent_inputs`` fill the
    agent's Begin inputs (RAGFlow v0.20+). The agent's opening statement is never part of
    an answer.

    Example:
        .. code-block:: python

            llm = ChatRAGFlow(chat_id="...")
            reply = llm.invoke("How does RAGFlow cite sources?")
            reply.response_metadata["references"]
    """

    model: str | None = Field(default=None, alias="model_name")
    """An LLM to use instead of the assistant's own (RAGFlow v0.25.1+)."""
    chat_id: str | None = None
    """The chat assistant's id."""
    chat_name: str | None = None
    """The chat assistant's name (looked up once), when no ``chat_id`` is given."""
    temperature: float | None = None
    """Sampling temperature (RAGFlow v0.26+)."""
    max_tokens: int | None = None
    """Longest answer in tokens (RAGFlow v0.26+)."""
    top_p: float | None = None
    """Nucleus sampling (RAGFlow v0.26+)."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Cut the answer before any of these strings."""
    streaming: bool = False
    """Stream even when called with ``invoke``."""
    reference: bool = True
    """Ask the server for the chunks the answer cites."""
    session_name: str = "LangChain"
    """The name of sessions this model opens."""
    agent_id: str | None = None
    """An agent to talk to instead of a chat assistant."""
    agent_inputs: dict[str, Any] | None = None
    """Values for the agent's Begin inputs, sent with every question (RAGFlow v0.20+)."""

    @model_validator(mode="after")
    def _needs_chat(self) -> Self:
        if not self.chat_id and not self.chat_name and not self.agent_id:
            raise ValueError("ChatRAGFlow needs chat_id (or chat_name), or agent_id")
        if self.agent_id and (self.chat_id or self.chat_name):
            raise ValueError("ChatRAGFlow talks to a chat assistant or an agent, not both")
        return self

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Not serializable: ``langchain_ragflow`` is not on LangChain's load allow-list."""
        return False

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The API key comes from ``RAGFLOW_API_KEY``."""
        return {"api_key": "RAGFLOW_API_KEY"}

    @property
    def _llm_type(self) -> str:
        return "ragflow-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "chat_id": self.chat_id,
            "chat_name": self.chat_name,
            "agent_id": self.agent_id,
            "base_url": self.base_url,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=kwargs.get("model") or self.model or PROVIDER,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop := stop or self.stop:
            params["ls_stop"] = stop
        return params

    # -- session ids from config ----------------------------------------------------------
    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """As ``BaseChatModel.invoke``; ``configurable.ragflow_session_id`` selects a session."""
        return super().invoke(input, config, stop=stop, **_session_kwargs(config, kwargs))

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """As ``BaseChatModel.ainvoke``; ``configurable.ragflow_session_id`` selects a session."""
        return await super().ainvoke(input, config, stop=stop, **_session_kwargs(config, kwargs))

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """As ``BaseChatModel.stream``; ``configurable.ragflow_session_id`` selects a session."""
        return super().stream(input, config, stop=stop, **_session_kwargs(config, kwargs))

    async def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """As ``BaseChatModel.astream``; ``configurable.ragflow_session_id`` selects a session."""
        async for chunk in super().astream(
            input, config, stop=stop, **_session_kwargs(config, kwargs)
        ):
            yield chunk

    # -- sessions -------------------------------------------------------------------------
    @cached_property
    def _resolved(self) -> dict[str, str]:
        return {}

    def _chat_id(self) -> str:
        if self.chat_id or self.agent_id:
            return self.chat_id or ""
        if "id" not in self._resolved:
            self._resolved["id"] = self._rag.get_chat(name=self.chat_name).id
        return self._resolved["id"]

    async def _achat_id(self) -> str:
        if self.chat_id or self.agent_id:
            return self.chat_id or ""
        if "id" not in self._resolved:
            self._resolved["id"] = (await self._arag().get_chat(name=self.chat_name)).id
        return self._resolved["id"]

    def create_session(self, name: str | None = None) -> str:
        """Open a new server session with the assistant (or agent); returns its id for
        session mode."""
        if self.agent_id:
            return self._rag.create_agent_session(self.agent_id, name or self.session_name).id
        chat = self._rag.get_chat(id=self._chat_id())
        return chat.create_session(name or self.session_name).id

    async def acreate_session(self, name: str | None = None) -> str:
        """Async :meth:`create_session`."""
        if self.agent_id:
            rag = self._arag()
            return (await rag.create_agent_session(self.agent_id, name or self.session_name)).id
        chat = await self._arag().get_chat(id=await self._achat_id())
        return (await chat.create_session(name or self.session_name)).id

    # -- one call -------------------------------------------------------------------------
    def _prepare(
        self, chat_id: str, messages: list[BaseMessage], stop: list[str] | None, kwargs: Any
    ) -> _Call:
        kwargs = dict(kwargs)
        kwargs.pop("stream", None)
        session_id = kwargs.pop("session_id", None)
        model = kwargs.pop("model", None) or self.model
        generation = {}
        for name in _GENERATION:
            value = kwargs.pop(name, getattr(self, name))
            if value is not None:
                generation[name] = value
        if kwargs:
            raise TypeError(f"ChatRAGFlow got unexpected argument(s): {', '.join(sorted(kwargs))}")
        return _Call(
            chat_id=chat_id,
            messages=to_openai_messages(messages),
            session_id=session_id,
            model=model,
            generation=generation,
            stop=stop if stop is not None else self.stop,
            agent_id=self.agent_id,
        )

    @staticmethod
    def _single_question(call: _Call, exc: UnsupportedFeatureError) -> str:
        """The question of a one-question message list; raise when there is a history."""
        roles = [m["role"] for m in call.messages if m["role"] != "system"]
        while roles and roles[0] == "assistant":
            roles.pop(0)  # a greeting before the question adds nothing the server uses
        if roles != ["user"]:
            raise UnsupportedFeatureError(
                f"{exc}. ChatRAGFlow can answer a single question on this server (in a new "
                "session) or continue a server session (session_id=...), but it cannot send "
                "a message history.",
                feature=exc.feature,
            ) from exc
        return call.question

    def _metadata(self, call: _Call, final: _Final) -> dict[str, Any]:
        server_model = final.model if final.model != _PLACEHOLDER_MODEL else ""
        meta: dict[str, Any] = {
            "model_provider": PROVIDER,
            "model_name": server_model or call.model or PROVIDER,
            "finish_reason": final.finish_reason or "stop",
            "references": [reference_dict(c) for c in final.references],
        }
        if call.agent_id:
            meta["agent_id"] = call.agent_id
        else:
            meta["chat_id"] = call.chat_id
        if final.session_id:
            meta["session_id"] = final.session_id
        if final.message_id:
            meta["message_id"] = final.message_id
        return meta

    def _result(self, call: _Call, final: _Final) -> ChatResult:
        text, stopped = truncate_at_stop(final.content, call.stop)
        meta = self._metadata(call, final)
        meta["citations"] = citations_for(text, final.references)
        if stopped:
            meta["finish_reason"] = "stop"
        message = AIMessage(
            content=text,
            additional_kwargs={"reasoning_content": final.reasoning} if final.reasoning else {},
            usage_metadata=usage_metadata(final.usage),
            response_metadata=meta,
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _openai_kwargs(self, call: _Call) -> dict[str, Any]:
        return {"reference": self.reference, "model": call.model, **call.generation}

    # -- agents ---------------------------------------------------------------------------
    def _agent_question(self, call: _Call) -> str:
        """The question; a stateless call must hold only one (agents keep history in their
        own sessions)."""
        if call.session_id:
            return call.question
        missing = UnsupportedFeatureError(
            "RAGFlow agents keep a conversation only in their sessions", feature="agent_history"
        )
        return self._single_question(call, missing)

    def _agent_options(self) -> dict[str, Any]:
        return {"inputs": self.agent_inputs} if self.agent_inputs else {}

    def _agent_turn(self, call: _Call) -> tuple[str, str, AgentSession]:
        """The question, and the agent session to ask it in (the call's, else a new one)
        with its id."""
        question = self._agent_question(call)
        session_id = call.session_id or self.create_session()
        assert call.agent_id is not None
        return question, session_id, self._rag.agent_session(call.agent_id, session_id)

    async def _aagent_turn(self, call: _Call) -> tuple[str, str, AsyncAgentSession]:
        """Async :meth:`_agent_turn`."""
        question = self._agent_question(call)
        session_id = call.session_id or await self.acreate_session()
        assert call.agent_id is not None
        return question, session_id, self._arag().agent_session(call.agent_id, session_id)

    def _agent_answer(self, call: _Call) -> _Final:
        question, session_id, session = self._agent_turn(call)
        return _from_message(session.ask(question, **self._agent_options()), session_id)

    async def _aagent_answer(self, call: _Call) -> _Final:
        question, session_id, session = await self._aagent_turn(call)
        answer = await session.ask(question, **self._agent_options())
        return _from_message(answer, session_id)

    def _agent_events(self, call: _Call) -> Iterator[_Piece | _Final]:
        question, session_id, session = self._agent_turn(call)
        for message in session.ask(question, stream=True, **self._agent_options()):
            if event := _native_event(message, session_id):
                yield event

    async def _aagent_events(self, call: _Call) -> AsyncIterator[_Piece | _Final]:
        question, session_id, session = await self._aagent_turn(call)
        async for message in session.ask(question, stream=True, **self._agent_options()):
            if event := _native_event(message, session_id):
                yield event

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(self._chat_id(), messages, stop, kwargs)
        if call.agent_id:
            return self._result(call, self._agent_answer(call))
        rag = self._rag
        if call.session_id:
            answer = rag.session(call.chat_id, call.session_id).ask(call.question)
            return self._result(call, _from_message(answer, call.session_id))
        try:
            completion = rag.openai_chat_completion(
                call.chat_id, call.messages, **self._openai_kwargs(call)
            )
        except UnsupportedFeatureError as exc:
            if exc.feature != _HISTORY_ENDPOINT:
                raise
            question = self._single_question(call, exc)
            session_id = self.create_session()
            answer = rag.session(call.chat_id, session_id).ask(question)
            return self._result(call, _from_message(answer, session_id))
        return self._result(call, _from_completion(completion))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._prepare(await self._achat_id(), messages, stop, kwargs)
        if call.agent_id:
            return self._result(call, await self._aagent_answer(call))
        rag = self._arag()
        if call.session_id:
            answer = await rag.session(call.chat_id, call.session_id).ask(call.question)
            return self._result(call, _from_message(answer, call.session_id))
        try:
            completion = await rag.openai_chat_completion(
                call.chat_id, call.messages, **self._openai_kwargs(call)
            )
        except UnsupportedFeatureError as exc:
            if exc.feature != _HISTORY_ENDPOINT:
                raise
            question = self._single_question(call, exc)
            session_id = await self.acreate_session()
            answer = await rag.session(call.chat_id, session_id).ask(question)
            return self._result(call, _from_message(answer, session_id))
        return self._result(call, _from_completion(completion))

    # -- streams --------------------------------------------------------------------------
    def _events(self, call: _Call) -> Iterator[_Piece | _Final]:
        if call.agent_id:
            yield from self._agent_events(call)
            return
        rag = self._rag
        session_id = call.session_id
        if not session_id:
            try:
                chunks = rag.openai_chat_completion(
                    call.chat_id, call.messages, stream=True, **self._openai_kwargs(call)
                )
            except UnsupportedFeatureError as exc:
                if exc.feature != _HISTORY_ENDPOINT:
                    raise
                self._single_question(call, exc)
                session_id = self.create_session()
            else:
                collector = _OpenAIStream()
                for chunk in chunks:
                    if piece := collector.feed(chunk):
                        yield piece
                yield collector.finish()
                return
        for message in rag.session(call.chat_id, session_id).ask(call.question, stream=True):
            if event := _native_event(message, session_id):
                yield event
            if message.final:
                return

    async def _aevents(self, call: _Call) -> AsyncIterator[_Piece | _Final]:
        if call.agent_id:
            async for item in self._aagent_events(call):
                yield item
            return
        rag = self._arag()
        session_id = call.session_id
        if not session_id:
            try:
                chunks = await rag.openai_chat_completion(
                    call.chat_id, call.messages, stream=True, **self._openai_kwargs(call)
                )
            except UnsupportedFeatureError as exc:
                if exc.feature != _HISTORY_ENDPOINT:
                    raise
                self._single_question(call, exc)
                session_id = await self.acreate_session()
            else:
                collector = _OpenAIStream()
                async for chunk in chunks:
                    if piece := collector.feed(chunk):
                        yield piece
                yield collector.finish()
                return
        async for message in rag.session(call.chat_id, session_id).ask(call.question, stream=True):
            if event := _native_event(message, session_id):
                yield event
            if message.final:
                return

    def _chunks(
        self, call: _Call, assembler: _Assembler, event: _Piece | _Final
    ) -> AIMessageChunk | None:
        if isinstance(event, _Piece):
            return assembler.piece(event)
        return assembler.last(event, self._metadata(call, event))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._prepare(self._chat_id(), messages, stop, kwargs)
        assembler = _Assembler(call.stop)
        for event in self._events(call):
            message = self._chunks(call, assembler, event)
            if message is None:
                continue
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                run_manager.on_llm_new_token(message.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = self._prepare(await self._achat_id(), messages, stop, kwargs)
        assembler = _Assembler(call.stop)
        async for event in self._aevents(call):
            message = self._chunks(call, assembler, event)
            if message is None:
                continue
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                await run_manager.on_llm_new_token(message.text, chunk=chunk)
            yield chunk


# -- content blocks --------------------------------------------------------------------


def _blocks(message: AIMessage) -> list[types.ContentBlock]:
    """Standard content blocks of a RAGFlow answer: reasoning, then text with citations.

    Block ids derive from the message id, so the chunks of one stream merge block by block.
    """
    if not isinstance(message.content, str):
        raise NotImplementedError  # already blocks: LangChain's own parsing applies
    blocks: list[types.ContentBlock] = []
    reasoning = message.additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        blocks.append(types.create_reasoning_block(reasoning, id=_block_id(message, "reasoning")))
    citations = message.response_metadata.get("citations") or []
    if message.content or citations or not blocks:
        blocks.append(
            types.create_text_block(
                message.content,
                id=_block_id(message, "text"),
                annotations=list(citations) or None,
            )
        )
    return blocks


def _block_id(message: AIMessage, kind: str) -> str | None:
    return f"{message.id}_{kind}" if message.id else None


register_translator(PROVIDER, _blocks, _blocks)
