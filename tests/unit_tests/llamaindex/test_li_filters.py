"""LlamaIndex ``MetadataFilters`` -> core filter expressions (translation only)."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)
from llama_index.core.vector_stores.utils import build_metadata_filter_fn

from llamaindex_ragflow import to_filter_expr
from ragflow_integrations.filters import (
    And,
    Condition,
    Not,
    Or,
    UnsupportedFilterError,
    matches,
    plan_filter,
)

F = MetadataFilter
OP = FilterOperator


def filters(*items: Any, condition: str = "and") -> MetadataFilters:
    return MetadataFilters(filters=list(items), condition=FilterCondition(condition))


RECORDS: list[dict[str, Any]] = [
    {"author": "alice", "year": 2023, "topic": "overview", "tags": ["intro", "guide"]},
    {"author": "bob", "year": 2024, "topic": "retrieval", "tags": ["search"]},
    {"author": "alice", "year": 2025, "topic": "parsing", "tags": []},
    {"author": "carol", "year": 2025, "topic": "chat"},
    {"year": 2022, "topic": ""},
]


def test_single_condition() -> None:
    assert to_filter_expr(filters(F(key="author", value="alice"))) == And(
        (Condition("author", "eq", "alice"),)
    )


def test_nested_groups() -> None:
    f = filters(
        filters(F(key="author", value="alice"), F(key="year", value=2024, operator=OP.GTE)),
        F(key="topic", value="chat"),
        condition="or",
    )
    assert to_filter_expr(f) == Or(
        (
            And((Condition("author", "eq", "alice"), Condition("year", "gte", 2024))),
            Condition("topic", "eq", "chat"),
        )
    )


def test_not_means_none_of() -> None:
    f = filters(F(key="author", value="alice"), F(key="year", value=2025), condition="not")
    assert to_filter_expr(f) == Not(
        Or((Condition("author", "eq", "alice"), Condition("year", "eq", 2025)))
    )


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (F(key="a", value="x", operator=OP.NE), Condition("a", "ne", "x")),
        (F(key="a", value=1, operator=OP.GT), Condition("a", "gt", 1)),
        (F(key="a", value=1.5, operator=OP.LT), Condition("a", "lt", 1.5)),
        (F(key="a", value=2, operator=OP.LTE), Condition("a", "lte", 2)),
        (F(key="a", value=["x", "y"], operator=OP.IN), Condition("a", "in", ("x", "y"))),
        (F(key="a", value=[1, 2], operator=OP.NIN), Condition("a", "nin", (1, 2))),
        (F(key="a", value=["x", "y"], operator=OP.ANY), Condition("a", "in", ("x", "y"))),
        (
            F(key="a", value=["x", "y"], operator=OP.ALL),
            And((Condition("a", "eq", "x"), Condition("a", "eq", "y"))),
        ),
        (F(key="a", value="x", operator=OP.CONTAINS), Condition("a", "eq", "x")),
        (
            F(key="a", value="Ali", operator=OP.TEXT_MATCH_INSENSITIVE),
            Condition("a", "contains", "Ali"),
        ),
        (F(key="a", value=None, operator=OP.IS_EMPTY), Condition("a", "empty")),
    ],
)
def test_operator_table(flt: MetadataFilter, expected: Any) -> None:
    assert to_filter_expr(filters(flt)) == And((expected,))


def test_empty_filters() -> None:
    assert to_filter_expr(None) is None
    assert to_filter_expr(MetadataFilters(filters=[])) is None
    nested_empty = filters(MetadataFilters(filters=[]), F(key="a", value=1), condition="or")
    assert to_filter_expr(nested_empty) == Or((And(()), Condition("a", "eq", 1)))


def test_core_expressions_and_dicts_pass_through() -> None:
    expr = Condition("author", "eq", "alice")
    assert to_filter_expr(expr) == expr
    assert to_filter_expr({"year": {"$gte": 2024}}) == Condition("year", "gte", 2024)


@pytest.mark.parametrize(
    ("flt", "named"),
    [
        (F(key="title", value="RAG", operator=OP.TEXT_MATCH), "'text_match' on key 'title'"),
        (F(key="author", value="alice", operator=OP.IN), "'in' on key 'author'"),
        (F(key="tags", value="x", operator=OP.ALL), "'all' on key 'tags'"),
        (F(key="year", value=None, operator=OP.GT), "'>' on key 'year'"),
        (F(key="year", value=[1, 2], operator=OP.EQ), "'==' on key 'year'"),
    ],
)
def test_unsupported_raises_naming_operator(flt: MetadataFilter, named: str) -> None:
    with pytest.raises(UnsupportedFilterError, match=named):
        to_filter_expr(filters(F(key="ok", value=1), filters(flt), condition="or"))
    assert issubclass(UnsupportedFilterError, ValueError)


def test_bad_type_raises() -> None:
    with pytest.raises(UnsupportedFilterError, match="MetadataFilters"):
        to_filter_expr(42)  # type: ignore[arg-type]


# LlamaIndex's own evaluator (flat filters only) agrees with the core's on the operators'
# documented domains: scalars for comparisons and in/nin, lists for any/all/contains,
# strings for text_match_insensitive.
AGREEING = [
    F(key="author", value="alice"),
    F(key="author", value="alice", operator=OP.NE),
    F(key="year", value=2024, operator=OP.GT),
    F(key="year", value=2024, operator=OP.GTE),
    F(key="year", value=2024, operator=OP.LT),
    F(key="year", value=2024, operator=OP.LTE),
    F(key="author", value=["bob", "carol"], operator=OP.IN),
    F(key="author", value=["bob", "carol"], operator=OP.NIN),
    F(key="tags", value=["guide", "search"], operator=OP.ANY),
    F(key="tags", value=["intro", "guide"], operator=OP.ALL),
    F(key="tags", value="search", operator=OP.CONTAINS),
    F(key="topic", value="TRIEV", operator=OP.TEXT_MATCH_INSENSITIVE),
    F(key="topic", value=None, operator=OP.IS_EMPTY),
    F(key="tags", value=None, operator=OP.IS_EMPTY),
]


def _llama_index_matches(f: MetadataFilters, record: dict[str, Any]) -> bool:
    return build_metadata_filter_fn(lambda _: record, f)("node")


@pytest.mark.parametrize("flt", AGREEING, ids=lambda f: f"{f.key}-{f.operator.value}")
def test_agrees_with_llama_index(flt: MetadataFilter) -> None:
    domain = [r for r in RECORDS if flt.key in r or flt.operator in (OP.NE, OP.NIN, OP.IS_EMPTY)]
    if flt.operator == OP.TEXT_MATCH_INSENSITIVE:
        domain = [r for r in domain if isinstance(r.get(flt.key), str)]
    for condition in ("and", "or", "not"):
        f = filters(flt, F(key="year", value=2025, operator=OP.NE), condition=condition)
        expr = to_filter_expr(f)
        assert expr is not None
        for record in domain:
            assert matches(expr, record) == _llama_index_matches(f, record), (f, record)


def _plan(f: MetadataFilters, version: tuple[int, int, int]) -> Any:
    expr = to_filter_expr(f)
    assert expr is not None
    return plan_filter(expr, server_version=version, document_ids_given=False)


def test_route_is_the_cores_choice() -> None:
    one_level = filters(
        F(key="author", value="alice"), F(key="author", value="carol"), condition="or"
    )
    nested = filters(
        filters(F(key="author", value="alice"), F(key="year", value=2024, operator=OP.GTE)),
        F(key="topic", value="chat"),
        condition="or",
    )
    assert _plan(one_level, (0, 27, 0)).metadata_condition == {
        "logic": "or",
        "conditions": [
            {"name": "author", "comparison_operator": "is", "value": "alice"},
            {"name": "author", "comparison_operator": "is", "value": "carol"},
        ],
    }
    old = _plan(one_level, (0, 20, 0))
    assert old.metadata_condition is None and old.local is not None
    deep = _plan(nested, (0, 27, 0))
    assert deep.metadata_condition is None
    # alice's 2025 record and carol's record
    assert {i for i, r in enumerate(RECORDS) if matches(deep.local, r)} == {2, 3}
