"""Completion handlers: native SSE/JSON completions of every era, and the OpenAI-compatible one."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._answers import Answer, build_answer, solo_answer, split_words
from ._chats import chat_error, new_session, owned_chat
from ._dialects import Dialect
from ._retrieval import Hit, filter_by_metadata, rank, reference_chunk
from ._search import flatten_metas, meta_filter
from ._store import Chat, Session
from ._views import reference_view
from ._wire import Call, Fail, Reply, StreamReply, err, json_result, result, sse

__all__ = [
    "ChatFailure",
    "legacy_completion",
    "new_completion",
    "openai_completion",
    "session_completion",
]

_RESERVED = {
    "question",
    "stream",
    "session_id",
    "user_id",
    "metadata_condition",
    "messages",
    "chat_id",
    "llm_id",
    "legacy",
    "reasoning",
    "internet",
    "pass_all_history_messages",
    "store_history_messages",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "max_tokens",
}


class ChatFailure(Exception):
    """An error the real server reports inside the stream (``**ERROR**: ...``)."""


@dataclass
class Turn:
    """Everything needed to render one completion."""

    question: str
    answer: Answer
    session_id: str
    chat_id: str | None
    msg_id: str
    solo: bool = False
    prompt: str = ""
    created_at: float = field(default_factory=time.time)


# -- shared helpers --------------------------------------------------------------------


def _msg_id(call: Call) -> str:
    raw = call.store.new_id()
    if call.d.message_id_hex:
        return raw
    return str(uuid.UUID(bytes=bytes.fromhex(raw), version=4))


def _chat_hits(
    call: Call, chat: Chat, question: str, kwargs: dict[str, Any], condition: Any = None
) -> list[Hit]:
    if not chat.dataset_ids:
        return []
    store, d = call.store, call.d
    attachments: list[str] | None = None
    doc_ids = kwargs.get("doc_ids")
    if isinstance(doc_ids, str) and doc_ids:
        attachments = [i for i in doc_ids.split(",") if i]
    mdf = chat.meta_data_filter
    if isinstance(mdf, dict) and mdf.get("method") == "manual" and mdf.get("manual"):
        metas = flatten_metas(
            {
                doc.id: doc.meta_fields
                for doc in store.documents.values()
                if doc.dataset_id in chat.dataset_ids
            }
        )
        filters = [
            {"key": f.get("key"), "op": f.get("op"), "value": f.get("value")}
            for f in mdf["manual"]
            if isinstance(f, dict)
        ]
        ids = meta_filter(metas, filters, str(mdf.get("logic") or "and"), d.meta_filter_style)
        if not ids:
            return []
        attachments = (attachments or []) + ids
    if isinstance(condition, dict) and condition.get("conditions"):
        ids = filter_by_metadata(store, d, chat.dataset_ids, condition)
        if not ids:
            return []
        attachments = (attachments or []) + ids
    hits = rank(
        store,
        chat.dataset_ids,
        question,
        doc_ids=attachments,
        similarity_threshold=chat.similarity_threshold,
        vector_similarity_weight=chat.vector_similarity_weight,
        top_k=chat.top_k,
    )
    return hits[: max(1, chat.top_n)]


def _check_parameters(chat: Chat, kwargs: dict[str, Any]) -> None:
    for param in chat.prompt_config.get("parameters") or []:
        if not isinstance(param, dict) or param.get("key") == "knowledge":
            continue
        if param.get("key") not in kwargs and not param.get("optional"):
            raise ChatFailure(str(KeyError("Miss parameter: " + str(param.get("key")))))


def _reasoning(chat: Chat, req: dict[str, Any]) -> bool:
    pc = chat.prompt_config or {}
    return bool(pc.get("reasoning") or chat.llm_setting.get("reasoning") or req.get("reasoning"))


def _answer(
    call: Call,
    chat: Chat,
    question: str,
    kwargs: dict[str, Any],
    condition: Any = None,
    quote: bool | None = None,
) -> Answer:
    _check_parameters(chat, kwargs)
    if not chat.dataset_ids:
        return solo_answer(question)
    hits = _chat_hits(call, chat, question, kwargs, condition)
    if quote is None:
        quote = bool(chat.prompt_config.get("quote", True)) and bool(kwargs.get("quote", True))
    reasoning = _reasoning(chat, kwargs) and call.d.ge(0, 17)
    return build_answer(
        question,
        hits,
        call.d.citation_style,
        quote=quote,
        empty_response=chat.prompt_config.get("empty_response") or None,
        reasoning=reasoning,
    )


def _prompt_text(chat: Chat | None, question: str) -> str:
    system = str((chat.prompt_config.get("system") if chat else "") or "")
    return f"{system}\n\n### Query:\n{question}\n\n## Time elapsed:\n  - Total: 0.0ms"


def _record(call: Call, session: Session, turn: Turn, user_msg: dict[str, Any] | None) -> None:
    if user_msg is not None:
        session.messages.append(user_msg)
    text = turn.answer.decorated
    if turn.answer.think:
        text = f"<think>{turn.answer.think}</think>{text}"
    message: dict[str, Any] = {"role": "assistant", "content": text, "id": turn.msg_id}
    if call.d.lt(0, 25):
        message["prompt"] = turn.prompt
    message["created_at"] = turn.created_at
    session.messages.append(message)
    session.reference.append({"hits": list(turn.answer.hits)})
    session.update_time = max(session.update_time + 1, int(time.time() * 1000))


# -- native event rendering ------------------------------------------------------------


def _envelope(d: Dialect, data: Any, with_message: bool) -> dict[str, Any]:
    if with_message:
        return {"code": 0, "message": "", "data": data}
    return {"code": 0, "data": data}


def _end_marker(with_message: bool) -> bytes:
    return sse(
        {"code": 0, "message": "", "data": True} if with_message else {"code": 0, "data": True}
    )


def _error_events(message: str, with_message: bool) -> list[bytes]:
    body = {
        "code": 500,
        "message": message,
        "data": {"answer": f"**ERROR**: {message}", "reference": []},
    }
    return [sse(body), _end_marker(with_message)]


def _base_data(call: Call, turn: Turn, answer: str, reference: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "answer": answer,
        "reference": reference,
        "audio_binary": None,
        "id": turn.msg_id,
        "session_id": turn.session_id,
    }
    if call.d.ge(0, 25, 1):
        data["chat_id"] = turn.chat_id
    return data


def _final_fields(call: Call, turn: Turn, data: dict[str, Any]) -> dict[str, Any]:
    data["prompt"] = "" if turn.solo else turn.prompt
    if call.d.ge(0, 17):
        data["created_at"] = turn.created_at
    return data


def _cumulative_events(
    call: Call, turn: Turn, with_message: bool, legacy_final: bool
) -> list[bytes]:
    d = call.d
    ans = turn.answer
    early_ref: Any = {} if d.lt(0, 15) else {"chunks": []}
    prefix = f"<think>{ans.think}</think>" if ans.think else ""
    events: list[bytes] = []
    text = prefix
    for piece in split_words(ans.plain):
        text += piece
        data = _base_data(call, turn, text, early_ref)
        if legacy_final:
            data["final"] = False
        events.append(sse(_envelope(d, data, with_message)))
    if legacy_final:
        # 0.26.1+ legacy: rebuilt from the deltas; the final event keeps final:true.
        final = _base_data(call, turn, prefix + ans.plain, reference_view(d, ans.hits, ans.cited))
        final["final"] = True
    else:
        final = _base_data(
            call, turn, prefix + ans.decorated, reference_view(d, ans.hits, ans.cited)
        )
    events.append(sse(_envelope(d, _final_fields(call, turn, final), with_message)))
    events.append(_end_marker(with_message))
    return events


def _delta_events(call: Call, turn: Turn, with_message: bool) -> list[bytes]:
    d = call.d
    ans = turn.answer
    events: list[bytes] = []

    def emit(answer: str, **extra: Any) -> None:
        data = _base_data(call, turn, answer, extra.pop("reference", {}))
        data["final"] = extra.pop("final", False)
        data.update(extra)
        events.append(sse(_envelope(d, data, with_message)))

    if ans.think:
        emit("", start_to_think=True)
        for piece in split_words(ans.think):
            emit(piece)
        emit("", end_to_think=True)
    reference = reference_view(d, ans.hits, ans.cited)
    if ans.empty_response:
        if d.ge(0, 25):
            emit(ans.plain)
        final = _base_data(call, turn, ans.plain, reference)
        final["final"] = True
        events.append(sse(_envelope(d, _final_fields(call, turn, final), with_message)))
        events.append(_end_marker(with_message))
        return events
    # From v0.24 the prompt asks the model to cite ([ID:n]) and the server keeps what it
    # wrote: the stand-in streams the cited text, and the final event adds nothing to it.
    for piece in split_words(ans.decorated):
        emit(piece)
    if not turn.solo:
        final = _base_data(call, turn, "", reference)
        final["final"] = True
        events.append(sse(_envelope(d, _final_fields(call, turn, final), with_message)))
    events.append(_end_marker(with_message))
    return events


def _render_stream(
    call: Call, turn: Turn, *, with_message: bool, legacy: bool = False
) -> StreamReply:
    if call.d.stream_delta and not legacy:
        events = _delta_events(call, turn, with_message)
    else:
        events = _cumulative_events(call, turn, with_message, legacy_final=legacy)
    return StreamReply(iter(events), event_delay=call.stream_event_delay)


def _render_json(call: Call, turn: Turn) -> Reply:
    d = call.d
    ans = turn.answer
    text = ans.decorated
    if ans.think:
        text = f"<think>{ans.think}</think>{text}"
    data = _base_data(call, turn, text, reference_view(d, ans.hits, ans.cited))
    data = _final_fields(call, turn, data)
    if d.ge(0, 25, 1):
        return json_result(d, data)
    return result(d, data)


def _stream_error(call: Call, message: str, with_message: bool) -> StreamReply:
    return StreamReply(
        iter(_error_events(message, with_message)), event_delay=call.stream_event_delay
    )


def _json_error(call: Call, message: str) -> Reply:
    if call.d.ge(0, 25, 1):
        return json_result(
            call.d, {"answer": f"**ERROR**: {message}", "reference": []}, 500, message
        )
    return err(message, 500)


def _is_true(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() not in ("false", "0", "")
    return bool(value)


# -- legacy POST /chats/{id}/completions (<= 0.25.0) -----------------------------------


def _prologue_only(
    call: Call, chat: Chat, req: dict[str, Any], stream: bool
) -> Reply | StreamReply:
    d = call.d
    user_id = str(req.get("user_id") or "") if d.session_user_id else ""
    session = new_session(call, chat, "New session", user_id)
    data = {
        "answer": session.messages[0]["content"],
        "reference": {},
        "audio_binary": None,
        "id": None,
        "session_id": session.id,
    }
    event = {"code": 0, "message": "", "data": data}
    if d.lt(0, 17) or stream:
        return StreamReply(
            iter([sse(event), _end_marker(True)]), event_delay=call.stream_event_delay
        )
    if d.lt(0, 20):
        return result(d, sse(event).decode("utf-8"))
    return result(d, data)


def legacy_completion(call: Call) -> Reply | StreamReply:
    d, store = call.d, call.store
    if d.ge(0, 25, 1):
        return new_completion(call)
    chat_id = call.params["chat_id"]
    chat = store.chats.get(chat_id)
    if chat is None:
        return err(f"You don't own the chat {chat_id}")
    req = call.json()
    stream = _is_true(req.get("stream"), True)
    if "messages" in req:
        message = "chat() got multiple values for argument 'messages'"
        return _stream_error(call, message, False) if stream else _json_error(call, message)
    session_id = req.get("session_id")
    if not session_id:
        if not d.no_session_answers:
            return _prologue_only(call, chat, req, stream)
        session = new_session(call, chat, "New session")
    else:
        found = store.sessions.get(str(session_id))
        if found is None or found.chat_id != chat.id:
            return err("Session does not exist")
        session = found
    question = req.get("question")
    if not isinstance(question, str) or not question:
        return err("`question` is required.")
    kwargs = {k: v for k, v in req.items() if k not in _RESERVED}
    condition = req.get("metadata_condition") if d.ge(0, 23) else None
    user_msg = {"role": "user", "content": question, "id": _msg_id(call)}
    try:
        answer = _answer(call, chat, question, kwargs, condition)
    except ChatFailure as exc:
        session.messages.append(user_msg)
        return _stream_error(call, str(exc), False) if stream else _json_error(call, str(exc))
    turn = _chat_turn(call, chat, session, question, answer)
    _record(call, session, turn, user_msg)
    if stream:
        return _render_stream(call, turn, with_message=False)
    return _render_json(call, turn)


def _chat_turn(call: Call, chat: Chat, session: Session, question: str, answer: Answer) -> Turn:
    """One question and its answer in a chat assistant's session."""
    return Turn(
        question,
        answer,
        session.id,
        chat.id,
        _msg_id(call),
        solo=not chat.dataset_ids,
        prompt=_prompt_text(chat, question),
    )


