"""Allocations (committed reservations) as the API shows them."""

from __future__ import annotations

import datetime as dt

import strawberry

from gateway.api.types.network import Line, NodeInfo
from promise.network import Network
from promise.quotes import Quote
from stock_cache.base import Allocation as DomainAllocation
from stock_cache.base import AllocationStatus

strawberry.enum(AllocationStatus)


def _instant(ms: int | None) -> dt.datetime | None:
    return None if ms is None else dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


@strawberry.type
class AllocatedShipment:
    node: NodeInfo
    service_code: str
    lines: list[Line]
    likely_date: dt.date
    promised_date: dt.date


@strawberry.type
class Allocation:
    id: strawberry.ID
    status: AllocationStatus
    created_at: dt.datetime
    expires_at: dt.datetime | None = strawberry.field(description="When a HELD allocation lapses.")
    order_reference: str | None
    service_code: str
    price_cents: int
    co2e_grams: float
    shipments: list[AllocatedShipment]
    replayed: bool = strawberry.field(
        description="True when this answer replays an earlier commit with the same key."
    )

    @staticmethod
    def from_domain(
        allocation: DomainAllocation, network: Network, *, replayed: bool = False
    ) -> Allocation:
        quote = Quote.from_json(allocation.payload)
        return Allocation(
            id=strawberry.ID(allocation.id),
            status=allocation.status,
            created_at=dt.datetime.fromtimestamp(allocation.created_at_ms / 1000, tz=dt.UTC),
            expires_at=_instant(allocation.expires_at_ms),
            order_reference=allocation.order_reference,
            service_code=quote.service_code,
            price_cents=quote.price_cents,
            co2e_grams=quote.co2e_grams,
            shipments=[
                AllocatedShipment(
                    node=NodeInfo.from_domain(network.nodes[s.node_id]),
                    service_code=s.service_code,
                    lines=[Line(sku=line.sku, quantity=line.quantity) for line in s.lines],
                    likely_date=s.likely,
                    promised_date=s.promised,
                )
                for s in quote.shipments
            ],
            replayed=replayed,
        )
