"""Running a document the HTTP layer has already parsed and checked.

strawberry's `Schema.execute` takes the document's text and runs its schema extensions around
every operation (parse cache, validation cache, error masking): per request that is a dozen
context managers and two cache lookups for work the HTTP layer has done once per document
text (`GraphQLEndpoint._check`). The resolvers, the types and the executor stay strawberry's
and graphql-core's; this module only calls graphql-core's `execute` with strawberry's
execution context, then masks unexpected errors with the schema's MaskErrors.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard, cast

import strawberry
from graphql import DocumentNode, ExecutionResult, GraphQLError, execute
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import MaskErrors
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.context import Context

log = logging.getLogger(__name__)

UNEXPECTED = "Unexpected error."
# strawberry's check is graphql-core's, made cheaper for plain values; only its annotation
# is narrower.
_IS_AWAITABLE = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)


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


# The schema's own masking, applied here to the errors of a checked document's run.
_MASK = MaskErrors(should_mask_error=is_unexpected, error_message=UNEXPECTED)


async def run_checked(
    schema: strawberry.Schema,
    document: DocumentNode,
    *,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: Context,
) -> ExecutionResult:
    """Execute a parsed, validated document; unexpected errors logged, then masked."""
    result = execute(
        schema._schema,
        document,
        variable_values=variables,
        operation_name=operation_name,
        context_value=context,
        is_awaitable=_IS_AWAITABLE,
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    if isinstance(result, Awaitable):
        result = await result
    if not isinstance(result, ExecutionResult):
        # The schema defines no @defer or @stream: only a plain result can come back.
        raise TypeError(f"incremental results are not served: {type(result).__name__}")
    if result.errors:
        errors: list[GraphQLError] = []
        for error in result.errors:
            if is_unexpected(error):
                log.error("%s", error, exc_info=error.original_error)
                error = _MASK.anonymise_error(error)
            errors.append(error)
        result.errors = errors
    return result