# -- 0.25.0 POST /chats/{id}/sessions/{sid}/completions --------------------------------


def session_completion(call: Call) -> Reply | StreamReply:
    d, store = call.d, call.store
    chat = owned_chat(call)
    req = call.json()
    messages = req.get("messages")
    if not isinstance(messages, list):
        return json_result(d, None, 101, "required argument are missing: messages; ")
    session = store.sessions.get(call.params["session_id"])
    if session is None or session.chat_id != chat.id:
        return chat_error(call, "No authorization.", 109)
    question = _last_user(messages)
    if question is None:
        return chat_error(call, "The last content of this conversation is not from user.")
    stream = _is_true(req.get("stream"), True)
    kwargs = {k: v for k, v in req.items() if k not in _RESERVED}
    try:
        answer = _answer(call, chat, question, kwargs, req.get("metadata_condition"))
    except ChatFailure as exc:
        return _stream_error(call, str(exc), False) if stream else _json_error(call, str(exc))
    session.messages = [dict(m) for m in messages if isinstance(m, dict)]
    turn = _chat_turn(call, chat, session, question, answer)
    _record(call, session, turn, None)
    if stream:
        return _render_stream(call, turn, with_message=False)
    return _render_json(call, turn)


def _last_user(messages: Any) -> str | None:
    if not isinstance(messages, list) or not messages:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        return None
    content = last.get("content")
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


