"""Fields read as attributes answer as graphql-core answers them, values and errors alike.

The HTTP layer's executor reads a field that holds a scalar or an enum (or a list of them)
directly; everything it does not expect goes the usual way. On a small schema whose objects
hold good and bad values (a null where none is allowed, a value the scalar refuses, an
exception, an enum member and a string that is none), the answer of `run_checked` is the one
graphql-core's own executor gives, with the same errors at the same paths (masked as the
gateway masks them).
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any, cast

import pytest
import strawberry
from graphql import GraphQLError, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.context import Context
from gateway.execution import UNEXPECTED, is_unexpected, run_checked


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Thing(Named):
    count: int
    ratio: float | None
    colour: Colour
    colours: list[Colour]
    maybe_colours: list[Colour] | None
    tags: list[str | None]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Place(Named):
    code: str


def thing(**changes: Any) -> Thing:
    values: dict[str, Any] = {
        "name": "lamp",
        "count": 3,
        "ratio": 0.5,
        "colour": Colour.RED,
        "colours": [Colour.RED, Colour.BLUE],
        "maybe_colours": None,
        "tags": ["a", None],
    }
    return Thing(**{**values, **changes})


THINGS = [
    thing(),
    thing(name="chair", ratio=None, colours=(Colour.BLUE,), maybe_colours=[Colour.RED]),
    thing(count="many"),
    thing(name=None),
    thing(colours=[Colour.RED, None]),
    thing(ratio=math.nan),
    thing(colour="green"),
    thing(count=ValueError("boom")),
    thing(colours="RED"),
]


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing | None]:
        return cast("list[Thing | None]", THINGS)

    @strawberry.field
    def named(self) -> list[Named]:
        return [thing(name="desk"), Place(name="Lyon", code="69003"), thing(name="rug")]


small = strawberry.Schema(query=Query, types=[Thing, Place])

EVERY_FIELD = """{ things { __typename name count ratio colour colours maybeColours tags shout
  alias: name again: colours } }"""
THROUGH_AN_INTERFACE = """{ named { ...Names ... on Place { code name } } }
fragment Names on Named { name ... on Thing { count name } }"""


def masked(errors: list[GraphQLError] | None) -> list[tuple[Any, str]]:
    return sorted(
        (error.path, UNEXPECTED if is_unexpected(error) else error.message)
        for error in errors or []
    )


@pytest.mark.parametrize(
    "document", [EVERY_FIELD, THROUGH_AN_INTERFACE], ids=["fields", "interface"]
)
async def test_the_answer_is_graphql_cores_own(document: str) -> None:
    context = cast("Context", object())
    expected = execute(
        small._schema,
        parse(document),
        context_value=context,
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    assert not isinstance(expected, list)
    assert not hasattr(expected, "__await__")

    # Twice: the second run reads the fields from what the first one found out.
    for _ in range(2):
        found = await run_checked(
            small, parse(document), variables=None, operation_name=None, context=context
        )

        assert found.data == expected.data
        assert masked(found.errors) == masked(expected.errors)


async def test_the_good_values_are_read_and_each_bad_one_is_an_error_at_its_path() -> None:
    found = await run_checked(
        small,
        parse(EVERY_FIELD),
        variables=None,
        operation_name=None,
        context=cast("Context", object()),
    )

    assert found.data is not None
    good, chair, *bad = found.data["things"]
    assert good == {
        "__typename": "Thing",
        "name": "lamp",
        "count": 3,
        "ratio": 0.5,
        "colour": "RED",
        "colours": ["RED", "BLUE"],
        "maybeColours": None,
        "tags": ["a", None],
        "shout": "LAMP",
        "alias": "lamp",
        "again": ["RED", "BLUE"],
    }
    assert (chair["ratio"], chair["colours"], chair["maybeColours"]) == (None, ["BLUE"], ["RED"])
    # A bad value of a nullable field nulls that field; of another, its object (the list's
    # items may be null). One error each, at its path.
    nan = bad.pop(3)
    assert (nan["name"], nan["ratio"]) == ("lamp", None)
    assert bad == [None] * 6
    assert sorted((e.path or [])[:2] for e in found.errors or []) == [
        ["things", i] for i in range(2, 9)
    ]
