"""Dataset handlers: create, list, get, update, delete."""

from __future__ import annotations

import copy
from typing import Any

from ._common import check_extra, deep_merge, is_false, order, page_slice, paging, pyd_error
from ._store import Dataset
from ._views import dataset_view, default_parser_config
from ._wire import Call, Fail, Reply, err, result

__all__ = ["create_dataset", "delete_datasets", "get_dataset", "list_datasets", "update_dataset"]

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
_PARSER_KEYS = {
    "auto_keywords",
    "auto_questions",
    "chunk_token_num",
    "delimiter",
    "graphrag",
    "html4excel",
    "layout_recognize",
    "raptor",
    "tag_kb_ids",
    "topn_tags",
    "filename_embd_weight",
    "task_page_size",
    "pages",
    "children_delimiter",
    "enable_children",
    "toc_extraction",
    "image_context_size",
    "table_context_size",
    "ext",
    "llm_id",
    "entity_types",
    "method",
    "mineru_parse_method",
    "parent_child",
    "enable_metadata",
    "metadata",
    "built_in_metadata",
}


def chunk_methods(call: Call) -> set[str]:
    methods = set(CHUNK_METHODS_OLD)
    if call.d.ge(0, 18):
        methods.discard("knowledge_graph")
        methods.add("tag")
    return methods


def owned_dataset(call: Call, dataset_id: str) -> Dataset:
    ds = call.store.datasets.get(dataset_id)
    if ds is None:
        if call.d.strict_dataset_models:
            raise Fail(err(f"User '{call.tenant_id}' lacks permission for dataset '{dataset_id}'"))
        raise Fail(err(f"You don't own the dataset {dataset_id}"))
    return ds


def _create_keys(call: Call) -> set[str]:
    keys = {
        "name",
        "avatar",
        "description",
        "embedding_model",
        "permission",
        "chunk_method",
        "parser_config",
    }
    d = call.d
    if d.lt(0, 20):
        keys.add("pagerank")
    if d.ge(0, 23):
        keys |= {"parse_type", "pipeline_id"}
    if d.ge(0, 25):
        keys |= {"auto_metadata_config", "ext"}
    return keys


def _update_keys(call: Call) -> set[str]:
    keys = {
        "name",
        "avatar",
        "description",
        "embedding_model",
        "permission",
        "chunk_method",
        "parser_config",
        "pagerank",
    }
    d = call.d
    if d.ge(0, 23):
        keys |= {"parse_type", "pipeline_id"}
    if d.ge(0, 25):
        keys |= {"auto_metadata_config", "ext", "connectors"}
    if d.ge(0, 27):
        keys.add("language")
    return keys


def _validate_common(call: Call, req: dict[str, Any], creating: bool) -> None:
    strict = call.d.strict_dataset_models
    if (
        "permission" in req
        and req["permission"] is not None
        and req["permission"] not in ("me", "team")
    ):
        if strict:
            raise pyd_error("permission", "Input should be 'me' or 'team'", req["permission"])
        raise Fail(err("`permission` should be 'me' or 'team'", 102))
    method = req.get("chunk_method")
    if method is not None and method not in chunk_methods(call):
        if strict:
            allowed = " or ".join(f"'{m}'" for m in sorted(chunk_methods(call)))
            raise pyd_error("chunk_method", f"Input should be {allowed}", method)
        raise Fail(err(f"'{method}' is not in {sorted(chunk_methods(call))}", 102))
    if strict:
        emb = req.get("embedding_model")
        if emb is not None and (not isinstance(emb, str) or "@" not in emb):
            raise pyd_error(
                "embedding_model",
                "Value error, Embedding model identifier must follow "
                "<model_name>@<provider> format",
                emb,
            )
        cfg = req.get("parser_config")
        if cfg is not None:
            if not isinstance(cfg, dict):
                raise pyd_error("parser_config", "Input should be a valid dictionary", cfg)
            check_extra(cfg, _PARSER_KEYS, prefix="parser_config.")
            size = cfg.get("chunk_token_num")
            if size is not None and (not isinstance(size, int) or not 1 <= size <= 2048):
                raise pyd_error(
                    "parser_config.chunk_token_num",
                    "Input should be less than or equal to 2048",
                    size,
                )
        pagerank = req.get("pagerank")
        if pagerank is not None and (not isinstance(pagerank, int) or not 0 <= pagerank <= 100):
            raise pyd_error("pagerank", "Input should be less than or equal to 100", pagerank)
    if not creating:
        return


