"""One metadata-filter expression for every framework, and how it reaches a RAGFlow server.

The LangChain and LlamaIndex layers translate their own filter types into a
:data:`FilterExpr` (or a Mongo-style dict, see :func:`parse_filter`). :func:`plan_filter`
then decides the route: RAGFlow's ``metadata_condition`` when one condition list on that
server evaluates the filter exactly as :func:`matches` does, otherwise local evaluation of
each document's ``meta_fields`` followed by a retrieval restricted to ``document_ids``.

What the server does (infiniflow/ragflow, read at the tags named):

* ``POST /retrieval`` reads ``metadata_condition`` from v0.20.5, only when ``document_ids``
  is empty. ``convert_conditions`` maps ``is``/``not is`` to ``=``/``≠`` (``>=``, ``<=``,
  ``!=`` also map from v0.24); the other spellings are ``contains``, ``not contains``,
  ``start with``, ``end with``, ``empty``, ``not empty``, ``>``, ``<``, ``≥``, ``≤`` (and,
  undocumented, ``in``/``not in`` from v0.23).
* v0.20.5-v0.22.1 (``api/db/services/dialog_service.py`` ``meta_filter``, ``api/apps/sdk/doc.py``):
  AND only, values compared as ``float()`` else ``str()`` of ``str(value)`` (a list is its
  repr), a condition on a key no document has is skipped, and no match leaves
  ``doc_ids == []``, which retrieval ignores: the *unfiltered* result comes back.
* v0.23.0-v0.23.1 (``common/metadata_utils.py``): "no match -> empty result" arrives, but
  ``metas`` keys are raw values, v0.23.0 tests ``contains`` backwards (metadata in value),
  ``or`` returns ``[]`` as soon as the first processed condition matches nothing and keys
  no document has are skipped.
* v0.24.0: retrieval uses the legacy ``DocMetadataService.get_meta_by_kbs``, which keys every
  value as ``str([v])`` (``"['alice']"``), so ``is "alice"`` never matches.
* v0.25.0-v0.26.1 (``get_flatted_meta_by_kbs``): lists are expanded and each item keyed as
  ``str(item)`` (``None`` skipped); the scan stops at 10,000 documents (paged from v0.26.2);
  before v0.26.0 an ``and`` whose first condition matched nothing restarts from the next.
* v0.26.2-v0.26.4: exact combination, but the comparison branch reuses the ``value`` it
  rewrote for an earlier entry and may literal-eval one side alone, so string and range
  comparisons depend on dict order. Numeric ``is`` and the text operators are exact.
* v0.27.0 (``common/metadata_utils.py`` ``meta_filter``): per stored item ``s = str(item)``;
  ``=  ≠ > < ≥ ≤``: if the value is ``YYYY-MM-DD`` compare the stripped strings (items that
  are not dates never match), else ``ast.literal_eval`` both sides (both or neither),
  lower-case strings and compare (a ``TypeError`` is no match); text operators lower-case
  both sides and use ``find``/``startswith``/``endswith``; ``empty``/``not empty`` test
  ``s == ""``. A document matches a condition if any item does; a key missing (or ``None``,
  or ``[]``) matches nothing; ``and`` intersects, ``or`` unions.

:func:`matches` follows v0.27 for ``eq``, ``gt``, ``gte``, ``lt``, ``lte``, ``contains``,
``starts_with``, ``ends_with`` and ``not_empty``, with the filter value sent as a string
(``str(value)``; a JSON number would make v0.27 skip its ``literal_eval``). ``ne``,
``not_contains``, ``nin`` and ``empty`` are the exact negations of ``eq``, ``contains``,
``in`` and ``not_empty`` (true for a missing key), which no server version computes, so
they are never sent. ``in`` is any ``eq``. ``eq None`` means missing or ``None``. Hence
the server route is used from v0.26.2 only, and on v0.26.x only for numeric ``eq`` and the
text operators. Limitation: on Elasticsearch a metadata scan past 10,000 documents may fail
server-side; that is not modelled.
"""

