"""Asking questions: native completions and the OpenAI-compatible endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._dialect import Dialect
from .._envelope import load_json, unwrap
from .._exceptions import InvalidArgumentError
from .._http import Request, path
from .._streaming import (
    AnswerAccumulator,
    first_choice,
    normalise_citations,
    optional_text,
    parse_reference,
    split_think,
    sub_object,
    text_of,
)
from ..types._base import fit
from ..types.openai import ChatCompletion, Usage
from ..types.session import Message
from . import sessions
from ._core import Op, call, expect_dict

__all__ = ["ask", "ask_request", "openai_answer", "openai_request", "parse_openai"]


def _history(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A session's stored turns as ``messages`` (the opening prologue left out)."""
    turns = [
        {"role": str(m.get("role")), "content": str(m.get("content") or "")}
        for m in messages
        if isinstance(m, dict) and m.get("role") in ("user", "assistant")
    ]
    while turns and turns[0]["role"] == "assistant":
        turns.pop(0)
    return turns


def ask_request(
    d: Dialect,
    chat_id: str,
    session_id: str,
    question: str,
    *,
    stream: bool,
    extra: dict[str, Any],
    history: list[dict[str, Any]] | None = None,
) -> Request:
    """The completion request for this version.

    v0.25.1-0.25.5 need ``messages`` and replace the stored history with them, so the
    caller passes the session's turns in ``history``; other versions take ``question``.
    """
    if not isinstance(question, str):
        raise InvalidArgumentError(f"the question must be a string, got {type(question).__name__}")
    body: dict[str, Any] = {"session_id": session_id, "stream": stream}
    if d.completion_needs_messages:
        body["messages"] = [*_history(history or []), {"role": "user", "content": question}]
    else:
        body["question"] = question
    if extra.get("legacy"):
        d.require("legacy_stream", "legacy=True")
    body.update(extra)
    if d.has("unified_completions"):
        body["chat_id"] = chat_id
        route = "/chat/completions"
    else:
        route = path("/chats/{}/completions", chat_id)
    return Request("POST", route, "ask", json=body, stream=stream, idempotent=False)


def history_for(d: Dialect, chat_id: str, session_id: str) -> Op[list[dict[str, Any]] | None]:
    """The session's messages where the version needs them resent, else ``None``."""
    if not d.completion_needs_messages:
        return None
    found = yield from sessions.get(d, chat_id, session_id)
    messages = found.get("messages")
    return messages if isinstance(messages, list) else []


def message_from_answer(data: Any, req: Request) -> Message:
    """A whole answer (``stream: false``) as a :class:`Message`."""
    data = expect_dict(data, req)
    reasoning, text = split_think(text_of(data.get("answer")))
    return Message(
        content=normalise_citations(text),
        delta=normalise_citations(text),
        reasoning=reasoning,
        reference=parse_reference(data.get("reference")),
        id=optional_text(data.get("id")),
        session_id=optional_text(data.get("session_id")),
        final=True,
    )


def ask(
    d: Dialect, chat_id: str, session_id: str, question: str, extra: dict[str, Any]
) -> Op[Message]:
    """Ask and wait for the whole answer."""
    history = yield from history_for(d, chat_id, session_id)
    req = ask_request(d, chat_id, session_id, question, stream=False, extra=extra, history=history)
    data = yield from call(req)
    if isinstance(data, str) and data.startswith("data:"):
        # 0.17-0.19 answer a session-less call with the raw SSE text; decode it.
        acc = AnswerAccumulator()
        messages = [
            m for line in data.split("\n\n") if line.startswith("data:") for m in acc.feed(line[5:])
        ]
        return messages[-1] if messages else acc.finish()
    return message_from_answer(data, req)


def stream_accumulator(extra: dict[str, Any]) -> AnswerAccumulator:
    """The normaliser for a stream: the events' shape tells cumulative from delta, except
    that ``legacy=True`` asks for the cumulative shape (whose events look like deltas').
    """
    return AnswerAccumulator(cumulative=True if extra.get("legacy") else None)


_GENERATION = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens")


def openai_request(
    d: Dialect,
    chat_id: str,
    messages: list[dict[str, Any]],
    *,
    stream: bool,
    reference: bool,
    model: str | None = None,
    generation: dict[str, Any],
) -> Request:
    """A request to the OpenAI-compatible endpoint (v0.17+)."""
    d.require("openai_compat", "the OpenAI-compatible endpoint")
    if not messages or not isinstance(messages, list):
        raise InvalidArgumentError("openai_chat_completion needs a non-empty list of messages")
    if messages[-1].get("role") != "user":
        raise InvalidArgumentError("the last message must be from the user")
    body: dict[str, Any] = {"model": model or "model", "messages": messages, "stream": stream}
    if model and model != "model":
        d.require("unified_completions", "a model override")
    # extra_body is read from v0.20 and ignored before, so it is always sent: a server
    # detected as older than it is still sends its references.
    extra_body: dict[str, Any] = dict(generation.pop("extra_body", None) or {})
    extra_body.setdefault("reference", reference)
    body["extra_body"] = extra_body
    for key in list(generation):
        if key in _GENERATION:
            d.require("openai_generation_config", f"the generation option {key!r}")
        body[key] = generation.pop(key)
    route = path(
        "/openai/{}/chat/completions"
        if d.has("unified_completions")
        else "/chats_openai/{}/chat/completions",
        chat_id,
    )
    return Request(
        "POST",
        route,
        "OpenAI-compatible chat completion",
        json=body,
        stream=stream,
        idempotent=False,
    )


def openai_answer(
    req: Request, parse: Callable[[Any, Request], ChatCompletion] | None = None
) -> Op[ChatCompletion]:
    """Send a non-stream OpenAI-compatible request and read its answer (or its error) with
    ``parse`` (:func:`parse_openai` by default; the agents' renumbers citations)."""
    parse = parse or parse_openai
    resp = yield req
    if resp.status < 400:
        try:
            raw = load_json(resp.body)
        except ValueError:
            raw = None
        if isinstance(raw, dict) and "choices" in raw:
            return parse(raw, req)
    unwrap(resp, req)
    return parse({}, req)


def parse_openai(raw: Any, req: Request) -> ChatCompletion:
    """A non-stream OpenAI-compatible answer."""
    raw = expect_dict(raw, req)
    choice = first_choice(raw)
    message = sub_object(choice, "message")
    reasoning = text_of(message.get("reasoning_content"))
    think, content = split_think(text_of(message.get("content")))
    usage = raw.get("usage")
    return ChatCompletion(
        id=text_of(raw.get("id")),
        model=text_of(raw.get("model")),
        content=normalise_citations(content),
        reasoning=reasoning or think,
        reference=parse_reference(message.get("reference")),
        usage=fit(Usage, usage) if isinstance(usage, dict) else None,
        finish_reason=optional_text(choice.get("finish_reason")),
    )
