"""A listing page's answer as the API shows it: per SKU, its headline promises or a problem."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from carriers.services import DeliveryKind
from gateway.api.types.explain import Reason
from gateway.api.types.network import NodeInfo
from gateway.api.types.problems import NothingInStock, ProblemCode, TooHeavy, UnknownSku
from promise.dates import duration_text, order_within_minutes
from promise.explain import KIND_NAMES, ReasonCode
from promise.listing import Headline, ListedSku, SkuProblem
from promise.network import Network

_REASON_TEXTS = {
    ReasonCode.NOT_IN_STOCK: "not in stock near you",
    ReasonCode.TOO_HEAVY: "the parcel would be too heavy",
    ReasonCode.NO_DELIVERY_DAY: "no delivery day in reach",
    ReasonCode.OUT_OF_RANGE: "no node in reach of this destination",
}


@strawberry.type
class HeadlinePromise:
    kind: DeliveryKind
    service_code: str
    node: NodeInfo = strawberry.field(
        description="The node it ships from; for CLICK_AND_COLLECT the store to collect at."
    )
    distance_km: float = strawberry.field(description="From the node to the destination.")
    likely_date: dt.date
    promised_date: dt.date
    order_by: dt.datetime
    order_within: str = strawberry.field(description="Time left until orderBy: '2 h 13 min'.")
    price_cents: int
    ready_at: dt.datetime | None = strawberry.field(
        description="CLICK_AND_COLLECT: when the unit is ready at the store."
    )

    @staticmethod
    def from_domain(headline: Headline, network: Network, now: dt.datetime) -> HeadlinePromise:
        return HeadlinePromise(
            kind=headline.kind,
            service_code=headline.service_code,
            node=NodeInfo.from_domain(network.nodes[headline.node_id]),
            distance_km=headline.distance_km,
            likely_date=headline.likely,
            promised_date=headline.promised,
            order_by=headline.order_by,
            order_within=duration_text(order_within_minutes(headline.order_by, now)),
            price_cents=headline.price_cents,
            ready_at=headline.ready_at,
        )


@strawberry.type
class KindNotOffered:
    kind: DeliveryKind
    reason: Reason


@strawberry.type
class ListingPromise:
    sku: str
    name: str
    headlines: list[HeadlinePromise] = strawberry.field(
        description="The best promise for one unit of each kind asked that has one, in order."
    )
    not_offered: list[KindNotOffered] = strawberry.field(
        description="The kinds asked that cannot serve it, with why."
    )


ListingItem = Annotated[
    ListingPromise | UnknownSku | NothingInStock | TooHeavy,
    strawberry.union("ListingItem"),
]


@strawberry.type
class ListingPromises:
    items: list[ListingItem] = strawberry.field(description="One per SKU, in the order asked.")


def listing_item(
    found: ListedSku, index: int, network: Network, now: dt.datetime
) -> ListingPromise | NothingInStock | TooHeavy:
    where = f"skus[{index}]"
    if found.problem is SkuProblem.TOO_HEAVY:
        return TooHeavy(
            code=ProblemCode.TOO_HEAVY,
            message=f"{found.sku} is too heavy for every service asked",
            field=where,
        )
    if found.problem is SkuProblem.OUT_OF_STOCK:
        return NothingInStock(
            code=ProblemCode.NOTHING_IN_STOCK,
            message=f"{found.sku} is not in stock near the destination",
            field=where,
        )
    return ListingPromise(
        sku=found.sku,
        name=network.skus[found.sku].name,
        headlines=[HeadlinePromise.from_domain(h, network, now) for h in found.headlines],
        not_offered=[
            KindNotOffered(
                kind=kind,
                reason=Reason(
                    code=code, text=f"{KIND_NAMES[kind]} unavailable: {_REASON_TEXTS[code]}"
                ),
            )
            for kind, code in found.missing
        ],
    )
