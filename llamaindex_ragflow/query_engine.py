"""``RAGFlowQueryEngine``: one-shot questions answered by a RAGFlow chat assistant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterable, Mapping
from typing import Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.response.schema import (
    RESPONSE_TYPE,
    AsyncStreamingResponse,
    Response,
    StreamingResponse,
)
from llama_index.core.callbacks import CallbackManager
from llama_index.core.prompts.mixin import PromptMixinType
from llama_index.core.schema import QueryBundle

from ragflow_integrations import (
    AsyncRAGFlow,
    ChatCompletion,
    ChatCompletionChunk,
    Message,
    RAGFlow,
    RAGFlowConfigError,
)

from ._answers import AnswerStream, completion_metadata
from ._clients import Clients, iterate_in_thread
from ._nodes import chunks_to_nodes

__all__ = ["RAGFlowQueryEngine"]


class RAGFlowQueryEngine(BaseQueryEngine):
    """Questions answered by a RAGFlow chat assistant (``chat_id``), one at a time.

    RAGFlow retrieves and generates; the ``Response`` carries the answer (citation markers
    ``[ID:N]`` index ``source_nodes``), the references as ``source_nodes`` (node id = chunk
    id, the retriever's metadata) and ``chat_id``/``reasoning``/``usage`` in ``metadata``.

    Each query is stateless: it goes to RAGFlow's OpenAI-compatible endpoint with the
    question alone, so no server session is created or left behind and earlier queries do
    not influence later ones. That endpoint needs RAGFlow v0.17+ (references from v0.20);
    older servers raise :class:`~ragflow_integrations.UnsupportedFeatureError` (use
    :class:`~llamaindex_ragflow.RAGFlowChatEngine` there). ``streaming=True`` returns a
    ``StreamingResponse`` (``AsyncStreamingResponse`` from ``aquery``) whose
    ``source_nodes`` and ``metadata`` (with ``answer``, the server's final text) fill in
    when the stream ends. ``completion_options`` (e.g. ``temperature`` on servers that
    accept it) are forwarded to the endpoint.

    With ``agent_id`` instead of ``chat_id`` each query goes to a RAGFlow agent, in a new
    agent session of its own (agents answer only in sessions; any version with agents),
    and comes back alike (``agent_id`` and ``session_id`` in ``metadata``);
    ``completion_options`` are then sent with the question (e.g. ``inputs``).
    """

    def __init__(
        self,
        chat_id: str | None = None,
        *,
        agent_id: str | None = None,
        streaming: bool = False,
        completion_options: Mapping[str, Any] | None = None,
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
                "RAGFlowQueryEngine needs a chat assistant's chat_id or an agent_id"
            )
        self.chat_id = chat_id or ""
        self.agent_id = agent_id
        self.streaming = streaming
        self.completion_options: dict[str, Any] = dict(completion_options or {})
        self._clients = Clients(
            api_key=api_key,
            base_url=base_url,
            server_version=server_version,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            async_client=async_client,
        )
        super().__init__(callback_manager=callback_manager)

    def _get_prompt_modules(self) -> PromptMixinType:
        return {}

    def _messages(self, query_bundle: QueryBundle) -> list[dict[str, Any]]:
        return [{"role": "user", "content": query_bundle.query_str}]

    def _response(self, answer: ChatCompletion | Message) -> Response:
        return Response(
            answer.content,
            source_nodes=chunks_to_nodes(answer.reference),
            metadata=completion_metadata(self.chat_id, answer, self.agent_id),
        )

    def _tokens(
        self, items: Iterable[ChatCompletionChunk | Message], state: AnswerStream
    ) -> Generator[str, None, None]:
        for item in items:
            delta = state.take(item)
            if delta:
                yield delta
        state.finish()

    async def _atokens(
        self,
        items: AsyncIterator[ChatCompletionChunk] | AsyncIterator[Message],
        state: AnswerStream,
    ) -> AsyncGenerator[str, None]:
        async for item in items:
            delta = state.take(item)
            if delta:
                yield delta
        state.finish()

    def _agent_query(self, question: str) -> RESPONSE_TYPE:
        assert self.agent_id is not None
        session = self._clients.sync.create_agent_session(self.agent_id, "LlamaIndex query")
        if self.streaming:
            state = AnswerStream(self.chat_id, agent_id=self.agent_id)
            answer = session.ask(question, stream=True, **self.completion_options)
            return StreamingResponse(
                response_gen=self._tokens(answer, state),
                source_nodes=state.nodes,
                metadata=state.metadata,
            )
        return self._response(session.ask(question, **self.completion_options))

    async def _aagent_query(self, arag: AsyncRAGFlow, question: str) -> RESPONSE_TYPE:
        assert self.agent_id is not None
        session = await arag.create_agent_session(self.agent_id, "LlamaIndex query")
        if self.streaming:
            state = AnswerStream(self.chat_id, agent_id=self.agent_id)
            answer = session.ask(question, stream=True, **self.completion_options)
            return AsyncStreamingResponse(
                response_gen=self._atokens(answer, state),
                source_nodes=state.nodes,
                metadata=state.metadata,
            )
        return self._response(await session.ask(question, **self.completion_options))

    def _query(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        if self.agent_id:
            return self._agent_query(query_bundle.query_str)
        rag = self._clients.sync
        messages = self._messages(query_bundle)
        if self.streaming:
            state = AnswerStream(self.chat_id)
            chunks = rag.openai_chat_completion(
                self.chat_id, messages, stream=True, **self.completion_options
            )
            return StreamingResponse(
                response_gen=self._tokens(chunks, state),
                source_nodes=state.nodes,
                metadata=state.metadata,
            )
        return self._response(
            rag.openai_chat_completion(self.chat_id, messages, **self.completion_options)
        )

    async def _aquery(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        arag = self._clients.async_
        if arag is None:  # only a sync client: run it in a worker thread
            answer = await asyncio.to_thread(self._query, query_bundle)
            if isinstance(answer, StreamingResponse):
                tokens = answer.response_gen
                return AsyncStreamingResponse(
                    response_gen=iterate_in_thread(lambda: tokens),
                    source_nodes=answer.source_nodes,
                    metadata=answer.metadata,
                )
            return answer
        if self.agent_id:
            return await self._aagent_query(arag, query_bundle.query_str)
        messages = self._messages(query_bundle)
        if self.streaming:
            state = AnswerStream(self.chat_id)
            chunks = await arag.openai_chat_completion(
                self.chat_id, messages, stream=True, **self.completion_options
            )
            return AsyncStreamingResponse(
                response_gen=self._atokens(chunks, state),
                source_nodes=state.nodes,
                metadata=state.metadata,
            )
        return self._response(
            await arag.openai_chat_completion(self.chat_id, messages, **self.completion_options)
        )
