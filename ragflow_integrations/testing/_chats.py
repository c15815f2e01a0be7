"""Chat assistant and session handlers (<=0.24 llm/prompt schema, 0.25+ dialog schema)."""

from __future__ import annotations

import copy
from typing import Any

from ._common import is_false, order, page_slice, paging, rest_page, rest_page_size
from ._store import Chat, Session
from ._tenant import CHAT, RERANK, ModelError, default_model, default_model_id, resolve_model
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
#: ``_DEFAULT_PROMPT_CONFIG`` of ``restful_apis/chat_api.py`` (v0.25+)
DIALOG_SYSTEM = (
    "You are an intelligent assistant. Please summarize the content of the dataset to answer the "
    "question. Please list the data in the dataset and answer in detail. When all dataset content "
    'is irrelevant to the question, your answer must include the sentence "The answer you are '
    'looking for is not found in the dataset!" Answers need to consider chat history.\n'
    "      Here is the knowledge base:\n      {knowledge}\n      The above is the knowledge base."
)
DIALOG_PROLOGUE = "Hi! I'm your assistant. What can I do for you?"
HARDCODED_PROLOGUE = "Hi! I am your assistant，can I help you?"
DEFAULT_PROLOGUE = "Hi! I'm your assistant, what can I do for you?"
DEFAULT_EMPTY = "Sorry! No relevant content was found in the knowledge base!"
DEFAULT_RERANK_MODELS = {"BAAI/bge-reranker-v2-m3", "maidalun1020/bce-reranker-base_v1"}

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
    dialog = call.d.chat_schema == "dialog"
    parameters = [{"key": "knowledge", "optional": False}]
    if call.d.ge(0, 27):
        parameters.append({"key": "date", "optional": True})
    return {
        "system": DIALOG_SYSTEM if dialog else DEFAULT_SYSTEM,
        "prologue": DIALOG_PROLOGUE if dialog else DEFAULT_PROLOGUE,
        "parameters": parameters,
        "empty_response": DEFAULT_EMPTY,
        "quote": True,
        "tts": False,
        "refine_multiturn": True,
    }


def chat_error(call: Call, message: str, code: int = 102) -> Reply:
    """An error of the chat handlers (``get_data_error_result``: code and message only)."""
    return err(message, code)


def _no_authorization(call: Call) -> Reply:
    """v0.25+: a chat that is not yours, or does not exist, is "no authorization" (code 109)."""
    message = "no authorization" if call.d.ge(0, 27) else "No authorization."
    return json_result(call.d, False, 109, message)


def _say(call: Call, message: str) -> str:
    """v0.27 dropped the capital and the final dot of these chat handlers' messages."""
    if call.d.lt(0, 27):
        return message
    return (message[:1].lower() + message[1:]).rstrip(".")


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
    """Apply a 0.25+ body: only persisted fields, anything else is dropped; ``PATCH`` updates
    ``llm_setting`` and ``prompt_config`` key by key."""
    for key, value in req.items():
        if key not in _PERSISTED or key in ("name", "dataset_ids"):
            continue
        if key in ("llm_setting", "prompt_config"):
            if not isinstance(value, dict):
                continue
            current = getattr(chat, key)
            setattr(chat, key, {**current, **value} if merge else copy.deepcopy(value))
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
    """Names compare case-insensitively from v0.25 (MySQL's collation); exactly before."""
    if call.d.chat_schema == "dialog":
        return any(
            c.name.lower() == name.lower() for c in call.store.chats.values() if c.id != exclude
        )
    return any(c.name == name for c in call.store.chats.values() if c.id != exclude)


# -- the v0.25+ dialog schema (restful_apis/chat_api.py) ---------------------------------


