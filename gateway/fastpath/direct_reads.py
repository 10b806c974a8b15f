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
As any give-up below a field gives up the whole field, the completers under it let an
exception rise and only the field's reader catches it, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from operator import attrgetter
from typing import Any, TypeGuard, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
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
)

from gateway.fastpath.compat import (
    GraphQLCoreConverter,
    StrawberryField,
    does_fragment_condition_match,
    get_strawberry_type_cast,
    optimized_is_awaitable,
)
from gateway.fastpath.direct_values import (
    NOT_READ,
    Completer,
    exact_class,
    has_instance_dict,
    leaf_completer,
    plain,
    vetted,
)

# strawberry's check is graphql-core's, made cheaper for plain values; only its annotation
# is narrower.
IS_AWAITABLE = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)

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
    found = _field_steps(schema, parent, node, fragments)
    if found is None:
        return None
    get, exact, complete = found

    def read(source: Any) -> Any:
        try:
            value = get(source)
            return value if type(value) is exact else complete(value)
        except Exception:  # raised again where graphql-core locates it
            return NOT_READ

    return read


_Steps = tuple[Callable[[Any], Any], type | None, Completer]
"""A field's getter, the class whose values it answers as they are (or None), its completer."""


def _field_steps(
    schema: GraphQLSchema, parent: GraphQLObjectType, node: FieldNode, fragments: Fragments
) -> _Steps | None:
    if parent in (schema.query_type, schema.mutation_type, schema.subscription_type):
        return None
    field = schema.get_field(parent, node.name.value)
    if field is None or field.args or node.arguments:
        return None
    get = _getter(field)
    complete = _completer(schema, field.type, node, fragments) if get is not None else None
    if get is None or complete is None:
        return None
    return get, exact_class(field.type), complete


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
    plain_resolver = (
        resolver.self_parameter is not None
        and not resolver.is_async
        and not resolver.arguments
        and resolver.info_parameter is None
        and resolver.root_parameter is None
        and resolver.parent_parameter is None
    )
    if not plain_resolver:
        return None
    # What strawberry's `get_result` calls for a resolver that takes only `self`.
    return cast("Callable[[Any], Any]", resolver.wrapped_func)


def _completer(
    schema: GraphQLSchema, type_: GraphQLOutputType, node: FieldNode, fragments: Fragments
) -> Completer | None:
    """How to complete a value of `type_` selected by `node`; None when it can't be direct."""
    required = isinstance(type_, GraphQLNonNull)
    of = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    when_null = NOT_READ if required else None
    if isinstance(of, GraphQLScalarType | GraphQLEnumType):
        # Most values of an answer are leaves: their null check and serializing in one call.
        return leaf_completer(of, when_null)
    if isinstance(of, GraphQLList):
        item = _completer(schema, of.of_type, node, fragments)
        return None if item is None else _listed(item, when_null)
    if node.selection_set is None:
        return None
    if isinstance(of, GraphQLObjectType):
        fields = collected(schema, of, node.selection_set, fragments, set())
        if fields is None:
            return None
        return object_reader(schema, of, fields, fragments, when_null=when_null)
    if isinstance(of, GraphQLUnionType):
        return _union_completer(schema, of, node.selection_set, fragments, when_null)
    # Interfaces: graphql-core resolves the object's type.
    return None


def _named(name: str) -> Callable[[Any], Any]:
    return lambda _source: name


def _listed(item: Completer, when_null: Any) -> Completer:
    def listed(value: Any) -> Any:
        if value is None:
            return when_null
        if type(value) is not list and not isinstance(value, list | tuple):
            return NOT_READ
        items = []
        for each in value:
            found = item(each)
            if found is NOT_READ:
                return NOT_READ
            items.append(found)
        return items

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
    complete = _union_completer(schema, union, selection_set, fragments, NOT_READ)
    if complete is None:
        return None
    known: Completer = complete

    def read(value: Any) -> Any:
        try:
            return known(value)
        except Exception:  # raised again where graphql-core locates it
            return NOT_READ

    return read


def _union_completer(
    schema: GraphQLSchema,
    union: GraphQLUnionType,
    selection_set: SelectionSetNode,
    fragments: Fragments,
    when_null: Any,
) -> Completer | None:
    by_class: dict[type, Completer] = {}
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
        if value is None:
            return when_null
        read = by_class.get(type(value))
        if read is None or get_strawberry_type_cast(value) is not None:
            return NOT_READ
        return read(value)

    return complete


def object_reader(
    schema: GraphQLSchema,
    type_: GraphQLObjectType,
    fields: list[FieldNode],
    fragments: Fragments,
    *,
    when_null: Any = NOT_READ,
) -> Completer | None:
    """Completes an object of `type_` with `fields` (collected already), each read directly."""
    reads: list[tuple[str, Callable[[Any], Any], type | None, Completer]] = []
    for selection in fields:
        # Directives are left to graphql-core's field collection.
        if selection.directives:
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        # The same key twice merges the two selections: graphql-core's collection does that.
        if any(key == kept for kept, *_ in reads):
            return None
        if selection.name.value == "__typename":
            reads.append((key, _named(type_.name), str, leaf_completer(GraphQLString, NOT_READ)))
            continue
        steps = _field_steps(schema, type_, selection, fragments)
        if steps is None:
            return None
        reads.append((key, *steps))
    accepts = type_.is_type_of
    # Its values are mostly of the type's own class: vetted once, not checked per value.
    definition = type_.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    own: Any = origin if isinstance(origin, type) and vetted(origin) else None
    own_dict = own is not None and has_instance_dict(own)

    def completed(value: Any) -> Any:
        if value is None:
            return when_null
        if type(value) is not own:
            if not plain(value):
                return NOT_READ
        elif own_dict and "__await__" in value.__dict__:
            return NOT_READ  # awaitable to graphql-core
        # strawberry's own check reads no info; one of the type's own that does raises here
        # and the field goes the usual way.
        if accepts is not None and accepts(value, cast("Any", None)) is not True:
            return NOT_READ
        answer: dict[str, Any] = {}
        for key, get, exact, complete in reads:
            found = get(value)
            if type(found) is not exact:
                found = complete(found)
                if found is NOT_READ:
                    return NOT_READ
            answer[key] = found
        return answer

    return completed
