"""Tests for ragflow_integrations.filters: parsing, simplification, routing, local matching."""

from __future__ import annotations

import ast
import itertools
import random
from typing import Any

import pytest

from ragflow_integrations.filters import (
    METADATA_CONDITION_SINCE,
    And,
    Condition,
    FilterExpr,
    FilterPlan,
    Not,
    Or,
    UnsupportedFilterError,
    matches,
    parse_filter,
    plan_filter,
    simplify,
    to_metadata_condition,
)

V27 = (0, 27, 0)
V26 = (0, 26, 2)


def c(key: str, op: Any, value: Any = None) -> Condition:
    return Condition(key, op, value)


# -- parse_filter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"author": "x"}, c("author", "eq", "x")),
        ({"n": 3}, c("n", "eq", 3)),
        ({"n": 2.5}, c("n", "eq", 2.5)),
        ({"flag": True}, c("flag", "eq", True)),
        ({"gone": None}, c("gone", "eq", None)),
        ({"a": {"$eq": "x"}}, c("a", "eq", "x")),
        ({"a": {"$ne": "x"}}, c("a", "ne", "x")),
        ({"a": {"$gt": 1}}, c("a", "gt", 1)),
        ({"a": {"$gte": 1}}, c("a", "gte", 1)),
        ({"a": {"$lt": "m"}}, c("a", "lt", "m")),
        ({"a": {"$lte": 1.5}}, c("a", "lte", 1.5)),
        ({"a": {"$in": ["x", 1]}}, c("a", "in", ("x", 1))),
        ({"a": {"$in": ("x",)}}, c("a", "in", ("x",))),
        ({"a": {"$nin": []}}, c("a", "nin", ())),
        ({"a": {"$contains": "x"}}, c("a", "contains", "x")),
        ({"a": {"$not_contains": "x"}}, c("a", "not_contains", "x")),
        ({"a": {"$ncontains": "x"}}, c("a", "not_contains", "x")),
        ({"a": {"$startswith": "x"}}, c("a", "starts_with", "x")),
        ({"a": {"$starts_with": "x"}}, c("a", "starts_with", "x")),
        ({"a": {"$endswith": "x"}}, c("a", "ends_with", "x")),
        ({"a": {"$ends_with": "x"}}, c("a", "ends_with", "x")),
        ({"a": {"$exists": True}}, c("a", "not_empty")),
        ({"a": {"$exists": False}}, c("a", "empty")),
        ({"a": {"$empty": True}}, c("a", "empty")),
        ({"a": {"$empty": False}}, c("a", "not_empty")),
        ({"a": {"$not_empty": True}}, c("a", "not_empty")),
        ({"a": {"$not_empty": False}}, c("a", "empty")),
    ],
)
def test_parse_operators(spec: dict[str, Any], expected: FilterExpr) -> None:
    assert parse_filter(spec) == expected


def test_parse_shapes() -> None:
    assert parse_filter({"year": {"$gte": 2020, "$lt": 2025}}) == And(
        (c("year", "gte", 2020), c("year", "lt", 2025))
    )
    assert parse_filter({"a": 1, "b": 2}) == And((c("a", "eq", 1), c("b", "eq", 2)))
    assert parse_filter({"$and": [{"a": 1}, {"b": 2}]}) == And((c("a", "eq", 1), c("b", "eq", 2)))
    assert parse_filter({"$or": [{"a": 1}, {"b": {"$gt": 2}}]}) == Or(
        (c("a", "eq", 1), c("b", "gt", 2))
    )
    assert parse_filter({"$not": {"a": 1}}) == Not(c("a", "eq", 1))
    assert parse_filter({"a": {"$not": {"$gt": 1}}}) == Not(c("a", "gt", 1))
    assert parse_filter({"$or": [{"a": 1}], "b": 2}) == And(
        (Or((c("a", "eq", 1),)), c("b", "eq", 2))
    )
    assert parse_filter({}) == And(())
    nested = {"$and": [{"$or": [{"a": 1}, {"b": 2}]}, {"$not": {"c": {"$in": [1, 2]}}}]}
    assert parse_filter(nested) == And(
        (Or((c("a", "eq", 1), c("b", "eq", 2))), Not(c("c", "in", (1, 2))))
    )