def create_dataset(call: Call) -> Reply:
    d, store = call.d, call.store
    req = call.json()
    name = req.get("name")
    if d.strict_dataset_models:
        check_extra(req, _create_keys(call))
        if "name" not in req:
            raise pyd_error("name", "Field required", req)
        if not isinstance(name, str):
            raise pyd_error("name", "Input should be a valid string", name)
        name = name.strip()
        if not name:
            raise pyd_error("name", "String should have at least 1 character", "")
        if len(name) > 128:
            raise pyd_error("name", "String should have at most 128 characters", name)
    else:
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
    _validate_common(call, req, True)
    taken = {ds.name.lower() for ds in store.datasets.values()}
    if name.lower() in taken:
        if d.strict_dataset_models:
            return err(f"Dataset name '{name}' already exists", 103)
        return err("Duplicated dataset name in creating dataset.", 102)
    method = req.get("chunk_method") or "naive"
    cfg = default_parser_config(d, method)
    if isinstance(req.get("parser_config"), dict):
        cfg = deep_merge(cfg, req["parser_config"])
    ds = Dataset(
        id=store.new_id(),
        tenant_id=call.tenant_id,
        name=name,
        avatar=req.get("avatar"),
        description=req.get("description"),
        language=req.get("language") or "English",
        embedding_model=req.get("embedding_model")
        or ("BAAI/bge-large-zh-v1.5@BAAI" if d.ge(0, 19) else "BAAI/bge-large-zh-v1.5"),
        permission=req.get("permission") or "me",
        chunk_method=method,
        parser_config=cfg,
        pagerank=int(req.get("pagerank") or 0),
    )
    store.datasets[ds.id] = ds
    return result(d, dataset_view(d, store, ds))


_LIST_KEYS = {"page", "page_size", "orderby", "desc", "name", "id"}


def list_datasets(call: Call) -> Reply:
    d, store = call.d, call.store
    if d.strict_dataset_models:
        allowed = set(_LIST_KEYS)
        if d.ge(0, 25):
            allowed.add("include_parsing_status")
        if d.ge(0, 27):
            allowed.add("ids")
        check_extra({k: v[0] for k, v in call.query.items()}, allowed)
        orderby = call.q("orderby") or "create_time"
        if orderby not in ("create_time", "update_time"):
            raise pyd_error("orderby", "Input should be 'create_time' or 'update_time'", orderby)
    page, size = paging(call)
    orderby = call.q("orderby") or "create_time"
    desc = not is_false(call.q("desc"))
    name = call.q("name")
    ds_id = call.q("id")
    items = list(store.datasets.values())
    if d.lt(0, 14) and not items:
        return err("The dataset doesn't exist", 102)
    if ds_id:
        items = [ds for ds in items if ds.id == ds_id]
    if name:
        items = [ds for ds in items if ds.name == name]
    if (ds_id or name) and not items:
        if d.strict_dataset_models:
            return err(
                f"User '{call.tenant_id}' lacks permission for dataset '{name or ds_id}'", 102
            )
        return err("The dataset doesn't exist", 102)
    if d.ge(0, 27) and call.q_all("ids"):
        wanted = set(call.q_all("ids"))
        items = [ds for ds in items if ds.id in wanted]
    key = "update_time" if orderby == "update_time" else "create_time"
    items = order(items, lambda ds: getattr(ds, key), desc)
    total = len(items)
    status = (call.q("include_parsing_status") or "").lower() == "true" and d.ge(0, 25)
    data = [
        dataset_view(d, store, ds, parsing_status=status) for ds in page_slice(items, page, size)
    ]
    return result(d, data, total=total)


def get_dataset(call: Call) -> Reply:
    ds = call.store.datasets.get(call.params["dataset_id"])
    if ds is None:
        return err(
            f"User '{call.tenant_id}' lacks permission for dataset '{call.params['dataset_id']}'",
            102,
        )
    status = (call.q("include_parsing_status") or "").lower() == "true"
    return result(call.d, dataset_view(call.d, call.store, ds, parsing_status=status))


