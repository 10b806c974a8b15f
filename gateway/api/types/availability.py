"""Availability (ATP) as the API shows it."""

from __future__ import annotations

import strawberry

from gateway.api.types.network import NodeInfo
from gateway.api.types.problems import UnknownSku
from gateway.service.answers import SkuLevels
from promise.network import Network


@strawberry.type
class NodeAvailability:
    node: NodeInfo
    atp: int
    distance_km: float | None


@strawberry.type
class SkuAvailability:
    sku: str
    name: str
    total: int = strawberry.field(description="ATP over every node of the network.")
    nodes: list[NodeAvailability]

    @staticmethod
    def from_domain(levels: SkuLevels, network: Network) -> SkuAvailability:
        return SkuAvailability(
            sku=levels.sku,
            name=network.skus[levels.sku].name,
            total=levels.total,
            nodes=[
                NodeAvailability(
                    node=NodeInfo.from_domain(network.nodes[level.node_id]),
                    atp=level.atp,
                    distance_km=level.distance_km,
                )
                for level in levels.nodes
            ],
        )


@strawberry.type
class Availability:
    items: list[SkuAvailability] = strawberry.field(description="The known SKUs, in order.")
    unknown_skus: list[UnknownSku] = strawberry.field(
        default_factory=list,
        description="A problem per SKU the network does not know, naming its place in `skus`.",
    )
