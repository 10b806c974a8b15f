"""The GraphQL schema, composed from the per-area Query and Mutation classes and the
live answers' Subscription."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import strawberry
from strawberry.extensions import MaskErrors, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.tools import merge_types

from gateway.api.channel_stock import ChannelStockQuery
from gateway.api.collect_stores import CollectStoresQuery
from gateway.api.listing import ListingQuery
from gateway.api.mutations import Mutation
from gateway.api.promise_watches import PromiseWatchMutation
from gateway.api.queries import Query
from gateway.api.scalars import DATETIME
from gateway.api.stock_feeds import StockFeedMutation
from gateway.api.subscriptions import Subscription
from gateway.api.trusted_documents import TrustedDocumentMutation
from gateway.api.webhooks import WebhookMutation, WebhookQuery
from gateway.fastpath.compat import core_schema
from gateway.fastpath.execution import UNEXPECTED, is_unexpected
from gateway.fastpath.input_plans import plan_inputs
from gateway.fastpath.validation_cache import ValidationByText, Validations
from gateway.ops.metrics import count_outcomes


class KeptNames(NameConverter):
    """strawberry's names, each worked out once.

    strawberry converts the Python name of every argument of a field to its GraphQL name on
    every call of the field (`convert_arguments`): ~1% of a product page's worker CPU in
    `to_camel_case`. The names are the schema's, a fixed set.
    """

    def __init__(self) -> None:
        super().__init__(auto_camel_case=True)
        self._names: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        found = self._names.get(name)
        if found is None:
            found = self._names[name] = super().apply_naming_config(name)
        return found


def build_schema() -> strawberry.Schema:
    built = strawberry.Schema(
        query=merge_types(
            "Query", (Query, ListingQuery, CollectStoresQuery, ChannelStockQuery, WebhookQuery)
        ),
        mutation=merge_types(
            "Mutation",
            (
                Mutation,
                TrustedDocumentMutation,
                StockFeedMutation,
                WebhookMutation,
                PromiseWatchMutation,
            ),
        ),
        subscription=Subscription,
        extensions=[
            partial(MaskErrors, should_mask_error=is_unexpected, error_message=UNEXPECTED),
            # In-process callers (tests, scripts, the in-process benchmark) come through
            # Schema.execute; the HTTP layer runs its checked documents itself
            # (gateway/fastpath/execution.py) and masks errors the same way.
            partial(ParserCache, maxsize=1024),
            partial(ValidationByText, validations=Validations(1024)),
        ],
        scalar_overrides={datetime: DATETIME},
        config=StrawberryConfig(name_converter=KeptNames()),
    )
    count_outcomes(core_schema(built))
    plan_inputs(built)
    return built


schema = build_schema()
