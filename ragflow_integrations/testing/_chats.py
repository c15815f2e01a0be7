"""Chat assistant and session handlers (<=0.24 llm/prompt schema, 0.25+ dialog schema)."""

from __future__ import annotations

import copy
from typing import Any

from ._common import deep_merge, is_false, order, page_slice, paging
from ._store import Chat, Session
from ._views import chat_view, session_view
from ._wire import Call, Fail, Reply, err, json_result, result

__all__ = [
    "DEFAULT_SYSTEM",
    "chat_error",
    "create_chat",
    "create_session",
    "delete_chat",
    "delete_chats",
    "delete_sessions",
    "get_chat",
    "get_session",
    "list_chats",
    "list_sessions",
    "new_session",
    "owned_chat",
    "patch_chat",
    "update_chat",
    "update_session",
]

DEFAULT_SYSTEM = (
    "You are an intelligent assistant. Please summarize the content of the knowledge base to "
    "answer the question. Please list the data in the knowledge base and answer in detail. When "
    "all knowledge base content is irrelevant to the question, your answer must include the "
    'sentence "The answer you are looking for is not found in the knowledge base!" Answers '
    "need to consider chat history.\n      Here is the knowledge base:\n      {knowledge}\n      "
    "The above is the knowledge base."
)
HARDCODED_PROLOGUE = "Hi! I am your assistant，can I help you?"
DEFAULT_PROLOGUE = "Hi! I'm your assistant, what can I do for you?"
DEFAULT_EMPTY = "Sorry! No relevant content was found in the knowledge base!"

# <=0.24 prompt key -> stored prompt_config key
_PROMPT_KEYS = {
    "variables": "parameters",
    "opener": "prologue",
    "show_quote": "quote",
    "prompt": "system",
    "rerank_model": "rerank_id",
    "keywords_similarity_weight": "vector_similarity_weight",
}
_LIFTED = ("similarity_threshold", "vector_similarity_weight", "top_n", "rerank_id", "top_k")
_PERSISTED = {
    "name",
    "icon",
    "description",
    "dataset_ids",
    "llm_id",
    "llm_setting",
    "prompt_config",
    "similarity_threshold",
    "vector_similarity_weight",
    "top_n",
    "top_k",
    "rerank_id",
    "meta_data_filter",
    "do_refer",
    "language",
    "tenant_llm_id",
    "tenant_rerank_id",
}


def _default_prompt_config(call: Call) -> dict[str, Any]:
    return {
        "system": DEFAULT_SYSTEM,
        "prologue": DEFAULT_PROLOGUE,
        "parameters": [{"key": "knowledge", "optional": False}],
        "empty_response": DEFAULT_EMPTY if call.d.lt(0, 25) else "",
        "quote": True,
        "tts": False,
        "refine_multiturn": True,
    }


def chat_error(call: Call, message: str, code: int = 102) -> Reply:
    """An error in the chat handlers' envelope (``get_json_result`` style from 0.25)."""
    if call.d.ge(0, 25):
        return json_result(call.d, None, code, message)
    return err(message, code)


def _no_authorization(call: Call) -> Reply:
    return chat_error(call, "no authorization" if call.d.ge(0, 27) else "No authorization.", 109)


def owned_chat(call: Call, chat_id: str | None = None) -> Chat:
    chat_id = chat_id if chat_id is not None else call.params["chat_id"]
    chat = call.store.chats.get(chat_id)
    if chat is None:
        if call.d.ge(0, 25):
            raise Fail(_no_authorization(call))
        raise Fail(err(f"You don't own the chat {chat_id}"))
    return chat


def _check_datasets(call: Call, ids: list[Any]) -> list[str]:
    store = call.store
    out: list[str] = []
    for ds_id in ids:
        if not ds_id:
            continue
        ds = store.datasets.get(str(ds_id))
        if ds is None:
            raise Fail(chat_error(call, f"You don't own the dataset {ds_id}"))
        if store.dataset_counts(ds.id)[1] == 0:
            raise Fail(chat_error(call, f"The dataset {ds_id} doesn't own parsed file"))
        out.append(ds.id)
    models = {store.datasets[i].embedding_model for i in out}
    if len(models) > 1:
        raise Fail(chat_error(call, "Datasets use different embedding models."))
    return out


def _check_parameters(call: Call, prompt_config: dict[str, Any]) -> None:
    system = str(prompt_config.get("system") or "")
    for param in prompt_config.get("parameters") or []:
        if not isinstance(param, dict) or param.get("optional"):
            continue
        if system.find("{" + str(param.get("key")) + "}") < 0:
            raise Fail(chat_error(call, "Parameter '{}' is not used".format(param.get("key"))))