def _dialog_name(call: Call, name: Any, *, required: bool) -> str | None:
    """``_validate_name``."""
    if name is None:
        if required:
            raise Fail(chat_error(call, _say(call, "`name` is required.")))
        return None
    if not isinstance(name, str):
        raise Fail(chat_error(call, _say(call, "Chat name must be a string.")))
    text = str(name).strip()
    if not text:
        message = "`name` is required." if required else "`name` cannot be empty."
        raise Fail(chat_error(call, _say(call, message)))
    size = len(text.encode("utf-8"))
    if size > 255:
        message = f"Chat name length is {size} which is larger than 255."
        raise Fail(chat_error(call, _say(call, message)))
    return text


def _dialog_dataset_ids(call: Call, ids: Any) -> list[str]:
    """``_validate_dataset_ids``: every dataset yours, parsed, and on one embedding model."""
    if ids is None:
        return []
    if not isinstance(ids, list):
        raise Fail(chat_error(call, "`dataset_ids` should be a list."))
    return _check_datasets(call, ids)


def _dialog_model(call: Call, req: dict[str, Any], field: str, kind: str) -> None:
    """``llm_id``/``rerank_id`` name a model of the tenant (the default rerankers pass)."""
    model = req.get(field)
    if not model:
        return
    if not isinstance(model, str):
        raise Fail(chat_error(call, f"`{field}` must be a string"))
    if kind == RERANK and model.split("@")[0] in DEFAULT_RERANK_MODELS:
        return
    try:
        resolve_model(call.d, kind, model)
    except ModelError:
        raise Fail(chat_error(call, f"`{field}` {model} doesn't exist")) from None


def _dialog_checks(call: Call, req: dict[str, Any]) -> None:
    """What create and update check after the name and the datasets."""
    _dialog_model(call, req, "llm_id", CHAT)
    _dialog_model(call, req, "rerank_id", RERANK)
    if "prompt_config" not in req:
        return
    config = req["prompt_config"]
    if not isinstance(config, dict):
        raise Fail(chat_error(call, "`prompt_config` should be an object."))
    if call.d.ge(0, 27):
        keys = [p.get("key") for p in config.get("parameters") or [] if isinstance(p, dict)]
        keys = [k for k in keys if k is not None]
        repeated = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
        if repeated is not None:
            raise Fail(chat_error(call, f"`parameters` contains duplicate key: {repeated}"))


def _apply_prompt_defaults(call: Call, chat: Chat) -> None:
    """``_apply_prompt_defaults``: the defaults fill what the body left out."""
    config = chat.prompt_config
    for key, value in _default_prompt_config(call).items():
        if key not in config or (key == "system" and not config.get("system")):
            config[key] = copy.deepcopy(value)
    if chat.dataset_ids and not config.get("parameters") and "{knowledge}" in config["system"]:
        config["parameters"] = [{"key": "knowledge", "optional": False}]
    if call.d.ge(0, 27) and not any(
        isinstance(p, dict) and p.get("key") == "date" for p in config.get("parameters") or []
    ):
        config.setdefault("parameters", []).append({"key": "date", "optional": True})


def _create_dialog(call: Call) -> Reply:
    """v0.25+: the body is the stored dialog; the tenant's models are the defaults."""
    d, store = call.d, call.store
    req = dict(call.json())
    if req.get("tenant_id"):
        return chat_error(call, _say(call, "`tenant_id` must not be provided."))
    name = _dialog_name(call, req.get("name"), required=True)
    assert name is not None
    dataset_ids = _dialog_dataset_ids(call, req.get("dataset_ids")) if "dataset_ids" in req else []
    _dialog_checks(call, req)
    if _name_taken(call, name):
        return chat_error(call, _say(call, "Duplicated chat name in creating chat."))
    chat = Chat(id=store.new_id(), tenant_id=call.tenant_id, name=name, dataset_ids=dataset_ids)
    chat.similarity_threshold = 0.1
    if d.ge(0, 27):  # v0.27 defaults to the tenant's model id, not its name
        chat.llm_id = default_model_id(CHAT)
        chat.extra["tenant_llm_id"] = chat.llm_id
    else:
        chat.llm_id = default_model(d, CHAT)
    chat.prompt_config = {}
    _apply_dialog_schema(call, chat, req, merge=False)
    _apply_prompt_defaults(call, chat)
    store.chats[chat.id] = chat
    return json_result(d, chat_view(d, store, chat))


