"""``get_parser_config``: the default parser_config of each chunk method, per version."""

from __future__ import annotations

import copy
from typing import Any

from ._common import deep_merge
from ._dialects import Dialect
from ._schemas import ENTITY_TYPES, RAPTOR_PROMPT_27

__all__ = ["parser_config"]

_OLD_RAPTOR_PROMPT = (
    "Please summarize the following paragraphs. Be careful with the numbers, do not make things "
    "up. Paragraphs as following:\n      {cluster_content}\nThe above is the content you need to "
    "summarize."
)
#: Chunk methods whose default is "no RAPTOR" (and, from v0.20, "no GraphRAG").
_OFF = ("qa", "manual", "paper", "book", "laws", "presentation")


def _naive(d: Dialect) -> dict[str, Any]:
    if d.lt(0, 20):
        delimiter = "\\n" if d.ge(0, 19) else "\\n!?;。；！？"
        return {
            "chunk_token_num": 128,
            "delimiter": delimiter,
            "html4excel": False,
            "layout_recognize": "DeepDOC" if d.ge(0, 17) else True,
            "raptor": {"use_raptor": False},
        }
    if d.lt(0, 22):
        return {
            "chunk_token_num": 512,
            "delimiter": "\\n",
            "html4excel": False,
            "layout_recognize": "DeepDOC",
            "raptor": {"use_raptor": False},
            "graphrag": {"use_graphrag": False},
        }
    raptor: dict[str, Any] = {"use_raptor": True}
    if d.ge(0, 27):
        raptor.update(
            prompt=RAPTOR_PROMPT_27,
            max_token=512,
            clustering_threshold=0.3,
            clustering_ratio=0.5,
        )
    else:
        raptor.update(prompt=_OLD_RAPTOR_PROMPT, max_token=256, threshold=0.1)
    raptor.update(max_cluster=64, random_seed=0)
    graphrag: dict[str, Any] = {
        "use_graphrag": True,
        "entity_types": list(ENTITY_TYPES),
        "method": "light",
    }
    if d.ge(0, 25, 6):
        graphrag.update(
            batch_chunk_token_size=4096,
            retry_attempts=2,
            retry_backoff_seconds=2.0,
            retry_backoff_max_seconds=60.0,
            build_subgraph_timeout_per_chunk_seconds=300,
            build_subgraph_min_timeout_seconds=600,
            merge_timeout_seconds=180,
            resolution_timeout_seconds=1800,
            community_timeout_seconds=1800,
            lock_acquire_timeout_seconds=600,
        )
    cfg: dict[str, Any] = {
        "layout_recognize": "DeepDOC",
        "chunk_token_num": 512,
        "delimiter": "\n",
        "auto_keywords": 0,
        "auto_questions": 0,
        "html4excel": False,
        "topn_tags": 3,
        "raptor": raptor,
        "graphrag": graphrag,
    }
    if d.ge(0, 25):
        cfg["parent_child"] = {"use_parent_child": False, "children_delimiter": "\n"}
    return cfg


def _default(d: Dialect, method: str) -> dict[str, Any] | None:
    if method == "naive":
        return _naive(d)
    if method in _OFF:
        if d.lt(0, 20):
            return {"raptor": {"use_raptor": False}}
        return {"raptor": {"use_raptor": False}, "graphrag": {"use_graphrag": False}}
    if method == "knowledge_graph":
        cfg: dict[str, Any] = {
            "chunk_token_num": 8192,
            "delimiter": "\n" if d.ge(0, 27) else ("\\n" if d.ge(0, 19) else "\\n!?;。；！？"),
            "entity_types": ["organization", "person", "location", "event", "time"],
        }
        if d.ge(0, 20):
            cfg.update(raptor={"use_raptor": False}, graphrag={"use_graphrag": False})
        return cfg
    return None  # tag, resume, table, one, email, picture, audio


def parser_config(d: Dialect, method: str | None, given: dict[str, Any] | None) -> dict[str, Any]:
    """The parser_config a dataset (or document) gets for ``method`` and the ``given`` one.

    Until v0.19 a given config replaces the default; from v0.20 it is merged over it; from v0.23
    ``table_context_size``/``image_context_size`` are always added; from v0.25 the parent-child
    switch is flattened into ``children_delimiter``.
    """
    method = method or "naive"
    default = _default(d, method)
    if d.lt(0, 20):
        return copy.deepcopy(given) if given else copy.deepcopy(default or {})
    base: dict[str, Any] = {"table_context_size": 0, "image_context_size": 0} if d.ge(0, 23) else {}
    merged = deep_merge(base, default or {})
    if given:
        merged = deep_merge(merged, copy.deepcopy(given))
    if d.ge(0, 25):
        child = merged.get("parent_child", {})
        if child.get("use_parent_child"):
            merged["children_delimiter"] = child.get("children_delimiter", "\n")
        elif child:
            merged["children_delimiter"] = ""
    return merged
