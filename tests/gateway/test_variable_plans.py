"""Variables coerced by a plan are graphql-core's own, and where it finds none, so does the plan.

Each variable set below fills, omits, nulls or spoils the variables of one operation whose
types reach every branch of the coercion rules: scalars and an enum, a list of lists, a
single value where a list goes, input objects with required and defaulted fields, a oneOf
input and a type that refers to itself. The plan's coerced values and sources equal
`get_variable_values`'s; where graphql-core reports errors, the plan answers None, so that
graphql-core coerces them and reports its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    OperationDefinitionNode,
    VariableDefinitionNode,
    VariableValues,
    build_schema,
    parse,
)
from graphql.execution.values import get_variable_values
from graphql.language.parser import MAX_NESTING_DEPTH

from gateway.fastpath.variable_plans import plan_variables
from tests.gateway.coercion_types import INPUT_TYPES

SCHEMA = build_schema(
    INPUT_TYPES
    + """
    input Tree { label: String!, children: [Tree!] }
    type Query {
      f(s: String, r: String!, i: Int, n: Float, b: Boolean, id: ID, c: Colour, o: Outer,
        l: [String], m: [[Int]], e: Either, t: Tree): String
    }
    """
)

OPERATION = """query ($s: String, $r: String!, $i: Int, $n: Float, $b: Boolean, $id: ID,
  $c: Colour, $o: Outer, $l: [String], $m: [[Int]], $e: Either, $t: Tree) {
  f(s: $s, r: $r, i: $i, n: $n, b: $b, id: $id, c: $c, o: $o, l: $l, m: $m, e: $e, t: $t) }"""


def _tree(depth: int) -> dict[str, Any]:
    tree: dict[str, Any] = {"label": "leaf"}
    for _ in range(depth):
        tree = {"label": "node", "children": [tree]}
    return tree


VALUES: dict[str, dict[str, Any]] = {
    "required only": {"r": "arr"},
    "filled": {
        "s": "ess",
        "r": "arr",
        "i": 7,
        "n": 2.5,
        "b": True,
        "id": 12,
        "c": "BLUE",
        "o": {"inner": {"b": "bee", "c": [1, None]}, "list": [{"b": "x", "a": None}]},
        "l": ["x", None],
        "m": [[1], 2, None],
        "e": {"right": "r"},
        "t": _tree(3),
    },
    "nulls": dict.fromkeys(("s", "i", "n", "b", "id", "c", "o", "l", "m", "e", "t")) | {"r": "arr"},
    "single value for a list": {"r": "arr", "l": "one", "o": {"list": {"b": "b"}}},
    "required missing": {"s": "ess"},
    "required null": {"r": None},
    "wrong scalar": {"r": "arr", "i": "seven"},
    "int past 32 bits": {"r": "arr", "i": 2**31},
    "bool for an int": {"r": "arr", "i": True},
    "float for a string": {"r": "arr", "s": 1.5},
    "unknown enum value": {"r": "arr", "c": "GREEN"},
    "object not a dict": {"r": "arr", "o": "outer"},
    "unknown field": {"r": "arr", "o": {"word": "w", "extra": 1}},
    "required field missing": {"r": "arr", "o": {"inner": {"a": 1}}},
    "null in a non-null list": {"r": "arr", "o": {"list": [None]}},
    "one of two": {"r": "arr", "e": {"left": 1, "right": "r"}},
    "one of null": {"r": "arr", "e": {"left": None}},
    "one of none": {"r": "arr", "e": {}},
    "deep but allowed": {"r": "arr", "t": _tree(MAX_NESTING_DEPTH // 2 - 1)},
    "too deep": {"r": "arr", "t": _tree(MAX_NESTING_DEPTH)},
}


def _definitions(text: str) -> tuple[VariableDefinitionNode, ...]:
    operation = parse(text).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.variable_definitions or ()


def _comparable(values: VariableValues) -> tuple[dict[str, Any], dict[str, Any]]:
    sources = {
        name: (source.signature.name, str(source.signature.type), source.value)
        for name, source in values.sources.items()
    }
    return sources, values.coerced


@pytest.mark.parametrize("name", list(VALUES))
def test_the_plan_coerces_as_graphql_core(name: str) -> None:
    definitions = _definitions(OPERATION)
    plan = plan_variables(SCHEMA, definitions)
    assert plan is not None
    expected = get_variable_values(SCHEMA, definitions, VALUES[name])
    found = plan(VALUES[name])
    if isinstance(expected, list):
        assert expected, "graphql-core reports at least one error"
        assert found is None
    else:
        assert found is not None
        assert _comparable(found) == _comparable(expected)


def test_the_cases_reach_both_answers() -> None:
    definitions = _definitions(OPERATION)
    answers = {
        name: isinstance(get_variable_values(SCHEMA, definitions, v), list)
        for name, v in VALUES.items()
    }
    refused = {name for name, errors in answers.items() if errors}
    assert "filled" not in refused
    assert "deep but allowed" not in refused
    assert {"required missing", "int past 32 bits", "one of two", "too deep"} <= refused


def test_coerced_values_are_graphql_cores_types() -> None:
    definitions = _definitions(OPERATION)
    plan = plan_variables(SCHEMA, definitions)
    assert plan is not None
    found = plan(VALUES["filled"])
    assert found is not None
    # ID coerces an int to its text, a list takes a single value as a list of one, and an
    # omitted defaulted field gets its default.
    assert found.coerced["id"] == "12"
    assert found.coerced["m"] == [[1], [2], None]
    assert found.coerced["o"]["tag"] == "RED"
    assert found.coerced["o"]["list"] == [{"b": "x", "a": None}]


def test_an_operation_with_a_default_is_left_to_graphql_core() -> None:
    definitions = _definitions("query ($i: Int = 4, $r: String!) { f(i: $i, r: $r) }")
    assert plan_variables(SCHEMA, definitions) is None


def test_an_unknown_variable_type_is_left_to_graphql_core() -> None:
    definitions = _definitions("query ($u: Unknown) { f(r: $u) }")
    assert plan_variables(SCHEMA, definitions) is None
