"""The store picker's query: the stores that can serve a cart by click & collect."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.domain_errors import EXPECTED, as_problem
from gateway.api.types.collect_stores import CollectStore, CollectStores
from gateway.api.types.inputs import CartLineInput, DestinationInput, checked_first
from gateway.api.types.problems import (
    AddressNotFound,
    DestinationNotServed,
    GeocoderUnavailable,
    InvalidInput,
    TemporarilyUnavailable,
    UnknownPostcode,
    UnknownSku,
    UnknownStore,
)
from gateway.service.collect_stores import collect_stores
from gateway.service.disclosure import disclosure_for
from gateway.service.geocoding import resolve_destination
from promise.cart import checked_cart
from promise.errors import InvalidInput as DomainInvalidInput

MAX_STORES = 50
DEFAULT_STORES = 10
MAX_COLLECT_LINES = 50

CollectStoresResult = Annotated[
    CollectStores
    | InvalidInput
    | AddressNotFound
    | GeocoderUnavailable
    | UnknownSku
    | UnknownPostcode
    | UnknownStore
    | DestinationNotServed
    | TemporarilyUnavailable,
    strawberry.union("CollectStoresResult"),
]


@strawberry.type
class CollectStoresQuery:
    @strawberry.field(
        description=(
            "The click & collect stores nearest `near` that can serve the cart (at most "
            f"`first`, {DEFAULT_STORES} by default, {MAX_STORES} at most), nearest first: "
            "address, opening hours, which lines are on the shelves, when the order is "
            "ready and a quote token to commit collect there."
        ),
        permission_classes=[needs(Scope.PROMISE_READ)],
    )
    async def collect_stores(
        self,
        info: Info,
        lines: list[CartLineInput],
        near: DestinationInput,
        first: int = DEFAULT_STORES,
    ) -> CollectStoresResult:
        service = info.context.service
        network = service.network
        try:
            checked_first(first, maximum=MAX_STORES)
            if len(lines) > MAX_COLLECT_LINES:
                raise DomainInvalidInput(
                    f"a cart has at most {MAX_COLLECT_LINES} lines", field="lines"
                )
            cart = checked_cart(
                [(line.sku, line.quantity) for line in lines], network.skus, field="lines"
            )
            platform = info.context.platform
            where = await resolve_destination(
                near, network, platform.geocoder if platform is not None else None, field="near"
            )
            found = await collect_stores(
                service,
                cart,
                where.destination,
                first=first,
                client_id=info.context.client_id,
                channel=info.context.channel,
            )
        except EXPECTED as error:
            return as_problem(error)  # type: ignore[return-value]
        disclosure = disclosure_for(
            service,
            info.context.client_id,
            info.context.channel,
            exact=info.context.exact_stock,
        )
        return CollectStores(
            stores=[CollectStore.from_domain(answer, network, disclosure) for answer in found]
        )
