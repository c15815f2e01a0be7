"""Dataset handlers: create, list, get, update, delete.

Up to v0.18 the handlers check bodies by hand (``api/apps/sdk/dataset.py``); from v0.19 they
validate them with the pydantic models of :mod:`._schemas`, and from v0.25 the work moves to
``api/apps/services/dataset_api_service.py``.
"""

from __future__ import annotations

import copy
from typing import Any

from ._common import (
    dedupe_name,
    deep_merge,
    is_false,
    order,
    page_slice,
    paging,
    validate_args,
    validate_json,
)
from ._parser_config import parser_config
from ._schemas import schemas
from ._store import Dataset
from ._tenant import CHAT, EMBEDDING, ModelError, default_model, resolve_model
from ._views import dataset_view
from ._wire import Call, Fail, Reply, err, result

__all__ = [
    "chunk_methods",
    "create_dataset",
    "delete_datasets",
    "get_dataset",
    "list_datasets",
    "update_dataset",
]

CHUNK_METHODS_OLD = {
    "naive",
    "manual",
    "qa",
    "table",
    "paper",
    "book",
    "laws",
    "presentation",
    "picture",
    "one",
    "knowledge_graph",
    "email",
}
#: Columns of the dataset table a v0.25+ ``ext`` object may set.
_EXT_COLUMNS = {"language", "similarity_threshold", "vector_similarity_weight", "pagerank"}


def chunk_methods(call: Call) -> set[str]:
    methods = set(CHUNK_METHODS_OLD)
    if call.d.ge(0, 18):
        methods.discard("knowledge_graph")
        methods.add("tag")
    return methods


def _lacks_permission(call: Call, what: str, plural: bool = False) -> Fail:
    """``User '<tenant>' lacks permission ...``: code 108 until v0.24, 102 from v0.25."""
    noun = "datasets:" if plural else "dataset"
    code = 102 if call.d.ge(0, 25) else 108
    return Fail(err(f"User '{call.tenant_id}' lacks permission for {noun} '{what}'", code))


def _check_model(call: Call, model_id: str) -> None:
    try:
        resolve_model(call.d, EMBEDDING, model_id)
    except ModelError as error:
        raise Fail(err(error.message, error.code)) from None


def _name_taken(call: Call, name: str, exclude: str | None = None) -> bool:
    """Names compare case-insensitively (the MySQL collation RAGFlow runs on)."""
    return any(
        ds.name.lower() == name.lower() for ds in call.store.datasets.values() if ds.id != exclude
    )


# -- create ----------------------------------------------------------------------------


def _create_old(call: Call) -> Reply:
    """<=0.18: hand-written checks."""
    d, store = call.d, call.store
    req = call.json()
    name = req.get("name")
    if "name" not in req:
        return err("`name` is required.", 102)
    if not isinstance(name, str):
        return err("`name` must be a string.", 102)
    name = name.strip()
    if not name:
        return err("`name` is not empty!", 102)
    for key in ("chunk_count", "document_count"):
        if key in req:
            return err(f"`{key}` must be 0.", 102)
    lang = req.get("language")
    if lang is not None and lang not in ("English", "Chinese"):
        return err(f"'{lang}' is not in ['Chinese', 'English']", 102)
    if req.get("permission") is not None and req["permission"] not in ("me", "team"):
        return err("`permission` should be 'me' or 'team'", 102)
    method = req.get("chunk_method")
    if method is not None and method not in chunk_methods(call):
        return err(f"'{method}' is not in {sorted(chunk_methods(call))}", 102)
    if _name_taken(call, name):
        return err("Duplicated dataset name in creating dataset.", 102)
    method = method or "naive"
    given = req.get("parser_config") if isinstance(req.get("parser_config"), dict) else None
    ds = Dataset(
        id=store.new_id(),
        tenant_id=call.tenant_id,
        name=name,
        avatar=req.get("avatar"),
        description=req.get("description"),
        language=lang or "English",
        embedding_model=req.get("embedding_model") or "BAAI/bge-large-zh-v1.5",
        permission=req.get("permission") or "me",
        chunk_method=method,
        parser_config=parser_config(d, method, given),
    )
    store.datasets[ds.id] = ds
    return result(d, dataset_view(d, store, ds))


