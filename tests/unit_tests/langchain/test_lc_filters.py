"""RAGFlowTranslator: LangChain structured queries to RAGFlow filter expressions."""

from __future__ import annotations

import pytest
from langchain_core.structured_query import (
    Comparator,
    Comparison,
    Operation,
    Operator,
    StructuredQuery,
)

from langchain_ragflow import RAGFlowRetriever, RAGFlowTranslator
from ragflow_integrations.filters import (
    And,
    Condition,
    Not,
    Or,
    UnsupportedFilterError,
    matches,
)

T = RAGFlowTranslator()


@pytest.mark.parametrize(
    ("comparator", "value", "expected"),
    [
        (Comparator.EQ, "alice", Condition("author", "eq", "alice")),
        (Comparator.NE, "alice", Condition("author", "ne", "alice")),
        (Comparator.GT, 2020, Condition("author", "gt", 2020)),
        (Comparator.GTE, 2020, Condition("author", "gte", 2020)),
        (Comparator.LT, 2020, Condition("author", "lt", 2020)),
        (Comparator.LTE, 2020, Condition("author", "lte", 2020)),
        (Comparator.CONTAIN, "ali", Condition("author", "contains", "ali")),
        (Comparator.IN, ["a", "b"], Condition("author", "in", ("a", "b"))),
        (Comparator.NIN, ["a"], Condition("author", "nin", ("a",))),
        (Comparator.IN, "a", Condition("author", "in", ("a",))),
    ],
)
def test_comparisons(comparator: Comparator, value: object, expected: Condition) -> None:
    assert Comparison(comparator=comparator, attribute="author", value=value).accept(T) == expected


def test_like_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedFilterError, match="'like'"):
        Comparison(comparator=Comparator.LIKE, attribute="author", value="a%").accept(T)


def test_bad_values_are_refused_by_the_core() -> None:
    with pytest.raises(UnsupportedFilterError, match="gt"):
        Comparison(comparator=Comparator.GT, attribute="year", value=[1, 2]).accept(T)


def test_operations_nest() -> None:
    expr = Operation(
        operator=Operator.AND,
        arguments=[
            Comparison(comparator=Comparator.EQ, attribute="author", value="alice"),
            Operation(
                operator=Operator.OR,
                arguments=[
                    Comparison(comparator=Comparator.GTE, attribute="year", value=2025),
                    Operation(
                        operator=Operator.NOT,
                        arguments=[
                            Comparison(comparator=Comparator.EQ, attribute="topic", value="x")
                        ],
                    ),
                ],
            ),
        ],
    ).accept(T)
    assert expr == And(
        (
            Condition("author", "eq", "alice"),
            Or((Condition("year", "gte", 2025), Not(Condition("topic", "eq", "x")))),
        )
    )
    assert matches(expr, {"author": "alice", "year": 2025, "topic": "x"})
    assert not matches(expr, {"author": "alice", "year": 2023, "topic": "x"})


def test_not_takes_one_argument() -> None:
    cond = Comparison(comparator=Comparator.EQ, attribute="a", value="b")
    with pytest.raises(UnsupportedFilterError, match="one argument"):
        Operation(operator=Operator.NOT, arguments=[cond, cond]).accept(T)


def test_dates_become_strings() -> None:
    value = {"type": "date", "date": "2024-01-31"}
    expr = Comparison(comparator=Comparator.GTE, attribute="published", value=value).accept(T)
    assert expr == Condition("published", "gte", "2024-01-31")
    assert matches(expr, {"published": "2024-02-01"})
    assert not matches(expr, {"published": "2023-12-31"})


def test_structured_query() -> None:
    query = StructuredQuery(
        query="chunking",
        filter=Comparison(comparator=Comparator.EQ, attribute="author", value="alice"),
        limit=2,
    )
    assert T.visit_structured_query(query) == (
        "chunking",
        {"filter": Condition("author", "eq", "alice")},
    )
    assert T.visit_structured_query(StructuredQuery(query="q", filter=None)) == ("q", {})


def test_retriever_accepts_every_filter_form() -> None:
    comparison = Comparison(comparator=Comparator.EQ, attribute="author", value="alice")
    assert RAGFlowRetriever(api_key="k", filter=comparison).filter == Condition(
        "author", "eq", "alice"
    )
    assert RAGFlowRetriever(api_key="k", filter={"year": {"$gte": 2024}}).filter == {
        "year": {"$gte": 2024}
    }
    with pytest.raises(ValueError, match=r"\$regex"):
        RAGFlowRetriever(api_key="k", filter={"name": {"$regex": "x"}})
