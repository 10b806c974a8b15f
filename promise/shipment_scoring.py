"""Shipments of one service scored: dated, priced and weighed in CO2e, with a request's caches.

`ShipmentScorer` scores the planned shipments the sourcing search asks about; `Supply` is
what a request brings to every service's search (stock on the shelves and inbound, capacity
left, distances measured once). A shipment goes as the parcels its service's load packs it
into (`packing`), each priced and dropped (`shipment_costs`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from carriers.services import CarrierService
from promise.cart import CartLine
from promise.dates import Timing
from promise.explain import Unavailable
from promise.geo import GeoPoint, Vector, chord_km, geodesic_km, unit_vector
from promise.inbound import Inbound, stock_arrives_at
from promise.network import Network, Node
from promise.option_values import Shipment
from promise.packing import packed, packed_runs
from promise.profiles import RuleProfile
from promise.service_terms import ServiceTerms
from promise.shipment_costs import co2e_grams, parcels_price
from promise.shipment_load import Load, load_of
from promise.sourcing import (
    Candidate,
    PlannedShipment,
    ShipmentScore,
    Stock,
)

# Dates a shipment from a node over a distance, starting no earlier than the given instant.
Timer = Callable[[Node, float, datetime | None], Timing | None]


class Distances:
    """Node-to-place km of one request, each computed once whatever the services asking."""

    def __init__(self) -> None:
        # Per place: its unit vector and sphere km by node id. One table per place, read
        # by node id: no key tuple to build and hash, and the place's vector taken once.
        self._sphere: dict[GeoPoint, tuple[Vector, dict[str, float]]] = {}
        self._geodesic: dict[tuple[str, GeoPoint], float] = {}

    def sphere_to(self, to: GeoPoint) -> tuple[Vector, dict[str, float]]:
        """The place's unit vector and its sphere km by node id, shared by every service
        of the request; filled in by `sphere_km` or by a caller with the node's vector."""
        found = self._sphere.get(to)
        if found is None:
            found = self._sphere[to] = (unit_vector(to), {})
        return found

    def sphere_km(self, node: Node, to: GeoPoint) -> float:
        target, table = self.sphere_to(to)
        km = table.get(node.id)
        if km is None:
            km = table[node.id] = chord_km(unit_vector(node.location), target)
        return km

    def geodesic_km(self, node: Node, to: GeoPoint) -> float:
        key = (node.id, to)
        if key not in self._geodesic:
            self._geodesic[key] = geodesic_km(node.location, to)
        return self._geodesic[key]


@dataclass(frozen=True, slots=True)
class Supply:
    """Stock on the shelves, stock on its way (possibly none), and capacity left today."""

    stock: Stock
    inbound: Inbound
    capacity_left: Mapping[str, int] = dataclasses.field(default_factory=dict)
    # Services offered nothing, with the reason, filled in as options are built.
    unavailable: list[Unavailable] = dataclasses.field(default_factory=list)
    distances: Distances = dataclasses.field(default_factory=Distances)
    # Figures of the request every service asks about, computed on first use.
    memo: dict[object, object] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def on_shelves(self, cart: Sequence[CartLine]) -> frozenset[str]:
        """The nodes holding some of the cart on their shelves (asked once per service)."""
        key = ("on shelves", tuple(cart))
        found = self.memo.get(key)
        if not isinstance(found, frozenset):
            found = self.memo[key] = frozenset(
                node
                for line in cart
                for node, units in self.stock.get(line.sku, {}).items()
                if units > 0
            )
        return found

    def capacity_exhausted(self) -> bool:
        """Whether some node has no capacity left today (asked once a request, not per node)."""
        found = self.memo.get("exhausted")
        if found is None:
            found = self.memo["exhausted"] = any(n <= 0 for n in self.capacity_left.values())
        return bool(found)


@dataclass(slots=True)
class Failures:
    """Why shipments could not be scored, to tell the shopper why a service is missing."""

    no_date: bool = False
    too_heavy: bool = False
    too_long: bool = False


class _Prices:
    """One service's prices by parcels (goods' grams each), for a request."""

    def __init__(self, service: CarrierService) -> None:
        self.service = service
        self.by_parcels: dict[tuple[int, ...], int] = {}


