"""A request's variables coerced by a plan made once per operation, not walked per request.

graphql-core's `get_variable_values` looks up each variable's type in the schema, walks the
value once for its depth and again to coerce it, through `is_*_type` checks at every level:
a checkout's `DeliveryOptionsInput` costs it a few dozen calls. `plan_variables` resolves the
types once per operation and coerces each value as `coerce_input_value` does, in one walk.
Wherever that gives no value (a null where one is needed, a value the type refuses, a
required variable missing, nesting past graphql-core's limit) or raises (strawberry's oneOf
inputs refuse in their `out_type`), the plan answers None and
graphql-core coerces the variables itself, with its errors. Operations whose variables have
defaults are left to graphql-core altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
    VariableDefinitionNode,
    VariableValues,
    is_required_input_field,
)

from gateway.fastpath.compat import (
    MAX_NESTING_DEPTH,
    VariableValueSource,
    coerce_default_value,
    get_variable_signature,
    is_iterable,
)

Coerce = Callable[[Any, int], Any]
"""`coerce_input_value(value, type)` at a nesting depth; Undefined when it gives no value."""

VariablePlan = Callable[[dict[str, Any]], VariableValues | None]
"""The coerced variables of one request; None where graphql-core must coerce them."""


class _TooDeep(Exception):
    """Nested past graphql-core's limit: its own check answers (an error)."""


def plan_variables(
    schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]
) -> VariablePlan | None:
    """How to coerce an operation's variables; None when graphql-core must, always."""
    steps = []
    made: dict[int, Coerce] = {}
    for definition in definitions:
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError) or definition.default_value is not None:
            return None
        required = isinstance(signature.type, GraphQLNonNull)
        steps.append((signature.name, signature, required, _coercer(signature.type, made)))

    def variables(inputs: dict[str, Any]) -> VariableValues | None:
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        try:
            for name, signature, required, coerce in steps:
                value = inputs.get(name, Undefined)
                if value is Undefined:
                    if required:
                        return None
                    sources[name] = VariableValueSource(signature)
                    continue
                sources[name] = VariableValueSource(signature, value)
                found = coerce(value, 0)
                if found is Undefined:
                    return None
                coerced[name] = found
        except Exception:  # too deep, or an out_type refusing: graphql-core says what is wrong
            return None
        return VariableValues(sources, coerced)

    return variables


def _coercer(type_: GraphQLInputType, made: dict[int, Coerce]) -> Coerce:
    """The coercion of `type_`, made once per type (input objects may refer to themselves)."""
    known = made.get(id(type_))
    if known is not None:
        return known
    if isinstance(type_, GraphQLNonNull):
        coerce = _non_null(type_.of_type, made)
    elif isinstance(type_, GraphQLList):
        coerce = _list(type_.of_type, made)
    elif isinstance(type_, GraphQLInputObjectType):
        coerce = _object(type_, made)
    elif isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        coerce = _leaf(type_)
    else:  # pragma: no cover - validation admits input types only
        raise TypeError(f"not an input type: {type_}")
    made[id(type_)] = coerce
    return coerce


def _non_null(of_type: GraphQLInputType, made: dict[int, Coerce]) -> Coerce:
    inner = _coercer(of_type, made)

    def non_null(value: Any, depth: int) -> Any:
        return Undefined if value is None else inner(value, depth)

    return non_null


def _list(item_type: GraphQLInputType, made: dict[int, Coerce]) -> Coerce:
    item = _coercer(item_type, made)

    def listed(value: Any, depth: int) -> Any:
        if value is None:
            return None
        if depth >= MAX_NESTING_DEPTH:
            raise _TooDeep
        if not is_iterable(value):
            # A single value where a list goes is a list of one.
            one = item(value, depth + 1)
            return Undefined if one is Undefined else [one]
        coerced = []
        for entry in value:
            found = item(entry, depth + 1)
            if found is Undefined:
                return Undefined
            coerced.append(found)
        return coerced

    return listed


def _object(type_: GraphQLInputObjectType, made: dict[int, Coerce]) -> Coerce:
    # Field coercions are made at the first value: a field's type may be this very type.
    steps: list[tuple[str, str, Any, bool, Coerce, Any]] = []
    names: dict[str, Any] = {}
    build = type_.out_type
    one_of = type_.is_one_of

    def built(value: Any, depth: int) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            return Undefined
        if depth >= MAX_NESTING_DEPTH:
            raise _TooDeep
        if not steps:
            names.update(type_.fields)
            steps.extend(
                (
                    name,
                    field.out_name or name,
                    field,
                    is_required_input_field(field),
                    _coercer(field.type, made),
                    _default_of(field),
                )
                for name, field in type_.fields.items()
            )
        given = 0
        for name, entry in value.items():
            if entry is Undefined:
                continue
            given += 1
            if name not in names:
                return Undefined
        coerced: dict[str, Any] = {}
        for name, out, field, required, coerce, default in steps:
            entry = value.get(name, Undefined)
            if entry is Undefined:
                if required:
                    return Undefined
                if default is _UNKNOWN:
                    default = coerce_default_value(field)
                if default is not Undefined:
                    coerced[out] = default
                continue
            found = coerce(entry, depth + 1)
            if found is Undefined:
                return Undefined
            coerced[out] = found
        if one_of and (given != 1 or len(coerced) != 1 or next(iter(coerced.values())) is None):
            return Undefined
        return build(coerced)

    return built


_UNKNOWN: Any = object()


def _default_of(field: GraphQLInputField) -> Any:
    """The field's default as graphql-core coerces it (it keeps the value it made, so this
    is the very object it gives each time); _UNKNOWN where that raises, to raise per use."""
    try:
        return coerce_default_value(field)
    except Exception:
        return _UNKNOWN


def _leaf(type_: GraphQLScalarType | GraphQLEnumType) -> Coerce:
    parse = type_.coerce_input_value
    string = type_ is GraphQLString

    def leaf(value: Any, _depth: int) -> Any:
        if value is None:
            return None
        # The commonest input: graphql-core's String coercion gives a str back as it is.
        if string and type(value) is str:
            return value
        try:
            return parse(value)
        except Exception:
            return Undefined

    return leaf