def test_parse_passes_expressions_through() -> None:
    expr = Or((c("a", "eq", 1), Not(c("b", "gt", 2))))
    assert parse_filter(expr) is expr
    cond = c("a", "contains", "x")
    assert parse_filter(cond) is cond
    assert parse_filter({"$and": [cond, {"b": 1}]}) == And((cond, c("b", "eq", 1)))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"a": {"$regex": "x"}}, r"'\$regex'.*'a'"),
        ({"$nor": [{"a": 1}]}, r"'\$nor'"),
        ({"a": {"$in": "xy"}}, r"\$in on key 'a' needs a list"),
        ({"a": {"$nin": 3}}, r"\$nin on key 'a' needs a list"),
        ({"a": {"$in": [None]}}, r"list items"),
        ({"a": {"$in": [[1]]}}, r"list items"),
        ({"a": {"$exists": 1}}, r"\$exists on key 'a' needs true or false"),
        ({"a": {"$empty": "yes"}}, r"\$empty"),
        ({"a": {}}, r"empty operator object for key 'a'"),
        ({"a": {"$gt": 1, "b": 2}}, r"key 'a': operators mixed"),
        ({"a": {"b": 2}}, r"key 'a'"),
        ({"a": [1, 2]}, r"\$in"),
        ({"a": {"$gt": None}}, r"'gt' on key 'a'"),
        ({"a": {"$gt": True}}, r"'gt' on key 'a'"),
        ({"a": {"$lt": [1]}}, r"'lt' on key 'a'"),
        ({"a": {"$contains": None}}, r"'contains' on key 'a'"),
        ({"a": float("nan")}, r"'eq' on key 'a'"),
        ({"a": {"$lte": float("inf")}}, r"'lte' on key 'a'"),
        ({"a": {"$eq": {"x": 1}}}, r"'eq' on key 'a'"),
        ({"$and": {"a": 1}}, r"\$and needs a list"),
        ({"$or": []}, r"\$or needs a non-empty list"),
        ({"$and": [1]}, r"dict or a FilterExpr"),
        ({"$not": [{"a": 1}]}, r"\$not needs a filter object"),
        ({"a": {"$not": 1}}, r"\$not on key 'a'"),
        ({"": 1}, r"non-empty string"),
        ({1: 1}, r"non-empty string"),
    ],
)
def test_parse_errors(spec: Any, message: str) -> None:
    with pytest.raises(UnsupportedFilterError, match=message):
        parse_filter(spec)


def test_parse_rejects_non_mapping_and_bad_conditions() -> None:
    with pytest.raises(UnsupportedFilterError, match="dict or a FilterExpr"):
        parse_filter("a = 1")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedFilterError, match="'like'"):
        parse_filter(Condition("a", "like", "x"))  # type: ignore[arg-type]
    assert issubclass(UnsupportedFilterError, ValueError)


# -- simplify --------------------------------------------------------------------------


def test_simplify_flattens_and_unwraps() -> None:
    a, b, d = c("a", "eq", 1), c("b", "eq", 2), c("d", "gt", 3)
    assert simplify(And((a, And((b, And((d,))))))) == And((a, b, d))
    assert simplify(Or((Or((a, b)), d))) == Or((a, b, d))
    assert simplify(And((a,))) == a
    assert simplify(Or((And((a,)),))) == a
    assert simplify(And((Or((a, b)), d))) == And((Or((a, b)), d))
    assert simplify(And(())) == And(())
    assert simplify(Or(())) == Or(())


@pytest.mark.parametrize(
    ("inner", "pushed"),
    [
        (c("a", "eq", 1), c("a", "ne", 1)),
        (c("a", "ne", 1), c("a", "eq", 1)),
        (c("a", "in", (1, 2)), c("a", "nin", (1, 2))),
        (c("a", "nin", (1,)), c("a", "in", (1,))),
        (c("a", "contains", "x"), c("a", "not_contains", "x")),
        (c("a", "not_contains", "x"), c("a", "contains", "x")),
        (c("a", "empty"), c("a", "not_empty")),
        (c("a", "not_empty"), c("a", "empty")),
        (c("a", "eq", None), c("a", "ne", None)),
    ],
)
def test_simplify_pushes_not_into_operators(inner: Condition, pushed: Condition) -> None:
    assert simplify(Not(inner)) == pushed


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte", "starts_with", "ends_with"])
def test_simplify_keeps_not_where_no_exact_negation(op: Any) -> None:
    assert simplify(Not(c("a", op, "m"))) == Not(c("a", op, "m"))


def test_simplify_de_morgan_and_double_negation() -> None:
    a, b, g = c("a", "eq", 1), c("b", "contains", "x"), c("g", "gt", 5)
    assert simplify(Not(Not(g))) == g
    assert simplify(Not(Not(Not(a)))) == c("a", "ne", 1)
    assert simplify(Not(And((a, b)))) == Or((c("a", "ne", 1), c("b", "not_contains", "x")))
    assert simplify(Not(Or((a, g)))) == And((c("a", "ne", 1), Not(g)))
    assert simplify(Not(And((a, Or((b, g)))))) == Or(
        (c("a", "ne", 1), And((c("b", "not_contains", "x"), Not(g))))
    )
    assert simplify(Not(And(()))) == Or(())


