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
    # The node's fields are read from it when a query selects them: most answers show a
    # node by its id alone.
    id: strawberry.ID
    _node: strawberry.Private[Node]

    def _name(self) -> str:
        return self._node.name

    def _type(self) -> NodeType:
        return self._node.type

    def _city(self) -> str:
        return self._node.city

    def _address(self) -> str | None:
        return self._node.address or None

    def _postcode(self) -> str | None:
        return self._node.postcode or None

    def _latitude(self) -> float:
        return self._node.location.latitude

    def _longitude(self) -> float:
        return self._node.location.longitude

    name: str = strawberry.field(resolver=_name)
    type: NodeType = strawberry.field(resolver=_type)
    city: str = strawberry.field(resolver=_city)
    address: str | None = strawberry.field(
        resolver=_address, description="Street address; set for every store."
    )
    postcode: str | None = strawberry.field(resolver=_postcode)
    latitude: float = strawberry.field(resolver=_latitude)
    longitude: float = strawberry.field(resolver=_longitude)

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
        return NodeInfo(id=strawberry.ID(node.id), _node=node)


@strawberry.type
class Line:
    sku: str
    quantity: int
