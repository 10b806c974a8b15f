"""A short cart line as the API shows it: how many units can be had, and where."""

from __future__ import annotations

import strawberry

from gateway.service.disclosure import EXACT, Disclosure
from promise.shortage import ShortLine


@strawberry.type
class NodeUnits:
    node_id: strawberry.ID
    available: int
    available_capped: bool = strawberry.field(
        description="available is the channel's disclosure cap (a storefront key)."
    )


@strawberry.type
class CartShortLine:
    sku: str
    requested: int
    available: int = strawberry.field(
        description="Units that can be had near the destination (stock on its way counted)."
    )
    available_capped: bool
    nodes: list[NodeUnits] = strawberry.field(
        description="The nodes holding it, most units first (at most 5)."
    )

    @staticmethod
    def from_domain(short: ShortLine, disclosure: Disclosure = EXACT) -> CartShortLine:
        available, capped = disclosure.shown(short.available)
        nodes = []
        for held in short.nodes:
            units, node_capped = disclosure.shown(held.units)
            nodes.append(
                NodeUnits(
                    node_id=strawberry.ID(held.node_id),
                    available=units,
                    available_capped=node_capped,
                )
            )
        return CartShortLine(
            sku=short.sku,
            requested=short.requested,
            available=available,
            available_capped=capped,
            nodes=nodes,
        )
