"""Running a document the HTTP layer has already parsed and checked.

strawberry's `Schema.execute` takes the document's text and runs its schema extensions around
every operation (parse cache, validation cache, error masking): per request that is a dozen
context managers and two cache lookups for work the HTTP layer has done once per document
text (`GraphQLEndpoint._check`). graphql-core's `execute` would still look through the
document for its operation and fragments on every call, and coerce the variables a second
time (the HTTP layer coerces them before execution, to refuse bad ones with a 400). So this
module builds strawberry's executor itself from a `CheckedDocument`, derived once per
document, and the variables the HTTP layer coerced; it runs it as `execute` does, then masks
unexpected errors with the schema's MaskErrors. The resolvers, the types and the executor
stay strawberry's and graphql-core's, but for two shortcuts. A field whose whole answer is
known from the document is read and completed directly (`_Executor.execute_field`, see
`gateway.fastpath.direct_reads`); and a query whose root fields all complete that way runs by a plan
made once per operation (`gateway.fastpath.root_reads`), without graphql-core's executor. Anything
either does not expect goes the usual way, which answers it as before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableValues,
    assert_valid_schema,
    default_field_resolver,
    default_type_resolver,
    get_variable_values,
)
from strawberry.extensions import MaskErrors

from gateway.fastpath.compat import (
    UNEXPECTED_EXPERIMENTAL_DIRECTIVES,
    UNEXPECTED_MULTIPLE_PAYLOADS,
    AwaitableOrValue,
    FieldDetailsList,
    FragmentDetails,
    GraphQLVariableSignature,
    Path,
    StrawberryGraphQLCoreExecutionContext,
    core_schema,
    get_variable_signature,
)
from gateway.fastpath.direct_reads import IS_AWAITABLE, Reader, field_reader
from gateway.fastpath.direct_values import NOT_READ
from gateway.fastpath.root_reads import RootPlan, plan_roots, run_plan
from gateway.fastpath.variable_plans import VariablePlan, plan_variables
from promise.memo import IdentityMemo

# Named as before the move to fastpath: log configurations select it by this name.
log = logging.getLogger("gateway.execution")

UNEXPECTED = "Unexpected error."
# graphql-core's `execute` caps the errors of coercing variables at this many.
_MAX_COERCION_ERRORS = 50


# What one document's runs remember about its nodes, at most (then it starts afresh).
MEMO_ENTRIES = 2_048


def _document_memo() -> IdentityMemo[Any]:
    return IdentityMemo(MEMO_ENTRIES)


@dataclass(frozen=True, slots=True)
class CheckedDocument:
    """What graphql-core's `Executor.build` derives from a document, derived once.

    `operations` maps each operation's name to it, and None to the document's only operation
    when it has one only. The executors of every run share the fragment dicts: they only
    read them. `memo` keeps what runs learn about the document's nodes (direct readers, root
    plans, lookaheads): it lives and dies with the document, so the document cache's bound
    is theirs too, and nothing keeps a document's nodes once the cache let it go.
    """

    document: DocumentNode
    operations: dict[str | None, OperationDefinitionNode]
    fragment_definitions: dict[str, FragmentDefinitionNode]
    fragments: dict[str, FragmentDetails]
    errors: list[GraphQLError]
    memo: IdentityMemo[Any] = field(default_factory=_document_memo)

    def operation_errors(self, operation_name: str | None) -> list[GraphQLError]:
        """graphql-core's own request errors when `operation_name` names no operation."""
        if operation_name is not None:
            return [GraphQLError(f"Unknown operation named '{operation_name}'.")]
        if any(isinstance(d, OperationDefinitionNode) for d in self.document.definitions):
            return [
                GraphQLError("Must provide operation name if query contains multiple operations.")
            ]
        return [GraphQLError("Must provide an operation.")]


