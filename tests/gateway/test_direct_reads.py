"""Fields read directly answer as graphql-core answers them, values and errors alike.

The HTTP layer's executor reads a field whose whole answer the document tells (scalars,
enums, objects of such fields, unions of such objects, lists of them, through attributes or
resolvers taking only `self`) directly; everything it does not expect goes the usual way. On
a small schema whose objects hold good and bad values (a null where none is allowed, a value
the scalar refuses, an exception, an enum member and a string that is none, an object of
another type, a union's member cast to another, a subclass of a member), the answer of
`run_checked` is the one graphql-core's own executor gives, with the same errors at the same
paths (masked as the gateway masks them).
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Annotated, Any, cast

import pytest
import strawberry
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    OperationDefinitionNode,
    execute,
    parse,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.api.context import Context
from gateway.fastpath.direct_reads import field_reader
from gateway.fastpath.execution import UNEXPECTED, is_unexpected, run_checked


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Part:
    label: str
    grams: int


@strawberry.type
class Place(Named):
    code: str


@strawberry.type
class Thing(Named):
    count: int
    ratio: float | None
    colour: Colour
    colours: list[Colour]
    maybe_colours: list[Colour] | None
    tags: list[str | None]

    parts: list[Part]
    spare: Part | None
    home: Place | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def heaviest(self) -> Part | None:
        return max(self.parts, key=lambda part: part.grams) if self.parts else None

    @strawberry.field
    def part_named(self, label: str) -> Part | None:
        return next((part for part in self.parts if part.label == label), None)

    @strawberry.field
    def asked_by(self, info: strawberry.Info) -> str:
        return type(info.context).__name__


def thing(**changes: Any) -> Thing:
    values: dict[str, Any] = {
        "name": "lamp",
        "count": 3,
        "ratio": 0.5,
        "colour": Colour.RED,
        "colours": [Colour.RED, Colour.BLUE],
        "maybe_colours": None,
        "tags": ["a", None],
        "parts": [Part(label="leg", grams=400), Part(label="shade", grams=250)],
        "spare": None,
        "home": Place(name="Lyon", code="69003"),
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
    thing(parts=[Part(label="leg", grams=400), Part(label=None, grams=1)]),  # type: ignore[arg-type]
    thing(spare=Part(label="bulb", grams="heavy")),  # type: ignore[arg-type]
    thing(home=Part(label="not a place", grams=0)),
    thing(parts=(Part(label="cord", grams=90),), spare=Part(label="bulb", grams=30), home=None),
    thing(parts="leg"),
    thing(parts=[]),
    # An int past 32 bits is refused; a bool where an Int goes is serialized as 1.
    thing(count=2**31, ratio=2.0**70),
    thing(count=True, name="stool", ratio=0),
]


Item = Annotated[Part | Place, strawberry.union("Item")]


@strawberry.type
class Shelf:
    label: str
    items: list[Item]
    spares: list[Item | None] | None = None


class SubPart(Part):
    """A member's class under another name: strawberry takes it for a Part."""


SHELVES = [
    Shelf(label="hall", items=[Part(label="hook", grams=50), Place(name="Lyon", code="69003")]),
    Shelf(label="empty", items=[], spares=[None, Place(name="Metz", code="57000")]),
    Shelf(label="stranger", items=[cast("Part", thing())]),
    Shelf(label="hole", items=[cast("Part", None)], spares=[Part(label="nut", grams=5)]),
    Shelf(label="cast", items=[strawberry.cast(Place, Part(label="peg", grams=1))]),
    Shelf(label="sub", items=[SubPart(label="pin", grams=2)]),
    Shelf(label="bad", items=[Part(label="bolt", grams=cast("int", "heavy"))]),
]


class LoosePart(Part):
    """A Part whose unknown attributes are all there: `__await__` too, to graphql-core."""

    def __getattr__(self, name: str) -> Any:
        return lambda: iter(())


def awaiting_part() -> Part:
    """A Part holding an `__await__` of its own: awaitable to graphql-core."""
    part = Part(label="spring", grams=3)
    part.__await__ = lambda: iter(())  # type: ignore[attr-defined]
    return part


@strawberry.type
class Bin:
    parts: list[Part | None]


@strawberry.type
class Query:
    @strawberry.field
    def bin(self) -> Bin:
        return Bin(
            parts=[Part(label="washer", grams=2), awaiting_part(), LoosePart(label="cog", grams=7)]
        )

    @strawberry.field
    def things(self) -> list[Thing | None]:
        return cast("list[Thing | None]", THINGS)

    @strawberry.field
    def shelves(self) -> list[Shelf | None]:
        return cast("list[Shelf | None]", SHELVES)

    @strawberry.field
    def named(self) -> list[Named]:
        return [thing(name="desk"), Place(name="Lyon", code="69003"), thing(name="rug")]


