"""Server-sent events and the answer normaliser.

:class:`SSEDecoder` turns raw bytes into event payloads, splitting lines on bytes (CR, LF,
CRLF) so JSON holding U+2028 stays whole. :class:`AnswerAccumulator` turns the events of
any server version (cumulative answers up to v0.23, deltas with think markers and a
``final`` event from v0.24, the ``legacy`` shape of v0.26.1+) into one :class:`Message`
shape. :class:`OpenAIAccumulator` does the same for the OpenAI-compatible stream.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._exceptions import StreamError
from .types._base import fit
from .types.chunk import Chunk
from .types.openai import ChatCompletionChunk, Usage
from .types.session import Message

__all__ = [
    "AnswerAccumulator",
    "OpenAIAccumulator",
    "SSEDecoder",
    "normalise_citations",
    "parse_reference",
    "split_think",
]

_HASH_CITATION = re.compile(r"##(\d+)\$\$")
_EOL = re.compile(rb"\r\n|\r|\n")
_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"


class SSEDecoder:
    """Incremental SSE decoder: feed bytes, get the ``data`` payload of each finished event.

    Linear in the bytes fed, however long a line grows across chunks: a partial line is
    kept as a list of pieces and joined once, when its end arrives.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._data: list[bytes] = []
        self._after_cr = False

    def feed(self, chunk: bytes) -> list[str]:
        """Add bytes; return the payloads of the events they complete."""
        events: list[str] = []
        if self._after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across chunks
        self._after_cr = False
        start, size = 0, len(chunk)
        has_cr = b"\r" in chunk  # the servers send LF only: then plain find() is enough
        while True:
            if has_cr:
                match = _EOL.search(chunk, start)
                stop, nxt = (match.start(), match.end()) if match else (-1, -1)
            else:
                stop = chunk.find(b"\n", start)
                nxt = stop + 1
            if stop < 0:
                if start < size:
                    self._parts.append(chunk[start:])
                return events
            piece = chunk[start:stop]
            if self._parts:
                self._parts.append(piece)
                piece = b"".join(self._parts)
                self._parts = []
            self._line(piece, events)
            self._after_cr = has_cr and nxt == size and chunk[stop:nxt] == b"\r"
            start = nxt

    def flush(self) -> list[str]:
        """End of stream: the last event, even without its blank line."""
        events: list[str] = []
        if self._parts:
            self._line(b"".join(self._parts), events)
            self._parts = []
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[str]) -> None:
        if not line:
            if self._data:
                events.append(b"\n".join(self._data).decode("utf-8", "replace"))
                self._data = []
        elif line.startswith(b"data:"):
            value = line[5:]
            self._data.append(value[1:] if value.startswith(b" ") else value)


def normalise_citations(text: str) -> str:
    """Rewrite v0.13-v0.19 ``##N$$`` markers as ``[ID:N]``."""
    return _HASH_CITATION.sub(r"[ID:\1]", text)


def split_think(text: str) -> tuple[str, str]:
    """Split ``<think>...</think>answer`` into ``(reasoning, answer)``."""
    stripped = text.lstrip()
    if not stripped.startswith(_THINK_OPEN):
        return "", text
    body = stripped[len(_THINK_OPEN) :]
    end = body.find(_THINK_CLOSE)
    if end < 0:
        return body, ""
    return body[:end].strip(), body[end + len(_THINK_CLOSE) :].lstrip()


def parse_reference(reference: Any) -> list[Chunk]:
    """The chunks of a ``reference`` (``{"chunks": [...]}`` or a plain list); ``{}`` is none."""
    if isinstance(reference, dict):
        chunks = reference.get("chunks") or []
        if isinstance(chunks, dict):  # agent-style {"0": {...}}
            chunks = list(chunks.values())
    elif isinstance(reference, list):
        chunks = reference
    else:
        chunks = []
    return [fit(Chunk, c) for c in chunks if isinstance(c, dict)]


