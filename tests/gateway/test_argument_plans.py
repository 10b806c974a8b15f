"""Arguments coerced by a plan are graphql-core's own, and where it finds none, so does the plan.

Each document below puts variables and literals in the places the coercion rules treat apart
(a variable for a whole argument, inside an object, as a list's item, a single value where a
list goes, a null, an enum, a default of an argument and of an input field, a scalar that
parses its literal), and each is run with variable values that fill, omit or null them. The
plan's arguments equal `get_argument_values`'s; where graphql-core raises (a null where none
is allowed, a required field without a value), the plan answers None, so that graphql-core
coerces them and raises its own error.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    build_schema,
    parse,
)
from graphql.execution.values import get_argument_values, get_variable_values

from gateway.fastpath.argument_plans import plan_arguments
from tests.gateway.coercion_types import INPUT_TYPES

SCHEMA = build_schema(
    INPUT_TYPES
    + """
    type Query {
      f(x: Int, y: String, o: Outer, l: [String], n: [Int!], d: Int = 7, c: Colour,
        r: String!, e: Either, s: [[Int]]): String
    }
    """
)
QUERY = SCHEMA.query_type
assert QUERY is not None
FIELD = QUERY.fields["f"]

DOCUMENTS = {
    # Nullable variables where nulls are refused: the values decide, not validation.
    "variables": "query ($x: Int, $r: String) { f(x: $x, r: $r) }",
    "literals": 'query { f(x: 4, y: "why", c: BLUE, r: "r", l: "one", s: [[1], 2]) }',
    "object": 'query ($w: String, $b: String) { f(r: "r", o: {inner: {b: $b, c: [1, 2]}, '
    "word: $w}) }",
    "list items": 'query ($a: String, $b: String) { f(r: "r", l: [$a, "x", $b]) }',
    "non-null items": 'query ($i: Int) { f(r: "r", n: [1, $i]) }',
    "defaults": 'query ($d: Int) { f(r: "r", d: $d, o: {list: [{b: "b"}]}) }',
    "nulls": 'query { f(r: "r", x: null, o: {inner: null, tag: null}) }',
    "refused": 'query { f(r: "r", o: {inner: {a: 1}}) }',
    "one of": 'query { f(r: "r", e: {left: 1}) }',
}
VALUES = [
    {},
    {"x": 1, "r": "arr", "w": "word", "b": "bee", "a": "ay", "i": 5, "d": 9},
    {"x": None, "r": None, "w": None, "b": None, "a": None, "i": None, "d": None},
]


def graphql_cores(node: FieldNode, variables: Any) -> dict[str, Any] | None:
    try:
        return get_argument_values(FIELD, node, variables)
    except GraphQLError:
        return None


@pytest.mark.parametrize("name", list(DOCUMENTS))
@pytest.mark.parametrize("values", VALUES, ids=["none", "filled", "nulls"])
def test_the_plan_coerces_as_graphql_core(name: str, values: dict[str, Any]) -> None:
    operation = parse(DOCUMENTS[name]).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    (node,) = operation.selection_set.selections
    assert isinstance(node, FieldNode)
    given = {
        key: value
        for key, value in values.items()
        if any(d.variable.name.value == key for d in operation.variable_definitions or ())
    }
    variables = get_variable_values(SCHEMA, operation.variable_definitions or (), given)
    assert not isinstance(variables, list), variables
    expected = graphql_cores(node, variables)

    plan = plan_arguments(FIELD, node)

    if name == "one of":
        assert plan is None
        return
    assert plan is not None
    assert plan(variables) == expected
    # Run again: nothing of one request stays in the plan for the next.
    assert plan(variables) == expected


def test_what_the_plan_finds_for_a_product_page_literal() -> None:
    operation = parse(DOCUMENTS["object"]).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    (node,) = operation.selection_set.selections
    assert isinstance(node, FieldNode)
    variables = get_variable_values(
        SCHEMA, operation.variable_definitions or (), {"w": "word", "b": "bee"}
    )
    assert not isinstance(variables, list)

    plan = plan_arguments(FIELD, node)

    assert plan is not None
    assert plan(variables) == {
        "r": "r",
        "o": {"inner": {"a": 3, "b": "bee", "c": [1, 2]}, "tag": "RED", "word": "word"},
        "d": 7,
    }
