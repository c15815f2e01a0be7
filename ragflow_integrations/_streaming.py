"""Server-sent events and the answer normalisers.

:class:`SSEDecoder` turns raw bytes into event payloads, splitting lines on bytes (CR, LF,
CRLF) so JSON holding U+2028 stays whole. :class:`AnswerAccumulator` turns the events of
any server version (cumulative answers up to v0.23, deltas with think markers and a
``final`` event from v0.24, the ``legacy`` shape of v0.26.1+) into one :class:`Message`
shape, telling the shapes apart by the events themselves. :class:`OpenAIAccumulator`
does the same for the OpenAI-compatible stream. :class:`StreamReader` is what both
clients do with a streamed answer. Any bytes give items or a :class:`StreamError` that
keeps what had arrived.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ._envelope import envelope_code, load_json, unwrap
from ._exceptions import RAGFlowError, ResponseTooLargeError, StreamError
from ._http import Request, Response, media_type
from .types._base import fit
from .types.chunk import Chunk
from .types.openai import ChatCompletion, ChatCompletionChunk, Usage
from .types.session import Message

__all__ = [
    "AnswerAccumulator",
    "OpenAIAccumulator",
    "SSEDecoder",
    "StreamReader",
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
    kept as a list of pieces and joined once, when its end arrives. An event larger than
    ``max_event_size`` raises :class:`ResponseTooLargeError` before it is held in memory.
    """

    def __init__(self, max_event_size: int | None = None) -> None:
        self.max_event_size = max_event_size
        self._parts: list[bytes] = []
        self._pending = 0  # bytes in _parts
        self._data: list[bytes] = []
        self._size = 0  # bytes in _data
        self._after_cr = False

    def feed(self, chunk: bytes) -> list[str]:
        """Add bytes; return the payloads of the events they complete."""
        events: list[str] = []
        if not chunk:
            return events  # an empty read keeps a pending CR pending
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
                    self._pending += size - start
                    self._check(self._pending)
                return events
            piece = chunk[start:stop]
            if self._parts:
                self._check(self._pending + len(piece))
                self._parts.append(piece)
                piece = b"".join(self._parts)
                self._parts, self._pending = [], 0
            self._line(piece, events)
            self._after_cr = has_cr and nxt == size and chunk[stop:nxt] == b"\r"
            start = nxt

    def flush(self) -> list[str]:
        """End of stream: the last event, even without its blank line."""
        events: list[str] = []
        if self._parts:
            self._line(b"".join(self._parts), events)
            self._parts, self._pending = [], 0
        self._line(b"", events)
        return events

    def _check(self, line_size: int) -> None:
        limit = self.max_event_size
        if limit is not None and self._size + line_size > limit:
            raise ResponseTooLargeError(
                f"a stream event is larger than max_event_size ({limit} bytes)", limit=limit
            )

    def _line(self, line: bytes, events: list[str]) -> None:
        if not line:
            if self._data:
                events.append(b"\n".join(self._data).decode("utf-8", "replace"))
                self._data, self._size = [], 0
        elif line.startswith(b"data:"):
            value = line[5:]
            value = value[1:] if value.startswith(b" ") else value
            self._check(len(value))
            self._data.append(value)
            self._size += len(value) + 1


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
    """The chunks of a ``reference`` (``{"chunks": [...]}``, ``{"chunks": {"0": ...}}`` or a
    plain list); anything else is none.
    """
    chunks = reference.get("chunks") if isinstance(reference, dict) else reference
    if isinstance(chunks, dict):  # agent-style {"0": {...}}
        chunks = list(chunks.values())
    if not isinstance(chunks, list):
        return []
    return [fit(Chunk, c) for c in chunks if isinstance(c, dict)]


def text_of(value: Any) -> str:
    """A server's text field: a string as is, a number as text, anything else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def optional_text(value: Any) -> str | None:
    """Like :func:`text_of`, with ``None`` for a value that is not text."""
    return text_of(value) or None


def _snippet(payload: str) -> str:
    return repr(payload[:200] + ("..." if len(payload) > 200 else ""))


def decode_event(payload: str, partial: Any) -> Any:
    """One event's JSON object, or the :class:`StreamError` of an event that is not one."""
    try:
        event = load_json(payload)
    except ValueError:
        raise StreamError(
            f"the stream sent an event that is not JSON: {_snippet(payload)}", partial=partial
        ) from None
    if not isinstance(event, dict):
        raise StreamError(
            f"the stream sent a {type(event).__name__}, not an object", partial=partial
        )
    return event