def _load(payload: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        raise StreamError(f"the stream sent an event that is not JSON: {payload[:200]!r}") from None


class AnswerAccumulator:
    """Turns native completion events into :class:`Message` objects.

    ``cumulative`` says whether the server sends the whole answer in each event (v0.13-v0.23,
    or ``legacy=True`` on v0.26.1+); otherwise answers are deltas.
    """

    def __init__(self, *, cumulative: bool) -> None:
        self.cumulative = cumulative
        self.raw = ""  # the answer text as the server sent it (reasoning included)
        self.content = ""
        self.reasoning = ""
        self.thinking = False
        self.reference: list[Chunk] = []
        self.message_id: str | None = None
        self.session_id: str | None = None
        self.done = False
        self.last: Message | None = None

    def feed(self, payload: str) -> list[Message]:
        """Take one event's payload; return the messages it produces (the last is final)."""
        return self.feed_event(_load(payload))

    def feed_event(self, event: Any) -> list[Message]:
        """Take one decoded event (see :meth:`feed`)."""
        if not isinstance(event, dict):
            raise StreamError(f"the stream sent {event!r}, not an object", partial=self.last)
        code = event.get("code", event.get("retcode", 0))
        data = event.get("data")
        if code not in (0, None):
            message = str(event.get("message") or event.get("retmsg") or "")
            if not message and isinstance(data, dict):
                message = str(data.get("answer") or "")
            raise StreamError(
                f"the server reported an error inside the stream: {message} (code {code})",
                code=int(code) if isinstance(code, int) else None,
                body=event,
                partial=self.last,
            )
        if data is True or data is None:
            return [self.finish()] if not self.done else []
        if data is False:
            raise StreamError("the stream ended with data=false", body=event, partial=self.last)
        if not isinstance(data, dict):
            raise StreamError(f"unexpected stream data {data!r}", body=event, partial=self.last)
        return self._event(data)

    def _event(self, data: dict[str, Any]) -> list[Message]:
        self.message_id = data.get("id") or self.message_id
        self.session_id = data.get("session_id") or self.session_id
        if data.get("start_to_think"):
            self.thinking = True
            return []
        if data.get("end_to_think"):
            self.thinking = False
            return []
        answer = data.get("answer")
        answer = "" if answer is None else str(answer)
        reference = parse_reference(data.get("reference"))
        if reference:
            self.reference = reference
        final = bool(data.get("final"))
        if final:
            out = self._replace(answer) if answer else None
            finished = self.finish()
            return [out, finished] if out is not None and out.delta else [finished]
        if self.cumulative:
            return [self._replace(answer)]
        if not answer:
            return []
        if self.thinking:
            self.reasoning += answer
            return [self._message(delta="", reasoning_delta=answer)]
        self.raw += answer
        return [self._replace_from_raw()]

    def _replace(self, answer: str) -> Message:
        """A full text (cumulative event, or a final event that carries the text)."""
        self.raw = answer
        return self._replace_from_raw()

    def _replace_from_raw(self) -> Message:
        think, text = split_think(self.raw)
        text = normalise_citations(text)
        old_content, old_reasoning = self.content, self.reasoning
        if think:
            self.reasoning = think
        replaced = not text.startswith(old_content)
        self.content = text
        delta = "" if replaced else text[len(old_content) :]
        reasoning_delta = (
            self.reasoning[len(old_reasoning) :] if self.reasoning.startswith(old_reasoning) else ""
        )
        return self._message(delta=delta, reasoning_delta=reasoning_delta, replaced=replaced)

    def _message(self, *, delta: str, reasoning_delta: str, replaced: bool = False) -> Message:
        message = Message(
            content=self.content,
            delta=delta,
            reasoning=self.reasoning,
            reasoning_delta=reasoning_delta,
            id=self.message_id,
            session_id=self.session_id,
            replaced=replaced,
        )
        self.last = message
        return message

    def finish(self) -> Message:
        """The final message, with the references."""
        self.done = True
        message = Message(
            content=self.content,
            reasoning=self.reasoning,
            reference=list(self.reference),
            id=self.message_id,
            session_id=self.session_id,
            final=True,
        )
        self.last = message
        return message


class OpenAIAccumulator:
    """Turns OpenAI-compatible stream events into :class:`ChatCompletionChunk` objects."""

    def __init__(self) -> None:
        self.done = False
        self.content = ""
        self.last: ChatCompletionChunk | None = None

    def feed(self, payload: str) -> list[ChatCompletionChunk]:
        """Take one event's payload (``[DONE]`` ends the stream)."""
        if payload.strip() == "[DONE]":
            self.done = True
            return []
        return self.feed_event(_load(payload))

    def feed_event(self, event: Any) -> list[ChatCompletionChunk]:
        """Take one decoded event (see :meth:`feed`)."""
        if not isinstance(event, dict):
            raise StreamError(f"the stream sent {event!r}, not an object", partial=self.last)
        if "choices" not in event:
            code = event.get("code")
            raise StreamError(
                "the server reported an error inside the stream: "
                f"{event.get('message')} (code {code})",
                code=code if isinstance(code, int) else None,
                body=event,
                partial=self.last,
            )
        choice = (event.get("choices") or [{}])[0]
        delta = choice.get("delta") or {}
        text = delta.get("content") or ""
        self.content += text
        usage = event.get("usage")
        chunk = ChatCompletionChunk(
            id=str(event.get("id") or ""),
            model=str(event.get("model") or ""),
            delta=text,
            reasoning_delta=delta.get("reasoning_content") or "",
            reference=parse_reference(delta.get("reference")),
            final_content=(
                normalise_citations(str(delta["final_content"]))
                if delta.get("final_content") is not None
                else None
            ),
            usage=fit(Usage, usage) if isinstance(usage, dict) else None,
            finish_reason=choice.get("finish_reason"),
        )
        self.last = chunk
        return [chunk]