from __future__ import annotations

import ast
import contextlib
import math
import operator
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, get_args

from ._dialect import FEATURES, Dialect
from ._exceptions import InvalidArgumentError

__all__ = [
    "METADATA_CONDITION_SINCE",
    "And",
    "Condition",
    "FilterExpr",
    "FilterPlan",
    "Not",
    "Op",
    "Or",
    "UnsupportedFilterError",
    "matches",
    "parse_filter",
    "plan_filter",
    "simplify",
    "to_metadata_condition",
]

Op = Literal[
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "nin",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "empty",
    "not_empty",
]
"""The operators of a :class:`Condition`."""

_OPS: frozenset[str] = frozenset(get_args(Op))


class UnsupportedFilterError(InvalidArgumentError):
    """A filter this module cannot express or evaluate; the message names the culprit.

    An :class:`~ragflow_integrations.InvalidArgumentError` (so a ``RAGFlowError`` and a
    ``ValueError``).
    """


@dataclass(frozen=True)
class Condition:
    """``key <op> value`` on one metadata field (``value`` is unused for empty/not_empty)."""

    key: str
    op: Op
    value: Any = None


@dataclass(frozen=True)
class And:
    """True when every child is; ``And(())`` is always true."""

    children: tuple[FilterExpr, ...]


@dataclass(frozen=True)
class Or:
    """True when any child is; ``Or(())`` is always false."""

    children: tuple[FilterExpr, ...]


@dataclass(frozen=True)
class Not:
    """True when the child is false."""

    child: FilterExpr


FilterExpr: TypeAlias = Condition | And | Or | Not
"""A filter expression tree."""


@dataclass(frozen=True)
class FilterPlan:
    """How to apply a filter: exactly one field is set, or neither for an empty filter.

    ``metadata_condition`` goes into the retrieval body as is. ``local`` is matched (with
    :func:`matches`) against each document's ``meta_fields``, and retrieval is then limited
    to the matching ``document_ids`` (none -> empty result, no request).
    """

    metadata_condition: dict[str, Any] | None
    local: FilterExpr | None


# -- parsing ---------------------------------------------------------------------------

_FIELD_OPS: dict[str, Op] = {
    "$eq": "eq",
    "$ne": "ne",
    "$gt": "gt",
    "$gte": "gte",
    "$lt": "lt",
    "$lte": "lte",
    "$in": "in",
    "$nin": "nin",
    "$contains": "contains",
    "$not_contains": "not_contains",
    "$ncontains": "not_contains",
    "$startswith": "starts_with",
    "$starts_with": "starts_with",
    "$endswith": "ends_with",
    "$ends_with": "ends_with",
}
_BOOL_OPS: dict[str, tuple[Op, Op]] = {  # name -> (op when True, op when False)
    "$exists": ("not_empty", "empty"),
    "$empty": ("empty", "not_empty"),
    "$not_empty": ("not_empty", "empty"),
}
_SCALAR = (str, int, float)


def _scalar_ok(value: Any, *, allow_bool: bool) -> bool:
    if isinstance(value, bool):
        return allow_bool
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, _SCALAR)


def _check_condition(cond: Condition) -> None:
    """Raise :class:`UnsupportedFilterError` unless ``cond`` is well formed."""
    op, key, value = cond.op, cond.key, cond.value
    if op not in _OPS:
        raise UnsupportedFilterError(f"unsupported filter operator {op!r} on key {key!r}")
    if not isinstance(key, str) or not key:
        raise UnsupportedFilterError(f"filter key must be a non-empty string, got {key!r}")
    where = f"{op!r} on key {key!r}"
    if op in ("eq", "ne"):
        if value is not None and not _scalar_ok(value, allow_bool=True):
            raise UnsupportedFilterError(
                f"{where} needs a string, finite number, bool or None, got {value!r}"
            )
    elif op in ("gt", "gte", "lt", "lte", "contains", "not_contains", "starts_with", "ends_with"):
        if not _scalar_ok(value, allow_bool=False):
            raise UnsupportedFilterError(f"{where} needs a string or finite number, got {value!r}")
    elif op in ("in", "nin"):
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise UnsupportedFilterError(f"{where} needs a list of values, got {value!r}")
        for item in value:
            if not _scalar_ok(item, allow_bool=True):
                raise UnsupportedFilterError(
                    f"{where}: list items must be strings, finite numbers or bools, got {item!r}"
                )


