"""Stock nodes as the API shows them."""

from __future__ import annotations

import strawberry

from carriers.services import DeliveryKind
from promise.network import Node, NodeType

# Registering the domain enums in place keeps one definition of each closed set.
strawberry.enum(NodeType)
strawberry.enum(DeliveryKind)


@strawberry.type(name="Node")
class NodeInfo:
    id: strawberry.ID
    name: str
    type: NodeType
    city: str
    latitude: float
    longitude: float

    @staticmethod
    def from_domain(node: Node) -> NodeInfo:
        return NodeInfo(
            id=strawberry.ID(node.id),
            name=node.name,
            type=node.type,
            city=node.city,
            latitude=node.location.latitude,
            longitude=node.location.longitude,
        )


@strawberry.type
class Line:
    sku: str
    quantity: int