def _auto_metadata(call: Call, req: dict[str, Any]) -> None:
    """v0.25+: ``auto_metadata_config`` is stored inside parser_config."""
    auto = req.pop("auto_metadata_config", None)
    if not auto:
        return
    cfg = req.get("parser_config") or {}
    cfg["metadata"] = [
        {
            "name": f.get("name", ""),
            "type": f.get("type", ""),
            "description": f.get("description"),
            "examples": f.get("examples"),
            "restrict_values": f.get("restrict_values", False),
        }
        for f in auto.get("fields", [])
    ]
    cfg["enable_metadata"] = auto.get("enabled", True)
    req["parser_config"] = cfg


def create_dataset(call: Call) -> Reply:
    d, store = call.d, call.store
    if not d.strict_dataset_models:
        return _create_old(call)
    req = validate_json(call, schemas(d).create_dataset)
    name = req["name"]
    method = req.get("parser_id") or "naive"
    if d.ge(0, 25):
        _auto_metadata(call, req)
        req.update({k: v for k, v in (req.pop("ext", None) or {}).items() if k in _EXT_COLUMNS})
    if d.lt(0, 22):
        if _name_taken(call, name):
            return err(f"Dataset name '{name}' already exists", 103)
    else:  # create_with_name: a taken name gets a "(1)" suffix
        taken = {ds.name.lower() for ds in store.datasets.values()}
        name = dedupe_name(name, taken, casefold=True)
    cfg = parser_config(d, method, req.get("parser_config"))
    if d.ge(0, 23):
        cfg["llm_id"] = default_model(d, CHAT)
    embedding = req.get("embd_id")
    if embedding:
        _check_model(call, embedding)
    ds = Dataset(
        id=store.new_id(),
        tenant_id=call.tenant_id,
        name=name,
        avatar=req.get("avatar"),
        description=req.get("description"),
        language=req.get("language") or "English",
        embedding_model=embedding or default_model(d, EMBEDDING),
        permission=req.get("permission") or "me",
        chunk_method=method,
        parser_config=cfg,
        pagerank=int(req.get("pagerank") or 0),
    )
    for key in ("similarity_threshold", "vector_similarity_weight"):
        if isinstance(req.get(key), (int, float)):
            setattr(ds, key, float(req[key]))
    if d.ge(0, 23) and req.get("pipeline_id"):
        ds.extra["pipeline_id"] = req["pipeline_id"]
    store.datasets[ds.id] = ds
    return result(d, dataset_view(d, store, ds))


# -- list / get ------------------------------------------------------------------------


def _list_old(call: Call) -> Reply:
    d, store = call.d, call.store
    page, size = paging(call)
    orderby = call.q("orderby") or "create_time"
    desc = not is_false(call.q("desc"))
    name, ds_id = call.q("name"), call.q("id")
    items = list(store.datasets.values())
    if d.lt(0, 14) and not items:
        return err("The dataset doesn't exist", 102)
    if ds_id:
        items = [ds for ds in items if ds.id == ds_id]
    if name:
        items = [ds for ds in items if ds.name == name]
    if (ds_id or name) and not items:
        return err("The dataset doesn't exist", 102)
    key = "update_time" if orderby == "update_time" else "create_time"
    items = order(items, lambda ds: getattr(ds, key), desc)
    data = [dataset_view(d, store, ds) for ds in page_slice(items, page, size)]
    return result(d, data, total=len(items))


