"""Input objects built from a plan made once per type, not worked out again per request.

strawberry turns a field's coerced arguments into its input classes with `convert_argument`,
which for every field of every input object, on every request, resolves the field's type
annotation, checks it against Maybe, Optional, list, scalar, lazy, enum and object in turn,
and converts its name: about a tenth of a product page's CPU. The answer depends on the type
alone, so `plan_inputs` works it out once per input class of the schema and hands strawberry
the result through the hook its input definitions offer for building themselves
(`StrawberryObjectDefinition.from_input`). What is built is what strawberry builds: the same
classes, the same defaults (None for a field without one), lists copied, None and UNSET kept
(tests/gateway/test_input_plans.py compares both on every input of the schema).

A type the plan does not know (Maybe, GlobalID, a class that builds itself) leaves its
class to strawberry. `plan_argument_conversion` does the same for a root field's arguments,
in place of strawberry's `convert_arguments`, which walks each argument's type per request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from graphql import GraphQLInputObjectType
from strawberry import UNSET
from strawberry.relay import GlobalID

from gateway.fastpath.compat import (
    GraphQLCoreConverter,
    InputContext,
    LazyType,
    StrawberryArgument,
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    core_schema,
    has_enum_definition,
    has_object_definition,
)
from gateway.fastpath.compat import is_leaf_type as _is_leaf_type

Convert = Callable[[Any], Any]
Build = Callable[[Mapping[str, Any]], Any]

# The build behind each `from_input` hook installed by `plan_inputs`: an argument of a planned
# class is built directly, where strawberry would call the hook with a context made for it.
_BUILDS: dict[Callable[..., Any], Build] = {}


class _Unplanned(Exception):
    """A type whose conversion stays strawberry's."""


def _as_is(value: Any) -> Any:
    return value


class _Planner:
    def __init__(self, schema: strawberry.Schema) -> None:
        self._registry = schema.schema_converter.scalar_registry
        self._names = schema.config.name_converter
        self.builders: dict[type, Callable[[Mapping[str, Any]], Any]] = {}
        # The input classes each class's plan calls on, and the classes being planned.
        self.refers: dict[type, set[type]] = {}
        self._planning: list[type] = []

    def convert(self, type_: StrawberryType | type) -> Convert:
        if isinstance(type_, StrawberryMaybe) or type_ is GlobalID:
            raise _Unplanned(type_)
        if isinstance(type_, StrawberryOptional):
            inner = self.convert(type_.of_type)

            def optional(value: Any) -> Any:
                return value if value is None or value is UNSET else inner(value)

            return optional
        if isinstance(type_, StrawberryList):
            of = type_.of_type
            if _is_leaf_type(of, self._registry) or (
                isinstance(of, StrawberryOptional) and _is_leaf_type(of.of_type, self._registry)
            ):
                # Copied: graphql-core hands every request the same default list.
                return _copied
            item = self.convert(of)

            def each(value: Any) -> Any:
                if value is None or value is UNSET:
                    return value
                return [item(x) for x in value]

            return each
        if isinstance(type_, LazyType):
            return self.convert(type_.resolve_type())
        if _is_leaf_type(type_, self._registry) or has_enum_definition(type_):
            return _as_is
        if has_object_definition(type_) and isinstance(type_, type):
            definition: StrawberryObjectDefinition = type_.__strawberry_definition__
            if not definition.is_input:
                raise _Unplanned(type_)
            if definition.from_input is None and self._planning:
                return self._object(type_)
            build = _BUILDS.get(definition.from_input) if definition.from_input else None
            if build is not None:
                return _built_by(build)
        raise _Unplanned(type_)

    def _object(self, cls: type) -> Convert:
        self.refers.setdefault(self._planning[-1], set()).add(cls)
        if cls not in self.builders and cls not in self._planning:
            self.add(cls)

        # Looked up when called: a class's plan may name itself.
        def build(value: Any) -> Any:
            if value is None or value is UNSET:
                return value
            return self.builders[cls](value)

        return build

    def add(self, cls: type) -> None:
        """Plan `cls` and the input classes it holds; _Unplanned if one is not plannable."""
        self._planning.append(cls)
        try:
            self.builders[cls] = self._plan(cls)
        finally:
            self._planning.pop()

    def complete(self) -> set[type]:
        """The classes whose plan, and the plans of all it calls on, were made."""
        done = set(self.builders)
        while True:
            broken = {c for c in done if not self.refers.get(c, set()) <= done}
            if not broken:
                return done
            done -= broken

    def _plan(self, cls: type) -> Callable[[Mapping[str, Any]], Any]:
        definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        unset = [
            f.python_name
            for f in definition.fields
            if f.default_value is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        fields = [
            (
                self._names.from_field(f),
                f.python_name,
                self.convert(f.resolve_type(type_definition=definition)),
            )
            for f in definition.fields
        ]

        def build(value: Mapping[str, Any]) -> Any:
            return cls(**_converted(fields, value, dict.fromkeys(unset)))

        return build


def _converted(
    steps: list[tuple[str, str, Convert]], values: Mapping[str, Any], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """`kwargs` with each GraphQL name given in `values` converted under its Python name."""
    for name, python_name, convert in steps:
        if name in values:
            kwargs[python_name] = convert(values[name])
    return kwargs


def _built_by(build: Build) -> Convert:
    def built(value: Any) -> Any:
        return value if value is None or value is UNSET else build(value)

    return built


def _copied(value: Any) -> Any:
    if value is None or value is UNSET:
        return value
    return list(value)


def input_classes(schema: strawberry.Schema) -> list[type]:
    """The schema's input classes, in the order of its type map."""
    found = []
    for graphql_type in core_schema(schema).type_map.values():
        if not isinstance(graphql_type, GraphQLInputObjectType):
            continue
        definition = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if isinstance(definition, StrawberryObjectDefinition) and definition.origin is not None:
            found.append(definition.origin)
    return found


def plan_inputs(schema: strawberry.Schema) -> list[type]:
    """Give every input class of the schema that the plan knows its plan; the classes."""
    planner = _Planner(schema)
    for cls in input_classes(schema):
        definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        if definition.from_input is not None or cls in planner.builders:
            continue
        try:
            planner.add(cls)
        except _Unplanned:
            continue
    # Hooked only now, and only where every plan a class calls on was made: a class whose
    # nested input stays strawberry's stays strawberry's too.
    done = planner.complete()
    planned = [cls for cls in input_classes(schema) if cls in done]
    for cls in planned:
        build = planner.builders[cls]
        cls.__strawberry_definition__.from_input = _hook(build)  # type: ignore[attr-defined]
    return planned


def _hook(build: Build) -> Callable[..., Any]:
    def from_input(_type: type, value: Mapping[str, Any], _context: InputContext) -> Any:
        return build(value)

    _BUILDS[from_input] = build
    return from_input


def plan_argument_conversion(
    schema: strawberry.Schema, arguments: list[StrawberryArgument]
) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """strawberry's `convert_arguments` for a field's arguments, planned once (after
    `plan_inputs`); None where an argument's type stays strawberry's to convert."""
    planner = _Planner(schema)
    names = schema.config.name_converter
    try:
        steps = [
            (names.from_argument(argument), argument.python_name, planner.convert(argument.type))
            for argument in arguments
        ]
    except _Unplanned:
        return None

    return lambda values: _converted(steps, values, {})
