"""Stock nodes as the API shows them."""

from __future__ import annotations

import strawberry

from carriers.services import DeliveryKind
from gateway.api.context import Info
from gateway.api.types.opening_hours import OpeningDayHours, WeekdayHours, weekday_hours
from promise.network import Node, NodeType
from promise.store_hours import this_week

# Registering the domain enums in place keeps one definition of each closed set.
strawberry.enum(NodeType)
strawberry.enum(DeliveryKind)


@strawberry.type(name="Node")
class NodeInfo:
    id: strawberry.ID
    name: str
    type: NodeType
    city: str
    address: str | None = strawberry.field(description="Street address; set for every store.")
    postcode: str | None
    latitude: float
    longitude: float
    _node: strawberry.Private[Node]

    def _opening_hours(self) -> list[WeekdayHours]:
        return weekday_hours(self._node.opening)

    def _opening_hours_this_week(self, info: Info) -> list[OpeningDayHours]:
        service = info.context.service
        days = this_week(self._node, service.now(), country=service.network.country)
        return [OpeningDayHours.from_domain(day) for day in days]

    opening_hours: list[WeekdayHours] = strawberry.field(
        resolver=_opening_hours, description="Local opening hours per weekday, Monday first."
    )
    opening_hours_this_week: list[OpeningDayHours] = strawberry.field(
        resolver=_opening_hours_this_week,
        description=(
            "The next seven local days from today, with their hours; a public holiday "
            "closes the store and is named."
        ),
    )

    @staticmethod
    def from_domain(node: Node) -> NodeInfo:
        return NodeInfo(
            id=strawberry.ID(node.id),
            name=node.name,
            type=node.type,
            city=node.city,
            address=node.address or None,
            postcode=node.postcode or None,
            latitude=node.location.latitude,
            longitude=node.location.longitude,
            _node=node,
        )


@strawberry.type
class Line:
    sku: str
    quantity: int