def _apply_old_schema(call: Call, chat: Chat, req: dict[str, Any], creating: bool) -> None:
    """Map a <=0.24 body (``llm``, ``prompt``, ``avatar``) onto the stored dialog."""
    llm = req.get("llm")
    if isinstance(llm, dict):
        llm = dict(llm)
        if "model_name" in llm:
            model = llm.pop("model_name")
            if model:
                chat.llm_id = str(model)
        chat.llm_setting = llm if creating else {**chat.llm_setting, **llm}
    prompt = req.get("prompt")
    if isinstance(prompt, dict):
        mapped: dict[str, Any] = {}
        for old_key, value in prompt.items():
            mapped[_PROMPT_KEYS.get(str(old_key), str(old_key))] = value
        for key in _LIFTED:
            if key in mapped:
                value = mapped.pop(key)
                if value is None:
                    continue
                if key in ("similarity_threshold", "vector_similarity_weight"):
                    setattr(chat, key, float(value))
                elif key in ("top_n", "top_k"):
                    setattr(chat, key, int(value))
                else:
                    chat.rerank_id = str(value)
        base = _default_prompt_config(call) if creating else chat.prompt_config
        chat.prompt_config = {**base, **mapped}
    elif creating:
        chat.prompt_config = _default_prompt_config(call)
    if "avatar" in req:
        chat.icon = req.get("avatar") or ""
    if "description" in req and req["description"] is not None:
        chat.description = str(req["description"])
    if "show_quotation" in req:
        chat.do_refer = str(req["show_quotation"])
    if "top_k" in req and req["top_k"] is not None:
        chat.top_k = int(req["top_k"])
    _check_parameters(call, chat.prompt_config)


def _apply_dialog_schema(call: Call, chat: Chat, req: dict[str, Any], merge: bool) -> None:
    """Apply a 0.25+ body: only persisted fields, anything else is dropped."""
    for key, value in req.items():
        if key not in _PERSISTED or key in ("name", "dataset_ids"):
            continue
        if key in ("llm_setting", "prompt_config"):
            if not isinstance(value, dict):
                continue
            current = getattr(chat, key)
            setattr(chat, key, deep_merge(current, value) if merge else copy.deepcopy(value))
        elif key in ("similarity_threshold", "vector_similarity_weight"):
            setattr(chat, key, float(value))
        elif key in ("top_n", "top_k"):
            setattr(chat, key, int(value))
        elif key in ("icon", "description", "llm_id", "rerank_id", "language", "do_refer"):
            setattr(chat, key, "" if value is None else str(value))
        elif key == "meta_data_filter":
            chat.meta_data_filter = copy.deepcopy(value)
        else:
            chat.extra[key] = copy.deepcopy(value)


def _name_taken(call: Call, name: str, exclude: str | None = None) -> bool:
    return any(c.name == name for c in call.store.chats.values() if c.id != exclude)


def create_chat(call: Call) -> Reply:
    d, store = call.d, call.store
    req = call.json()
    if req.get("tenant_id"):
        return chat_error(call, "`tenant_id` must not be provided.")
    ids = req.get("dataset_ids")
    if d.chat_dataset_ids_required and not ids:
        return err("`dataset_ids` is required")
    if ids is not None and not isinstance(ids, list):
        return chat_error(call, "`dataset_ids` should be a list")
    dataset_ids = _check_datasets(call, list(ids or []))
    name = req.get("name")
    if not isinstance(name, str) or not name.strip():
        return chat_error(call, "`name` is required.")
    if d.ge(0, 25) and len(name.encode("utf-8")) > 255:
        return chat_error(
            call, f"Chat name length is {len(name.encode('utf-8'))} which is larger than 255", 101
        )
    if _name_taken(call, name):
        if d.ge(0, 25):
            return chat_error(call, "duplicated chat name in creating chat")
        return err("Duplicated chat name in creating chat.")
    chat = Chat(id=store.new_id(), tenant_id=call.tenant_id, name=name, dataset_ids=dataset_ids)
    if d.chat_schema == "dialog":
        chat.similarity_threshold = 0.1
        chat.prompt_config = _default_prompt_config(call)
        _apply_dialog_schema(call, chat, req, merge=True)
        _check_parameters(call, chat.prompt_config)
        store.chats[chat.id] = chat
        return json_result(d, chat_view(d, store, chat))
    _apply_old_schema(call, chat, req, creating=True)
    store.chats[chat.id] = chat
    return result(d, chat_view(d, store, chat))