def first_choice(answer: dict[str, Any]) -> dict[str, Any]:
    """``choices[0]`` of an OpenAI-style answer, or ``{}`` when it has none."""
    choices = answer.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    return choice if isinstance(choice, dict) else {}


def sub_object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """``parent[key]`` when it is an object, else ``{}``."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


class AnswerAccumulator:
    """Turns native completion events into :class:`Message` objects.

    The events' shape decides how to read them, not the server's version: events that
    carry a ``final`` flag or think markers (v0.24+) hold deltas; events without them
    (v0.13-v0.23) hold the whole answer so far. ``cumulative=True`` says the caller asked
    for the cumulative shape (``legacy=True`` on v0.26.1+, whose events carry ``final``
    too).
    """

    def __init__(self, *, cumulative: bool | None = None) -> None:
        self.cumulative = cumulative  # None: the first events tell
        self.raw = ""  # the answer text as the server sent it (reasoning included)
        self.content = ""
        self.reasoning = ""
        self.thinking = False
        self.reference: list[Chunk] = []
        self.message_id: str | None = None
        self.session_id: str | None = None
        self.done = False
        self.last: Message | None = None

    @property
    def partial(self) -> Message | None:
        """What has arrived so far (``StreamError.partial``)."""
        return self.last

    def feed(self, payload: str) -> list[Message]:
        """Take one event's payload; return the messages it produces (the last is final)."""
        return self.feed_event(decode_event(payload, self.partial))

    def feed_event(self, event: dict[str, Any]) -> list[Message]:
        """Take one decoded event."""
        raw_code = event.get("code", event.get("retcode", 0))
        code = 0 if raw_code is None else envelope_code(raw_code)
        data = event.get("data")
        if code != 0:
            message = text_of(event.get("message") or event.get("retmsg"))
            if not message and isinstance(data, dict):
                message = text_of(data.get("answer"))
            raise StreamError(
                f"the server reported an error inside the stream: {message or 'no message'} "
                f"(code {raw_code if code is None else code})",
                code=code,
                body=event,
                partial=self.partial,
            )
        if data is True or data is None:
            return [self.finish()] if not self.done else []
        if data is False:
            raise StreamError("the stream ended with data=false", body=event, partial=self.partial)
        if not isinstance(data, dict):
            raise StreamError(
                f"the stream sent data of type {type(data).__name__}, not an object",
                body=event,
                partial=self.partial,
            )
        return self._event(data)

    def _event(self, data: dict[str, Any]) -> list[Message]:
        self.message_id = optional_text(data.get("id")) or self.message_id
        self.session_id = optional_text(data.get("session_id")) or self.session_id
        if self.cumulative is None and (
            "final" in data or "start_to_think" in data or "end_to_think" in data
        ):
            self.cumulative = False  # the v0.24+ shape
        if data.get("start_to_think"):
            self.thinking = True
            return []
        if data.get("end_to_think"):
            self.thinking = False
            return []
        answer = text_of(data.get("answer"))
        reference = parse_reference(data.get("reference"))
        if reference:
            self.reference = reference
        if data.get("final") is True:
            out = self._replace(answer) if answer else None
            finished = self.finish()
            return [out, finished] if out is not None and out.delta else [finished]
        if self.cumulative is not False:
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

    def close(self) -> list[Message]:
        """A whole answer ends here: the final message, unless it came already."""
        return [] if self.done else [self.finish()]