def test_simplify_preserves_meaning() -> None:
    rng = random.Random(7)
    for _ in range(400):
        expr = _random_tree(rng, depth=3)
        meta = _random_metadata(rng)
        assert matches(simplify(expr), meta) == matches(expr, meta), (expr, meta)


# -- to_metadata_condition ---------------------------------------------------------------


def _cond(name: str, op: str, value: Any) -> dict[str, Any]:
    return {"name": name, "comparison_operator": op, "value": value}


def test_to_metadata_condition_v027() -> None:
    spec = {"year": {"$gte": 2020, "$lt": 2025.5}, "author": "x"}
    assert to_metadata_condition(spec, server_version=V27) == {
        "logic": "and",
        "conditions": [
            _cond("year", "≥", "2020"),
            _cond("year", "<", "2025.5"),
            _cond("author", "is", "x"),
        ],
    }
    assert to_metadata_condition({"a": {"$gt": "m"}, "b": {"$lte": 3}}, server_version=V27) == {
        "logic": "and",
        "conditions": [_cond("a", ">", "m"), _cond("b", "≤", "3")],
    }
    spec_or = {
        "$or": [
            {"t": {"$contains": "Ab"}},
            {"t": {"$startswith": "x"}},
            {"t": {"$endswith": 5}},
            {"d": {"$exists": True}},
            {"flag": True},
        ]
    }
    assert to_metadata_condition(spec_or, server_version=V27) == {
        "logic": "or",
        "conditions": [
            _cond("t", "contains", "Ab"),
            _cond("t", "start with", "x"),
            _cond("t", "end with", "5"),
            _cond("d", "not empty", ""),
            _cond("flag", "is", "True"),
        ],
    }


def test_to_metadata_condition_in_expansion() -> None:
    assert to_metadata_condition({"t": {"$in": ["a", "b"]}}, server_version=V27) == {
        "logic": "or",
        "conditions": [_cond("t", "is", "a"), _cond("t", "is", "b")],
    }
    assert to_metadata_condition({"t": {"$in": ["a"]}}, server_version=V27) == {
        "logic": "and",
        "conditions": [_cond("t", "is", "a")],
    }
    assert to_metadata_condition({"t": {"$in": ["a"]}, "n": 1}, server_version=V27) == {
        "logic": "and",
        "conditions": [_cond("t", "is", "a"), _cond("n", "is", "1")],
    }
    assert to_metadata_condition({"t": {"$in": ["a", "b"]}, "n": 1}, server_version=V27) is None
    assert to_metadata_condition(
        {"$or": [{"t": {"$in": ["a", "b"]}}, {"n": {"$gt": 1}}]}, server_version=V27
    ) == {
        "logic": "or",
        "conditions": [_cond("t", "is", "a"), _cond("t", "is", "b"), _cond("n", ">", "1")],
    }
    assert to_metadata_condition({"$or": [{"t": {"$in": []}}, {"n": 1}]}, server_version=V27) == {
        "logic": "or",
        "conditions": [_cond("n", "is", "1")],
    }
    assert to_metadata_condition({"t": {"$in": []}}, server_version=V27) is None
    assert to_metadata_condition({"t": {"$in": []}, "n": 1}, server_version=V27) is None


@pytest.mark.parametrize(
    "version",
    [
        (0, 13, 0),
        (0, 20, 4),
        (0, 20, 5),
        (0, 22, 1),
        (0, 23, 1),
        (0, 24, 0),
        (0, 25, 6),
        (0, 26, 1),
    ],
)
def test_to_metadata_condition_refused_before_0262(version: tuple[int, int, int]) -> None:
    assert to_metadata_condition({"n": 1}, server_version=version) is None
    assert to_metadata_condition({"t": {"$contains": "x"}}, server_version=version) is None


def test_to_metadata_condition_v026_subset() -> None:
    for version in [(0, 26, 2), (0, 26, 3), (0, 26, 4)]:
        assert to_metadata_condition({"n": 2020}, server_version=version) == {
            "logic": "and",
            "conditions": [_cond("n", "is", "2020")],
        }
        assert to_metadata_condition({"n": "1.5"}, server_version=version) is not None
        assert to_metadata_condition({"n": 1e20}, server_version=version) is not None
        text = {
            "$or": [{"t": {"$contains": "x"}}, {"t": {"$endswith": "y"}}, {"u": {"$exists": True}}]
        }
        assert to_metadata_condition(text, server_version=version) is not None
        assert (
            to_metadata_condition({"t": {"$startswith": "a"}, "n": 3}, server_version=version)
            is not None
        )
        # string / bool equality and ranges depend on dict order before v0.27
        assert to_metadata_condition({"n": "alice"}, server_version=version) is None
        assert to_metadata_condition({"n": True}, server_version=version) is None
        assert to_metadata_condition({"n": "0X1F"}, server_version=version) is None
        assert to_metadata_condition({"n": {"$gt": 1}}, server_version=version) is None
        assert to_metadata_condition({"d": {"$lte": "2024-01-01"}}, server_version=version) is None
        assert to_metadata_condition({"t": {"$in": [1, 2]}}, server_version=version) is not None
        assert to_metadata_condition({"t": {"$in": [1, "x"]}}, server_version=version) is None
        assert (
            to_metadata_condition(
                {"$or": [{"t": {"$in": [1, 2]}}, {"u": {"$contains": "x"}}]}, server_version=version
            )
            is not None
        )


