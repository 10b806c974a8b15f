"""The static network: nodes, SKUs, services and rule profiles, as one frozen value."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

from carriers.emissions import CustomerTrip
from carriers.regions import Region
from carriers.services import CarrierService, DeliveryKind
from carriers.zones import ZoneMap
from promise.geo import Vector, sphere_km
from promise.nodes import (
    Capability,
    Node,
    NodeType,
    OpeningHours,
    PickupPoint,
    PickupTimes,
    PointType,
    Sku,
)
from promise.profiles import RuleProfile

# The parts are `promise.nodes`'; their importers may name them by the network too.
__all__ = [
    "Capability",
    "Network",
    "Node",
    "NodeType",
    "OpeningHours",
    "PickupPoint",
    "PickupTimes",
    "PointType",
    "Sku",
]

_T = TypeVar("_T")


def _vectors() -> dict[str, Vector]:
    return {}


@dataclass(frozen=True, slots=True)
class Network:
    """Everything static a promise needs; loaded once, shared read-only by every request."""

    version: str
    nodes: Mapping[str, Node]
    skus: Mapping[str, Sku]
    services: Mapping[str, CarrierService]
    country: str = "FR"
    safety_stock_by_type: Mapping[NodeType, int] = field(default_factory=dict)
    reservation_ttl_seconds: int = 900
    # Destinations farther than this from every node are not served (another country, a typo).
    served_radius_km: float = 1000.0
    # Click & collect is offered at stores this close to a home destination.
    collect_radius_km: float = 15.0
    transfer_service: str | None = None
    pickup_points: Mapping[str, PickupPoint] = field(default_factory=dict)
    # Pickup points are offered this close to a home destination, the nearest few.
    pickup_radius_km: float = 5.0
    customer_trip: CustomerTrip | None = None
    # Rule profiles by sales channel; a channel without one sources by the built-in default.
    profiles: Mapping[str, RuleProfile] = field(default_factory=dict)
    # Orders a day a node may take (ship-from-store capacity); a node absent has no bound.
    daily_capacity: Mapping[str, int] = field(default_factory=dict)
    # Delivery zones (services.toml [zones]); a place in none is in its country's zone.
    zones: ZoneMap = field(default_factory=ZoneMap)
    # Figures derived from the fields above on first use, so no request pays for them again.
    _derived: dict[object, object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def services_of_kind(self, kind: DeliveryKind) -> list[CarrierService]:
        return [s for s in self.services.values() if s.kind is kind]

    def zone_of(self, region: Region | None) -> str:
        """The delivery zone of a destination's region (None: the network's own country)."""
        if region is None:
            return self.domestic_zone()
        return self.zones.zone_of(region.country, region.subdivision)

    def domestic_zone(self) -> str:
        return self.zones.zone_of(self.country)

    def in_zone(self, service: CarrierService, zone: str) -> CarrierService | None:
        """The service with its price and transit table in `zone`; None when it does not
        deliver there. A service declaring no zones serves the domestic zone as it is."""
        return self._derive(("zoned", service.code, zone), lambda: self._zoned(service, zone))

    def _zoned(self, service: CarrierService, zone: str) -> CarrierService | None:
        if not service.zones:
            return service if zone == self.domestic_zone() else None
        return service.in_zone(zone) if zone in service.zones else None

    def serves(self, zone: str) -> bool:
        """Whether some service delivers to `zone` (click & collect aside)."""
        return self._derive(
            ("serves", zone),
            lambda: any(
                self.in_zone(service, zone) is not None
                for service in self.services.values()
                if service.kind not in (DeliveryKind.CLICK_AND_COLLECT, DeliveryKind.TRANSFER)
            ),
        )

    def priorities(self) -> Mapping[str, int]:
        """Each node's sourcing priority, by node id."""
        return self._derive("priorities", lambda: {n.id: n.priority for n in self.nodes.values()})

    def store_ids(self) -> frozenset[str]:
        return self._derive(
            "stores",
            lambda: frozenset(n.id for n in self.nodes.values() if n.type is NodeType.STORE),
        )

    def collect_store_ids(self) -> frozenset[str]:
        """The nodes offering click & collect: asked by id, as an enum member in a set of
        capabilities hashes in interpreted Python (Enum's __hash__)."""
        return self._derive(
            "collecting",
            lambda: frozenset(
                n.id for n in self.nodes.values() if Capability.CLICK_AND_COLLECT in n.capabilities
            ),
        )

    def dispatching(self, service_code: str, *, same_day: bool = False) -> frozenset[str]:
        """The nodes that dispatch `service_code` (and can deliver the same day, if asked)."""
        return self._derive(
            ("dispatching", service_code, same_day),
            lambda: frozenset(
                n.id
                for n in self.nodes.values()
                if service_code in n.services
                and (not same_day or Capability.SAME_DAY in n.capabilities)
            ),
        )

    def sources_for(self, store_id: str, service_code: str) -> tuple[tuple[str, float], ...]:
        """Nodes other than the store that dispatch `service_code`, nearest the store first.

        Distances are on the mean sphere (within 0.5 % of the geodesic): this ranks the
        sources and bands their transit, for every request to that store, computed once.
        """

        def compute() -> tuple[tuple[str, float], ...]:
            store = self.nodes[store_id]
            found = [
                (node.id, sphere_km(node.location, store.location))
                for node in self.nodes.values()
                if node.id != store_id and service_code in node.services
            ]
            return tuple(sorted(found, key=lambda item: (item[1], item[0])))

        return self._derive(("sources", store_id, service_code), compute)

    def unit_vector(self, node: Node) -> Vector:
        """`geo.unit_vector(node.location)` for one of the network's nodes, kept with it."""
        vectors = self._derive("unit vectors", _vectors)
        found = vectors.get(node.id)
        if found is None:
            found = vectors[node.id] = node.location.unit_vector()
        return found

    def capacity_left(self, used_today: Mapping[str, int]) -> dict[str, int]:
        """Orders still open today at the capacity-bound nodes that took some (`used_today`,
        orders taken per node) or can take none at all.

        A bound node absent has taken none, so its whole capacity, above 0, is left; the
        filters only ask whether a node has none left (`get(node, 1) <= 0`), so a request
        builds a figure for the nodes it read, not for every bound node of the network.
        """
        left = dict(self._derive("no capacity", self._without_capacity))
        # A dict copy: compiled, `get` on a Mapping is a generic method call.
        bound = self._derive("capacity", self._capacity)
        for node, taken in used_today.items():
            cap = bound.get(node)
            if cap is not None:
                left[node] = cap - taken
        return left

    def _capacity(self) -> dict[str, int]:
        return dict(self.daily_capacity)

    def _without_capacity(self) -> dict[str, int]:
        return {node: cap for node, cap in self.daily_capacity.items() if cap <= 0}

    def _derive(self, key: object, compute: Callable[[], _T]) -> _T:
        # Benign race: two requests may both compute the same value; either result is right.
        if key not in self._derived:
            self._derived[key] = compute()
        return cast(_T, self._derived[key])