def _field_condition(key: str, name: str, value: Any) -> FilterExpr:
    if name in _FIELD_OPS:
        op = _FIELD_OPS[name]
        if op in ("in", "nin"):
            if isinstance(value, (str, bytes, Mapping)) or not isinstance(
                value, (list, tuple, set, frozenset)
            ):
                raise UnsupportedFilterError(f"{name} on key {key!r} needs a list, got {value!r}")
            value = tuple(value)
        cond = Condition(key, op, value)
        _check_condition(cond)
        return cond
    if name in _BOOL_OPS:
        if not isinstance(value, bool):
            raise UnsupportedFilterError(
                f"{name} on key {key!r} needs true or false, got {value!r}"
            )
        when_true, when_false = _BOOL_OPS[name]
        return Condition(key, when_true if value else when_false)
    if name == "$not":
        if not isinstance(value, Mapping):
            raise UnsupportedFilterError(
                f"$not on key {key!r} needs an operator object, got {value!r}"
            )
        return Not(_field_expr(key, value))
    raise UnsupportedFilterError(f"unsupported filter operator {name!r} on key {key!r}")


def _field_expr(key: str, spec: Any) -> FilterExpr:
    if isinstance(spec, Mapping):
        names = list(spec)
        if not names:
            raise UnsupportedFilterError(f"empty operator object for key {key!r}")
        if not all(isinstance(n, str) and n.startswith("$") for n in names):
            raise UnsupportedFilterError(
                f"key {key!r}: operators mixed with plain fields (or a dict value): {dict(spec)!r}"
            )
        parts = [_field_condition(key, n, spec[n]) for n in names]
        return parts[0] if len(parts) == 1 else And(tuple(parts))
    if isinstance(spec, (list, tuple, set, frozenset)):
        raise UnsupportedFilterError(
            f"key {key!r}: a list value is ambiguous, use {{'$in': [...]}} instead"
        )
    cond = Condition(key, "eq", spec)
    _check_condition(cond)
    return cond