def _update_dialog(call: Call, merge: bool) -> Reply:
    """``PUT`` (the keys sent replace the stored ones) and ``PATCH`` (merged)."""
    d, store = call.d, call.store
    chat = store.chats.get(call.params["chat_id"])
    if chat is None:
        return _no_authorization(call)
    req = dict(call.json())
    if not merge and req.get("tenant_id"):
        return chat_error(call, _say(call, "`tenant_id` must not be provided."))
    staged = copy.deepcopy(chat)
    if "name" in req:
        name = _dialog_name(call, req.get("name"), required=not merge)
        if name is not None:
            staged.name = name
    if "dataset_ids" in req:
        staged.dataset_ids = _dialog_dataset_ids(call, req.get("dataset_ids"))
    if merge and "llm_setting" in req and not isinstance(req["llm_setting"], dict):
        return chat_error(call, "`llm_setting` should be an object.")
    _dialog_checks(call, req)
    if staged.name.lower() != chat.name.lower() and _name_taken(call, staged.name, chat.id):
        return chat_error(call, _say(call, "Duplicated chat name."))
    _apply_dialog_schema(call, staged, req, merge=merge)
    staged.update_time = max(chat.update_time + 1, staged.create_time)
    store.chats[chat.id] = staged
    return json_result(d, chat_view(d, store, staged))


def _list_dialogs(call: Call) -> Reply:
    """v0.25+: ``{"chats", "total"}``. 0.25-0.26 page only when both ``page`` and
    ``page_size`` are given; v0.27 falls back to 1/30 for missing or invalid values."""
    d, store = call.d, call.store
    orderby = call.q("orderby") or "create_time"
    if d.ge(0, 27) and orderby not in ("create_time", "update_time", "name"):
        return json_result(d, None, 101, f"invalid orderby field: {orderby}")
    if d.ge(0, 27):
        page, size = rest_page(call.q("page")), rest_page_size(d, call.q("page_size"))
    else:
        page, size = paging(call, default_size=0)
        page = page if call.q("page") else 0
    chats = list(store.chats.values())
    chat_id, name = call.q("id"), call.q("name")
    if chat_id:
        chats = [c for c in chats if c.id == chat_id]
    if name:
        chats = [c for c in chats if c.name.lower() == name.lower()]
    keywords = call.q("keywords")
    if keywords and not (chat_id or name):
        chats = [c for c in chats if keywords.lower() in c.name.lower()]
    desc = not is_false(call.q("desc"))
    key = orderby if orderby in ("update_time", "name") else "create_time"
    chats = order(chats, lambda c: getattr(c, key), desc)
    total = len(chats)
    shown = page_slice(chats, page, size) if page and size else chats
    return json_result(d, {"chats": [chat_view(d, store, c) for c in shown], "total": total})


def _delete_dialogs(call: Call) -> Reply:
    """v0.25+: nothing without ids or ``delete_all``; unknown and repeated ids are reported."""
    d, store = call.d, call.store
    req = call.json()
    if not req:
        return json_result(d, {})
    ids = req.get("ids")
    if not ids:
        if req.get("delete_all") is True:
            ids = list(store.chats)
            if not ids:
                return json_result(d, {})
        elif req.get("chat_id") and str(req["chat_id"]) in store.chats:
            _delete_chat_records(call, store.chats[str(req["chat_id"])])
            return json_result(d, True)
        else:
            return json_result(d, {})
    unique = list(dict.fromkeys(str(i) for i in ids))
    errors: list[str] = []
    deleted = 0
    for chat_id in unique:
        found = store.chats.get(chat_id)
        if found is None:
            errors.append(f"Chat({chat_id}) not found.")
            continue
        _delete_chat_records(call, found)
        deleted += 1
    return _deleted(call, "chat", ids, deleted, errors, {"success_count": deleted})


