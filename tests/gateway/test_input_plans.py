"""Every input class of the schema is built from its plan exactly as strawberry builds it.

Values are drawn from the GraphQL input types themselves, as graphql-core hands them to a
resolver after coercion (Python enum members, dates, nested dicts, optional fields present or
absent, null where the type allows it); each one is built once through the plan and once by
strawberry's own `convert_argument` with the plans unhooked, and the two must be equal.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument, convert_arguments
from strawberry.types.field import StrawberryField

from gateway.api.schema import schema
from gateway.api.types.inputs import DeliveryOptionsInput
from gateway.fastpath.input_plans import input_classes, plan_argument_conversion

CLASSES = input_classes(schema)
SCALARS: dict[str, Callable[[random.Random], Any]] = {
    "String": lambda r: r.choice(["OAK-CHAIR", "69003", "", "é"]),
    "ID": lambda r: f"alloc-{r.randrange(1000)}",
    "Int": lambda r: r.randrange(-3, 50),
    "Float": lambda r: r.uniform(-90, 90),
    "Boolean": lambda r: r.random() < 0.5,
    "Date": lambda r: date(2026, 11, 23) + timedelta(days=r.randrange(30)),
    "DateTime": lambda r: (
        datetime(2026, 11, 23, 9, tzinfo=UTC) + timedelta(minutes=r.randrange(9999))
    ),
}


def draw(r: random.Random, type_: GraphQLInputType, *, nullable: bool = True) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return draw(r, type_.of_type, nullable=False)
    if nullable and r.random() < 0.15:
        return None
    if isinstance(type_, GraphQLList):
        return [draw(r, type_.of_type) for _ in range(r.randrange(3))]
    if isinstance(type_, GraphQLEnumType):
        return r.choice(list(type_.values.values())).value
    if isinstance(type_, GraphQLScalarType):
        return SCALARS[type_.name](r)
    assert isinstance(type_, GraphQLInputObjectType)
    value = {}
    for name, field in type_.fields.items():
        required = isinstance(field.type, GraphQLNonNull) and field.default_value is None
        if required or r.random() < 0.6:
            value[name] = draw(r, field.type)
    return value


@contextlib.contextmanager
def unhooked() -> Iterator[None]:
    hooks = {cls: cls.__strawberry_definition__.from_input for cls in CLASSES}  # type: ignore[attr-defined]
    for cls in CLASSES:
        cls.__strawberry_definition__.from_input = None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for cls, hook in hooks.items():
            cls.__strawberry_definition__.from_input = hook  # type: ignore[attr-defined]


def built(cls: type, value: Any) -> Any:
    return convert_argument(value, cls, schema.schema_converter.scalar_registry, schema.config)


def test_every_input_class_of_the_schema_has_a_plan() -> None:
    assert len(CLASSES) >= 13
    assert DeliveryOptionsInput in CLASSES
    assert all(cls.__strawberry_definition__.from_input is not None for cls in CLASSES)  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_a_planned_input_equals_strawberrys_own(cls: type) -> None:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    graphql_type = schema._schema.type_map[schema.config.name_converter.from_type(definition)]
    assert isinstance(graphql_type, GraphQLInputObjectType)
    r = random.Random(cls.__name__)
    for _ in range(60):
        value = draw(r, graphql_type, nullable=False)
        planned = built(cls, value)
        with unhooked():
            reference = built(cls, value)
        assert type(planned) is cls
        assert planned == reference, value


def test_a_list_given_by_the_caller_is_copied_not_shared() -> None:
    lines = [{"sku": "OAK-CHAIR", "quantity": 1}]
    kinds: list[Any] = []
    value = {
        "lines": lines,
        "destination": {"postcode": {"postcode": "69003", "country": "FR"}},
        "kinds": kinds,
    }

    found = built(DeliveryOptionsInput, value)

    assert found.kinds == []
    assert found.kinds is not kinds
    assert [(line.sku, line.quantity) for line in found.lines] == [("OAK-CHAIR", 1)]


def root_fields() -> list[tuple[str, StrawberryField, GraphQLField]]:
    found = []
    for type_name in ("Query", "Mutation"):
        graphql_type = schema._schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        for name, field in graphql_type.fields.items():
            definition = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
            if definition.arguments:
                found.append((f"{type_name}.{name}", definition, field))
    return found


@pytest.mark.parametrize("root", root_fields(), ids=lambda root: root[0])
def test_a_root_fields_arguments_planned_equal_strawberrys_conversion(
    root: tuple[str, StrawberryField, GraphQLField],
) -> None:
    name, field, graphql_field = root
    planned = plan_argument_conversion(schema, field.arguments)
    assert planned is not None, f"{name}: every argument type of the schema is planned"
    r = random.Random(name)
    for _ in range(60):
        values = {
            argument: draw(r, definition.type)
            for argument, definition in graphql_field.args.items()
            if isinstance(definition.type, GraphQLNonNull) or r.random() < 0.7
        }
        reference = convert_arguments(
            values,
            field.arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )
        assert planned(values) == reference, values