def _group(name: str, value: Any) -> tuple[FilterExpr, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise UnsupportedFilterError(f"{name} needs a list of filters, got {value!r}")
    if not value:
        raise UnsupportedFilterError(f"{name} needs a non-empty list of filters")
    return tuple(parse_filter(item) for item in value)


def parse_filter(spec: Mapping[str, Any] | FilterExpr) -> FilterExpr:
    """Build a :data:`FilterExpr` from a Mongo-style dict (a built expression passes through).

    ``{"author": "x"}`` is ``eq``; ``{"year": {"$gte": 2020, "$lt": 2025}}`` is an ``And``;
    ``$and``/``$or`` take lists, ``$not`` an object (also per field). Field operators:
    ``$eq $ne $gt $gte $lt $lte $in $nin $contains $not_contains``/``$ncontains``,
    ``$startswith``/``$starts_with``, ``$endswith``/``$ends_with`` and ``$exists``/``$empty``/
    ``$not_empty`` with a bool. Several keys are an ``And``; ``{}`` is ``And(())`` (match all).
    Anything else raises :class:`UnsupportedFilterError` naming it.
    """
    if isinstance(spec, Condition):
        _check_condition(spec)
        return spec
    if isinstance(spec, (And, Or, Not)):
        return spec
    if not isinstance(spec, Mapping):
        raise UnsupportedFilterError(f"a filter must be a dict or a FilterExpr, got {spec!r}")
    parts: list[FilterExpr] = []
    for key, value in spec.items():
        if not isinstance(key, str) or not key:
            raise UnsupportedFilterError(f"filter key must be a non-empty string, got {key!r}")
        if key == "$and":
            parts.append(And(_group(key, value)))
        elif key == "$or":
            parts.append(Or(_group(key, value)))
        elif key == "$not":
            if not isinstance(value, (Mapping, Condition, And, Or, Not)):
                raise UnsupportedFilterError(f"$not needs a filter object, got {value!r}")
            parts.append(Not(parse_filter(value)))
        elif key.startswith("$"):
            raise UnsupportedFilterError(f"unsupported filter operator {key!r}")
        else:
            parts.append(_field_expr(key, value))
    return parts[0] if len(parts) == 1 else And(tuple(parts))


# -- simplification --------------------------------------------------------------------

_NEGATED: dict[str, Op] = {
    "eq": "ne",
    "ne": "eq",
    "in": "nin",
    "nin": "in",
    "contains": "not_contains",
    "not_contains": "contains",
    "empty": "not_empty",
    "not_empty": "empty",
}


def _negate(expr: FilterExpr) -> FilterExpr:
    if isinstance(expr, Condition):
        if expr.op in _NEGATED:
            return Condition(expr.key, _NEGATED[expr.op], expr.value)
        return Not(expr)  # not(x > v) is not x <= v: strings, type errors, lists
    if isinstance(expr, Not):
        return expr.child
    if isinstance(expr, And):
        return simplify(Or(tuple(Not(c) for c in expr.children)))
    return simplify(And(tuple(Not(c) for c in expr.children)))


def simplify(expr: FilterExpr) -> FilterExpr:
    """An equivalent, flatter expression.

    Nested ``And``-in-``And``/``Or``-in-``Or`` are merged, one-child groups replaced by the
    child, double negation removed, and ``Not`` pushed inwards where exact: De Morgan over
    groups, ``eq``/``ne``, ``in``/``nin``, ``contains``/``not_contains``, ``empty``/
    ``not_empty``. ``Not`` of ``gt``/``gte``/``lt``/``lte``/``starts_with``/``ends_with`` stays.
    """
    if isinstance(expr, Condition):
        return expr
    if isinstance(expr, Not):
        return _negate(simplify(expr.child))
    kind = type(expr)
    children: list[FilterExpr] = []
    for child in expr.children:
        simple = simplify(child)
        if isinstance(simple, (And, Or)) and type(simple) is kind:
            children.extend(simple.children)
        else:
            children.append(simple)
    if len(children) == 1:
        return children[0]
    return kind(tuple(children))


# -- local evaluation (RAGFlow v0.27 semantics) -----------------------------------------

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _is_date(text: str) -> bool:
    return (
        len(text) == 10
        and text[4] == "-"
        and text[7] == "-"
        and text[:4].isdigit()
        and text[5:7].isdigit()
        and text[8:10].isdigit()
    )


def _literal_eval(text: str) -> Any:
    """``ast.literal_eval`` (raises like it), silencing escape-sequence warnings."""
    if "\\" not in text:
        return ast.literal_eval(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.literal_eval(text)


def _wire(value: Any) -> str:
    """The filter value as sent to the server (and as :func:`matches` uses it)."""
    return value if isinstance(value, str) else str(value)


def _compare_item(op: str, stored: str, wanted: str) -> bool:
    """v0.27 ``filter_out`` for ``= > < ≥ ≤`` on one stored item."""
    left: Any = stored
    right: Any = wanted
    stored_s, wanted_s = stored.strip(), wanted.strip()
    if _is_date(wanted_s):
        if not _is_date(stored_s):
            return False
        left, right = stored_s, wanted_s
    else:
        with contextlib.suppress(Exception):  # both sides or neither, as v0.27
            left, right = _literal_eval(stored), _literal_eval(wanted)
        if isinstance(left, str):
            left = left.lower()
        if isinstance(right, str):
            right = right.lower()
    try:
        return bool(_COMPARE[op](left, right))
    except Exception:
        return False


def _text_item(op: str, stored: str, wanted: str) -> bool:
    """v0.27 ``filter_out`` for ``contains``/``start with``/``end with`` on one stored item."""
    left, right = stored.lower(), wanted.lower()
    if op == "contains":
        return left.find(right) >= 0
    if op == "starts_with":
        return left.lower().startswith(right.lower())
    return left.lower().endswith(right.lower())


def _items(metadata: Mapping[str, Any], key: str) -> list[str]:
    """The server's view of one field: list items expanded, ``None`` dropped, ``str()``."""
    if key not in metadata:
        return []
    value = metadata[key]
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None]


def _match_condition(cond: Condition, metadata: Mapping[str, Any]) -> bool:
    op = cond.op
    if op in ("eq", "ne") and cond.value is None:
        is_null = metadata.get(cond.key) is None
        return is_null if op == "eq" else not is_null
    if op in ("ne", "nin", "not_contains", "empty"):
        return not _match_condition(Condition(cond.key, _NEGATED[op], cond.value), metadata)
    items = _items(metadata, cond.key)
    if op == "not_empty":
        return any(s != "" for s in items)
    if op == "in":
        wanted = [_wire(v) for v in cond.value]
        return any(_compare_item("eq", s, w) for s in items for w in wanted)
    wire = _wire(cond.value)
    if op in _COMPARE:
        return any(_compare_item(op, s, wire) for s in items)
    return any(_text_item(op, s, wire) for s in items)


def matches(expr: FilterExpr | Mapping[str, Any], metadata: Mapping[str, Any] | None) -> bool:
    """Whether a document's ``meta_fields`` satisfy ``expr``.

    Positive operators follow RAGFlow v0.27's ``meta_filter`` (see the module docstring):
    a list field matches if any item does; ``eq``/``gt``/... compare numerically when both
    sides parse as Python literals (``"2020"``, ``2020.0``), otherwise as lower-cased strings,
    and as plain strings when the value is ``YYYY-MM-DD`` (non-date items never match);
    ``contains``/``starts_with``/``ends_with`` are case-insensitive on ``str(item)``; a
    missing key matches none of them. ``ne``/``nin``/``not_contains``/``empty`` are their
    negations, so they hold for a missing key. ``eq None`` means missing or ``None``.
    """
    expr = parse_filter(expr)
    meta: Mapping[str, Any] = metadata or {}
    return _matches(expr, meta)


def _matches(expr: FilterExpr, meta: Mapping[str, Any]) -> bool:
    if isinstance(expr, Condition):
        _check_condition(expr)
        return _match_condition(expr, meta)
    if isinstance(expr, And):
        return all(_matches(c, meta) for c in expr.children)
    if isinstance(expr, Or):
        return any(_matches(c, meta) for c in expr.children)
    if isinstance(expr, Not):
        return not _matches(expr.child, meta)
    raise UnsupportedFilterError(f"not a filter expression: {expr!r}")


# -- server route ----------------------------------------------------------------------

METADATA_CONDITION_SINCE = FEATURES["metadata_condition"]
"""The first server version that reads ``metadata_condition``."""

_SERVER_OP: dict[str, str] = {
    "eq": "is",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "contains": "contains",
    "starts_with": "start with",
    "ends_with": "end with",
    "not_empty": "not empty",
}


def _is_number_literal(text: str) -> bool:
    try:
        value = _literal_eval(text)
    except Exception:
        return False
    return isinstance(value, (int, float)) and not isinstance(value, bool) and text == text.lower()


def _server_item(key: str, op: str, value: Any, d: Dialect) -> dict[str, Any] | None:
    if op == "not_empty":
        return {"name": key, "comparison_operator": "not empty", "value": ""}
    if op not in _SERVER_OP or value is None:
        return None
    wire = _wire(value)
    if (
        not d.has("metadata_condition_comparisons")
        and op in _COMPARE
        # v0.26: numeric `is` only (value rewritten across entries, one-sided literal_eval)
        and (op != "eq" or isinstance(value, bool) or not _is_number_literal(wire))
    ):
        return None
    return {"name": key, "comparison_operator": _SERVER_OP[op], "value": wire}


def _server_items(cond: Condition, d: Dialect, *, in_or: bool) -> list[dict[str, Any]] | None:
    if cond.op == "in":
        values = list(cond.value)
        if len(values) > 1 and not in_or:
            return None
        if not values and not in_or:
            return None  # an And with an always-false member
        out = []
        for value in values:
            item = _server_item(cond.key, "eq", value, d)
            if item is None:
                return None
            out.append(item)
        return out
    item = _server_item(cond.key, cond.op, cond.value, d)
    return None if item is None else [item]


def to_metadata_condition(
    expr: FilterExpr | Mapping[str, Any], *, server_version: tuple[int, int, int]
) -> dict[str, Any] | None:
    """The ``metadata_condition`` that evaluates ``expr`` exactly as :func:`matches` does.

    ``None`` when no single condition list does so on ``server_version``: before v0.26.2
    (see the module docstring), for nested groups, ``Not`` that cannot be pushed into an
    operator, ``ne``/``nin``/``not_contains``/``empty``, ``eq None``, an ``in`` with several
    values under an ``And``, and on v0.26.x anything but numeric ``eq`` and the text
    operators. An ``in`` becomes ``is`` conditions inside an ``or`` (or alone, or when it has
    one value).
    """
    simple = simplify(parse_filter(expr))
    _validate(simple)
    d = Dialect((server_version[0], server_version[1], server_version[2]))
    if not d.has("exact_metadata_condition"):
        return None
    members: list[Condition]
    if isinstance(simple, Condition):  # a lone `in` is an Or of `is`
        members, in_or = [simple], simple.op == "in" and len(simple.value) > 1
        logic = "or" if in_or else "and"
    elif isinstance(simple, (And, Or)) and all(isinstance(c, Condition) for c in simple.children):
        in_or = isinstance(simple, Or)
        logic = "or" if in_or else "and"
        members = [c for c in simple.children if isinstance(c, Condition)]
    else:
        return None
    conditions: list[dict[str, Any]] = []
    for cond in members:
        items = _server_items(cond, d, in_or=in_or)
        if items is None:
            return None
        conditions.extend(items)
    if not conditions:
        return None
    return {"logic": logic, "conditions": conditions}


def _validate(expr: FilterExpr) -> None:
    if isinstance(expr, Condition):
        _check_condition(expr)
    elif isinstance(expr, (And, Or)):
        for child in expr.children:
            _validate(child)
    elif isinstance(expr, Not):
        _validate(expr.child)
    else:
        raise UnsupportedFilterError(f"not a filter expression: {expr!r}")


def plan_filter(
    expr: FilterExpr | Mapping[str, Any],
    *,
    server_version: tuple[int, int, int],
    document_ids_given: bool,
) -> FilterPlan:
    """Choose the route for ``expr``: the server's ``metadata_condition`` or local matching.

    Server-side only when the server reads ``metadata_condition`` (v0.20.5+), the caller gave
    no ``document_ids`` (an empty list counts as none: the server ignores the condition
    otherwise) and :func:`to_metadata_condition` is exact. An always-true filter
    (``And(())``) gives a plan with neither field set.
    """
    simple = simplify(parse_filter(expr))
    _validate(simple)
    if isinstance(simple, And) and not simple.children:
        return FilterPlan(metadata_condition=None, local=None)
    d = Dialect((server_version[0], server_version[1], server_version[2]))
    if not document_ids_given and d.has("metadata_condition"):
        condition = to_metadata_condition(simple, server_version=server_version)
        if condition is not None:
            return FilterPlan(metadata_condition=condition, local=None)
    return FilterPlan(metadata_condition=None, local=simple)
