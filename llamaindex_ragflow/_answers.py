"""Helpers shared by the chat engine, the query engine and the tool spec: assistant answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.schema import NodeWithScore

from ragflow_integrations import ChatCompletion, ChatCompletionChunk, Message, Usage

from ._nodes import chunks_to_nodes

__all__ = [
    "AnswerStream",
    "completion_metadata",
    "openai_messages",
    "stream_tail",
    "to_chat_history",
]


def openai_messages(history: Sequence[ChatMessage], question: str) -> list[dict[str, Any]]:
    """``history`` plus ``question`` for the OpenAI-compatible endpoint.

    Only user and assistant turns are sent (RAGFlow's assistant brings its own system
    prompt), and leading assistant turns (an opener) are dropped.
    """
    turns = [
        {"role": m.role.value, "content": m.content or ""}
        for m in history
        if m.role in (MessageRole.USER, MessageRole.ASSISTANT)
    ]
    while turns and turns[0]["role"] == "assistant":
        turns.pop(0)
    return [*turns, {"role": "user", "content": question}]


def to_chat_history(messages: Sequence[dict[str, Any]]) -> list[ChatMessage]:
    """A server session's stored messages as ``ChatMessage`` (user and assistant turns)."""
    out = []
    for m in messages:
        role = m.get("role")
        if role in ("user", "assistant"):
            out.append(ChatMessage(role=MessageRole(role), content=str(m.get("content") or "")))
    return out


def usage_dict(usage: Usage | None) -> dict[str, Any] | None:
    """Token counts as a plain dict."""
    return usage.model_dump() if usage is not None else None


def completion_metadata(
    chat_id: str,
    answer: ChatCompletion | ChatCompletionChunk | Message | None,
    agent_id: str | None = None,
) -> dict[str, Any]:
    """``Response.metadata`` for an answer of the assistant ``chat_id`` (or agent)."""
    meta: dict[str, Any] = {"agent_id": agent_id} if agent_id else {"chat_id": chat_id}
    if isinstance(answer, ChatCompletion):
        meta.update(reasoning=answer.reasoning, usage=usage_dict(answer.usage))
    elif isinstance(answer, ChatCompletionChunk):
        meta.update(usage=usage_dict(answer.usage))
    elif isinstance(answer, Message):
        meta.update(reasoning=answer.reasoning, session_id=answer.session_id)
    return meta


def stream_tail(final: str, streamed: str) -> str:
    """Text of the final answer not yet streamed, when it only extends what was streamed.

    Servers may rewrite earlier text at the end (citation markers inserted); that cannot be
    streamed as a delta, so it is left to the final answer (``chat_history``/metadata).
    """
    if len(final) > len(streamed) and final.startswith(streamed):
        return final[len(streamed) :]
    return ""


@dataclass
class AnswerStream:
    """Turns a core answer stream into text deltas and collects what its end brings.

    ``nodes`` and ``metadata`` are the very objects handed to LlamaIndex's streaming
    responses, filled in place when the final item arrives; ``answer`` is then the
    server's final text (which may differ from the joined deltas when the server inserted
    citation markers into text already streamed).
    """

    chat_id: str
    agent_id: str | None = None
    nodes: list[NodeWithScore] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    streamed: str = ""
    reasoning: str = ""
    answer: str | None = None

    def __post_init__(self) -> None:
        if self.agent_id:
            self.metadata.setdefault("agent_id", self.agent_id)
        else:
            self.metadata.setdefault("chat_id", self.chat_id)

    def message(self, m: Message) -> str:
        """The text new in one native-stream :class:`Message`."""
        delta = m.delta
        self.reasoning += m.reasoning_delta
        if m.final:
            delta += stream_tail(m.content, self.streamed + delta)
            self.nodes.extend(chunks_to_nodes(m.reference))
            self.metadata.update(completion_metadata(self.chat_id, m, self.agent_id))
            self.metadata.update(reasoning=m.reasoning or self.reasoning, answer=m.content)
            self.answer = m.content
        self.streamed += delta
        return delta

    def chunk(self, c: ChatCompletionChunk) -> str:
        """The text new in one OpenAI-compatible :class:`ChatCompletionChunk`."""
        delta = c.delta
        self.reasoning += c.reasoning_delta
        if c.reference:
            self.nodes[:] = chunks_to_nodes(c.reference)
        if c.usage is not None:
            self.metadata["usage"] = usage_dict(c.usage)
        if c.final_content is not None:
            delta += stream_tail(c.final_content, self.streamed + delta)
            self.answer = c.final_content
        self.streamed += delta
        return delta

    def take(self, item: Message | ChatCompletionChunk) -> str:
        """The text new in one item of either stream."""
        return self.message(item) if isinstance(item, Message) else self.chunk(item)

    def finish(self) -> str:
        """After the last item: the final answer (the joined deltas if none came)."""
        if self.answer is None:
            self.answer = self.streamed
        self.metadata.setdefault("reasoning", self.reasoning)
        self.metadata["answer"] = self.answer
        return self.answer