@pytest.mark.parametrize(
    "spec",
    [
        {"a": {"$ne": 1}},
        {"a": {"$nin": [1]}},
        {"a": {"$not_contains": "x"}},
        {"a": {"$exists": False}},
        {"a": None},
        {"a": {"$not": {"$gt": 1}}},
        {"$not": {"a": {"$startswith": "x"}}},
        {"$not": {"$or": [{"a": 1}, {"b": 2}]}},
        {"$or": [{"a": 1}, {"$and": [{"b": 2}, {"c": 3}]}]},
        {"$and": [{"a": 1}, {"$or": [{"b": 2}, {"c": 3}]}]},
        {"$or": [{"a": 1}, {"b": {"$ne": 2}}]},
    ],
)
def test_to_metadata_condition_refuses_inexact(spec: dict[str, Any]) -> None:
    assert to_metadata_condition(spec, server_version=V27) is None


def test_to_metadata_condition_after_simplify() -> None:
    # Not(Or(ne, ne)) simplifies to And(eq, eq), which one list expresses
    spec = {"$not": {"$or": [{"a": {"$ne": 1}}, {"b": {"$ne": "x"}}]}}
    assert to_metadata_condition(spec, server_version=V27) == {
        "logic": "and",
        "conditions": [_cond("a", "is", "1"), _cond("b", "is", "x")],
    }
    assert to_metadata_condition(And(()), server_version=V27) is None
    assert to_metadata_condition(Or(()), server_version=V27) is None


