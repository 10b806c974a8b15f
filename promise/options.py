"""Delivery options for a cart: one per service, priced, dated, with their CO2e, then ranked.

For each service the eligible candidate nodes (those that dispatch it, within its radius)
give a few single-node plans and one split plan (see `sourcing`). Each plan is dated, priced
and weighed in CO2e; the service keeps its best plan by (shipments, promised day, likely day,
price, CO2e, distance). Options strictly worse than another on promised day, price and CO2e
at once are dropped, and the rest are labelled. A home destination also gets click & collect
at the best of the few stores nearest to it, as an unlabelled alternative: collecting is not
delivering, so it neither dominates nor outranks a delivery to the address asked for.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from carriers.services import CarrierService, DeliveryKind
from promise.cart import CartLine, Destination
from promise.dates import (
    Timing,
    collect_after_transfer,
    collect_in_store,
    home_delivery,
    same_day_delivery,
)
from promise.errors import DestinationNotServed, NothingInStock
from promise.geo import GeoPoint, geodesic_km
from promise.network import Capability, Network, Node
from promise.sourcing import Candidate, Plan, PlannedShipment, Stock, single_node_plans, split_plan

SINGLE_NODE_PLANS_PER_SERVICE = 3
MAX_SHIPMENTS = 3
COLLECT_STORES_NEAR_HOME = 3


class Label(enum.Enum):
    FASTEST = "FASTEST"
    CHEAPEST = "CHEAPEST"
    GREENEST = "GREENEST"
    RECOMMENDED = "RECOMMENDED"


@dataclass(frozen=True, slots=True)
class Shipment:
    """One parcel (or one collection) from one node."""

    node_id: str
    service_code: str
    lines: tuple[CartLine, ...]
    distance_km: float
    weight_grams: int
    timing: Timing
    price_cents: int
    co2e_grams: float


@dataclass(frozen=True, slots=True)
class Option:
    kind: DeliveryKind
    service: CarrierService
    shipments: tuple[Shipment, ...]
    collect_store_id: str | None = None
    labels: frozenset[Label] = frozenset()

    @property
    def price_cents(self) -> int:
        return sum(s.price_cents for s in self.shipments)

    @property
    def co2e_grams(self) -> float:
        return sum(s.co2e_grams for s in self.shipments)

    @property
    def promised(self) -> date:
        """The day by which everything has arrived, at the requested confidence."""
        return max(s.timing.promised for s in self.shipments)

    @property
    def likely(self) -> date:
        return max(s.timing.likely for s in self.shipments)

    @property
    def earliest(self) -> date:
        return min(s.timing.likely for s in self.shipments)

    @property
    def order_by(self) -> datetime:
        return min(s.timing.order_by for s in self.shipments)

    @property
    def distance_km(self) -> float:
        return sum(s.distance_km for s in self.shipments)

    def sort_key(self) -> tuple[date, date, int, float]:
        return (self.promised, self.likely, self.price_cents, self.co2e_grams)


@dataclass(frozen=True, slots=True)
class PromiseRequest:
    cart: tuple[CartLine, ...]
    destination: Destination
    now: datetime
    confidence: float = 0.95


def _weight(network: Network, lines: Sequence[CartLine]) -> int:
    return sum(network.skus[line.sku].weight_grams * line.quantity for line in lines)


def _shipment(
    network: Network,
    planned: PlannedShipment,
    service: CarrierService,
    point: GeoPoint,
    timing: Timing,
) -> Shipment:
    node = network.nodes[planned.node_id]
    distance = geodesic_km(node.location, point) if planned.distance_km > 0 else 0.0
    weight = _weight(network, planned.lines)
    mass = weight + service.packaging_grams
    co2e = service.linehaul.leg_grams(mass_grams=mass, great_circle_km=distance)
    if distance > 0:
        co2e += service.last_mile_grams_per_parcel
    return Shipment(
        planned.node_id,
        service.code,
        planned.lines,
        round(distance, 1),
        weight,
        timing,
        service.price.for_weight(weight + service.packaging_grams),
        round(co2e, 1),
    )


Timer = Callable[[Node, float], Timing | None]


def _dated_plan(
    network: Network,
    plan: Plan,
    service_for: Callable[[Node], CarrierService],
    timer: Timer,
    point: GeoPoint,
) -> tuple[Shipment, ...] | None:
    shipments = []
    for planned in plan.shipments:
        node = network.nodes[planned.node_id]
        timing = timer(node, planned.distance_km)
        if timing is None:
            return None
        shipments.append(_shipment(network, planned, service_for(node), point, timing))
    return tuple(shipments)


def _plans(cart: Sequence[CartLine], candidates: Sequence[Candidate], stock: Stock) -> list[Plan]:
    plans = single_node_plans(cart, candidates, stock, limit=SINGLE_NODE_PLANS_PER_SERVICE)
    if not plans:
        split = split_plan(cart, candidates, stock, max_shipments=MAX_SHIPMENTS)
        if split is not None:
            plans.append(split)
    return plans


def _best(options: Sequence[Option]) -> Option | None:
    if not options:
        return None
    return min(options, key=lambda o: (len(o.shipments), *o.sort_key(), o.distance_km))


def _home_options(
    network: Network, request: PromiseRequest, candidates: Sequence[Candidate], stock: Stock
) -> list[Option]:
    point = request.destination.point
    options: list[Option] = []
    for service in network.services.values():
        if service.kind not in (
            DeliveryKind.HOME_STANDARD,
            DeliveryKind.HOME_EXPRESS,
            DeliveryKind.SAME_DAY,
        ):
            continue
        eligible = [
            c
            for c in candidates
            if service.code in network.nodes[c.node_id].services
            and (service.max_distance_km is None or c.distance_km <= service.max_distance_km)
            and (
                service.kind is not DeliveryKind.SAME_DAY
                or Capability.SAME_DAY in network.nodes[c.node_id].capabilities
            )
        ]

        def timer(
            node: Node, distance_km: float, service: CarrierService = service
        ) -> Timing | None:
            if service.kind is DeliveryKind.SAME_DAY:
                return same_day_delivery(node, service, request.now, country=network.country)
            return home_delivery(
                node,
                service,
                distance_km,
                request.now,
                confidence=request.confidence,
                country=network.country,
            )

        def service_for(_node: Node, service: CarrierService = service) -> CarrierService:
            return service

        dated = [
            Option(service.kind, service, shipments)
            for plan in _plans(request.cart, eligible, stock)
            if (shipments := _dated_plan(network, plan, service_for, timer, point))
        ]
        best = _best(dated)
        if best is not None:
            options.append(best)
    return options


def _collect_options(
    network: Network, request: PromiseRequest, stock: Stock, store: Node
) -> list[Option]:
    """Click & collect at `store`: from its own shelves, else by transfer from a DC."""
    transfer = network.services.get(network.transfer_service or "")
    options: list[Option] = []
    for service in network.services_of_kind(DeliveryKind.CLICK_AND_COLLECT):
        if service.code not in store.services:
            continue
        candidates = [Candidate(store.id, 0.0)]
        if transfer is not None:
            sources = [
                Candidate(node.id, geodesic_km(node.location, store.location))
                for node in network.nodes.values()
                if node.id != store.id and transfer.code in node.services
            ]
            candidates += sorted(sources, key=lambda c: c.distance_km)

        def service_for(node: Node, service: CarrierService = service) -> CarrierService:
            return service if node.id == store.id or transfer is None else transfer

        def timer(node: Node, distance_km: float) -> Timing | None:
            if node.id == store.id:
                return collect_in_store(store, request.now, country=network.country)
            assert transfer is not None
            return collect_after_transfer(
                node,
                store,
                transfer,
                distance_km,
                request.now,
                confidence=request.confidence,
                country=network.country,
            )

        dated = [
            Option(service.kind, service, shipments, collect_store_id=store.id)
            for plan in _plans(request.cart, candidates, stock)
            if (shipments := _dated_plan(network, plan, service_for, timer, store.location))
        ]
        best = _best(dated)
        if best is not None:
            options.append(best)
    return options


def _collect_stores_near(network: Network, candidates: Sequence[Candidate]) -> list[Node]:
    """The few click & collect stores nearest a home destination, within the collect radius."""
    stores = [
        network.nodes[c.node_id]
        for c in candidates
        if c.distance_km <= network.collect_radius_km
        and Capability.CLICK_AND_COLLECT in network.nodes[c.node_id].capabilities
    ]
    return stores[:COLLECT_STORES_NEAR_HOME]


def _dominated(option: Option, others: Sequence[Option]) -> bool:
    return any(
        other.promised < option.promised
        and other.price_cents < option.price_cents
        and other.co2e_grams < option.co2e_grams
        for other in others
    )


def _labelled(options: Sequence[Option]) -> list[Option]:
    fastest = min(options, key=lambda o: o.sort_key())
    cheapest = min(options, key=lambda o: (o.price_cents, *o.sort_key()))
    greenest = min(options, key=lambda o: (o.co2e_grams, *o.sort_key()))
    recommended = min(options, key=lambda o: (len(o.shipments), o.price_cents, *o.sort_key()))
    labelled = []
    for option in options:
        labels = {
            label
            for label, chosen in (
                (Label.FASTEST, fastest),
                (Label.CHEAPEST, cheapest),
                (Label.GREENEST, greenest),
                (Label.RECOMMENDED, recommended),
            )
            if chosen is option
        }
        labelled.append(
            Option(
                option.kind,
                option.service,
                option.shipments,
                option.collect_store_id,
                frozenset(labels),
            )
        )
    return labelled


def build_options(
    network: Network, request: PromiseRequest, candidates: Sequence[Candidate], stock: Stock
) -> list[Option]:
    """Ranked options, fastest first; raises NothingInStock or DestinationNotServed."""
    store_id = request.destination.store_id
    alternatives: list[Option] = []
    if store_id is not None:
        options = _collect_options(network, request, stock, network.nodes[store_id])
    else:
        options = _home_options(network, request, candidates, stock)
        nearby = _best(
            [
                option
                for store in _collect_stores_near(network, candidates)
                for option in _collect_options(network, request, stock, store)
            ]
        )
        alternatives = [nearby] if nearby is not None else []
    if not options and not alternatives:
        for index, line in enumerate(request.cart):
            if sum(stock.get(line.sku, {}).values()) < line.quantity:
                raise NothingInStock(
                    f"{line.sku} is not in stock for {line.quantity} unit(s) near the destination",
                    field=f"input.lines[{index}]",
                )
        raise DestinationNotServed(
            "no delivery service can bring this cart to the destination", field="input.destination"
        )
    kept = [o for o in options if not _dominated(o, options)]
    labelled = _labelled(kept) if kept else []
    return sorted(labelled + alternatives, key=lambda o: o.sort_key())
