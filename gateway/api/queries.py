"""Read operations: availability, delivery options, an allocation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from carriers.echo import shown
from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.domain_errors import EXPECTED, as_problem
from gateway.api.lookahead import selects_below
from gateway.api.short_carts import short_cart_answer
from gateway.api.texts.shopper import Shopper, shopper_of
from gateway.api.types.allocation import Allocation
from gateway.api.types.availability import Availability, SkuAvailability
from gateway.api.types.inputs import DeliveryOptionsInput, DestinationInput, checked_first
from gateway.api.types.options import DeliveryOptions
from gateway.api.types.problems import (
    AddressNotFound,
    AllocationNotFound,
    DestinationNotServed,
    GeocoderUnavailable,
    InvalidInput,
    NothingInStock,
    ProblemCode,
    TemporarilyUnavailable,
    TooHeavy,
    UnknownPostcode,
    UnknownSku,
    UnknownStore,
    spoken,
    unavailable,
)
from gateway.api.types.resolved_destination import ResolvedDestination
from gateway.service.destinations import Placed
from gateway.service.disclosure import disclosure_for
from gateway.service.geocoding import resolve_destination
from gateway.service.shared_reads import SharedReads
from promise.cart import checked_cart
from promise.errors import InvalidInput as DomainInvalidInput
from promise.errors import NothingInStock as DomainNothingInStock
from promise.errors import UnknownSku as DomainUnknownSku
from stock_cache.errors import StoreUnavailable

MAX_SKUS = 50
MAX_FIRST = 50
MAX_LINES = 50

AvailabilityResult = Annotated[
    Availability
    | InvalidInput
    | AddressNotFound
    | GeocoderUnavailable
    | UnknownSku
    | UnknownPostcode
    | UnknownStore
    | DestinationNotServed
    | TemporarilyUnavailable,
    strawberry.union("AvailabilityResult"),
]
DeliveryOptionsResult = Annotated[
    DeliveryOptions
    | InvalidInput
    | AddressNotFound
    | GeocoderUnavailable
    | UnknownSku
    | UnknownPostcode
    | UnknownStore
    | DestinationNotServed
    | NothingInStock
    | TooHeavy
    | TemporarilyUnavailable,
    strawberry.union("DeliveryOptionsResult"),
]
AllocationResult = Annotated[
    Allocation | AllocationNotFound | TemporarilyUnavailable,
    strawberry.union("AllocationResult"),
]


async def _destination(info: Info, destination: DestinationInput, *, field: str) -> Placed:
    platform = info.context.platform
    geocoder = platform.geocoder if platform is not None else None
    return await resolve_destination(
        destination, info.context.service.network, geocoder, field=field
    )


def _echoed(info: Info, placed: Placed) -> ResolvedDestination | None:
    """The destination as placed, for an answer whose selection shows it (else never read)."""
    if not selects_below(info, "resolvedDestination"):
        return None
    return ResolvedDestination.from_placed(placed)


async def delivery_options_answer(
    info: Info, input: DeliveryOptionsInput, shared: SharedReads
) -> DeliveryOptionsResult:
    """The answer of `deliveryOptions`, reading stock through `shared` (a live promise
    passes a new one for each evaluation)."""
    service = info.context.service
    # The request's own shopper once its locale is checked; before that, the default one.
    shopper: Shopper | None = None
    try:
        shopper = shopper_of(info, input.locale)
        if len(input.lines) > MAX_LINES:
            raise DomainInvalidInput(f"a cart has at most {MAX_LINES} lines", field="input.lines")
        cart = checked_cart(
            [(line.sku, line.quantity) for line in input.lines],
            service.network.skus,
            field="input.lines",
        )
        placed = await _destination(info, input.destination, field="input.destination")
        found = await service.promise(
            cart,
            placed.destination,
            client_id=info.context.client_id,
            channel=info.context.channel,
            order_time=input.order_time,
            confidence=input.confidence,
            include_customer_trip=input.include_customer_trip,
            kinds=input.kind_set(),
            shared=shared,
            explain=input.explain,
            # The second search of each home service finds only what `nudge` shows.
            nudge=selects_below(info, "nudge"),
        )
    except DomainNothingInStock as error:
        return await short_cart_answer(info, error, cart, placed.destination, input)  # type: ignore[return-value]
    except EXPECTED as error:
        fallback = shopper if shopper is not None else shopper_of(info)
        return spoken(as_problem(error), fallback)  # type: ignore[return-value]
    return DeliveryOptions.from_domain(
        found,
        service.network,
        explain=input.explain,
        shopper=shopper,
        destination=_echoed(info, placed),
    )


@strawberry.type
class Query:
    @strawberry.field(
        description="ATP per SKU, in total and at the nodes nearest `near`.",
        permission_classes=[needs(Scope.PROMISE_READ)],
    )
    async def availability(
        self,
        info: Info,
        skus: list[str],
        near: DestinationInput | None = None,
        first: int = 5,
    ) -> AvailabilityResult:
        service = info.context.service
        try:
            checked_first(first, maximum=MAX_FIRST)
            if not 1 <= len(skus) <= MAX_SKUS:
                raise DomainInvalidInput(f"give 1 to {MAX_SKUS} SKUs", field="skus")
            unknown = [
                UnknownSku(
                    code=ProblemCode.UNKNOWN_SKU,
                    message=f"unknown SKU {sku!r}",
                    field=f"skus[{index}]",
                    sku=sku,
                )
                for index, sku in enumerate(skus)
                if sku not in service.network.skus
            ]
            if len(unknown) == len(skus):
                # Nothing to answer: the first unknown SKU is the problem of the call.
                raise DomainUnknownSku(skus[0], field="skus[0]")
            placed = await _destination(info, near, field="near") if near else None
            point = placed.destination.point if placed else None
            levels = await service.availability(
                list(dict.fromkeys(sku for sku in skus if sku in service.network.skus)),
                point,
                first=first,
                client_id=info.context.client_id,
                channel=info.context.channel,
                shared=info.context.reads,
            )
        except EXPECTED as error:
            return as_problem(error)  # type: ignore[return-value]
        disclosure = disclosure_for(
            service, info.context.client_id, info.context.channel, exact=info.context.exact_stock
        )
        return Availability(
            items=[
                SkuAvailability.from_domain(level, service.network, disclosure) for level in levels
            ],
            resolved_destination=_echoed(info, placed) if placed else None,
            unknown_skus=unknown,
        )

    @strawberry.field(
        description="Ranked delivery options for a cart, each with a quote token.",
        permission_classes=[needs(Scope.PROMISE_READ)],
    )
    async def delivery_options(
        self, info: Info, input: DeliveryOptionsInput
    ) -> DeliveryOptionsResult:
        return await delivery_options_answer(info, input, info.context.reads)

    @strawberry.field(
        description="An allocation of the calling client.",
        permission_classes=[needs(Scope.ALLOCATION_WRITE)],
    )
    async def allocation(self, info: Info, id: strawberry.ID) -> AllocationResult:
        service = info.context.service
        try:
            found = await service.store.get_allocation(info.context.client_id, str(id))
        except StoreUnavailable:
            return unavailable()
        if found is None:
            return AllocationNotFound(
                code=ProblemCode.ALLOCATION_NOT_FOUND,
                message=f"no allocation {shown(str(id))} for this client",
                field="id",
            )
        return Allocation.from_domain(found, service.network)