# -- matches ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "meta", "expected"),
    [
        # missing keys: only the negative operators hold
        ({"a": 1}, {}, False),
        ({"a": {"$gt": 1}}, {}, False),
        ({"a": {"$contains": "x"}}, {}, False),
        ({"a": {"$in": [1]}}, {}, False),
        ({"a": {"$exists": True}}, {}, False),
        ({"a": {"$ne": 1}}, {}, True),
        ({"a": {"$nin": [1]}}, {}, True),
        ({"a": {"$not_contains": "x"}}, {}, True),
        ({"a": {"$exists": False}}, {}, True),
        ({"a": {"$ne": 1}}, None, True),
        ({"a": 1}, None, False),
        ({"a": None}, {}, True),
        ({"a": None}, {"a": None}, True),
        ({"a": None}, {"a": ""}, False),
        ({"a": {"$ne": None}}, {"a": 0}, True),
        # None and empty values
        ({"a": {"$exists": True}}, {"a": None}, False),
        ({"a": {"$exists": True}}, {"a": ""}, False),
        ({"a": {"$exists": True}}, {"a": []}, False),
        ({"a": {"$exists": True}}, {"a": [None, ""]}, False),
        ({"a": {"$exists": True}}, {"a": ["", "x"]}, True),
        ({"a": {"$exists": True}}, {"a": 0}, True),
        ({"a": {"$exists": True}}, {"a": False}, True),
        ({"a": {"$empty": True}}, {"a": " "}, False),
        ({"a": 1}, {"a": None}, False),
        # numbers vs numeric strings: both sides parsed as Python literals
        ({"a": 2020}, {"a": "2020"}, True),
        ({"a": "2020"}, {"a": 2020}, True),
        ({"a": 2020}, {"a": 2020.0}, True),
        ({"a": 1000}, {"a": "1e3"}, True),
        ({"a": 2020}, {"a": " 2020"}, True),
        ({"a": 1}, {"a": True}, True),
        ({"a": True}, {"a": "True"}, True),
        ({"a": True}, {"a": "true"}, True),
        ({"a": True}, {"a": "yes"}, False),
        ({"a": "true"}, {"a": True}, True),
        ({"a": {"$gt": 9}}, {"a": "10"}, True),
        ({"a": {"$gt": "9"}}, {"a": 10}, True),
        ({"a": {"$gt": 9}}, {"a": "abc"}, True),
        ({"a": {"$lt": 9}}, {"a": "abc"}, False),
        ({"a": {"$gte": 2.5}}, {"a": 2.5}, True),
        ({"a": {"$lte": 2.5}}, {"a": "2.6"}, False),
        ({"a": {"$gt": 1}}, {"a": "[2]"}, False),
        ({"a": {"$ne": 2020}}, {"a": "2020.0"}, False),
        # strings: case-insensitive, lexicographic when not both literals
        ({"a": "Alice"}, {"a": "alice"}, True),
        ({"a": "alice"}, {"a": "'alice'"}, False),
        ({"a": "'alice'"}, {"a": "'Alice'"}, True),
        ({"a": {"$gt": "b"}}, {"a": "C"}, True),
        ({"a": {"$lt": "b"}}, {"a": "A"}, True),
        ({"a": {"$ne": "X"}}, {"a": "x"}, False),
        # YYYY-MM-DD values compare as strings, non-dates never match
        ({"d": {"$gte": "2024-01-01"}}, {"d": "2024-06-30"}, True),
        ({"d": {"$lt": "2024-01-01"}}, {"d": "2023-12-31"}, True),
        ({"d": {"$lt": "2024-01-01"}}, {"d": "2023-1-31"}, False),
        ({"d": {"$gt": "2024-01-01"}}, {"d": "2024-06-30T00:00"}, False),
        ({"d": "2024-01-01"}, {"d": " 2024-01-01 "}, True),
        ({"d": {"$ne": "2024-01-01"}}, {"d": "soon"}, True),
        # text operators: case-insensitive on str(item)
        ({"a": {"$contains": "LI"}}, {"a": "Alice"}, True),
        ({"a": {"$contains": "z"}}, {"a": "Alice"}, False),
        ({"a": {"$contains": 5}}, {"a": 2025}, True),
        ({"a": {"$contains": "rue"}}, {"a": True}, True),
        ({"a": {"$not_contains": "z"}}, {"a": "Alice"}, True),
        ({"a": {"$startswith": "al"}}, {"a": "Alice"}, True),
        ({"a": {"$endswith": "CE"}}, {"a": "Alice"}, True),
        ({"a": {"$endswith": "li"}}, {"a": "Alice"}, False),
        ({"a": {"$contains": "b"}}, {"a": {"k": "b"}}, True),
        # lists: any item (items are str()-ed, one level)
        ({"t": "b"}, {"t": ["a", "B"]}, True),
        ({"t": "c"}, {"t": ["a", "b"]}, False),
        ({"t": {"$ne": "b"}}, {"t": ["a", "b"]}, False),
        ({"t": {"$ne": "c"}}, {"t": ["a", "b"]}, True),
        ({"t": {"$in": ["x", "b"]}}, {"t": ["a", "b"]}, True),
        ({"t": {"$nin": ["x", "b"]}}, {"t": ["a", "b"]}, False),
        ({"t": {"$contains": "b"}}, {"t": ["ab", "c"]}, True),
        ({"t": {"$not_contains": "b"}}, {"t": ["ab", "c"]}, False),
        ({"t": {"$gt": 2}}, {"t": [1, 3]}, True),
        ({"t": {"$lt": 1}}, {"t": [1, 3]}, False),
        ({"t": 1}, {"t": [[1]]}, False),
        ({"t": "[1]"}, {"t": [[1]]}, True),
        ({"t": {"$in": []}}, {"t": ["a"]}, False),
        ({"t": {"$nin": []}}, {}, True),
        # groups
        ({"a": 1, "b": 2}, {"a": 1, "b": 2}, True),
        ({"a": 1, "b": 2}, {"a": 1, "b": 3}, False),
        ({"$or": [{"a": 1}, {"b": 2}]}, {"b": 2}, True),
        ({"$not": {"$or": [{"a": 1}, {"b": 2}]}}, {"c": 1}, True),
    ],
)
def test_matches_truth_table(
    spec: dict[str, Any], meta: dict[str, Any] | None, expected: bool
) -> None:
    assert matches(spec, meta) is expected
    assert matches(parse_filter(spec), meta) is expected


def test_matches_empty_groups() -> None:
    assert matches(And(()), {}) is True
    assert matches(Or(()), {"a": 1}) is False
    assert matches(Not(Or(())), None) is True


def test_matches_validates_conditions() -> None:
    with pytest.raises(UnsupportedFilterError, match="'gt' on key 'a'"):
        matches(Condition("a", "gt", None), {"a": 1})
    with pytest.raises(UnsupportedFilterError, match="'between'"):
        matches(Or((Condition("a", "between", (1, 2)),)), {"a": 1})  # type: ignore[arg-type]


# -- plan_filter -----------------------------------------------------------------------