# -- 0.25.1+ POST /chat/completions (and the /chats/{id}/completions alias) ------------


def _completion_question(call: Call, req: dict[str, Any]) -> str:
    """``_normalize_completion_messages`` (v0.25.6+): ``messages``, or a ``question`` made into
    one, with the messages checked; 0.25.1-0.25.5 only require ``messages``."""
    d = call.d
    messages = req.get("messages")
    if d.completion_requires_messages and messages is None:
        raise Fail(json_result(d, None, 101, "required argument are missing: messages; "))
    if messages is None:
        if req.get("question") is None:
            raise Fail(err("required argument are missing: messages", 101))
        messages = [{"role": "user", "content": req["question"]}]
    if not isinstance(messages, list) or not messages:
        raise Fail(err("`messages` must be a non-empty list.", 101))
    if not all(isinstance(m, dict) for m in messages):
        raise Fail(err("Every item in `messages` must be an object.", 101))
    if not all("role" in m and "content" in m for m in messages):
        raise Fail(err("Every item in `messages` must include `role` and `content`.", 101))
    kept: list[dict[str, Any]] = []
    for m in messages:
        if m["role"] == "system" or (m["role"] == "assistant" and not kept):
            continue
        kept.append(m)
    if not kept:
        raise Fail(err("`messages` must contain a user message.", 101))
    question = _last_user(kept)
    if question is None:
        raise Fail(err("The last message must be from user.", 101))
    return question