class OpenAIAccumulator:
    """Turns OpenAI-compatible stream events into :class:`ChatCompletionChunk` objects."""

    def __init__(self) -> None:
        self.done = False
        self.content = ""
        self.reasoning = ""
        self.reference: list[Chunk] = []
        self.last: ChatCompletionChunk | None = None

    @property
    def partial(self) -> ChatCompletion | None:
        """What has arrived so far, as one answer (``StreamError.partial``)."""
        last = self.last
        if last is None:
            return None
        return ChatCompletion(
            id=last.id,
            model=last.model,
            content=last.final_content if last.final_content is not None else self.content,
            reasoning=self.reasoning,
            reference=list(self.reference),
            usage=last.usage,
            finish_reason=last.finish_reason,
        )

    def feed(self, payload: str) -> list[ChatCompletionChunk]:
        """Take one event's payload (``[DONE]`` ends the stream)."""
        if payload.strip() == "[DONE]":
            self.done = True
            return []
        return self.feed_event(decode_event(payload, self.partial))

    def feed_event(self, event: dict[str, Any]) -> list[ChatCompletionChunk]:
        """Take one decoded event."""
        if "choices" not in event:
            code = envelope_code(event.get("code"))
            raise StreamError(
                "the server reported an error inside the stream: "
                f"{text_of(event.get('message')) or 'no message'} (code {code})",
                code=code,
                body=event,
                partial=self.partial,
            )
        choice = first_choice(event)
        delta = sub_object(choice, "delta")
        text = text_of(delta.get("content"))
        reasoning = text_of(delta.get("reasoning_content"))
        final = delta.get("final_content")
        usage = event.get("usage")
        chunk = ChatCompletionChunk(
            id=text_of(event.get("id")),
            model=text_of(event.get("model")),
            delta=text,
            reasoning_delta=reasoning,
            reference=parse_reference(delta.get("reference")),
            final_content=normalise_citations(text_of(final)) if final is not None else None,
            usage=fit(Usage, usage) if isinstance(usage, dict) else None,
            finish_reason=optional_text(choice.get("finish_reason")),
        )
        self.content += text
        self.reasoning += reasoning
        self.reference = list(chunk.reference) or self.reference
        self.last = chunk
        return [chunk]

    def close(self) -> list[ChatCompletionChunk]:
        """A whole answer adds nothing more."""
        return []


class Accumulator(Protocol):
    """What :class:`StreamReader` feeds: chat answers, OpenAI-compatible chunks, agents."""

    @property
    def done(self) -> bool:
        """The answer is complete."""

    @property
    def partial(self) -> Any:
        """What had arrived, for a :class:`StreamError`."""

    def feed(self, payload: str) -> list[Any]:
        """Take one SSE event's payload."""

    def feed_event(self, event: Any) -> list[Any]:
        """Take one decoded event."""

    def close(self) -> list[Any]:
        """End an answer that came whole (JSON, not a stream): its last items, if any."""


class StreamReader:
    """One streamed answer, whatever carries its bytes: SSE in, messages or chunks out.

    Both clients use it. Every way a stream can break (a transport failure, an error
    event, an event that is not JSON or too large, the end without an end marker) raises
    :class:`StreamError` with ``partial`` holding what had arrived. ``on_event`` is called
    for each complete event (the transport's idle limit starts again).
    """

    def __init__(
        self,
        req: Request,
        acc: Accumulator,
        *,
        max_event_size: int | None = None,
        on_event: Callable[[], None] = lambda: None,
    ) -> None:
        self.req = req
        self.acc = acc
        self.decoder = SSEDecoder(max_event_size)
        self.on_event = on_event

    @property
    def done(self) -> bool:
        """The server's end marker has arrived."""
        return self.acc.done

    @staticmethod
    def is_whole(status: int, headers: dict[str, str]) -> bool:
        """Whether the answer is JSON rather than a stream (an error, or an old server)."""
        return status >= 400 or "json" in media_type(headers)

    def whole(self, resp: Response) -> Iterator[Any]:
        """The items of a JSON answer to a stream request (or its error)."""
        data = unwrap(resp, self.req)
        yield from self._guarded(self.acc.feed_event, {"code": 0, "data": data})
        yield from self.acc.close()

    def feed(self, chunk: bytes) -> Iterator[Any]:
        """The items completed by these bytes, each as soon as it is decoded."""
        try:
            payloads = self.decoder.feed(chunk)
        except ResponseTooLargeError as exc:
            raise self.broken(exc) from exc
        for payload in payloads:
            self.on_event()
            yield from self._guarded(self.acc.feed, payload)
            if self.acc.done:
                return

    def end(self) -> Iterator[Any]:
        """The stream's bytes have ended: the last event, or the error of a cut stream."""
        for payload in self.decoder.flush():
            yield from self._guarded(self.acc.feed, payload)
            if self.acc.done:
                return
        if not self.acc.done:
            raise StreamError(
                f"{self.req.describe()}: the stream ended before the server's end marker",
                partial=self.acc.partial,
            )

    def broken(self, exc: RAGFlowError) -> StreamError:
        """The error for a stream cut short by ``exc`` (a transport failure or a limit)."""
        reason = getattr(exc, "message", None) or str(exc)
        return StreamError(
            f"{self.req.describe()}: the stream broke after part of the answer ({reason})",
            status_code=getattr(exc, "status_code", None),
            partial=self.acc.partial,
        )

    def _guarded(self, feed: Callable[[Any], list[Any]], value: Any) -> list[Any]:
        try:
            return feed(value)
        except StreamError:
            raise
        except RAGFlowError as exc:  # a reference that does not fit the model, say
            raise self.broken(exc) from exc
