"""A root field's resolver called as strawberry calls it, without its chain's per-call work.

strawberry calls a resolver through a chain it composes again on every call: a new Info, the
arguments converted, the field's extensions folded into partials, the permission extension
awaiting each check, then the resolver; the gateway then counts the result type
(`gateway.ops.metrics.Counting`). For a root field whose only extension is the permission check
and which no exception handler covers, `root_call` takes the same steps in one function:
the Info, the arguments converted (by `gateway.fastpath.input_plans` where it knows their
types, else by strawberry's own `convert_arguments`), each extension's `map_arguments`, the
checks (with the arguments strawberry gives them), the resolver, the count. A check that
does not answer True at once (False, or an awaitable) hands the call to strawberry's chain,
which answers it its own way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from strawberry.permission import PermissionExtension

from gateway.fastpath.compat import GraphQLCoreConverter, StrawberryField, convert_arguments
from gateway.fastpath.input_plans import plan_argument_conversion
from gateway.ops.metrics import Counting

RootCall = Callable[[Any, GraphQLResolveInfo[Any], dict[str, Any]], Any]
"""(root value, resolve info, coerced arguments) -> what the field's resolver returns."""


def root_call(schema: GraphQLSchema, field: GraphQLField) -> RootCall:
    """How to call the root field's resolver; graphql-core's way where not known better."""
    resolve = field.resolve
    assert resolve is not None, "only fields with resolvers are planned"
    lean = _lean_call(schema, field)
    if lean is not None:
        return lean

    def through(source: Any, info: GraphQLResolveInfo[Any], arguments: dict[str, Any]) -> Any:
        return resolve(source, info, **arguments)

    return through


def _lean_call(schema: GraphQLSchema, field: GraphQLField) -> RootCall | None:
    counting = field.resolve
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(counting, Counting) or not isinstance(definition, StrawberryField):
        return None
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    converter = getattr(strawberry_schema, "schema_converter", None)
    handlers = getattr(converter, "_get_field_exception_handlers", None)
    if strawberry_schema is None or converter is None or handlers is None or handlers(definition):
        return None
    base = definition.base_resolver
    if (
        base is None
        or not inspect.iscoroutinefunction(base.wrapped_func)
        or base.parent_parameter is not None
        or base.root_parameter is not None
    ):
        return None
    permissions = []
    for extension in definition.extensions:
        if not isinstance(extension, PermissionExtension):
            return None
        permissions += extension.permissions
    info_class = strawberry_schema.config.info_class
    config = strawberry_schema.config
    registry = converter.scalar_registry
    extensions = list(definition.extensions)
    declared = definition.arguments
    if any(argument.python_name == "info" for argument in declared):
        # strawberry's chain swaps such an argument for the Info: its way, not copied here.
        return None
    info_name = base.info_parameter.name if base.info_parameter is not None else None
    # strawberry's chain gives the checks the resolver's Info if it is not named `info`.
    info_for_checks = info_name if info_name != "info" else None
    takes_self = base.self_parameter is not None
    function = base.wrapped_func
    planned = plan_argument_conversion(strawberry_schema, declared)

    def lean(source: Any, info: GraphQLResolveInfo[Any], arguments: dict[str, Any]) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=definition)
        kwargs = (
            planned(arguments)
            if planned is not None
            else convert_arguments(
                arguments, declared, scalar_registry=registry, config=config, info=strawberry_info
            )
        )
        for extension in extensions:
            kwargs = extension.map_arguments(kwargs)
        if info_for_checks is not None:
            kwargs[info_for_checks] = strawberry_info
        for permission in permissions:
            allowed = permission.has_permission(source, strawberry_info, **kwargs)
            if allowed is not True:
                if inspect.iscoroutine(allowed):
                    allowed.close()
                return counting(source, info, **arguments)
        if info_name is not None:
            kwargs[info_name] = strawberry_info
        result = function(source, **kwargs) if takes_self else function(**kwargs)
        return counting.counted(result, info.context)

    return lean
