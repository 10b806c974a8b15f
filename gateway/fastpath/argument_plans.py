"""A field's arguments coerced by a plan made once per field node, not walked per request.

graphql-core coerces each argument literal on every request (`get_argument_values`), walking
it against its type: a product page's `near: {postcode: {country: "FR", postcode: $pc}}`
takes a score of calls, though only the variable in it changes. `plan_arguments` walks each
literal once, as `coerce_input_literal` does, deciding there what depends on the document
alone; per request it looks the variables up and builds the values. Wherever the answer is
no value (a null or a literal the type refuses, a required argument or field missing), the
plan answers None and graphql-core coerces the arguments itself, errors included. A oneOf
input, a scalar given a list or an object literal and a type that is not an input type are
left to graphql-core altogether.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    Undefined,
    ValueNode,
    VariableNode,
    VariableValues,
    is_required_argument,
    is_required_input_field,
)

from gateway.fastpath.compat import coerce_default_value

Coerce = Callable[[dict[str, Any]], Any]
"""The value from the coerced variables; Undefined where graphql-core finds no value."""

Arguments = Callable[[VariableValues], dict[str, Any] | None]
"""The coerced arguments; None where graphql-core must coerce them (to raise its error)."""


class _Unplanned(Exception):
    """A literal whose coercion stays graphql-core's."""


def plan_arguments(field: GraphQLField, node: FieldNode) -> Arguments | None:
    """How to coerce `node`'s arguments for `field`; None when graphql-core must, always."""
    given = {argument.name.value: argument for argument in node.arguments or ()}
    steps: list[tuple[str, GraphQLArgument, str | None, Coerce | None]] = []
    try:
        for name, argument in field.args.items():
            out = argument.out_name or name
            found = given.get(name)
            if found is None:
                if is_required_argument(argument):
                    return None
                steps.append((out, argument, None, None))
                continue
            value = found.value
            # A variable without a value leaves an optional argument to its default.
            missing = (
                value.name.value
                if isinstance(value, VariableNode) and not is_required_argument(argument)
                else None
            )
            steps.append((out, argument, missing, _literal(value, argument.type)))
    except _Unplanned:
        return None

    def arguments(variables: VariableValues) -> dict[str, Any] | None:
        values = variables.coerced
        coerced: dict[str, Any] = {}
        try:
            for out, argument, missing, coerce in steps:
                if coerce is None or (missing is not None and missing not in values):
                    _default(coerced, out, argument)
                    continue
                value = coerce(values)
                if value is Undefined:
                    return None
                coerced[out] = value
        except Exception:  # an invalid default, say: graphql-core says what is wrong
            return None
        return coerced

    return arguments


# The values a leaf literal may coerce to that are the same object for every request safely.
_IMMUTABLE = frozenset({str, int, float, bool, type(None), date, datetime, time, Decimal})


def _default(coerced: dict[str, Any], out: str, definition: Any) -> None:
    """An argument's or input field's default, if it has one, as graphql-core coerces it."""
    default = coerce_default_value(definition)
    if default is not Undefined:
        coerced[out] = default


def _constant(value: Any) -> Coerce:
    return lambda _values: value


def _literal(node: ValueNode, type_: GraphQLInputType) -> Coerce:
    """`coerce_input_literal(node, type_, variables)`, its branches taken once."""
    if isinstance(node, VariableNode):
        return _variable(node.name.value, required=isinstance(type_, GraphQLNonNull))
    if isinstance(type_, GraphQLNonNull):
        if isinstance(node, NullValueNode):
            return _constant(Undefined)
        return _literal(node, type_.of_type)
    if isinstance(node, NullValueNode):
        return _constant(None)
    if isinstance(type_, GraphQLList):
        return _list(node, type_.of_type)
    if isinstance(type_, GraphQLInputObjectType):
        return _object(node, type_)
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        return _leaf(node, type_)
    raise _Unplanned(type_)


def _variable(name: str, *, required: bool) -> Coerce:
    if not required:
        return lambda values: values.get(name, Undefined)

    def required_variable(values: dict[str, Any]) -> Any:
        value = values.get(name, Undefined)
        return Undefined if value is None else value

    return required_variable


def _list(node: ValueNode, item_type: GraphQLInputType) -> Coerce:
    if not isinstance(node, ListValueNode):
        # A single value where a list goes is a list of one.
        only = _literal(node, item_type)

        def one(values: dict[str, Any]) -> Any:
            value = only(values)
            return Undefined if value is Undefined else [value]

        return one
    nullable = not isinstance(item_type, GraphQLNonNull)
    items = [
        (
            _literal(item, item_type),
            item.name.value if nullable and isinstance(item, VariableNode) else None,
        )
        for item in node.values
    ]

    def many(values: dict[str, Any]) -> Any:
        coerced: list[Any] = []
        for coerce, variable in items:
            value = coerce(values)
            if value is Undefined:
                # A variable without a value within a list is a null there.
                if variable is not None:
                    held = values.get(variable, Undefined)
                    if held is None or held is Undefined:
                        coerced.append(None)
                        continue
                return Undefined
            coerced.append(value)
        return coerced

    return many


def _object(node: ValueNode, type_: GraphQLInputObjectType) -> Coerce:
    if not isinstance(node, ObjectValueNode):
        return _constant(Undefined)
    if type_.is_one_of:
        raise _Unplanned(type_)
    fields = type_.fields
    given = {field.name.value: field for field in node.fields}
    if any(name not in fields for name in given):
        return _constant(Undefined)
    steps: list[tuple[str, Any, bool, str | None, Coerce | None]] = []
    for name, field in fields.items():
        found = given.get(name)
        out = field.out_name or name
        required = is_required_input_field(field)
        if found is None:
            steps.append((out, field, required, None, None))
            continue
        variable = found.value.name.value if isinstance(found.value, VariableNode) else None
        steps.append((out, field, required, variable, _literal(found.value, field.type)))
    build = type_.out_type

    def built(values: dict[str, Any]) -> Any:
        coerced: dict[str, Any] = {}
        for out, field, required, variable, coerce in steps:
            if coerce is None or (
                variable is not None and values.get(variable, Undefined) is Undefined
            ):
                if required:
                    return Undefined
                _default(coerced, out, field)
                continue
            value = coerce(values)
            if value is Undefined:
                return Undefined
            coerced[out] = value
        return build(coerced)

    return built


def _leaf(node: ValueNode, type_: GraphQLScalarType | GraphQLEnumType) -> Coerce:
    if isinstance(node, ListValueNode | ObjectValueNode):
        # Such a literal may hold variables, which graphql-core replaces first.
        raise _Unplanned(node)
    literal = type_.coerce_input_literal
    if literal is not None:
        constant = node
        try:
            once = literal(constant)  # type: ignore[arg-type]
        except Exception:
            once = Undefined
        if once is Undefined or type(once) in _IMMUTABLE or isinstance(once, Enum):
            # What the document alone decides, and no caller can change: coerced once.
            return _constant(once)

        def coerced_literal(_values: dict[str, Any]) -> Any:
            try:
                return literal(constant)  # type: ignore[arg-type]
            except Exception:
                return Undefined

        return coerced_literal
    parse = type_.parse_literal

    def parsed(values: dict[str, Any]) -> Any:
        try:
            return parse(node, values)
        except Exception:
            return Undefined

    return parsed