def new_completion(call: Call) -> Reply | StreamReply:
    d, store = call.d, call.store
    req = call.json()
    chat_id = call.params.get("chat_id") or req.get("chat_id")
    session_id = req.get("session_id")
    messages = req.get("messages")
    question = _completion_question(call, req)
    store_history = _is_true(req.get("store_history_messages"), True)
    pass_all_history = _is_true(req.get("pass_all_history_messages"), False)
    if d.ge(0, 27) and not (store_history or pass_all_history):
        both = "`pass_all_history_messages` must be true when `store_history_messages` is false."
        return err(both)
    if session_id and not chat_id:
        return chat_error(call, "`chat_id` is required when `session_id` is provided.")
    stream = _is_true(req.get("stream"), True)
    legacy = d.legacy_stream_option and _is_true(req.get("legacy"), False)
    if not chat_id:
        turn = Turn(question, solo_answer(question), "", None, _msg_id(call), solo=True)
        if stream:
            return _render_stream(call, turn, with_message=True, legacy=legacy)
        return _render_json(call, turn)
    chat = owned_chat(call, str(chat_id))
    if session_id:
        found = store.sessions.get(str(session_id))
        if found is None:
            return chat_error(call, "Session not found!")
        if found.chat_id != chat.id:
            return chat_error(call, "Session does not belong to this chat!")
        session = found
    else:
        user_id = str(req.get("user_id") or "")
        session = new_session(call, chat, question[:255], user_id)
    kwargs = {k: v for k, v in req.items() if k not in _RESERVED}
    user_msg: dict[str, Any] | None = {"role": "user", "content": question, "id": _msg_id(call)}
    replace_history = isinstance(messages, list) and (d.lt(0, 25, 6) or pass_all_history)
    try:
        answer = _answer(call, chat, question, kwargs)
    except ChatFailure as exc:
        return _stream_error(call, str(exc), True) if stream else _json_error(call, str(exc))
    turn = _chat_turn(call, chat, session, question, answer)
    if store_history or d.lt(0, 27):
        if replace_history and isinstance(messages, list):
            session.messages = [dict(m) for m in messages if isinstance(m, dict)]
            user_msg = None
        _record(call, session, turn, user_msg)
    if stream:
        return _render_stream(call, turn, with_message=True, legacy=legacy)
    return _render_json(call, turn)