def _deleted(
    call: Call, kind: str, ids: list[Any], deleted: int, errors: list[str], done: Any
) -> Reply:
    """The answer of a v0.25+ bulk delete: partial deletes and duplicate ids reported."""
    unique = list(dict.fromkeys(str(i) for i in ids))
    errors = errors + [f"Duplicate {kind} ids: {i}" for i in unique if ids.count(i) > 1]
    if errors:
        if deleted:
            return json_result(
                call.d,
                {"success_count": deleted, "errors": errors},
                0,
                f"Partially deleted {deleted} {kind}s with {len(errors)} errors",
            )
        return chat_error(call, "; ".join(errors))
    return json_result(call.d, done)


# -- chats -----------------------------------------------------------------------------


def create_chat(call: Call) -> Reply:
    d, store = call.d, call.store
    if d.chat_schema == "dialog":
        return _create_dialog(call)
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
    if _name_taken(call, name):
        return err("Duplicated chat name in creating chat.")
    chat = Chat(id=store.new_id(), tenant_id=call.tenant_id, name=name, dataset_ids=dataset_ids)
    _apply_old_schema(call, chat, req, creating=True)
    store.chats[chat.id] = chat
    return result(d, chat_view(d, store, chat))


def _update(call: Call, merge: bool) -> Reply:
    d, store = call.d, call.store
    if d.chat_schema == "dialog":
        return _update_dialog(call, merge)
    chat = owned_chat(call)
    req = call.json()
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
    _apply_old_schema(call, staged, req, creating=False)
    staged.update_time = max(chat.update_time + 1, staged.create_time)
    store.chats[chat.id] = staged
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
    if d.chat_schema == "dialog":
        return _list_dialogs(call)
    page, size = paging(call)
    chats = list(store.chats.values())
    chat_id, name = call.q("id"), call.q("name")
    if chat_id:
        chats = [c for c in chats if c.id == chat_id]
    if name:
        chats = [c for c in chats if c.name == name]
    if (chat_id or name) and not chats:
        return err("The chat doesn't exist")
    orderby = call.q("orderby") or "create_time"
    desc = not is_false(call.q("desc"))
    key = "update_time" if orderby == "update_time" else "create_time"
    chats = order(chats, lambda c: getattr(c, key), desc)
    return result(d, [chat_view(d, store, c, listing=True) for c in page_slice(chats, page, size)])


def _delete_chat_records(call: Call, chat: Chat) -> None:
    store = call.store
    for sid in [s.id for s in store.sessions.values() if s.chat_id == chat.id]:
        del store.sessions[sid]
    del store.chats[chat.id]


def delete_chats(call: Call) -> Reply:
    d, store = call.d, call.store
    if d.chat_schema == "dialog":
        return _delete_dialogs(call)
    req = call.json()
    ids = req.get("ids")
    if not ids:
        targets = list(store.chats.values()) if d.delete_empty_means_all else []
        for chat in targets:
            _delete_chat_records(call, chat)
        return result(d)
    if not isinstance(ids, list):
        return chat_error(call, "`ids` should be a list")
    errors: list[str] = []
    for chat_id in dict.fromkeys(str(i) for i in ids):
        found = store.chats.get(chat_id)
        if found is None:
            errors.append(f"Assistant({chat_id}) not found.")
            continue
        _delete_chat_records(call, found)
    if errors:
        return err("; ".join(errors))
    return result(d)


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


