"""Agent answers in the shape of chat answers.

Agents speak two wire formats. Canvas v1 (v0.14-v0.19) answers like a chat assistant
(cumulative ``answer``, ``running_status`` progress events, ``data: true`` at the end).
Canvas v2 (v0.20+) streams workflow events: ``message`` (a piece of text in
``data.content``, or a think marker), ``message_end`` (``data.reference``), node and
workflow events, and ``data:[DONE]``. :class:`AgentAccumulator` turns both into the events
:class:`~ragflow_integrations._streaming.AnswerAccumulator` reads, so an agent's answer
comes out as the same :class:`Message` as a chat assistant's.

v2 references key their chunks by a hash of the chunk id (``{"chunks": {"137": {...}}}``)
and the answer cites those keys (``[ID:137]``). :class:`CitationKeys` renumbers them, as
the text streams, to positions in ``Message.reference`` in the order they are first cited.
"""

from __future__ import annotations

import re
from typing import Any

from ._streaming import AnswerAccumulator, OpenAIAccumulator, decode_event
from .types.openai import ChatCompletionChunk
from .types.session import Message

__all__ = [
    "AgentAccumulator",
    "AgentOpenAIAccumulator",
    "CitationKeys",
    "agent_openai_answer",
    "keyed_reference",
]

_MARKER = re.compile(r"\[ID:(\d+)\]")
_MARKER_WITH_SPACE = re.compile(r"[ \t]*\[ID:(\d+)\]")
_PARTIAL_MARKER = re.compile(r"\[(?:I(?:D(?::\d*)?)?)?$")
# Workflow events that carry nothing for the answer.


def keyed_reference(reference: Any) -> dict[str, dict[str, Any]] | None:
    """The ``{key: chunk}`` of a v2 reference, or ``None`` for a list-shaped one."""
    if isinstance(reference, dict) and isinstance(reference.get("chunks"), dict):
        return {str(k): v for k, v in reference["chunks"].items() if isinstance(v, dict)}
    return None


