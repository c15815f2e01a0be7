"""LlamaIndex ``MetadataFilters`` as :mod:`ragflow_integrations.filters` expressions.

Only the translation lives here. The core decides how the expression reaches the server
(one ``metadata_condition`` where that is exact on the server's version, otherwise local
evaluation of each document's ``meta_fields`` and a retrieval limited to ``document_ids``)
and defines the comparison semantics, which follow RAGFlow v0.27 on every version: a list
field matches when any item does, strings compare case-insensitively, numbers numerically.

=========================  ===========================================================
``FilterOperator``         expression
=========================  ===========================================================
``==`` ``!=``              ``eq`` / ``ne`` (``None``: the key is missing or null)
``>`` ``>=`` ``<`` ``<=``  ``gt`` / ``gte`` / ``lt`` / ``lte``
``in`` ``nin``             ``in`` / ``nin`` (the value must be a list)
``any``                    ``in``: some item of the field equals some listed value
``all``                    ``And`` of ``eq``: every listed value is an item of the field
``contains``               ``eq``: the (list) field has an item equal to the value
``text_match_insensitive`` ``contains``: case-insensitive substring
``is_empty``               ``empty``: missing, null, ``""`` or ``[]``
``text_match``             raises: RAGFlow only matches text case-insensitively
=========================  ===========================================================

``FilterCondition.AND``/``OR`` become ``And``/``Or``; ``NOT`` is true when none of its
filters is (``Not(Or(...))``), as in LlamaIndex's own vector store. Groups nest freely. An
empty group places no constraint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from ragflow_integrations.filters import (
    And,
    Condition,
    FilterExpr,
    Not,
    Op,
    Or,
    UnsupportedFilterError,
    parse_filter,
)

__all__ = ["FilterLike", "to_filter_expr"]

FilterLike: TypeAlias = MetadataFilters | FilterExpr | Mapping[str, Any]
"""What the LlamaIndex classes accept as ``filters``: LlamaIndex's own type, a core
expression, or the core's Mongo-style dict."""

_SIMPLE: dict[FilterOperator, Op] = {
    FilterOperator.EQ: "eq",
    FilterOperator.NE: "ne",
    FilterOperator.GT: "gt",
    FilterOperator.GTE: "gte",
    FilterOperator.LT: "lt",
    FilterOperator.LTE: "lte",
    FilterOperator.CONTAINS: "eq",
    FilterOperator.TEXT_MATCH_INSENSITIVE: "contains",
}
_LISTS = (FilterOperator.IN, FilterOperator.NIN, FilterOperator.ANY, FilterOperator.ALL)


def to_filter_expr(filters: FilterLike | None) -> FilterExpr | None:
    """The core expression for ``filters`` (``None`` when there is nothing to filter on).

    Raises :class:`~ragflow_integrations.filters.UnsupportedFilterError` (a ``ValueError``)
    naming the operator and key of anything that cannot be answered exactly.
    """
    if filters is None:
        return None
    if isinstance(filters, MetadataFilters):
        if not filters.filters:
            return None
        return _group(filters)
    if isinstance(filters, (Condition, And, Or, Not, Mapping)):
        return parse_filter(filters)
    raise UnsupportedFilterError(
        f"filters must be MetadataFilters, a ragflow_integrations.filters expression or a "
        f"dict, got {type(filters).__name__}"
    )


def _group(filters: MetadataFilters) -> FilterExpr:
    children = tuple(
        _group(f) if isinstance(f, MetadataFilters) else _condition(f) for f in filters.filters
    )
    if not children:
        return And(())
    condition = filters.condition or FilterCondition.AND
    if condition == FilterCondition.AND:
        return And(children)
    if condition == FilterCondition.OR:
        return Or(children)
    if condition == FilterCondition.NOT:
        return Not(Or(children))
    raise UnsupportedFilterError(f"unsupported filter condition {condition!r}")


def _condition(f: MetadataFilter) -> FilterExpr:
    op, key, value = FilterOperator(f.operator), f.key, f.value
    where = f"filter operator {op.value!r} on key {key!r}"
    if op == FilterOperator.TEXT_MATCH:
        raise UnsupportedFilterError(
            f"unsupported {where}: RAGFlow matches text case-insensitively only; "
            "use 'text_match_insensitive'"
        )
    expr: FilterExpr
    if op in _LISTS:
        if not isinstance(value, list):
            raise UnsupportedFilterError(f"{where} needs a list value, got {value!r}")
        if op == FilterOperator.ALL:
            expr = And(tuple(Condition(key, "eq", v) for v in value))
        else:
            name: Op = "nin" if op == FilterOperator.NIN else "in"
            expr = Condition(key, name, tuple(value))
    elif op == FilterOperator.IS_EMPTY:
        expr = Condition(key, "empty")
    elif op in _SIMPLE:
        expr = Condition(key, _SIMPLE[op], value)
    else:
        raise UnsupportedFilterError(f"unsupported {where}")
    try:
        return _checked(expr)
    except UnsupportedFilterError as exc:
        raise UnsupportedFilterError(f"{where}: {exc}") from exc


def _checked(expr: FilterExpr) -> FilterExpr:
    """Let the core validate each condition (value types per operator)."""
    if isinstance(expr, And):
        for child in expr.children:
            parse_filter(child)
        return expr
    return parse_filter(expr)
