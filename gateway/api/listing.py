"""The listing page's query: headline promises for up to 100 SKUs to one destination."""

from __future__ import annotations

from typing import Annotated

import strawberry

from carriers.services import DeliveryKind
from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.domain_errors import EXPECTED, as_problem
from gateway.api.texts.shopper import shopper_of
from gateway.api.types.inputs import DestinationInput
from gateway.api.types.listing import ListingItem, ListingPromises, listing_item
from gateway.api.types.problems import (
    AddressNotFound,
    DestinationNotServed,
    GeocoderUnavailable,
    InvalidInput,
    ProblemCode,
    TemporarilyUnavailable,
    UnknownPostcode,
    UnknownSku,
    UnknownStore,
)
from gateway.service.geocoding import resolve_destination
from gateway.service.listing import DEFAULT_LISTING_KINDS, listing
from promise.errors import InvalidInput as DomainInvalidInput
from promise.listing import LISTING_KINDS

MAX_LISTING_SKUS = 100

ListingPromisesResult = Annotated[
    ListingPromises
    | InvalidInput
    | AddressNotFound
    | GeocoderUnavailable
    | UnknownPostcode
    | UnknownStore
    | DestinationNotServed
    | TemporarilyUnavailable,
    strawberry.union("ListingPromisesResult"),
]


def _kinds(kinds: list[DeliveryKind] | None) -> tuple[DeliveryKind, ...]:
    if kinds is None:
        return DEFAULT_LISTING_KINDS
    if not kinds:
        raise DomainInvalidInput("ask for at least one kind", field="kinds")
    for index, kind in enumerate(kinds):
        if kind not in LISTING_KINDS:
            allowed = ", ".join(k.value for k in LISTING_KINDS)
            raise DomainInvalidInput(
                f"a listing shows {allowed}, not {kind.value}", field=f"kinds[{index}]"
            )
    return tuple(dict.fromkeys(kinds))


@strawberry.type
class ListingQuery:
    @strawberry.field(
        description=(
            "Headline promises for one unit of each of up to 100 SKUs (a listing page), "
            "computed as one batch: one answer or problem per SKU, in the order asked."
        ),
        permission_classes=[needs(Scope.PROMISE_READ)],
    )
    async def listing_promises(
        self,
        info: Info,
        skus: list[str],
        destination: DestinationInput,
        kinds: list[DeliveryKind] | None = None,
    ) -> ListingPromisesResult:
        service = info.context.service
        network = service.network
        try:
            if not 1 <= len(skus) <= MAX_LISTING_SKUS:
                raise DomainInvalidInput(f"give 1 to {MAX_LISTING_SKUS} SKUs", field="skus")
            asked = _kinds(kinds)
            platform = info.context.platform
            placed = await resolve_destination(
                destination,
                network,
                platform.geocoder if platform is not None else None,
                field="destination",
            )
            shopper = shopper_of(info)
            known = list(dict.fromkeys(sku for sku in skus if sku in network.skus))
            now = service.now()
            found = (
                await listing(
                    service,
                    known,
                    placed.destination,
                    kinds=asked,
                    client_id=info.context.client_id,
                    channel=info.context.channel,
                    order_time=now,
                )
                if known
                else []
            )
        except EXPECTED as error:
            return as_problem(error)  # type: ignore[return-value]
        by_sku = {answer.sku: answer for answer in found}
        items: list[ListingItem] = []
        for index, sku in enumerate(skus):
            answer = by_sku.get(sku)
            if answer is None:
                items.append(
                    UnknownSku(
                        code=ProblemCode.UNKNOWN_SKU,
                        message=f"unknown SKU {sku!r}",
                        field=f"skus[{index}]",
                        sku=sku,
                    )
                )
            else:
                items.append(listing_item(answer, index, network, now, shopper))
        return ListingPromises(items=items)
