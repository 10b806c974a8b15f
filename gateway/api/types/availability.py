"""Availability (ATP) as the API shows it."""

from __future__ import annotations

import strawberry

from gateway.api.types.network import NodeInfo
from gateway.api.types.problems import UnknownSku
from gateway.api.types.resolved_destination import ResolvedDestination
from gateway.service.answers import SkuLevels
from gateway.service.disclosure import EXACT, Disclosure
from promise.network import Network


@strawberry.type
class NodeAvailability:
    node: NodeInfo
    atp: int = strawberry.field(description="ATP at the node, capped for storefront keys.")
    atp_capped: bool = strawberry.field(
        default=False,
        description="atp is the channel's disclosure cap (a storefront key): there may be more.",
    )
    distance_km: float | None = None


@strawberry.type
class SkuAvailability:
    sku: str
    name: str
    total: int = strawberry.field(
        description="ATP over every node of the network, capped for storefront keys."
    )
    total_capped: bool = strawberry.field(
        description="total is the channel's disclosure cap (a storefront key): there may be more."
    )
    nodes: list[NodeAvailability]

    @staticmethod
    def from_domain(
        levels: SkuLevels, network: Network, disclosure: Disclosure = EXACT
    ) -> SkuAvailability:
        total, total_capped = disclosure.shown(levels.total)
        nodes = []
        for level in levels.nodes:
            atp, capped = disclosure.shown(level.atp)
            nodes.append(
                NodeAvailability(
                    node=NodeInfo.from_domain(network.nodes[level.node_id]),
                    atp=atp,
                    atp_capped=capped,
                    distance_km=level.distance_km,
                )
            )
        return SkuAvailability(
            sku=levels.sku,
            name=network.skus[levels.sku].name,
            total=total,
            total_capped=total_capped,
            nodes=nodes,
        )


@strawberry.type
class Availability:
    items: list[SkuAvailability] = strawberry.field(description="The known SKUs, in order.")
    unknown_skus: list[UnknownSku] = strawberry.field(
        default_factory=list,
        description="A problem per SKU the network does not know, naming its place in `skus`.",
    )
    resolved_destination: ResolvedDestination | None = strawberry.field(
        default=None, description="Where `near` was placed; null without `near` or for a store."
    )