def test_plan_filter_routes() -> None:
    spec = {"author": "x", "year": {"$gte": 2020}}
    plan = plan_filter(spec, server_version=V27, document_ids_given=False)
    assert plan.local is None
    assert plan.metadata_condition == to_metadata_condition(spec, server_version=V27)

    plan = plan_filter(spec, server_version=V27, document_ids_given=True)
    assert plan == FilterPlan(metadata_condition=None, local=simplify(parse_filter(spec)))

    for version in [(0, 13, 0), (0, 20, 4), (0, 20, 5), (0, 26, 1)]:
        plan = plan_filter(spec, server_version=version, document_ids_given=False)
        assert plan.metadata_condition is None
        assert plan.local == And((c("author", "eq", "x"), c("year", "gte", 2020)))

    plan = plan_filter({"a": {"$ne": 1}}, server_version=V27, document_ids_given=False)
    assert plan == FilterPlan(metadata_condition=None, local=c("a", "ne", 1))

    plan = plan_filter({"n": 3}, server_version=V26, document_ids_given=False)
    assert plan.metadata_condition == {"logic": "and", "conditions": [_cond("n", "is", "3")]}
    assert plan.local is None
    assert METADATA_CONDITION_SINCE == (0, 20, 5)


def test_plan_filter_exactly_one_route() -> None:
    rng = random.Random(11)
    for _ in range(300):
        expr = _random_tree(rng, depth=2)
        for version in [(0, 20, 5), V26, V27]:
            for given in (False, True):
                plan = plan_filter(expr, server_version=version, document_ids_given=given)
                assert (plan.metadata_condition is None) != (plan.local is None)
                if given:
                    assert plan.metadata_condition is None


def test_plan_filter_empty_and_false_filters() -> None:
    assert plan_filter({}, server_version=V27, document_ids_given=False) == FilterPlan(None, None)
    assert plan_filter(And((And(()),)), server_version=V27, document_ids_given=True) == FilterPlan(
        None, None
    )
    assert plan_filter(Or(()), server_version=V27, document_ids_given=False) == FilterPlan(
        None, Or(())
    )
    with pytest.raises(UnsupportedFilterError, match=r"'\$where'"):
        plan_filter({"$where": "1"}, server_version=V27, document_ids_given=False)


# -- the server's algorithm, re-implemented from infiniflow/ragflow ----------------------
# api/db/services/doc_metadata_service.py `get_flatted_meta_by_kbs`, common/metadata_utils.py
# `convert_conditions` / `meta_filter` and api/apps/restful_apis/chunk_api.py `retrieval_test`
# (tags v0.26.2 and v0.27.0). Kept close to the original on purpose.

_CMP_OPS = ["=", "≠", ">", "<", "≥", "≤"]