def _session_name(call: Call, name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Fail(chat_error(call, _say(call, "`name` can not be empty.")))
    return name.strip()[:255] if call.d.ge(0, 25) else name.strip()


def create_session(call: Call) -> Reply:
    d = call.d
    chat_id = call.params["chat_id"]
    if chat_id not in call.store.chats:
        if d.ge(0, 25):
            return _no_authorization(call)
        return err("You do not own the assistant.")
    chat = call.store.chats[chat_id]
    req = call.json()
    name = _session_name(call, req.get("name", "New session"))
    if d.ge(0, 25, 6):  # the session belongs to the caller
        user_id = call.tenant_id
    elif d.ge(0, 25):
        user_id = str(req.get("user_id", call.tenant_id))
    else:
        user_id = str(req.get("user_id") or "") if d.session_user_id else ""
    session = new_session(call, chat, name, user_id)
    return _session_reply(call, session_view(d, session))


def _owned_session(call: Call, chat: Chat) -> Session:
    sid = call.params["session_id"]
    session = call.store.sessions.get(sid)
    if session is None or session.chat_id != chat.id:
        if call.d.ge(0, 25):
            raise Fail(chat_error(call, "Session not found!"))
        raise Fail(err("Session does not exist"))
    return session


def list_sessions(call: Call) -> Reply:
    d, store = call.d, call.store
    chat_id = call.params["chat_id"]
    if chat_id not in store.chats:
        if d.ge(0, 25):
            return _no_authorization(call)
        return err(f"You don't own the assistant {chat_id}.")
    orderby = call.q("orderby") or "create_time"
    if d.ge(0, 27):
        if orderby not in ("create_time", "update_time", "name"):
            return json_result(d, None, 101, f"invalid orderby field: {orderby}")
        page, size = rest_page(call.q("page")), rest_page_size(d, call.q("page_size"))
    else:
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
    session = call.store.sessions.get(call.params["session_id"])
    if session is None:
        return chat_error(call, "Session not found!")
    if session.chat_id != chat.id:
        return chat_error(call, "Session does not belong to this chat!")
    data = session_view(call.d, session)
    data["avatar"] = chat.icon
    return json_result(call.d, data)


def update_session(call: Call) -> Reply:
    d = call.d
    chat = owned_chat(call)
    session = _owned_session(call, chat)
    req = call.json()
    if "message" in req or "messages" in req:
        return chat_error(call, _say(call, "`messages` cannot be changed."))
    if "reference" in req:
        return chat_error(call, _say(call, "`reference` cannot be changed."))
    if "name" in req and (d.lt(0, 25) or req["name"] is not None):
        session.name = _session_name(call, req.get("name"))
    session.update_time = max(session.update_time + 1, session.create_time)
    if d.ge(0, 25):
        return json_result(d, session_view(d, session))
    return result(d)


_MALFORMED_JSON = "Malformed JSON syntax: Missing commas/brackets or invalid encoding"


def delete_sessions(call: Call) -> Reply:
    d, store = call.d, call.store
    chat_id = call.params["chat_id"]
    if chat_id not in store.chats:
        if d.ge(0, 25):
            return _no_authorization(call)
        return err(f"You don't own the chat {chat_id}")
    if call.bad_json:  # v0.27 answers a malformed body itself; before, the framework did
        return json_result(d, None, 101, _MALFORMED_JSON)
    req = call.json()
    ids = req.get("ids")
    mine = {s.id: s for s in store.sessions.values() if s.chat_id == chat_id}
    if not ids:
        if d.delete_empty_means_all or req.get("delete_all") is True:
            for sid in list(mine):
                del store.sessions[sid]
            if d.ge(0, 25) and not mine:
                return json_result(d, {})
        elif d.ge(0, 25):
            return json_result(d, {})
        return json_result(d, True) if d.ge(0, 25) else result(d)
    unique = list(dict.fromkeys(str(i) for i in ids))
    errors: list[str] = []
    deleted = 0
    for sid in unique:
        if sid not in mine:
            errors.append(f"The chat doesn't own the session {sid}")
            if d.lt(0, 25):
                return chat_error(call, errors[0])
            continue
        del store.sessions[sid]
        deleted += 1
    if d.lt(0, 25):
        return result(d)
    return _deleted(call, "session", ids, deleted, errors, True)