class CitationKeys:
    """Renumbers ``[ID:<key>]`` markers to ``[ID:<n>]``, n in order of first citation.

    Text goes through :meth:`text` piece by piece; a marker cut in two between pieces is
    held back until it is whole. :meth:`reference` then orders the keyed chunks to match.
    """

    def __init__(self) -> None:
        self.order: dict[str, int] = {}
        self.pending = ""

    def _renumber(self, match: re.Match[str]) -> str:
        index = self.order.setdefault(match.group(1), len(self.order))
        return f"[ID:{index}]"

    def text(self, piece: str) -> str:
        """The piece with its markers renumbered (a trailing partial marker held back)."""
        text = self.pending + piece
        partial = _PARTIAL_MARKER.search(text)
        cut = partial.start() if partial else len(text)
        text, self.pending = text[:cut], text[cut:]
        return _MARKER.sub(self._renumber, text)

    def flush(self) -> str:
        """The held-back text at the end (an unfinished marker is plain text)."""
        out, self.pending = self.pending, ""
        return out

    def missing(self, chunks: dict[str, Any]) -> list[str]:
        """Cited keys the reference does not hold."""
        return [key for key in self.order if key not in chunks]

    def reference(self, chunks: dict[str, Any]) -> list[dict[str, Any]]:
        """The chunks as a list: cited ones at their citation number, then the rest."""
        cited = [chunks[key] for key in self.order if key in chunks]
        return cited + [chunk for key, chunk in chunks.items() if key not in self.order]

    def rewrite(self, raw: str, chunks: dict[str, Any]) -> str:
        """``raw`` (the server's text) renumbered against ``chunks`` only: markers of keys
        the reference lacks are dropped. Used when the streamed numbering cannot hold.
        """
        order: dict[str, int] = {}

        def renumber(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in chunks:
                return ""
            return f" [ID:{order.setdefault(key, len(order))}]"

        text = _MARKER_WITH_SPACE.sub(renumber, raw)
        self.order = order
        return text


class AgentAccumulator:
    """Turns an agent's events (either canvas) into :class:`Message` objects."""

    def __init__(self, *, cumulative: bool) -> None:
        self.answers = AnswerAccumulator(cumulative=cumulative)
        self.keys = CitationKeys()
        self.raw = ""  # the v2 answer text as the server sent it
        self.chunks: dict[str, dict[str, Any]] = {}
        self.listed: list[Any] | None = None  # a list-shaped v2 reference, when one came

    @property
    def done(self) -> bool:
        """Whether the answer is complete."""
        return self.answers.done

    @property
    def last(self) -> Message | None:
        """The latest message."""
        return self.answers.last

    @property
    def partial(self) -> Message | None:
        """What has arrived so far (what a broken stream leaves)."""
        return self.answers.partial

    def close(self) -> list[Message]:
        """A whole answer ends here (see :meth:`finish`)."""
        return self.finish()

    def feed(self, payload: str) -> list[Message]:
        """Take one event's payload; return the messages it produces (the last is final)."""
        if payload.strip() == "[DONE]":
            return self.finish() if not self.done else []
        return self.feed_event(decode_event(payload, self.partial))

    def feed_event(self, event: Any) -> list[Message]:
        """Take one decoded event."""
        if not isinstance(event, dict) or "event" not in event:
            return self._plain(event)
        kind = event.get("event")
        raw_data = event.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        ids = {"id": event.get("message_id"), "session_id": event.get("session_id")}
        if kind == "message":
            return self._message(data, ids)
        if kind == "message_end":
            self._take_reference(data.get("reference"))
            return self.answers.feed_event({"code": 0, "data": {**ids, "answer": ""}})
        if kind in ("workflow_finished", "user_inputs"):
            return self.finish()
        return []  # workflow_started, node_started ... or an unknown event: nothing to show

    def whole(self, answer: dict[str, Any]) -> list[Message]:
        """Take a whole canvas v2 answer: its last event, whose ``data`` holds all the
        ``content`` (v0.20.1-v0.20.3: ``outputs.content``) and the ``reference``."""
        inner = answer.get("data")
        inner = inner if isinstance(inner, dict) else {}
        outputs = inner.get("outputs")
        outputs = outputs if isinstance(outputs, dict) else {}
        text = inner.get("content", outputs.get("content", ""))
        ids = {"message_id": answer.get("message_id"), "session_id": answer.get("session_id")}
        out = self.feed_event({"event": "message", "data": {"content": str(text or "")}, **ids})
        self._take_reference(inner.get("reference"))
        return out

    def _plain(self, event: Any) -> list[Message]:
        """Canvas v1 events, errors, whole answers, and v0.27's session-only answer."""
        if isinstance(event, dict):
            data = event.get("data")
            if isinstance(data, dict) and data.get("running_status"):
                return []  # "*'Retrieval'* is running...": progress, not answer
            if isinstance(data, dict) and "event" in data:  # a whole answer sent as JSON
                return self.whole(data)
            if data == {} and event.get("session_id"):  # v0.27: the agent said nothing
                event = {"code": 0, "data": {"session_id": event["session_id"], "answer": ""}}
        return self.answers.feed_event(event)

    def _message(self, data: dict[str, Any], ids: dict[str, Any]) -> list[Message]:
        if data.get("start_to_think") or data.get("end_to_think"):
            marker = "start_to_think" if data.get("start_to_think") else "end_to_think"
            return self.answers.feed_event({"code": 0, "data": {**ids, marker: True}})
        piece = str(data.get("content") or "")
        if not piece:
            return []
        self.raw += piece
        text = self.keys.text(piece)
        if not text:
            return []
        return self.answers.feed_event({"code": 0, "data": {**ids, "answer": text}})

    def _take_reference(self, reference: Any) -> None:
        keyed = keyed_reference(reference)
        if keyed is not None:
            self.chunks.update(keyed)
        elif isinstance(reference, dict) and reference.get("chunks"):
            self.listed = list(reference["chunks"])
        elif isinstance(reference, list) and reference:
            self.listed = list(reference)

    def result(self) -> Message:
        """The final message (ending the answer first if it is still open)."""
        out = self.finish()
        last = out[-1] if out else self.last
        assert last is not None and last.final
        return last

    def finish(self) -> list[Message]:
        """End the answer: the last piece of text, then the final message."""
        if self.done:
            return []
        out: list[Message] = []
        tail = self.keys.flush()
        if tail:
            out += self.answers.feed_event({"code": 0, "data": {"answer": tail}})
        answer = ""
        if self.listed is not None and not self.chunks:
            reference: list[Any] = self.listed
        else:
            if self.keys.missing(self.chunks):
                answer = self.keys.rewrite(self.raw, self.chunks).strip() or " "
            reference = self.keys.reference(self.chunks)
        final = {"final": True, "answer": answer, "reference": reference}
        out += self.answers.feed_event({"code": 0, "data": final})
        if answer:  # the streamed numbering could not hold: the final text replaces it
            out[-1] = out[-1].model_copy(update={"replaced": True})
            self.answers.last = out[-1]
        return out


class AgentOpenAIAccumulator:
    """The OpenAI-compatible stream of an agent, with its keyed references renumbered."""

    def __init__(self) -> None:
        self.chunks = OpenAIAccumulator()
        self.keys = CitationKeys()
        self.raw = ""

    @property
    def done(self) -> bool:
        """Whether ``[DONE]`` arrived."""
        return self.chunks.done

    @property
    def last(self) -> ChatCompletionChunk | None:
        """The latest chunk."""
        return self.chunks.last

    @property
    def partial(self) -> Any:
        """What has arrived so far (what a broken stream leaves)."""
        return self.chunks.partial

    def feed_event(self, event: Any) -> list[ChatCompletionChunk]:
        """Take one decoded event."""
        return self.chunks.feed_event(event)

    def close(self) -> list[ChatCompletionChunk]:
        """A whole answer adds nothing more."""
        return []

    def feed(self, payload: str) -> list[ChatCompletionChunk]:
        """Take one event's payload (``[DONE]`` ends the stream)."""
        if payload.strip() == "[DONE]":
            tail = self.keys.flush()
            out = self.chunks.feed_event(_choice("delta", tail)) if tail else []
            return out + self.chunks.feed(payload)
        event = decode_event(payload, self.partial)
        delta = _body(event, "delta")
        if delta is not None:
            if isinstance(delta.get("content"), str):
                self.raw += delta["content"]
                delta["content"] = self.keys.text(delta["content"])
            keyed = keyed_reference(delta.get("reference"))
            if keyed is not None:
                if self.keys.missing(keyed):
                    delta["final_content"] = self.keys.rewrite(self.raw, keyed).strip()
                delta["reference"] = self.keys.reference(keyed)
        return self.chunks.feed_event(event)


def _choice(part: str, text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, part: {"content": text}}]}


def _body(event: Any, part: str) -> dict[str, Any] | None:
    """``choices[0][part]`` of an OpenAI-shaped event, when there is one."""
    if not isinstance(event, dict):
        return None
    choices = event.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    body = choices[0].get(part)
    return body if isinstance(body, dict) else None


def agent_openai_answer(raw: Any) -> Any:
    """A whole OpenAI-compatible agent answer with its citations renumbered (in place)."""
    message = _body(raw, "message")
    keyed = keyed_reference(message.get("reference")) if message is not None else None
    if message is not None and isinstance(message.get("content"), str):
        keys = CitationKeys()
        content = message["content"]
        text = keys.text(content) + keys.flush()
        if keyed is not None:
            if keys.missing(keyed):
                text = keys.rewrite(content, keyed).strip()
            message["reference"] = keys.reference(keyed)
        message["content"] = text
    return raw
