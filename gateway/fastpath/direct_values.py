"""Values completed directly: scalars and enums, and what graphql-core checks of any value.

Before it completes a value, graphql-core asks whether it is an exception (a resolver may
return one) and whether it is awaitable (a coroutine, an iterable coroutine, or anything with
an `__await__` attribute). The answer depends on the value's class alone, but for an
`__await__` in an instance's own `__dict__` and for classes that compute their attributes
(`__getattr__`, `__getattribute__`) or lie about their class (`__class__`): such classes are
never vetted. Asked per value, the checks are a few calls; a class's verdict is a lookup.
A leaf (a scalar or an enum) is answered as it is when its class says serializing would give
it back unchanged, an enum member by the name its type serialized it to once.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
    Undefined,
)

from gateway.fastpath.compat import GraphQLCoreConverter, optimized_is_awaitable

NOT_READ: Any = object()
"""What a reader answers when graphql-core should answer the field instead."""

Completer = Callable[[Any], Any]
"""A value completed, or NOT_READ; it may raise (its field's reader catches)."""

# The verdicts kept: more classes than this (made on the fly, say) are checked each time.
KEPT_CLASSES = 512

# Names whose presence in a class's own namespace makes its instances' attributes, or their
# class, something the class alone can't tell.
_DYNAMIC = ("__await__", "__getattr__", "__getattribute__", "__class__")

# Built-in classes whose namespaces show `__getattribute__` (their slot) though their lookup
# is the generic one: their own entries say nothing.
_GENERIC: frozenset[type] = frozenset({str, int, float, bool, date, datetime, time, Decimal})

_verdicts: dict[type, bool] = {}


def vetted(kind: type) -> bool:
    """Whether no instance of `kind` is an exception or awaitable to graphql-core, bar an
    `__await__` of the instance's own (see `plain`)."""
    verdict = _verdicts.get(kind)
    if verdict is None:
        verdict = not issubclass(kind, Exception | CoroutineType | GeneratorType) and not any(
            name in vars(base)
            for base in kind.__mro__[:-1]
            if base not in _GENERIC
            for name in _DYNAMIC
        )
        if len(_verdicts) < KEPT_CLASSES:
            _verdicts[kind] = verdict
    return verdict


def has_instance_dict(kind: type) -> bool:
    """Whether an instance of `kind` may hold attributes of its own (an `__await__`)."""
    return bool(kind.__dictoffset__)


def plain(value: Any) -> bool:
    """What `not (isinstance(value, Exception) or is_awaitable(value))` answers, cheaply
    for a value of a vetted class."""
    kind = type(value)
    if vetted(kind):
        return not kind.__dictoffset__ or "__await__" not in value.__dict__
    # graphql-core's own checks, in its order (isinstance may read a custom __class__,
    # hasattr may run a descriptor).
    return not isinstance(value, Exception) and not optimized_is_awaitable(value)


# The built-in scalars whose serializing gives a value of exactly these types back as it is
# (an int only within 32 bits, a float only finite).
_AS_IS: dict[GraphQLScalarType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
    GraphQLInt: int,
    GraphQLFloat: float,
}
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def exact_class(type_: GraphQLOutputType) -> type | None:
    """The class a value of `type_` is answered as it is whenever it is exactly of, with no
    check at all (a str for a String, a bool for a Boolean); None if there is none."""
    of = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    as_is = _AS_IS.get(of) if isinstance(of, GraphQLScalarType) else None
    return as_is if as_is is str or as_is is bool else None


def leaf_completer(type_: GraphQLScalarType | GraphQLEnumType, when_null: Any) -> Completer:
    serialize = type_.serialize

    def serialized(value: Any) -> Any:
        if value is None:
            return when_null
        if not plain(value):
            return NOT_READ
        answer = serialize(value)
        return NOT_READ if answer is None or answer is Undefined else answer

    as_is = _AS_IS.get(type_) if isinstance(type_, GraphQLScalarType) else None
    if as_is is int:

        def leaf_int(value: Any) -> Any:
            if type(value) is int and _INT_MIN <= value <= _INT_MAX:
                return value
            return serialized(value)

        return leaf_int
    if as_is is float:
        isfinite = math.isfinite

        def leaf_float(value: Any) -> Any:
            if type(value) is float and isfinite(value):
                return value
            return serialized(value)

        return leaf_float
    if as_is is not None:

        def leaf(value: Any) -> Any:
            return value if type(value) is as_is else serialized(value)

        return leaf
    names = _enum_names(type_) if isinstance(type_, GraphQLEnumType) else None
    if names:
        by_id = names

        def leaf_enum(value: Any) -> Any:
            name = by_id.get(id(value))
            return serialized(value) if name is None else name

        return leaf_enum
    return serialized


def _enum_names(type_: GraphQLEnumType) -> dict[int, str]:
    """The serialized name of each member of the Python enum behind `type_`, by the member's
    id: the members live as long as their class, which strawberry's definition of `type_`
    holds, so an id names one member for good."""
    definition = (type_.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    wrapped = getattr(definition, "wrapped_cls", None)
    if not isinstance(wrapped, type) or not issubclass(wrapped, enum.Enum):
        return {}
    names: dict[int, str] = {}
    for member in wrapped:
        try:
            name = type_.serialize(member)
        except Exception:  # a member the type refuses: serialized (and refused) each time
            continue
        if isinstance(name, str):
            names[id(member)] = name
    return names