def update_dataset(call: Call) -> Reply:
    d, store = call.d, call.store
    req = call.json()
    dataset_id = call.params["dataset_id"]
    if d.strict_dataset_models:
        check_extra(req, _update_keys(call))
        if not req:
            return err("No properties were modified", 101)
    ds = store.datasets.get(dataset_id)
    if ds is None:
        if d.strict_dataset_models:
            return err(f"User '{call.tenant_id}' lacks permission for dataset '{dataset_id}'", 102)
        return err("You don't own the dataset", 102)
    _, chunk_count, _ = store.dataset_counts(ds.id)
    if not d.strict_dataset_models:
        if "tenant_id" in req and req["tenant_id"] != ds.tenant_id:
            return err("Can't change `tenant_id`.", 102)
        for key in ("chunk_count", "document_count"):
            if key in req:
                current = store.dataset_counts(ds.id)[0 if key == "document_count" else 1]
                if req[key] != current:
                    return err(f"Can't change `{key}`.", 102)
        if "chunk_method" in req and req["chunk_method"] != ds.chunk_method and chunk_count:
            return err("If `chunk_count` is not 0, `chunk_method` is not changeable.", 102)
    _validate_common(call, req, False)
    if "name" in req:
        name = req["name"]
        if not isinstance(name, str) or not name.strip():
            if d.strict_dataset_models:
                raise pyd_error("name", "String should have at least 1 character", name)
            return err("`name` is not empty!", 102)
        name = name.strip()
        if name.lower() != ds.name.lower() and any(
            o.name.lower() == name.lower() for o in store.datasets.values() if o.id != ds.id
        ):
            if d.strict_dataset_models:
                return err(f"Dataset name '{name}' already exists", 102)
            return err("Duplicated dataset name in updating dataset.", 102)
        ds.name = name
    emb = req.get("embedding_model")
    if emb is not None and emb != ds.embedding_model:
        if chunk_count:
            if d.strict_dataset_models:
                return err(
                    f"When chunk_num ({chunk_count}) > 0, "
                    f"embedding_model must remain {ds.embedding_model}",
                    102,
                )
            return err("If `chunk_count` is not 0, `embedding_model` is not changeable.", 102)
        ds.embedding_model = emb
    for key in ("avatar", "description", "permission", "language"):
        if key in req and req[key] is not None:
            setattr(ds, key, req[key])
    if "pagerank" in req and req["pagerank"] is not None:
        ds.pagerank = int(req["pagerank"])
    method = req.get("chunk_method")
    if method and method != ds.chunk_method:
        ds.chunk_method = method
        if not req.get("parser_config"):
            ds.parser_config = default_parser_config(d, method)
    if isinstance(req.get("parser_config"), dict) and req["parser_config"]:
        ds.parser_config = deep_merge(ds.parser_config, req["parser_config"])
    for key in ("parse_type", "pipeline_id", "auto_metadata_config", "ext"):
        if key in req:
            ds.extra[key] = copy.deepcopy(req[key])
    ds.update_time = max(ds.update_time + 1, ds.create_time)
    if not d.dataset_update_returns_data:
        return result(d)
    data = dataset_view(d, store, ds)
    if d.ge(0, 25):
        data["connectors"] = []
    return result(d, data)


def _delete_dataset(call: Call, ds: Dataset) -> None:
    store = call.store
    for doc in store.dataset_docs(ds.id):
        for chunk in store.doc_chunks(doc.id):
            del store.chunks[chunk.id]
        del store.documents[doc.id]
    del store.datasets[ds.id]


def delete_datasets(call: Call) -> Reply:
    d, store = call.d, call.store
    req = call.json()
    mode = d.dataset_delete_mode
    ids = req.get("ids")
    if mode == "null_all":
        check_extra(req, {"ids"})
        if "ids" not in req:
            raise pyd_error("ids", "Field required", req)
    if mode == "explicit":
        allowed = {"ids", "delete_all"}
        check_extra(req, allowed)
    targets: list[Dataset]
    if mode == "empty_all":
        if not ids:
            targets = list(store.datasets.values())
        else:
            targets = []
            for ds_id in ids:
                ds = store.datasets.get(ds_id)
                if ds is None:
                    return err(f"You don't own the dataset {ds_id}", 102)
                targets.append(ds)
    else:
        if ids is None and mode == "null_all":
            targets = list(store.datasets.values())
        elif not ids:
            targets = (
                list(store.datasets.values())
                if req.get("delete_all") is True and mode == "explicit"
                else []
            )
        else:
            if not isinstance(ids, list):
                raise pyd_error("ids", "Input should be a valid list", ids)
            missing = [i for i in ids if i not in store.datasets]
            if missing:
                return err(
                    f"User '{call.tenant_id}' lacks permission for datasets: "
                    f"'{', '.join(map(str, missing))}'",
                    102,
                )
            targets = [store.datasets[i] for i in dict.fromkeys(ids)]
    for ds in targets:
        _delete_dataset(call, ds)
    if d.delete_returns_count:
        return result(d, {"success_count": len(targets)})
    return result(d)