class ShipmentScorer:
    """Dates, prices and weighs planned shipments of one service, with per-request caches.

    What a shipment scores depends on its node, parcels and the arrival of any inbound stock
    it waits for. Its dates are kept per node and arrival; its price and CO2e are a few
    operations on the service's terms, so a score is not kept: two contents of one node
    seldom weigh the same, and the search keeps the parts it scored. `sphere_distances` says the
    shipments' `distance_km` already is their node's sphere km to `point` (transfer sources
    ranked around a store), so it weighs CO2e without measuring it again.
    """

    def __init__(
        self,
        network: Network,
        profile: RuleProfile,
        supply: Supply,
        service_for: Callable[[Node], CarrierService],
        timer: Timer,
        point: GeoPoint,
        *,
        sphere_distances: bool = False,
    ) -> None:
        self.network = network
        self.profile = profile
        self.supply = supply
        self.service_for = service_for
        self.timer = timer
        self.point = point
        self.failures = Failures()
        self._sphere_distances = sphere_distances
        # Whether any stock is on its way, asked once (the supply is the request's, frozen).
        self._inbound = bool(supply.inbound)
        self._timings: dict[tuple[str, datetime | None], Timing | None] = {}
        # From the shelves (most shipments), by node id alone: no key tuple to build.
        self._shelf_timings: dict[str, Timing | None] = {}
        # The request's sphere km to `point` by node id, and the point's unit vector, from
        # `supply.distances` on first use; the nodes' vectors are the network's.
        self._sphere_km: dict[str, float] | None = None
        self._target: Vector = (0.0, 0.0, 0.0)
        self._nodes: dict[str, tuple[Node, CarrierService, int, ServiceTerms]] = {}
        self._terms: dict[str, ServiceTerms] = {}
        # Grams of a unit by SKU: a native dict, where the network's SKUs are a Mapping.
        self._grams: dict[str, int] = {}
        # Prices by service and parcels: a shipment of the same weight from another node
        # costs the same, without calling the carrier's price again (see `_shared_prices`).
        self._prices: dict[str, dict[tuple[int, ...], int]] = {}

    def __call__(self, planned: PlannedShipment) -> ShipmentScore | None:
        # The search asks this tens of times a request: the common lookups are inlined.
        node_id, distance_km = planned.node_id, planned.distance_km
        known = self._nodes.get(node_id)
        node, _service, handling, terms = known if known is not None else self._node(node_id)
        parcels = self._parcels_by(terms, planned)
        if parcels is None:
            return None
        if self._inbound:
            timing = self._timing(node, distance_km, self._arrival(planned))
        elif node_id in self._shelf_timings:
            # `_timing` from the shelves, inlined: most shipments are dated this way.
            timing = self._shelf_timings[node_id]
            if timing is None:
                self.failures.no_date = True
        else:
            timing = self._timing(node, distance_km, None)
        found = None
        if timing is not None:
            km = 0.0
            if distance_km > 0:
                km = distance_km if self._sphere_distances else self._sphere(node)
            weight = 0
            for grams in parcels:
                weight += grams
            found = ShipmentScore(
                timing.promised,
                timing.likely,
                self._price(terms, parcels) + handling,
                terms.co2e_grams(weight, km, len(parcels)),
            )
        return found

    def _terms_of(self, service: CarrierService) -> ServiceTerms:
        terms = self._terms.get(service.code)
        # By identity: another zone's terms are another service of the same code.
        if terms is None or terms.service is not service:
            terms = self._terms[service.code] = ServiceTerms(service)
        return terms

    def _price(self, terms: ServiceTerms, parcels: tuple[int, ...]) -> int:
        if terms.own_price:
            # A few integer operations a parcel: cheaper than a cache's tuple key.
            return terms.parcels_price(parcels)
        service = terms.service
        prices = self._prices.get(service.code)
        if prices is None:
            prices = self._prices[service.code] = self._shared_prices(service)
        price = prices.get(parcels)
        if price is None:
            price = prices[parcels] = terms.parcels_price(parcels)
        return price

    def _shared_prices(self, service: CarrierService) -> dict[tuple[int, ...], int]:
        """The service's prices by parcels, kept for the request: the searches of the other
        stores a cart is collected at send the same parcels by the same transfer."""
        key = ("prices", id(service))
        found = self.supply.memo.get(key)
        # The entry holds the service, so its id names it while the entry lives.
        if not (isinstance(found, _Prices) and found.service is service):
            found = self.supply.memo[key] = _Prices(service)
        return found.by_parcels

    def _sphere(self, node: Node) -> float:
        table = self._sphere_km
        if table is None:
            self._target, table = self.supply.distances.sphere_to(self.point)
            self._sphere_km = table
        km = table.get(node.id)
        if km is None:
            km = table[node.id] = chord_km(self.network.unit_vector(node), self._target)
        return km

    def _node(self, node_id: str) -> tuple[Node, CarrierService, int, ServiceTerms]:
        """The node, the service it ships by, its handling cost and the service's terms."""
        found = self._nodes.get(node_id)
        if found is None:
            node = self.network.nodes[node_id]
            # Most profiles charge no handling: no lookup by node type then.
            handling = self.profile.handling(node) if self.profile.handling_cents else 0
            service = self.service_for(node)
            found = self._nodes[node_id] = (node, service, handling, self._terms_of(service))
        return found

    def service_for_node(self, candidate: Candidate) -> CarrierService:
        """The service a shipment from the candidate goes by."""
        return self._node(candidate.node_id)[1]

    def shipment(self, planned: PlannedShipment) -> Shipment | None:
        """The dated shipment, over the geodesic to where it goes (0 km for none)."""
        node = self.network.nodes[planned.node_id]
        service = self.service_for(node)
        parcels = self._parcels_by(self._terms_of(service), planned)
        if parcels is None:
            return None
        weight = sum(parcels)
        arrives_at = self._arrival(planned)
        timing = self._timing(node, planned.distance_km, arrives_at)
        if timing is None:
            return None
        distance = 0.0
        if planned.distance_km > 0:
            distance = self.supply.distances.geodesic_km(node, self.point)
        return Shipment(
            planned.node_id,
            service.code,
            planned.lines,
            round(distance, 1),
            weight,
            timing,
            parcels_price(service, parcels),
            co2e_grams(service, weight, distance, len(parcels)),
            arrives_at,
            len(parcels),
        )

    def from_shelves(self, candidate: Candidate) -> Timing | None:
        """The dates of any shipment from the candidate's shelves (they depend on the node)."""
        return self._timing(self.network.nodes[candidate.node_id], candidate.distance_km, None)

    def unit_grams(self, sku: str) -> int:
        """A unit's grams (the SKU is the network's)."""
        grams = self._grams.get(sku)
        if grams is None:
            grams = self._grams[sku] = self.network.skus[sku].weight_grams
        return grams

    def _parcels_by(self, terms: ServiceTerms, planned: PlannedShipment) -> tuple[int, ...] | None:
        """The goods' grams of each parcel the lines go in; None when the service can't take
        them: more parcels than a shipment may have (too heavy), or too light for freight.

        Units a parcel can't hold were refused for the whole cart before the search. Kept on
        the load the search weighed the lines in, else by the lines' tuple: the search gives
        the same contents to several nodes in one tuple (and one load), which a key of its
        lines' values would cost about what weighing them does.
        """
        lines, load = planned.lines, planned.load
        if load is not None:
            if load.packed_by is terms:
                parcels, too_many = load.parcels, load.too_many
            else:
                parcels, too_many = self._parcels_of(terms, lines, load)
                load.packed_by, load.parcels, load.too_many = terms, parcels, too_many
            if too_many:
                self.failures.too_heavy = True
            return parcels
        kept = terms.parcels_of_lines.get(id(lines))
        if kept is not None and kept[0] is lines:
            if kept[2]:
                self.failures.too_heavy = True
            return kept[1]
        parcels, too_many = self._parcels_of(terms, lines, load_of(lines, self.unit_grams))
        if too_many:
            self.failures.too_heavy = True
        terms.parcels_of_lines[id(lines)] = (lines, parcels, too_many)
        return parcels

    def _parcels_of(
        self, terms: ServiceTerms, lines: tuple[CartLine, ...], load: Load
    ) -> tuple[tuple[int, ...] | None, bool]:
        """The parcels of `lines` (weighing `load`), or None, and whether None is for more
        parcels than allowed."""
        weight = load.weight
        least = terms.min_shipment_grams
        if least is not None and weight < least:
            return None, False
        limit = terms.max_parcel_grams
        if limit is None or weight + terms.packaging_grams <= limit:
            return (weight,), False
        room = limit - terms.packaging_grams
        most = terms.parcels_per_shipment
        # When every unit fits a parcel, no parcel holds more than the room: a shipment
        # heavier than `most` full parcels takes more than `most` however it is packed.
        if most is not None and load.heaviest <= room and weight > room * most:
            return None, True
        # Kept by the lines' tuple only (`_parcels_by`): a key of their units would cost
        # about what packing them does. The runs come sorted: packing's sort is one pass.
        runs = load.runs
        parcels = packed_runs(list(runs), room) if runs else packed(self._units(lines), room)
        if most is not None and len(parcels) > most:
            return None, True
        return parcels, False

    def _units(self, lines: tuple[CartLine, ...]) -> dict[int, int]:
        """How many units weigh each weight (grams -> units), for weights or counts no run
        holds."""
        units: dict[int, int] = {}
        for line in lines:
            grams = self.unit_grams(line.sku)
            units[grams] = units.get(grams, 0) + line.quantity
        return units

    def _arrival(self, planned: PlannedShipment) -> datetime | None:
        if not self.supply.inbound:
            return None
        return stock_arrives_at(
            planned.node_id, planned.lines, self.supply.stock, self.supply.inbound
        )

    def _timing(self, node: Node, distance_km: float, arrives_at: datetime | None) -> Timing | None:
        if arrives_at is None:
            shelf = self._shelf_timings
            if node.id in shelf:
                timing = shelf[node.id]
            else:
                timing = shelf[node.id] = self.timer(node, distance_km, None)
        else:
            key = (node.id, arrives_at)
            if key in self._timings:
                timing = self._timings[key]
            else:
                timing = self._timings[key] = self.timer(node, distance_km, arrives_at)
        if timing is None:
            self.failures.no_date = True
        return timing