def check_document(schema: GraphQLSchema, document: DocumentNode) -> CheckedDocument:
    """The document's operations and fragments, as `Executor.build` finds them."""
    # `execute` checks the schema on every call; it never changes, so once per document is
    # as safe.
    assert_valid_schema(schema)
    if schema.get_directive("defer") or schema.get_directive("stream"):
        raise GraphQLError(UNEXPECTED_EXPERIMENTAL_DIRECTIVES)
    operations: dict[str | None, OperationDefinitionNode] = {}
    definitions: dict[str, FragmentDefinitionNode] = {}
    fragments: dict[str, FragmentDetails] = {}
    errors: list[GraphQLError] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if definition.name is not None:
                operations[definition.name.value] = definition
        elif isinstance(definition, FragmentDefinitionNode):
            name = definition.name.value
            definitions[name] = definition
            signatures: dict[str, GraphQLVariableSignature] | None = None
            if definition.variable_definitions:
                signatures = {}
                for variable in definition.variable_definitions:
                    signature = get_variable_signature(schema, variable)
                    if isinstance(signature, GraphQLError):
                        errors.append(signature)
                    else:
                        signatures[signature.name] = signature
            fragments[name] = FragmentDetails(definition, signatures)
    found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(found) == 1:
        operations[None] = found[0]
    return CheckedDocument(document, operations, definitions, fragments, errors)


def is_unexpected(error: GraphQLError) -> bool:
    """Raised inside a resolver by a bug or an outage: its text stays in the logs.

    Parse, validation and variable errors describe the caller's request and are shown as they
    are; they have no path (only execution errors do), though a variable that does not coerce
    carries the scalar's error as its original error. A GraphQLError raised on purpose by a
    resolver (a missing scope) is meant for the caller.
    """
    if isinstance(error.original_error, GraphQLError):
        return False
    return error.path is not None and error.original_error is not None


_READER = ("reader",)
_PLAN = ("plan",)
_VARIABLES = ("variables",)


class _Executor(StrawberryGraphQLCoreExecutionContext):
    # The document's memo: direct readers by field node and parent type, in a tuple, as no
    # direct read (None) is an answer too.
    memo: IdentityMemo[Any]

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        # Fields of one key selected twice merge their selections: graphql-core's to do.
        if len(field_details_list) == 1:
            node = field_details_list[0].node
            kept: tuple[Reader | None] | None = self.memo.get((node, parent_type), _READER)
            if kept is None:
                reader = field_reader(self.schema, parent_type, node, self.fragment_definitions)
                kept = self.memo.put((node, parent_type), _READER, (reader,))
            read = kept[0]
            if read is not None:
                value = read(source)
                if value is not NOT_READ:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


# The schema's own masking, applied here to the errors of a checked document's run.
_MASK = MaskErrors(should_mask_error=is_unexpected, error_message=UNEXPECTED)


async def run_checked(
    schema: strawberry.Schema,
    document: DocumentNode | CheckedDocument,
    *,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: object,
    coerced: VariableValues | None = None,
) -> ExecutionResult:
    """Execute a parsed, validated document; unexpected errors logged, then masked.

    `coerced` is `variables` already coerced for the operation (the HTTP layer coerces them
    to refuse bad ones before anything runs); without it they are coerced here, as the HTTP
    layer coerces them (`gateway.fastpath.variable_plans`, else graphql-core).
    """
    result = await _run(schema, document, variables, operation_name, context, coerced)
    if result.errors:
        errors: list[GraphQLError] = []
        for error in result.errors:
            if is_unexpected(error):
                log.error("%s", error, exc_info=error.original_error)
                error = _MASK.anonymise_error(error)
            errors.append(error)
        result.errors = errors
    return result


