"""Fields answered without graphql-core's machinery per value: read and completed directly.

graphql-core completes every value of an answer through a path, a resolve info, strawberry's
resolver call and a type check: a checkout's answer has some 300 values in 30 objects, and
that machinery cost more than reading them. A field is read directly when everything under
it is known from the document: it reads an attribute (a basic field) or calls a plain
resolver (a method of its type taking only `self`: no arguments, no info, not async, no
extension, so no permission), and its type is a scalar, an enum, an object whose selected
fields are all read directly, a union each of whose members is such an object (its member
told by the value's class, as strawberry resolves it), or a list or non-null of those. The
fields selected are collected as graphql-core collects them, through inline fragments and
fragment spreads, but for directives, which are left to graphql-core.

Reading gives up on the whole field (NOT_READ) at anything it does not expect: a null where
none is allowed, an exception raised or returned, an awaitable, a value the scalar refuses,
a value its object type does not accept, a list that is no list or tuple. graphql-core then
answers the field the usual way, errors included: a plain resolver is called again then,
which is why only those that cannot take the context (so cannot act on the request) qualify.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from operator import attrgetter
from typing import Any, TypeGuard, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
)

from gateway.fastpath.compat import (
    GraphQLCoreConverter,
    StrawberryField,
    does_fragment_condition_match,
    get_strawberry_type_cast,
    optimized_is_awaitable,
)

# strawberry's check is graphql-core's, made cheaper for plain values; only its annotation
# is narrower.
IS_AWAITABLE = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)

NOT_READ: Any = object()
"""What a reader answers when graphql-core should answer the field instead."""

Reader = Callable[[Any], Any]
"""The field's completed value from its parent object, or NOT_READ."""

Fragments = Mapping[str, FragmentDefinitionNode]
"""The document's fragment definitions by name."""


def field_reader(
    schema: GraphQLSchema, parent: GraphQLObjectType, node: FieldNode, fragments: Fragments
) -> Reader | None:
    """How to answer `node` on `parent` directly; None when it must run the usual way.

    Root fields always run the usual way: the gateway wraps their resolvers (metrics count
    what they return), and they are one or two a request.
    """
    if parent in (schema.query_type, schema.mutation_type, schema.subscription_type):
        return None
    field = schema.get_field(parent, node.name.value)
    if field is None or field.args or node.arguments:
        return None
    get = _getter(field)
    complete = _completer(schema, field.type, node, fragments) if get is not None else None
    if get is None or complete is None:
        return None

    def read(source: Any) -> Any:
        try:
            return complete(get(source))
        except Exception:  # raised again where graphql-core locates it
            return NOT_READ

    return read


def _getter(field: GraphQLField) -> Callable[[Any], Any] | None:
    """The field's raw value from its parent object, as strawberry's resolver gets it."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    resolver = definition.base_resolver
    if resolver is None:
        # Set on strawberry's own attribute read, as opposed to a resolver given to the type.
        if not getattr(field.resolve, "_is_default", False):
            return None
        attribute, name = definition.default_resolver, definition.python_name
        if attribute is getattr:
            return attrgetter(name)
        return lambda source: attribute(source, name)
    plain = (
        resolver.self_parameter is not None
        and not resolver.is_async
        and not resolver.arguments
        and resolver.info_parameter is None
        and resolver.root_parameter is None
        and resolver.parent_parameter is None
    )
    if not plain:
        return None
    # What strawberry's `get_result` calls for a resolver that takes only `self`.
    return cast("Callable[[Any], Any]", resolver.wrapped_func)


def _completer(
    schema: GraphQLSchema, type_: GraphQLOutputType, node: FieldNode, fragments: Fragments
) -> Reader | None:
    """How to complete a value of `type_` selected by `node`; None when it can't be direct."""
    required = isinstance(type_, GraphQLNonNull)
    of = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    when_null = NOT_READ if required else None
    if isinstance(of, GraphQLScalarType | GraphQLEnumType):
        # Most values of an answer are leaves: their null check and serializing in one call.
        return _leaf(of, when_null)
    inner = _inner(schema, of, node, fragments)
    if inner is None:
        return None
    complete: Reader = inner

    def completed(value: Any) -> Any:
        return when_null if value is None else complete(value)

    return completed


def _inner(
    schema: GraphQLSchema, type_: GraphQLOutputType, node: FieldNode, fragments: Fragments
) -> Reader | None:
    """How to complete a value that is not null."""
    if isinstance(type_, GraphQLList):
        item = _completer(schema, type_.of_type, node, fragments)
        return None if item is None else _listed(item)
    if node.selection_set is None:
        return None
    if isinstance(type_, GraphQLObjectType):
        fields = collected(schema, type_, node.selection_set, fragments, set())
        return None if fields is None else object_reader(schema, type_, fields, fragments)
    if isinstance(type_, GraphQLUnionType):
        return union_reader(schema, type_, node.selection_set, fragments)
    # Interfaces: graphql-core resolves the object's type.
    return None


