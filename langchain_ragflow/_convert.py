"""Mapping the core's models to LangChain types: documents, references, citations, usage."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.messages import content as types
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata

from ragflow_integrations import InvalidArgumentError, Usage
from ragflow_integrations.metadata import chunk_metadata
from ragflow_integrations.types.chunk import ChunkFields

__all__ = [
    "align_citations",
    "chunk_metadata",
    "chunk_to_document",
    "citations_for",
    "format_documents",
    "reference_dict",
    "to_openai_messages",
    "truncate_at_stop",
    "usage_metadata",
]


def chunk_to_document(chunk: ChunkFields) -> Document:
    """A chunk as a LangChain ``Document`` (``id`` = chunk id; metadata: the layout of
    :mod:`ragflow_integrations.metadata`)."""
    return Document(id=chunk.id or None, page_content=chunk.content, metadata=chunk_metadata(chunk))


def reference_dict(chunk: ChunkFields) -> dict[str, Any]:
    """A cited chunk as a plain dict: ``id``, ``content`` and the retriever's metadata keys."""
    return {"id": chunk.id, "content": chunk.content, **chunk_metadata(chunk)}


def format_documents(docs: Sequence[Document]) -> str:
    """Numbered passages with their sources, for a tool's or a prompt's text."""
    parts = []
    for i, doc in enumerate(docs, 1):
        source = doc.metadata.get("document_name") or doc.metadata.get("document_id") or "?"
        parts.append(f"[{i}] {source} (chunk {doc.id})\n{doc.page_content}")
    return "\n\n".join(parts)


# -- messages --------------------------------------------------------------------------