async def _run(
    schema: strawberry.Schema,
    document: DocumentNode | CheckedDocument,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: object,
    coerced: VariableValues | None,
) -> ExecutionResult:
    """What graphql-core's `execute` answers, request errors included."""
    graphql_schema = core_schema(schema)
    checked = (
        document
        if isinstance(document, CheckedDocument)
        else check_document(graphql_schema, document)
    )
    operation = checked.operations.get(operation_name)
    if operation is None:
        return ExecutionResult(None, checked.operation_errors(operation_name))
    if checked.errors:
        return ExecutionResult(None, checked.errors)
    if coerced is None:
        # As the HTTP layer coerces them: by the operation's plan, else by graphql-core.
        planned: tuple[VariablePlan | None] | None = checked.memo.get(
            (operation, graphql_schema), _VARIABLES
        )
        if planned is None:
            definitions = operation.variable_definitions or ()
            planned = checked.memo.put(
                (operation, graphql_schema),
                _VARIABLES,
                (plan_variables(graphql_schema, definitions),),
            )
        coerce = planned[0]
        coerced = coerce(variables or {}) if coerce is not None else None
    if coerced is None:
        values = get_variable_values(
            graphql_schema,
            operation.variable_definitions or (),
            variables or {},
            max_errors=_MAX_COERCION_ERRORS,
        )
        if isinstance(values, list):
            return ExecutionResult(None, values)
        coerced = values
    run = _Run(graphql_schema, checked, context, operation, coerced)
    # By operation node and schema; in a tuple, as no plan (None) is an answer too.
    kept: tuple[RootPlan | None] | None = checked.memo.get((operation, graphql_schema), _PLAN)
    if kept is None:
        plan = plan_roots(graphql_schema, operation, checked.fragment_definitions)
        kept = checked.memo.put((operation, graphql_schema), _PLAN, (plan,))
    if kept[0] is not None:
        return await run_plan(kept[0], run, _fallen_back)
    return await _executed(run.executor())


class _Run:
    """What a root plan's run reads of an executor (`gateway.fastpath.root_reads`), the
    executor itself built only when needed: graphql-core's sets up on construction the state
    of incremental delivery and error collection, which a planned run never uses. The resolve
    infos are the executor's own, their async helpers handing work to the executor."""

    __slots__ = (
        "_built",
        "_checked",
        "async_helpers",
        "context_value",
        "fragment_definitions",
        "operation",
        "root_value",
        "schema",
        "variable_values",
    )
    abort_signal = None
    operation_extensions = None
    is_awaitable = staticmethod(IS_AWAITABLE)

    def __init__(
        self,
        schema: GraphQLSchema,
        checked: CheckedDocument,
        context: object,
        operation: OperationDefinitionNode,
        coerced: VariableValues,
    ) -> None:
        self.schema = schema
        self.fragment_definitions = checked.fragment_definitions
        self.root_value = None
        self.operation = operation
        self.variable_values = coerced
        self.context_value = context
        self.async_helpers = GraphQLResolveInfoHelpers(gather=self._gather, track=self._track)
        self._checked = checked
        self._built: _Executor | None = None

    def executor(self) -> _Executor:
        """The executor of this run, built on first use."""
        if self._built is None:
            checked = self._checked
            executor = _Executor(
                self.schema,
                checked.fragment_definitions,
                checked.fragments,
                self.root_value,
                self.context_value,
                self.operation,
                self.variable_values,
                default_field_resolver,
                default_type_resolver,
                default_field_resolver,
                is_awaitable=IS_AWAITABLE,
            )
            executor.memo = checked.memo
            self._built = executor
        return self._built

    def build_resolve_info(
        self,
        field_def: GraphQLField,
        field_nodes: list[FieldNode],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo[Any]:
        # strawberry's, reading only the attributes this run has as the executor has them.
        build = StrawberryGraphQLCoreExecutionContext.build_resolve_info
        return build(self, field_def, field_nodes, parent_type, path)  # type: ignore[arg-type]

    def _gather(self, values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return self.executor().gather_async_work(values)

    def _track(self, values: Sequence[Any]) -> None:
        self.executor().track_async_work(values)


async def _fallen_back(run: _Run, middleware: Any) -> ExecutionResult:
    return await _executed(run.executor(), middleware)


async def _executed(executor: _Executor, middleware: Any = None) -> ExecutionResult:
    if middleware is not None:
        executor.middleware_manager = middleware
    result = executor.execute_operation()
    if IS_AWAITABLE(result):
        result = await result
    if not isinstance(result, ExecutionResult):
        # As `execute`: the schema defines no @defer or @stream, so this is never served.
        raise GraphQLError(UNEXPECTED_MULTIPLE_PAYLOADS)
    return result