def list_datasets(call: Call) -> Reply:
    d, store = call.d, call.store
    if not d.strict_dataset_models:
        return _list_old(call)
    args = validate_args(call, schemas(d).list_datasets)
    ds_id, name, ids = args.get("id"), args.get("name"), args.get("ids")
    ext = args.get("ext") or {}
    if ds_id and ids:
        return err(f"Should not provide both 'id':{ds_id} and 'ids'{ids}")
    if ds_id and ds_id not in store.datasets:
        raise _lacks_permission(call, ds_id)
    if name and not any(ds.name.lower() == name.lower() for ds in store.datasets.values()):
        raise _lacks_permission(call, name)
    items = list(store.datasets.values())
    if ds_id:
        items = [ds for ds in items if ds.id == ds_id]
    if ids:
        items = [ds for ds in items if ds.id in set(ids)]
    if name:
        items = [ds for ds in items if ds.name.lower() == name.lower()]
    if isinstance(ext.get("keywords"), str) and ext["keywords"]:
        items = [ds for ds in items if ext["keywords"].lower() in ds.name.lower()]
    if ext.get("parser_id"):
        items = [ds for ds in items if ds.chunk_method == ext["parser_id"]]
    key = args["orderby"]
    items = order(items, lambda ds: getattr(ds, key), bool(args["desc"]))
    status = d.ge(0, 27) and bool(args.get("include_parsing_status"))
    shown = page_slice(items, args["page"], args["page_size"])
    data = [dataset_view(d, store, ds, parsing_status=status, listing=True) for ds in shown]
    return result(d, data, total=len(items))


def get_dataset(call: Call) -> Reply:
    d, store = call.d, call.store
    ds = store.datasets.get(call.params["dataset_id"])
    if ds is None:
        raise _lacks_permission(call, call.params["dataset_id"])
    data = dataset_view(d, store, ds)
    data["size"] = sum(doc.size for doc in store.dataset_docs(ds.id))
    data["connectors"] = []
    return result(d, data)


# -- update ----------------------------------------------------------------------------


def _update_old(call: Call) -> Reply:
    """<=0.18: hand-written checks."""
    d, store = call.d, call.store
    req = call.json()
    dataset_id = call.params["dataset_id"]
    ds = store.datasets.get(dataset_id)
    if ds is None:
        return err("You don't own the dataset", 102)
    doc_count, chunk_count, _ = store.dataset_counts(ds.id)
    if "tenant_id" in req and req["tenant_id"] != ds.tenant_id:
        return err("Can't change `tenant_id`.", 102)
    for key, current in (("chunk_count", chunk_count), ("document_count", doc_count)):
        if key in req and req[key] != current:
            return err(f"Can't change `{key}`.", 102)
    method = req.get("chunk_method")
    if "chunk_method" in req and method != ds.chunk_method and chunk_count:
        return err("If `chunk_count` is not 0, `chunk_method` is not changeable.", 102)
    if req.get("permission") is not None and req["permission"] not in ("me", "team"):
        return err("`permission` should be 'me' or 'team'", 102)
    if method is not None and method not in chunk_methods(call):
        return err(f"'{method}' is not in {sorted(chunk_methods(call))}", 102)
    if "name" in req:
        name = req["name"]
        if not isinstance(name, str) or not name.strip():
            return err("`name` is not empty!", 102)
        name = name.strip()
        if name.lower() != ds.name.lower() and _name_taken(call, name, ds.id):
            return err("Duplicated dataset name in updating dataset.", 102)
        ds.name = name
    emb = req.get("embedding_model")
    if emb is not None and emb != ds.embedding_model:
        if chunk_count:
            return err("If `chunk_count` is not 0, `embedding_model` is not changeable.", 102)
        ds.embedding_model = emb
    for key in ("avatar", "description", "permission", "language"):
        if req.get(key) is not None:
            setattr(ds, key, req[key])
    if method and method != ds.chunk_method:
        ds.chunk_method = method
        if not req.get("parser_config"):
            ds.parser_config = parser_config(d, method, None)
    if isinstance(req.get("parser_config"), dict) and req["parser_config"]:
        ds.parser_config = deep_merge(ds.parser_config, req["parser_config"])
    ds.update_time = max(ds.update_time + 1, ds.create_time)
    return result(d)


def _merge_parser_config(call: Call, ds: Dataset, req: dict[str, Any]) -> None:
    """The dataset's new parser_config, as ``update`` computes it."""
    d = call.d
    cfg = req.get("parser_config")
    if cfg:
        if d.ge(0, 25):  # the parent-child switch is flattened for the task executor
            child = cfg.get("parent_child", {})
            if child.get("use_parent_child"):
                cfg["children_delimiter"] = child.get("children_delimiter", "\n")
                cfg["enable_children"] = child.get("use_parent_child", True)
            else:
                cfg["children_delimiter"] = ""
                cfg["enable_children"] = False
                cfg["parent_child"] = {}
            cfg.update(cfg.pop("ext", None) or {})
        req["parser_config"] = deep_merge(copy.deepcopy(ds.parser_config), cfg)
    method = req.get("parser_id")
    if method and method != ds.chunk_method:
        if not req.get("parser_config"):
            req["parser_config"] = parser_config(d, method, None)
    elif "parser_config" in req and not req["parser_config"]:
        del req["parser_config"]


