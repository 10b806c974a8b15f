"""Read operations: availability, delivery options, an allocation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.types.allocation import Allocation
from gateway.types.availability import Availability, SkuAvailability
from gateway.types.inputs import DeliveryOptionsInput, DestinationInput, checked_first
from gateway.types.options import DeliveryOption, DeliveryOptions
from gateway.types.problems import (
    AllocationNotFound,
    DestinationNotServed,
    InvalidInput,
    NothingInStock,
    ProblemCode,
    TemporarilyUnavailable,
    UnknownPostcode,
    UnknownSku,
    UnknownStore,
    problem_of,
    unavailable,
)
from promise.cart import checked_cart
from promise.errors import InvalidInput as DomainInvalidInput
from promise.errors import PromiseError
from promise.errors import UnknownSku as DomainUnknownSku
from stock_cache.errors import StoreUnavailable

MAX_SKUS = 50
MAX_FIRST = 50

AvailabilityResult = Annotated[
    Availability
    | InvalidInput
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
    | UnknownSku
    | UnknownPostcode
    | UnknownStore
    | DestinationNotServed
    | NothingInStock
    | TemporarilyUnavailable,
    strawberry.union("DeliveryOptionsResult"),
]
AllocationResult = Annotated[
    Allocation | AllocationNotFound | TemporarilyUnavailable,
    strawberry.union("AllocationResult"),
]


@strawberry.type
class Query:
    @strawberry.field(description="ATP per SKU, in total and at the nodes nearest `near`.")
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
            for index, sku in enumerate(skus):
                if sku not in service.network.skus:
                    raise DomainUnknownSku(sku, field=f"skus[{index}]")
            point = near.resolve(service.network, field="near").point if near else None
            levels = await service.availability(list(dict.fromkeys(skus)), point, first=first)
        except PromiseError as error:
            return problem_of(error)  # type: ignore[return-value]
        except StoreUnavailable:
            return unavailable()
        return Availability(
            items=[SkuAvailability.from_domain(level, service.network) for level in levels]
        )

    @strawberry.field(description="Ranked delivery options for a cart, each with a quote token.")
    async def delivery_options(
        self, info: Info, input: DeliveryOptionsInput
    ) -> DeliveryOptionsResult:
        service = info.context.service
        try:
            cart = checked_cart(
                [(line.sku, line.quantity) for line in input.lines],
                service.network.skus,
                field="input.lines",
            )
            destination = input.destination.resolve(service.network, field="input.destination")
            quoted = await service.delivery_options(
                cart,
                destination,
                client_id=info.context.client_id,
                order_time=input.order_time,
                confidence=input.confidence,
            )
        except PromiseError as error:
            return problem_of(error)  # type: ignore[return-value]
        except StoreUnavailable:
            return unavailable()
        return DeliveryOptions(
            options=[DeliveryOption.from_domain(q, service.network) for q in quoted]
        )

    @strawberry.field(description="An allocation of the calling client.")
    async def allocation(self, info: Info, id: strawberry.ID) -> AllocationResult:
        service = info.context.service
        try:
            found = await service.store.get_allocation(info.context.client_id, str(id))
        except StoreUnavailable:
            return unavailable()
        if found is None:
            return AllocationNotFound(
                code=ProblemCode.ALLOCATION_NOT_FOUND,
                message=f"no allocation {str(id)!r} for this client",
                field="id",
            )
        return Allocation.from_domain(found, service.network)
