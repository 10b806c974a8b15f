"""Query operations whose root fields are completed without graphql-core's executor.

A product page's operation is two root fields whose results are unions (`availability`,
`deliveryOptions`). graphql-core runs them by collecting the root fields, building a resolve
info per field, wrapping each awaitable result in a completion coroutine gathered as a task,
then resolving each union member's type and collecting its sub-fields again: per request,
work the document alone decides. For an operation whose every root field can be completed
directly (`gateway.fastpath.direct_reads`) for every type its result may take, a plan made once per
operation says how; per request, the resolvers are called as graphql-core calls them (the
executor's own resolve info, the same arguments coerced by `gateway.fastpath.argument_plans`, all
started before any is awaited; through `gateway.fastpath.root_calls`, which spares strawberry's
per-call chain) and their results completed by the plan.

Whatever the plan does not expect (arguments that do not coerce, a resolver that raises, a
value of a class no member of the union is, a value a reader gives up on) hands the whole
operation to graphql-core's executor with the results already found: no resolver runs
twice, and the answer, errors included, is graphql-core's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import CoroutineType
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
    get_argument_values,
)

from gateway.fastpath.argument_plans import Arguments, plan_arguments
from gateway.fastpath.compat import Path
from gateway.fastpath.direct_reads import IS_AWAITABLE, Reader, union_reader
from gateway.fastpath.direct_values import NOT_READ
from gateway.fastpath.root_calls import RootCall, root_call

Resolve = Callable[..., Any]


class _Raised:
    """A resolver's exception, kept to be raised again where graphql-core calls it."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


@dataclass(frozen=True, slots=True)
class RootField:
    key: str
    node: FieldNode
    # What graphql-core's resolve info holds of the field, the same for every request.
    nodes: list[FieldNode]
    path: Path
    field: GraphQLField
    arguments: Arguments | None
    call: RootCall
    complete: Reader


@dataclass(frozen=True, slots=True)
class RootPlan:
    """How each root field of one query operation is resolved and completed."""

    fields: tuple[RootField, ...]
    typename_keys: tuple[str, ...]
    # The response keys in the document's order.
    order: tuple[str, ...]


def plan_roots(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> RootPlan | None:
    """The plan of a query operation; None when graphql-core's executor must run it."""
    root = schema.query_type
    if operation.operation is not OperationType.QUERY or operation.directives or root is None:
        return None
    fields: list[RootField] = []
    typenames: list[str] = []
    order: list[str] = []
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        if key in order:
            return None
        order.append(key)
        if selection.name.value == "__typename":
            typenames.append(key)
            continue
        field = schema.get_field(root, selection.name.value)
        if field is None or field.resolve is None:
            return None
        complete = _union_reader(schema, field.type, selection, fragments)
        if complete is None:
            return None
        fields.append(
            RootField(
                key,
                selection,
                [selection],
                Path(None, key, root.name),
                field,
                plan_arguments(field, selection),
                root_call(schema, field),
                complete,
            )
        )
    return RootPlan(tuple(fields), tuple(typenames), tuple(order))


def _union_reader(
    schema: GraphQLSchema,
    type_: GraphQLOutputType,
    node: FieldNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> Reader | None:
    """Completes a union's member by its Python class; None if a member cannot be read."""
    required = isinstance(type_, GraphQLNonNull)
    union = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(union, GraphQLUnionType) or node.selection_set is None:
        return None
    read = union_reader(schema, union, node.selection_set, fragments)
    if read is None:
        return None
    when_null = NOT_READ if required else None

    def complete(value: Any) -> Any:
        return when_null if value is None else read(value)

    return complete


class _Given:
    """graphql-core's middleware hook, answering root fields with the results found."""

    def __init__(self, found: dict[str, Any]) -> None:
        self._found = found

    def get_field_resolver(self, resolve: Resolve) -> Resolve:
        found = self._found

        def given(source: Any, info: Any, **arguments: Any) -> Any:
            path = info.path
            if path.prev is None and path.key in found:
                value = found[path.key]
                if isinstance(value, _Raised):
                    raise value.error
                return value
            return resolve(source, info, **arguments)

        return given


async def run_plan(
    plan: RootPlan,
    executor: Any,
    fallback: Callable[[Any, Any], Awaitable[ExecutionResult]],
) -> ExecutionResult:
    """The operation's answer; `fallback(executor, middleware)` runs graphql-core's.

    `executor` is graphql-core's, or a stand-in with what of it a run reads (its schema,
    variables and root value, and `build_resolve_info`), given as it is to `fallback`."""
    root = executor.schema.query_type
    found: dict[str, Any] = {}
    waiting: list[tuple[str, Awaitable[Any]]] = []
    for entry in plan.fields:
        info = executor.build_resolve_info(entry.field, entry.nodes, root, entry.path)
        try:
            planned = entry.arguments
            arguments = None if planned is None else planned(executor.variable_values)
            if arguments is None:
                # graphql-core's own coercion, and its error when there is no value.
                arguments = (
                    get_argument_values(entry.field, entry.node, executor.variable_values)
                    if entry.field.args or entry.node.arguments
                    else {}
                )
            result = entry.call(executor.root_value, info, arguments)
        except Exception as error:
            found[entry.key] = _Raised(error)
            continue
        if IS_AWAITABLE(result):
            waiting.append((entry.key, result))
        else:
            found[entry.key] = result
    if waiting:
        settled = await _settled([awaited for _, awaited in waiting])
        for (key, _), value in zip(waiting, settled, strict=True):
            if isinstance(value, BaseException) and not isinstance(value, Exception):
                raise value  # cancelled, or the process stopping: not a field's error
            found[key] = _Raised(value) if isinstance(value, Exception) else value
    data: dict[str, Any] = {}
    completed: dict[str, Any] = dict.fromkeys(plan.typename_keys, root.name)
    for entry in plan.fields:
        value = found[entry.key]
        answer = NOT_READ if isinstance(value, _Raised) else entry.complete(value)
        if answer is NOT_READ:
            return await fallback(executor, _Given(found))
        completed[entry.key] = answer
    for key in plan.order:
        data[key] = completed[key]
    return ExecutionResult(data, None)


async def _settled(awaitables: Sequence[Awaitable[Any]]) -> list[Any]:
    """Each awaitable's result or its error, all run at once. As graphql-core's gather, the
    fields after the first run as tasks of their own, started before the first, in order;
    the first runs in this task rather than one more (a gather adds a task and a future)."""
    loop = asyncio.get_running_loop()
    # What ensure_future does with a coroutine (the resolvers' results), without its checks.
    others = [
        loop.create_task(awaitable)
        if type(awaitable) is CoroutineType
        else asyncio.ensure_future(awaitable)
        for awaitable in awaitables[1:]
    ]
    settled: list[Any] = []
    try:
        for awaitable in (awaitables[0], *others):
            try:
                settled.append(await awaitable)
            except Exception as error:
                settled.append(error)
    finally:
        for task in others:  # left only when this one was cancelled or stopped
            task.cancel()
    return settled