_ROLES = {"human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}
_IGNORED_BLOCKS = frozenset({"reasoning", "thinking", "redacted_thinking"})


def _text_of(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts: list[str] = []
    for block in message.content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text") or ""))
        elif isinstance(block, dict) and block.get("type") in _IGNORED_BLOCKS:
            continue
        else:
            kind = block.get("type") if isinstance(block, dict) else type(block).__name__
            raise InvalidArgumentError(
                f"RAGFlow chat assistants take text only; got a {kind!r} content block"
            )
    return "".join(parts)


def _role_of(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        if message.tool_calls:
            raise InvalidArgumentError("RAGFlow chat assistants do not take tool calls")
        return "assistant"
    if isinstance(message, ChatMessage) and message.role in ("system", "user", "assistant"):
        return message.role
    raise InvalidArgumentError(
        f"RAGFlow chat assistants take system, user and assistant messages, not "
        f"{type(message).__name__}"
    )


def to_openai_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """``[{"role", "content"}]`` for the OpenAI-compatible endpoint.

    Consecutive messages of one role are joined (some LLMs refuse repeated roles);
    ``name`` and reasoning blocks are dropped; other non-text content raises.
    """
    out: list[dict[str, str]] = []
    for message in messages:
        role, text = _role_of(message), _text_of(message)
        if out and out[-1]["role"] == role:
            out[-1]["content"] = f"{out[-1]['content']}\n\n{text}"
        else:
            out.append({"role": role, "content": text})
    return out


# -- citations -------------------------------------------------------------------------

_MARKER = re.compile(r"\[ID:(\d+)\]")
_MARKER_WITH_SPACE = re.compile(r"[ \t]*\[ID:(\d+)\]")
_SENTENCE_END = re.compile(r"[.!?\n](?=\s)|\n")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    index: int


def _spans(text: str) -> list[_Span]:
    """For each ``[ID:n]`` marker, the stretch of text it cites (the clause before it)."""
    spans: list[_Span] = []
    prev_end = 0
    last: _Span | None = None
    for match in _MARKER.finditer(text):
        end = match.start()
        while end > prev_end and text[end - 1].isspace():
            end -= 1
        start = prev_end
        for stop in _SENTENCE_END.finditer(text, prev_end, end):
            if stop.end() < end:
                start = stop.end()
        while start < end and text[start].isspace():
            start += 1
        n = int(match.group(1))
        if last is not None and not text[prev_end : match.start()].strip():
            span = _Span(last.start, last.end, n)  # "[ID:0][ID:1]": the same clause
        else:
            span = _Span(start, end, n)
        spans.append(span)
        last = span
        prev_end = match.end()
    return spans


def _citation(chunk: ChunkFields, n: int, start: int | None, end: int | None) -> types.Citation:
    return types.create_citation(
        url=chunk.url or None,
        title=chunk.document_name or None,
        start_index=start if end is not None else None,
        end_index=end if start is not None else None,
        cited_text=chunk.content,
        reference_index=n,
        chunk_id=chunk.id,
        document_id=chunk.document_id,
        dataset_id=chunk.dataset_id,
    )


def citations_for(text: str, references: Sequence[ChunkFields]) -> list[types.Citation]:
    """Citation annotations for the ``[ID:n]`` markers in ``text`` (positions in ``text``).

    A marker whose ``n`` has no reference is left out.
    """
    return [
        _citation(references[s.index], s.index, s.start, s.end)
        for s in _spans(text)
        if s.index < len(references)
    ]


def _strip_markers(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` without its markers, and ``(position in text, chars removed before)`` steps."""
    pieces: list[str] = []
    steps: list[tuple[int, int]] = []
    removed = pos = 0
    for match in _MARKER_WITH_SPACE.finditer(text):
        pieces.append(text[pos : match.start()])
        removed += match.end() - match.start()
        steps.append((match.end(), removed))
        pos = match.end()
    pieces.append(text[pos:])
    return "".join(pieces), steps


def _shift(pos: int, steps: list[tuple[int, int]]) -> int:
    removed = 0
    for at, total in steps:
        if at > pos:
            break
        removed = total
    return pos - removed


def align_citations(
    received: str, final: str, references: Sequence[ChunkFields]
) -> tuple[str, list[types.Citation]]:
    """Fit the server's finished answer to the text already streamed.

    ``final`` is the finished answer (markers included); ``received`` what the stream
    delivered. Returns the text still to emit (when ``final`` extends ``received``) and
    citations whose positions are in the streamed text plus that remainder. When the
    server rewrote the text some other way, citations come without positions.
    """
    if final.startswith(received):
        return final[len(received) :], citations_for(final, references)
    stripped, steps = _strip_markers(final)
    if stripped.startswith(received):
        citations = []
        for s in _spans(final):
            if s.index < len(references):
                start, end = _shift(s.start, steps), _shift(s.end, steps)
                citations.append(_citation(references[s.index], s.index, start, end))
        return stripped[len(received) :], citations
    seen: list[int] = []
    for match in _MARKER.finditer(final):
        n = int(match.group(1))
        if n < len(references) and n not in seen:
            seen.append(n)
    return "", [_citation(references[n], n, None, None) for n in seen]


# -- stop sequences --------------------------------------------------------------------


def truncate_at_stop(text: str, stop: Sequence[str] | None) -> tuple[str, bool]:
    """``text`` cut before the first stop sequence, and whether one was found."""
    cut = min((i for s in stop or () if s and (i := text.find(s)) >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class StopFilter:
    """Applies stop sequences to streamed text, holding back what may start one."""

    def __init__(self, stop: Sequence[str] | None) -> None:
        self.stop = [s for s in stop or () if s]
        self.pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """Take new text; return what may be emitted now."""
        if self.stopped:
            return ""
        if not self.stop:
            return text
        self.pending += text
        cut, found = truncate_at_stop(self.pending, self.stop)
        if found:
            self.stopped = True
            self.pending = ""
            return cut
        hold = 0
        for s in self.stop:
            for size in range(min(len(s) - 1, len(self.pending)), 0, -1):
                if self.pending.endswith(s[:size]):
                    hold = max(hold, size)
                    break
        out = self.pending[: len(self.pending) - hold]
        self.pending = self.pending[len(out) :]
        return out

    def flush(self) -> str:
        """The held-back text at the end of the stream."""
        out, self.pending = ("" if self.stopped else self.pending), ""
        return out


# -- usage -----------------------------------------------------------------------------


def usage_metadata(usage: Usage | None) -> UsageMetadata | None:
    """LangChain usage from the server's counts (``None`` when it sent none)."""
    if usage is None:
        return None
    result = UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    )
    extra = usage.model_extra or {}
    completion = extra.get("completion_tokens_details")
    if isinstance(completion, dict) and isinstance(completion.get("reasoning_tokens"), int):
        result["output_token_details"] = OutputTokenDetails(
            reasoning=completion["reasoning_tokens"]
        )
    prompt = extra.get("prompt_tokens_details")
    if isinstance(prompt, dict) and isinstance(prompt.get("cached_tokens"), int):
        result["input_token_details"] = InputTokenDetails(cache_read=prompt["cached_tokens"])
    return result