# -- OpenAI-compatible -----------------------------------------------------------------


def _usage_count(d: Dialect, text: str) -> int:
    return len(text.split()) if d.openai_token_usage else len(text)


def _chunk_obj(
    call: Call,
    chat_id: str,
    model: str,
    created: int,
    delta: dict[str, Any],
    finish: str | None = None,
) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{chat_id}",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": "",
        "usage": None,
        "choices": [{"index": 0, "finish_reason": finish, "logprobs": None, "delta": delta}],
    }


def _delta(call: Call, content: str | None, reasoning: str | None = None) -> dict[str, Any]:
    delta: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "function_call": None,
        "tool_calls": None,
    }
    if call.d.openai_reasoning_key:
        delta["reasoning_content"] = reasoning
    return delta


def _openai_events(
    call: Call, chat_id: str, model: str, question: str, ans: Answer, with_reference: bool
) -> Iterator[bytes]:
    d = call.d
    created = int(time.time())
    if ans.think and d.openai_reasoning_key:
        for piece in split_words(ans.think):
            yield sse(_chunk_obj(call, chat_id, model, created, _delta(call, None, piece)))
    # As in the native stream: from v0.24 the model writes its own citations when asked to.
    streamed = ans.decorated if with_reference and d.stream_delta else ans.plain
    for piece in split_words(streamed):
        yield sse(_chunk_obj(call, chat_id, model, created, _delta(call, piece)))
    last_delta = _delta(call, None)
    if with_reference:
        last_delta["reference"] = [reference_chunk(d, h) for h in ans.hits]
        last_delta["final_content"] = ans.decorated
    last = _chunk_obj(call, chat_id, model, created, last_delta, "stop")
    prompt_tokens = _usage_count(d, question)
    completion_tokens = _usage_count(d, streamed)
    last["usage"] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    yield sse(last)
    yield b"data:[DONE]\n\n"


def openai_completion(call: Call) -> Reply | StreamReply:
    d, store = call.d, call.store
    chat_id = call.params["chat_id"]
    req = call.json()
    missing = [k for k in ("model", "messages") if k not in req]
    if missing:
        return json_result(d, None, 101, f"required argument are missing: {','.join(missing)}; ")
    extra = (req.get("extra_body") or {}) if d.openai_extra_body else {}
    if d.ge(0, 23) and not isinstance(extra, dict):
        return err("extra_body must be an object.")
    extra = extra if isinstance(extra, dict) else {}
    if d.ge(0, 24):
        ref_meta = extra.get("reference_metadata") or {}
        if not isinstance(ref_meta, dict):
            return err("reference_metadata must be an object.")
        if ref_meta.get("fields") is not None and not isinstance(ref_meta["fields"], list):
            return err("reference_metadata.fields must be an array.")
    messages = req.get("messages")
    if not isinstance(messages, list) or not messages:
        return err("You have to provide messages.")
    if not isinstance(messages[-1], dict) or messages[-1].get("role") != "user":
        return err("The last content of this conversation is not from user.")
    chat = store.chats.get(chat_id)  # the chat is checked after the body
    if chat is None:
        return err(f"You don't own the chat {chat_id}")
    condition = (extra.get("metadata_condition") or {}) if d.ge(0, 23) else None
    if condition and not isinstance(condition, dict):
        return err("metadata_condition must be an object.")
    question = _last_user(messages) or ""
    stream = _is_true(req.get("stream"), d.openai_stream_default)
    with_reference = bool(extra.get("reference", False))
    quote: bool | None = with_reference if d.openai_extra_body else None
    try:
        ans = _answer(call, chat, question, {}, condition, quote=quote)
    except ChatFailure as exc:
        return err(str(exc), 500)
    model_name = str(req.get("model"))
    if stream:
        stream_model = model_name if d.ge(0, 25, 1) else "model"
        events = _openai_events(call, chat_id, stream_model, question, ans, with_reference)
        return StreamReply(events, event_delay=call.stream_event_delay)
    content = ans.decorated if with_reference or not d.openai_extra_body else ans.plain
    prompt_tokens = _usage_count(d, question)
    completion_tokens = _usage_count(d, content)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if with_reference:
        message["reference"] = [reference_chunk(d, h) for h in ans.hits]
    body = {
        "id": f"chatcmpl-{chat_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model_name,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "completion_tokens_details": {
                "reasoning_tokens": _usage_count(d, ans.think),
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": message}],
    }
    return Reply.json(body)
