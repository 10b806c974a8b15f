"""The GraphQL schema, composed from the per-area Query and Mutation classes."""

from __future__ import annotations

from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache
from strawberry.tools import merge_types

from gateway.metrics import count_outcomes
from gateway.mutations import Mutation
from gateway.queries import Query
from gateway.stock_feeds import StockFeedMutation
from gateway.trusted_documents import TrustedDocumentMutation
from gateway.validation_cache import ValidationByText, Validations


def _is_unexpected(error: GraphQLError) -> bool:
    # Errors raised inside resolvers are bugs or outages: their text stays in the logs.
    # Parse, validation and variable errors describe the caller's request and are shown as
    # they are; they have no path (only execution errors do), though a variable that does not
    # coerce carries the scalar's error as its original error. A GraphQLError raised on
    # purpose by a resolver (a missing scope) is meant for the caller.
    if isinstance(error.original_error, GraphQLError):
        return False
    return error.path is not None and error.original_error is not None


def build_schema() -> strawberry.Schema:
    built = strawberry.Schema(
        query=Query,
        mutation=merge_types("Mutation", (Mutation, TrustedDocumentMutation, StockFeedMutation)),
        extensions=[
            partial(MaskErrors, should_mask_error=_is_unexpected),
            # The HTTP layer has checked the document already; these spare a second parse
            # and a second validation.
            partial(ParserCache, maxsize=1024),
            partial(ValidationByText, validations=Validations(1024)),
        ],
    )
    count_outcomes(built._schema)
    return built


schema = build_schema()