# The built-in scalars whose serializing gives a value of exactly these types back as it is
# (an int only within 32 bits, a float only finite).
_AS_IS: dict[GraphQLScalarType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
    GraphQLInt: int,
    GraphQLFloat: float,
}


def _int32(value: Any) -> bool:
    return bool(-(2**31) <= value < 2**31)


def _finite(value: Any) -> bool:
    return math.isfinite(value)


def _any(value: Any) -> bool:
    return True


def _leaf(type_: GraphQLScalarType | GraphQLEnumType, when_null: Any) -> Reader:
    serialize = type_.serialize
    as_is = _AS_IS.get(type_) if isinstance(type_, GraphQLScalarType) else None
    small = _int32 if as_is is int else _finite if as_is is float else _any

    def leaf(value: Any) -> Any:
        if value is None:
            return when_null
        if type(value) is as_is and small(value):
            return value
        if isinstance(value, Exception) or IS_AWAITABLE(value):
            return NOT_READ
        serialized = serialize(value)
        return NOT_READ if serialized is None or serialized is Undefined else serialized

    return leaf


def _named(name: str) -> Reader:
    return lambda _source: name


def _listed(item: Reader) -> Reader:
    def listed(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return NOT_READ
        items = [item(each) for each in value]
        return NOT_READ if any(each is NOT_READ for each in items) else items

    return listed


def collected(
    schema: GraphQLSchema,
    member: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: Fragments,
    spread: set[str],
) -> list[FieldNode] | None:
    """The fields selected on `member`, in order, as graphql-core collects them.

    None for what only graphql-core's collection handles: directives and fragments with
    variables of their own. A fragment spread twice is kept once, as graphql-core does.
    """
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if selection.directives:
            return None
        if isinstance(selection, FieldNode):
            found.append(selection)
            continue
        inner: SelectionSetNode
        if isinstance(selection, InlineFragmentNode):
            if not does_fragment_condition_match(schema, selection, member):
                continue
            inner = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or fragment.variable_definitions:
                return None
            if name in spread or not does_fragment_condition_match(schema, fragment, member):
                continue
            spread.add(name)
            inner = fragment.selection_set
        else:
            return None
        more = collected(schema, member, inner, fragments, spread)
        if more is None:
            return None
        found += more
    return found


def union_reader(
    schema: GraphQLSchema,
    union: GraphQLUnionType,
    selection_set: SelectionSetNode,
    fragments: Fragments,
) -> Reader | None:
    """Completes a member of `union` (not null) told by its Python class, as strawberry's
    type resolver tells it (a member's own class, nothing cast); None if a member cannot be
    read directly."""
    by_class: dict[type, Reader] = {}
    for member in union.types:
        definition = member.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        origin = getattr(definition, "origin", None)
        selected = collected(schema, member, selection_set, fragments, set())
        # Two members of one class: only strawberry's resolver can tell them apart.
        if not isinstance(origin, type) or origin in by_class or selected is None:
            return None
        read = object_reader(schema, member, selected, fragments)
        if read is None:
            return None
        by_class[origin] = read

    def complete(value: Any) -> Any:
        read = by_class.get(type(value))
        if read is None or get_strawberry_type_cast(value) is not None:
            return NOT_READ
        return read(value)

    return complete


def object_reader(
    schema: GraphQLSchema, type_: GraphQLObjectType, fields: list[FieldNode], fragments: Fragments
) -> Reader | None:
    """Completes an object of `type_` with `fields` (collected already), each read directly."""
    reads: list[tuple[str, Reader]] = []
    for selection in fields:
        # Directives are left to graphql-core's field collection.
        if selection.directives:
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        # The same key twice merges the two selections: graphql-core's collection does that.
        if any(key == kept for kept, _ in reads):
            return None
        if selection.name.value == "__typename":
            reads.append((key, _named(type_.name)))
            continue
        read = field_reader(schema, type_, selection, fragments)
        if read is None:
            return None
        reads.append((key, read))
    accepts = type_.is_type_of

    def completed(value: Any) -> Any:
        if isinstance(value, Exception) or IS_AWAITABLE(value):
            return NOT_READ
        # strawberry's own check reads no info; one of the type's own that does raises here
        # and the field goes the usual way.
        if accepts is not None and accepts(value, cast("Any", None)) is not True:
            return NOT_READ
        answer: dict[str, Any] = {}
        for key, read in reads:
            answer[key] = found = read(value)
            if found is NOT_READ:
                return NOT_READ
        return answer

    return completed