def _update(call: Call, merge: bool) -> Reply:
    d, store = call.d, call.store
    chat = owned_chat(call)
    req = call.json()
    if d.lt(0, 25) and chat.id not in store.chats:
        return err("You do not own the chat")
    if "dataset_ids" in req:
        ids = req.get("dataset_ids")
        if d.ge(0, 16) and d.lt(0, 19) and not ids:
            return err("`dataset_ids` can't be empty")
        if ids is not None and not isinstance(ids, list):
            return chat_error(call, "`dataset_ids` should be a list")
        new_ids = _check_datasets(call, list(ids or []))
    elif d.chat_put_clears_datasets:
        new_ids = []
    else:
        new_ids = chat.dataset_ids
    if "name" in req:
        name = req.get("name")
        if not isinstance(name, str) or not name.strip():
            return chat_error(call, "`name` cannot be empty.")
        if name != chat.name and _name_taken(call, name, chat.id):
            return chat_error(call, "Duplicated chat name in updating chat.")
    staged = copy.deepcopy(chat)
    staged.dataset_ids = new_ids
    if "name" in req:
        staged.name = req["name"]
    if d.chat_schema == "dialog":
        _apply_dialog_schema(call, staged, req, merge=merge)
        _check_parameters(call, staged.prompt_config)
    else:
        _apply_old_schema(call, staged, req, creating=False)
    staged.update_time = max(chat.update_time + 1, staged.create_time)
    store.chats[chat.id] = staged
    if d.chat_schema == "dialog":
        return json_result(d, chat_view(d, store, staged))
    return result(d)


def update_chat(call: Call) -> Reply:
    return _update(call, merge=False)


def patch_chat(call: Call) -> Reply:
    return _update(call, merge=True)


def get_chat(call: Call) -> Reply:
    chat = owned_chat(call)
    return json_result(call.d, chat_view(call.d, call.store, chat))


def list_chats(call: Call) -> Reply:
    d, store = call.d, call.store
    if d.chat_schema == "dialog" and d.lt(0, 27):
        page, size = paging(call, default_size=0)
    else:
        page, size = paging(call)
    chats = list(store.chats.values())
    chat_id, name = call.q("id"), call.q("name")
    if chat_id:
        chats = [c for c in chats if c.id == chat_id]
    if name:
        chats = [c for c in chats if c.name == name]
    if d.chat_schema == "dialog":
        keywords = call.q("keywords")
        if keywords:
            chats = [c for c in chats if keywords.lower() in c.name.lower()]
    elif (chat_id or name) and not chats:
        return err("The chat doesn't exist")
    orderby = call.q("orderby") or "create_time"
    desc = not is_false(call.q("desc"))
    if orderby == "name" and d.ge(0, 27):
        chats = order(chats, lambda c: c.name, desc)
    else:
        key = "update_time" if orderby == "update_time" else "create_time"
        chats = order(chats, lambda c: getattr(c, key), desc)
    total = len(chats)
    shown = page_slice(chats, page, size) if size > 0 else chats
    if d.chat_schema == "dialog":
        return json_result(d, {"chats": [chat_view(d, store, c) for c in shown], "total": total})
    return result(d, [chat_view(d, store, c, listing=True) for c in shown])


def _delete_chat_records(call: Call, chat: Chat) -> None:
    store = call.store
    for sid in [s.id for s in store.sessions.values() if s.chat_id == chat.id]:
        del store.sessions[sid]
    del store.chats[chat.id]


def delete_chats(call: Call) -> Reply:
    d, store = call.d, call.store
    req = call.json()
    ids = req.get("ids")
    if d.ge(0, 25) and not ids and req.get("chat_id"):
        ids = [req["chat_id"]]
    if not ids:
        if d.delete_empty_means_all or req.get("delete_all") is True:
            targets = list(store.chats.values())
        else:
            targets = []
        for chat in targets:
            _delete_chat_records(call, chat)
        if d.delete_returns_count:
            return json_result(d, {"success_count": len(targets)})
        return result(d)
    if not isinstance(ids, list):
        return chat_error(call, "`ids` should be a list")
    errors: list[str] = []
    deleted = 0
    for chat_id in dict.fromkeys(str(i) for i in ids):
        found = store.chats.get(chat_id)
        if found is None:
            errors.append(f"Assistant({chat_id}) not found.")
            continue
        _delete_chat_records(call, found)
        deleted += 1
    if d.lt(0, 25):
        if errors:
            return err("; ".join(errors))
        return result(d)
    if errors and not deleted:
        return chat_error(call, "; ".join(errors))
    if errors:
        return json_result(
            d,
            {"success_count": deleted, "errors": errors},
            0,
            f"Partially deleted {deleted} chats with {len(errors)} errors",
        )
    return json_result(d, {"success_count": deleted})


def delete_chat(call: Call) -> Reply:
    chat = owned_chat(call)
    _delete_chat_records(call, chat)
    return json_result(call.d, True)


