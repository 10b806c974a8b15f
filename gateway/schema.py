"""The GraphQL schema, composed from the per-area Query and Mutation classes."""

from __future__ import annotations

from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from gateway.mutations import Mutation
from gateway.queries import Query


def _is_unexpected(error: GraphQLError) -> bool:
    # Errors raised inside resolvers are bugs or outages: their text stays in the logs.
    # Parse, validation and variable errors describe the caller's request and are shown as
    # they are; they have no path (only execution errors do), though a variable that does not
    # coerce carries the scalar's error as its original error.
    return error.path is not None and error.original_error is not None


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[partial(MaskErrors, should_mask_error=_is_unexpected)],
    )


schema = build_schema()