small = strawberry.Schema(query=Query, types=[Thing, Place])

EVERY_FIELD = """{ things { __typename name count ratio colour colours maybeColours tags shout
  alias: name again: colours } }"""
OBJECTS = """query Objects($all: Boolean!) { things { name
  parts { label grams kind: __typename } spare { label grams } home { code name __typename }
  heaviest { label } partNamed(label: "leg") { grams } askedBy
  sized: parts { grams grams } some: parts { label @include(if: $all) grams }
  named: home { ... on Place { code } } } }"""
UNIONS = """query Unions($all: Boolean!) { shelves { label
  items { __typename ... on Part { label grams } ...Named kind: __typename }
  spares { ... on Place { where: code } ... on Part { label } }
  picked: items { ... on Part @include(if: $all) { label } } } }
fragment Named on Named { name ... on Place { code } }"""
THROUGH_AN_INTERFACE = """{ named { ...Names ... on Place { code name } } }
fragment Names on Named { name ... on Thing { count name } }"""


def masked(errors: list[GraphQLError] | None) -> list[tuple[Any, str]]:
    return sorted(
        (error.path, UNEXPECTED if is_unexpected(error) else error.message)
        for error in errors or []
    )


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (EVERY_FIELD, None),
        (OBJECTS, {"all": True}),
        (OBJECTS, {"all": False}),
        (THROUGH_AN_INTERFACE, None),
        (UNIONS, {"all": True}),
        (UNIONS, {"all": False}),
    ],
    ids=["fields", "objects", "objects-skipping", "interface", "unions", "unions-skipping"],
)
async def test_the_answer_is_graphql_cores_own(
    document: str, variables: dict[str, Any] | None
) -> None:
    context = cast("Context", object())
    expected = execute(
        small._schema,
        parse(document),
        context_value=context,
        variable_values=variables,
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    assert not isinstance(expected, list)
    assert not hasattr(expected, "__await__")

    # Twice: the second run reads the fields from what the first one found out.
    for _ in range(2):
        found = await run_checked(
            small, parse(document), variables=variables, operation_name=None, context=context
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
    assert bad[:6] == [None] * 6
    assert sorted((e.path or [])[:2] for e in found.errors or []) == [
        ["things", i] for i in [*range(2, 9), 15]
    ]
    assert (bad[-2], bad[-1]["count"], bad[-1]["ratio"]) == (None, 1, 0.0)


async def test_objects_lists_of_them_and_plain_resolvers_are_read_with_their_errors() -> None:
    found = await run_checked(
        small,
        parse(OBJECTS),
        variables={"all": False},
        operation_name=None,
        context=cast("Context", object()),
    )

    assert found.data is not None
    answers = found.data["things"]
    assert answers[0] == {
        "name": "lamp",
        "parts": [
            {"label": "leg", "grams": 400, "kind": "Part"},
            {"label": "shade", "grams": 250, "kind": "Part"},
        ],
        "spare": None,
        "home": {"code": "69003", "name": "Lyon", "__typename": "Place"},
        "heaviest": {"label": "leg"},
        "partNamed": {"grams": 400},
        "askedBy": "object",
        "sized": [{"grams": 400}, {"grams": 250}],
        "some": [{"grams": 400}, {"grams": 250}],
        "named": {"code": "69003"},
    }
    # A tuple is a list; an empty list has no heaviest part.
    cord, empty = answers[12], answers[14]
    assert (cord["parts"], cord["spare"], cord["home"]) == (
        [{"label": "cord", "grams": 90, "kind": "Part"}],
        {"label": "bulb", "grams": 30},
        None,
    )
    assert (empty["parts"], empty["heaviest"]) == ([], None)
    # A null label in a non-null list, a grams the Int refuses in a nullable object, an
    # object of another type where a Place goes, and a string for a list: one error each.
    by_thing = {tuple((e.path or [])[:2]): e.message for e in found.errors or []}
    assert answers[9] is None
    assert answers[13] is None
    assert answers[10]["spare"] is None
    assert answers[11]["home"] is None
    assert {key[1] for key in by_thing if key[0] == "things" and int(key[1]) >= 9} == {
        9,
        10,
        11,
        13,
    }
    assert "Expected value of type 'Place'" in by_thing[("things", 11)]


async def test_a_value_awaitable_by_its_own_attributes_is_graphql_cores_to_answer() -> None:
    document = "{ bin { parts { label grams } } }"
    operation = parse(document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    (bin_node,) = operation.selection_set.selections
    assert isinstance(bin_node, FieldNode)
    assert bin_node.selection_set is not None
    (parts,) = bin_node.selection_set.selections
    assert isinstance(parts, FieldNode)
    bin_type = small._schema.get_type("Bin")
    assert isinstance(bin_type, GraphQLObjectType)
    assert field_reader(small._schema, bin_type, parts, {}) is not None
    context = cast("Context", object())
    awaited = execute(
        small._schema,
        parse(document),
        context_value=context,
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    assert not isinstance(awaited, ExecutionResult)
    expected = await awaited

    found = await run_checked(
        small, parse(document), variables=None, operation_name=None, context=context
    )

    # Neither the instance's own `__await__` nor a class computing its attributes is taken
    # for a plain value: both are awaited, as graphql-core awaits them, and fail there.
    assert found.data == expected.data
    assert found.data == {"bin": {"parts": [{"label": "washer", "grams": 2}, None, None]}}
    assert masked(found.errors) == masked(expected.errors)
    assert sorted((e.path or [])[2] for e in found.errors or []) == [1, 2]


def test_what_is_read_directly_and_what_goes_graphql_cores_way() -> None:
    operation = parse(OBJECTS).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    (things,) = operation.selection_set.selections
    assert isinstance(things, FieldNode)
    assert things.selection_set is not None
    thing_type = small._schema.get_type("Thing")
    assert isinstance(thing_type, GraphQLObjectType)
    direct = {
        (node.alias or node.name).value: field_reader(small._schema, thing_type, node, {})
        is not None
        for node in things.selection_set.selections
        if isinstance(node, FieldNode)
    }

    assert direct == {
        "name": True,
        "parts": True,
        "spare": True,
        "home": True,
        "heaviest": True,  # a resolver taking only self
        "partNamed": False,  # an argument
        "askedBy": False,  # the resolver takes info
        "sized": False,  # one key twice: graphql-core merges them
        "some": False,  # a directive
        "named": True,  # an inline fragment on its own type
    }
    # A root field never is: the gateway counts what those return.
    assert small._schema.query_type is not None
    assert field_reader(small._schema, small._schema.query_type, things, {}) is None


async def test_lists_of_unions_are_read_member_by_member_with_their_errors() -> None:
    found = await run_checked(
        small,
        parse(UNIONS),
        variables={"all": True},
        operation_name=None,
        context=cast("Context", object()),
    )

    assert found.data is not None
    hall, empty, stranger, hole, cast_, sub, bad = found.data["shelves"]
    assert hall["items"] == [
        {"__typename": "Part", "label": "hook", "grams": 50, "kind": "Part"},
        {"__typename": "Place", "name": "Lyon", "code": "69003", "kind": "Place"},
    ]
    assert (hall["spares"], hall["picked"]) == (None, [{"label": "hook"}, {}])
    assert (empty["items"], empty["spares"]) == ([], [None, {"where": "57000"}])
    assert hole is None
    # strawberry takes a member's subclass for the member; a Part cast to a Place is a
    # Place without a code, an object of no member's type an error.
    assert sub["items"] == [{"__typename": "Part", "label": "pin", "grams": 2, "kind": "Part"}]
    assert (stranger, cast_, bad) == (None, None, None)
    assert sorted((e.path or [])[1] for e in found.errors or []) == [2, 3, 4, 6]


def test_a_union_is_read_directly_unless_a_member_can_not_be() -> None:
    operation = parse(UNIONS).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    (shelves,) = operation.selection_set.selections
    assert isinstance(shelves, FieldNode)
    assert shelves.selection_set is not None
    shelf_type = small._schema.get_type("Shelf")
    assert isinstance(shelf_type, GraphQLObjectType)
    fragments = {
        d.name.value: d for d in parse(UNIONS).definitions if isinstance(d, FragmentDefinitionNode)
    }
    direct = {
        (node.alias or node.name).value: field_reader(small._schema, shelf_type, node, fragments)
        is not None
        for node in shelves.selection_set.selections
        if isinstance(node, FieldNode)
    }

    assert direct == {"label": True, "items": True, "spares": True, "picked": False}
    # A fragment spread the reader is not told of goes graphql-core's way.
    (_, items, *_) = shelves.selection_set.selections
    assert isinstance(items, FieldNode)
    assert field_reader(small._schema, shelf_type, items, {}) is None