# -- sessions --------------------------------------------------------------------------


def new_session(call: Call, chat: Chat, name: str, user_id: str = "") -> Session:
    prologue = (
        HARDCODED_PROLOGUE if call.d.hardcoded_prologue else chat.prompt_config.get("prologue")
    )
    session = Session(
        id=call.store.new_id(),
        chat_id=chat.id,
        name=name,
        messages=[{"role": "assistant", "content": prologue or ""}],
        user_id=user_id,
    )
    call.store.sessions[session.id] = session
    return session


def _session_reply(call: Call, data: Any) -> Reply:
    if call.d.ge(0, 25):
        return json_result(call.d, data)
    return result(call.d, data)


def create_session(call: Call) -> Reply:
    d = call.d
    chat_id = call.params["chat_id"]
    if chat_id not in call.store.chats:
        if d.ge(0, 25):
            return _no_authorization(call)
        return err("You do not own the assistant.")
    chat = call.store.chats[chat_id]
    req = call.json()
    name = req.get("name", "New session")
    if not isinstance(name, str) or not name.strip():
        return chat_error(call, "`name` can not be empty.")
    user_id = str(req.get("user_id") or "") if d.session_user_id else ""
    session = new_session(call, chat, name.strip(), user_id)
    return _session_reply(call, session_view(d, session))


def _owned_session(call: Call, chat: Chat) -> Session:
    sid = call.params["session_id"]
    session = call.store.sessions.get(sid)
    if session is None or session.chat_id != chat.id:
        if call.d.ge(0, 25):
            raise Fail(_no_authorization(call))
        raise Fail(err("Session does not exist"))
    return session


def list_sessions(call: Call) -> Reply:
    d, store = call.d, call.store
    chat_id = call.params["chat_id"]
    if chat_id not in store.chats:
        if d.ge(0, 25):
            return _no_authorization(call)
        return err(f"You don't own the assistant {chat_id}.")
    page, size = paging(call)
    sessions = [s for s in store.sessions.values() if s.chat_id == chat_id]
    sid, name = call.q("id"), call.q("name")
    if sid:
        sessions = [s for s in sessions if s.id == sid]
    if name:
        sessions = [s for s in sessions if s.name == name]
    user_id = call.q("user_id")
    if user_id and d.session_user_id:
        sessions = [s for s in sessions if s.user_id == user_id]
    orderby = call.q("orderby") or "create_time"
    desc = not is_false(call.q("desc"))
    if orderby == "name" and d.ge(0, 27):
        sessions = order(sessions, lambda s: s.name, desc)
    else:
        key = "update_time" if orderby == "update_time" else "create_time"
        sessions = order(sessions, lambda s: getattr(s, key), desc)
    data = [session_view(d, s, listing=True) for s in page_slice(sessions, page, size)]
    return _session_reply(call, data)


def get_session(call: Call) -> Reply:
    chat = owned_chat(call)
    session = _owned_session(call, chat)
    data = session_view(call.d, session)
    data["avatar"] = chat.icon
    return json_result(call.d, data)


def update_session(call: Call) -> Reply:
    d = call.d
    chat = owned_chat(call)
    session = _owned_session(call, chat)
    req = call.json()
    if "message" in req or "messages" in req:
        return chat_error(call, "`messages` cannot be changed.")
    if "reference" in req:
        return chat_error(call, "`reference` can not be changed.")
    if "name" in req:
        name = req.get("name")
        if not isinstance(name, str) or not name.strip():
            return chat_error(call, "`name` can not be empty.")
        session.name = name.strip()
    session.update_time = max(session.update_time + 1, session.create_time)
    if d.ge(0, 25):
        return json_result(d, session_view(d, session))
    return result(d)


def delete_sessions(call: Call) -> Reply:
    d, store = call.d, call.store
    chat_id = call.params["chat_id"]
    if chat_id not in store.chats:
        if d.ge(0, 25):
            return _no_authorization(call)
        return err(f"You don't own the chat {chat_id}")
    req = call.json()
    ids = req.get("ids")
    mine = [s for s in store.sessions.values() if s.chat_id == chat_id]
    if not ids:
        everything = d.delete_empty_means_all or req.get("delete_all") is True
        targets = mine if everything else []
    else:
        by_id = {s.id: s for s in mine}
        targets = []
        for sid in dict.fromkeys(str(i) for i in ids):
            if sid not in by_id:
                return chat_error(call, f"The chat doesn't own the session {sid}")
            targets.append(by_id[sid])
    for s in targets:
        del store.sessions[s.id]
    if d.ge(0, 25):
        return json_result(d, True)
    return result(d)