def update_dataset(call: Call) -> Reply:
    d, store = call.d, call.store
    if not d.strict_dataset_models:
        return _update_old(call)
    dataset_id = call.params["dataset_id"]
    model = schemas(d).update_dataset
    req = validate_json(call, model, extras={"dataset_id": dataset_id}, exclude_unset=True)
    if not req:
        if d.ge(0, 27):
            return err("no properties were modified", 102)
        return err("No properties were modified", 102 if d.ge(0, 25) else 101)
    ds = store.datasets.get(dataset_id)
    if ds is None:
        raise _lacks_permission(call, dataset_id)
    if d.ge(0, 25):
        _auto_metadata(call, req)
        req.update({k: v for k, v in (req.pop("ext", None) or {}).items() if k in _EXT_COLUMNS})
        req.pop("connectors", None)
    _merge_parser_config(call, ds, req)
    name = req.get("name")
    if name is not None and name.lower() != ds.name.lower() and _name_taken(call, name, ds.id):
        return err(f"Dataset name '{name}' already exists", 102)
    if "embd_id" in req:
        embedding = req["embd_id"] or ds.embedding_model
        chunk_count = store.dataset_counts(ds.id)[1]
        if d.lt(0, 25, 2) and chunk_count and embedding != ds.embedding_model:
            return err(
                f"When chunk_num ({chunk_count}) > 0, "
                f"embedding_model must remain {ds.embedding_model}"
            )
        _check_model(call, embedding)
        ds.embedding_model = embedding
    if name is not None:
        ds.name = name
    if req.get("parser_id"):
        ds.chunk_method = req["parser_id"]
    if "parser_config" in req:
        ds.parser_config = req["parser_config"]
    for key in ("avatar", "description", "permission", "language"):
        if key in req:
            setattr(ds, key, req[key])
    if "pagerank" in req:
        ds.pagerank = int(req["pagerank"])
    for key in ("similarity_threshold", "vector_similarity_weight"):
        if isinstance(req.get(key), (int, float)):
            setattr(ds, key, float(req[key]))
    if d.ge(0, 23) and req.get("pipeline_id") is not None:
        ds.extra["pipeline_id"] = req["pipeline_id"] or None
    ds.update_time = max(ds.update_time + 1, ds.create_time)
    if not d.dataset_update_returns_data:
        return result(d)
    data = dataset_view(d, store, ds)
    if d.ge(0, 25):
        data["connectors"] = []
    return result(d, data)


# -- delete ----------------------------------------------------------------------------


def _delete_dataset(call: Call, ds: Dataset) -> None:
    store = call.store
    for doc in store.dataset_docs(ds.id):
        store.clear_chunks(doc)
        del store.documents[doc.id]
    del store.datasets[ds.id]


def delete_datasets(call: Call) -> Reply:
    d, store = call.d, call.store
    if d.dataset_delete_mode == "empty_all":
        ids = call.json().get("ids")
        if not ids:
            targets = list(store.datasets.values())
        else:
            targets = []
            for ds_id in ids:
                ds = store.datasets.get(ds_id)
                if ds is None:
                    return err(f"You don't own the dataset {ds_id}", 102)
                targets.append(ds)
        for ds in targets:
            _delete_dataset(call, ds)
        return result(d)
    req = validate_json(call, schemas(d).delete)
    ids = req.get("ids")
    if ids is None and d.dataset_delete_mode == "null_all":
        ids = list(store.datasets)
    elif not ids:
        ids = list(store.datasets) if req.get("delete_all") else []
    missing = [i for i in ids if i not in store.datasets]
    if missing:
        raise _lacks_permission(call, ", ".join(missing), plural=True)
    for ds_id in ids:
        _delete_dataset(call, store.datasets[ds_id])
    if d.delete_returns_count:
        return result(d, {"success_count": len(ids)})
    return result(d)