def server_flatted_metas(docs: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    meta: dict[str, dict[str, list[str]]] = {}
    for doc_id, doc_meta in docs.items():
        for k, v in doc_meta.items():
            if k not in meta:
                meta[k] = {}
            values = v if isinstance(v, list) else [v]
            for vv in values:
                if vv is None:
                    continue
                sv = str(vv)
                if sv not in meta[k]:
                    meta[k][sv] = []
                meta[k][sv].append(doc_id)
    return meta


def server_convert_conditions(metadata_condition: dict[str, Any]) -> list[dict[str, Any]]:
    op_mapping = {"is": "=", "not is": "≠", ">=": "≥", "<=": "≤", "!=": "≠"}
    return [
        {
            "op": op_mapping.get(cond["comparison_operator"], cond["comparison_operator"]),
            "key": cond["name"],
            "value": cond["value"],
        }
        for cond in metadata_condition.get("conditions", [])
    ]


def _is_date_str(s: str) -> bool:
    return (
        len(s) == 10
        and s[4] == "-"
        and s[7] == "-"
        and s[:4].isdigit()
        and s[5:7].isdigit()
        and s[8:10].isdigit()
    )


def _normalize_string_values(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [item.lower() if isinstance(item, str) else item for item in value]
    return value


def _server_match(operator: str, input: Any, value: Any) -> bool:
    matched: Any = False
    try:
        if operator == "contains":
            matched = (
                str(input).find(value) >= 0
                if not isinstance(input, list)
                else any(str(i).find(value) >= 0 for i in input)
            )
        elif operator == "not contains":
            matched = (
                str(input).find(value) == -1
                if not isinstance(input, list)
                else all(str(i).find(value) == -1 for i in input)
            )
        elif operator == "in":
            matched = (
                input in value if not isinstance(input, list) else all(i in value for i in input)
            )
        elif operator == "not in":
            matched = (
                input not in value
                if not isinstance(input, list)
                else all(i not in value for i in input)
            )
        elif operator == "start with":
            matched = str(input).lower().startswith(str(value).lower())
        elif operator == "end with":
            matched = str(input).lower().endswith(str(value).lower())
        elif operator == "empty":
            matched = not input
        elif operator == "not empty":
            matched = bool(input)
        elif operator == "=":
            matched = input == value
        elif operator == "≠":
            matched = input != value
        elif operator == ">":
            matched = input > value
        elif operator == "<":
            matched = input < value
        elif operator == "≥":
            matched = input >= value
        elif operator == "≤":
            matched = input <= value
    except Exception:
        pass
    return bool(matched)


def server_filter_out_v027(v2docs: dict[str, list[str]], operator: str, value: Any) -> list[str]:
    ids: list[str] = []
    original_value = value
    for input, docids in v2docs.items():
        value = original_value
        if operator in _CMP_OPS:
            input_str = str(input).strip()
            value_str = str(value).strip()
            if _is_date_str(value_str):
                if _is_date_str(input_str):
                    input, value = input_str, value_str
                else:
                    continue
            else:
                try:  # noqa: SIM105 - as in the server
                    input, value = ast.literal_eval(input), ast.literal_eval(value)
                except Exception:
                    pass
                if isinstance(input, str):
                    input = input.lower()
                if isinstance(value, str):
                    value = value.lower()
        else:
            input = _normalize_string_values(input)
            value = _normalize_string_values(value)
        if _server_match(operator, input, value):
            ids.extend(docids)
    return ids


def server_filter_out_v026(v2docs: dict[str, list[str]], operator: str, value: Any) -> list[str]:
    ids: list[str] = []
    for input, docids in v2docs.items():
        if operator in _CMP_OPS:
            input_str = str(input).strip()
            value_str = str(value).strip()
            if _is_date_str(value_str):
                if _is_date_str(input_str):
                    input = input_str
                    value = value_str
                else:
                    continue
            else:
                try:
                    input = ast.literal_eval(input)
                    value = ast.literal_eval(value)
                except Exception:
                    pass
                if isinstance(input, str):
                    input = input.lower()
                if isinstance(value, str):
                    value = value.lower()
        else:
            input = _normalize_string_values(input)
            value = _normalize_string_values(value)
        if _server_match(operator, input, value):
            ids.extend(docids)
    return ids


def server_meta_filter(
    metas: dict[str, dict[str, list[str]]],
    filters: list[dict[str, Any]],
    logic: str,
    version: tuple[int, int, int],
) -> list[str]:
    filter_out = server_filter_out_v027 if version >= V27 else server_filter_out_v026
    doc_ids: set[str] | None = None
    for f in filters:
        k = f["key"]
        ids = [] if k not in metas else filter_out(metas[k], f["op"], f["value"])
        if doc_ids is None:
            doc_ids = set(ids)
        elif logic == "and":
            doc_ids = doc_ids & set(ids)
            if not doc_ids:
                return []
        else:
            doc_ids = doc_ids | set(ids)
    return list(doc_ids or [])


def server_retrieval_doc_ids(
    docs: dict[str, dict[str, Any]],
    metadata_condition: dict[str, Any],
    version: tuple[int, int, int],
) -> set[str]:
    """The documents a retrieval with ``metadata_condition`` (and no document_ids) searches."""
    metas = server_flatted_metas(docs)
    doc_ids = server_meta_filter(
        metas,
        server_convert_conditions(metadata_condition),
        metadata_condition.get("logic", "and"),
        version,
    )
    if not doc_ids and metadata_condition.get("conditions"):
        return set()  # the endpoint answers {"total": 0, "chunks": []}
    return set(doc_ids)


# -- random filters and metadata ---------------------------------------------------------

_KEYS = ["a", "b", "c"]
_STRINGS = [
    "alice",
    "Alice",
    "ALICE",
    "'alice'",
    "al",
    "ice",
    "bob",
    "",
    " ",
    "x y",
    "2020",
    "2020.0",
    " 2020",
    "2020 ",
    "1e3",
    "1000",
    "-5",
    "0x1f",
    "0X1F",
    "True",
    "true",
    "False",
    "None",
    "none",
    "[1, 2]",
    "(1,)",
    "{'k': 1}",
    "2024-01-31",
    "2023-12-01",
    " 2024-01-31",
    "2024-1-31",
    "2024-01-31T00:00",
    "b\\d",
    "nan",
    "inf",
    "1+2j",
    "café",
    "CAFÉ",
    "1_000",
]
_NUMBERS: list[Any] = [0, 1, -5, 3, 1000, 2020, 2020.0, 1.5, -0.5, 1e20, 10**30]
_SCALARS: list[Any] = [*_STRINGS, *_NUMBERS, True, False]


def _random_value(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.25:
        return [rng.choice([*_SCALARS, None]) for _ in range(rng.randint(0, 3))]
    if roll < 0.28:
        return rng.choice([{"k": "alice"}, [[1]], ["a,b"]])
    return rng.choice(_SCALARS)


def _random_metadata(rng: random.Random) -> dict[str, Any]:
    return {k: _random_value(rng) for k in _KEYS if rng.random() < 0.7}


def _random_condition(rng: random.Random) -> Condition:
    key = rng.choice(_KEYS)
    op: Any = rng.choice(
        [
            "eq",
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
    )
    if op in ("empty", "not_empty"):
        return Condition(key, op)
    if op in ("in", "nin"):
        return Condition(key, op, tuple(rng.choice(_SCALARS) for _ in range(rng.randint(0, 2))))
    pool: list[Any] = [*_STRINGS, *_NUMBERS]
    if op in ("eq", "ne"):
        pool += [True, False, None]
    return Condition(key, op, rng.choice(pool))


def _random_flat(rng: random.Random) -> FilterExpr:
    size = rng.randint(1, 3)
    if size == 1:
        return _random_condition(rng)
    kids = tuple(_random_condition(rng) for _ in range(size))
    return And(kids) if rng.random() < 0.5 else Or(kids)


def _random_tree(rng: random.Random, depth: int) -> FilterExpr:
    if depth == 0 or rng.random() < 0.35:
        return _random_condition(rng)
    roll = rng.random()
    if roll < 0.2:
        return Not(_random_tree(rng, depth - 1))
    kids = tuple(_random_tree(rng, depth - 1) for _ in range(rng.randint(1, 3)))
    return And(kids) if roll < 0.6 else Or(kids)


@pytest.mark.parametrize("version", [V26, (0, 26, 4), V27])
def test_server_algorithm_agrees_with_matches(version: tuple[int, int, int]) -> None:
    rng = random.Random(hash(version) & 0xFFFF)
    sent = 0
    for _ in range(4000):
        expr = _random_flat(rng)
        condition = to_metadata_condition(expr, server_version=version)
        if condition is None:
            continue
        sent += 1
        docs = {f"d{i}": _random_metadata(rng) for i in range(rng.randint(1, 6))}
        expected = {doc_id for doc_id, meta in docs.items() if matches(expr, meta)}
        # v0.26 depends on dict order: try every document order
        orders = itertools.permutations(docs) if version < V27 else [tuple(docs)]
        for order in itertools.islice(orders, 24):
            shuffled = {doc_id: docs[doc_id] for doc_id in order}
            got = server_retrieval_doc_ids(shuffled, condition, version)
            assert got == expected, (expr, condition, shuffled)
    assert sent > 400


def test_server_algorithm_single_values_exhaustive() -> None:
    """Every pool value against every stored value, one condition, both versions."""
    for version in (V26, V27):
        ops: list[Any] = ["eq", "gt", "gte", "lt", "lte", "contains", "starts_with", "ends_with"]
        for op in ops:
            for wanted in [*_STRINGS, *_NUMBERS, True, False]:
                if op not in ("eq",) and isinstance(wanted, bool):
                    continue
                expr = Condition("a", op, wanted)
                condition = to_metadata_condition(expr, server_version=version)
                if condition is None:
                    continue
                docs = {f"d{i}": {"a": v} for i, v in enumerate([*_SCALARS, None, [], ["", 1]])}
                expected = {d for d, meta in docs.items() if matches(expr, meta)}
                for order in (list(docs), list(reversed(docs))):
                    shuffled = {d: docs[d] for d in order}
                    assert server_retrieval_doc_ids(shuffled, condition, version) == expected, (
                        op,
                        wanted,
                    )


def test_v026_string_equality_would_be_inexact() -> None:
    """Why v0.26 gets no string `is`: the result depends on which stored value came first."""
    condition = {"logic": "and", "conditions": [_cond("a", "is", "true")]}
    docs: dict[str, dict[str, Any]] = {"d1": {"a": "x"}, "d2": {"a": True}}
    assert matches({"a": "true"}, {"a": True}) is True
    assert server_retrieval_doc_ids(docs, condition, V27) == {"d2"}
    assert server_retrieval_doc_ids(docs, condition, V26) == set()
    quoted = {"logic": "and", "conditions": [_cond("a", "is", "alice")]}
    assert server_retrieval_doc_ids({"d1": {"a": "'alice'"}}, quoted, V26) == {"d1"}
    assert server_retrieval_doc_ids({"d1": {"a": "'alice'"}}, quoted, V27) == set()
    assert to_metadata_condition({"a": "true"}, server_version=V26) is None


def test_server_negative_operators_differ_on_missing_keys() -> None:
    """Why ne/not_contains/empty stay local: the server never matches a missing key."""
    docs: dict[str, dict[str, Any]] = {"d1": {"a": "x"}, "d2": {"b": "y"}}
    for op, value in (("not is", "x"), ("not contains", "x"), ("empty", "")):
        condition = {"logic": "and", "conditions": [_cond("a", op, value)]}
        assert "d2" not in server_retrieval_doc_ids(docs, condition, V27)
    assert matches({"a": {"$ne": "x"}}, docs["d2"]) is True
    assert matches({"a": {"$not_contains": "x"}}, docs["d2"]) is True
    assert matches({"a": {"$exists": False}}, docs["d2"]) is True
