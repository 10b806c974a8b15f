"""Delivery options for a cart: one per service, priced, dated, with their CO2e, then ranked.

For each service the eligible candidate nodes (those that dispatch it, within its radius)
give a few single-node plans and one split plan (see `sourcing`). Each plan is dated, priced
and weighed in CO2e; the service keeps its best plan by (shipments, promised day, likely day,
price, CO2e, distance). Options strictly worse than another on promised day, price and CO2e
at once are dropped, and the rest are labelled. A home destination also gets click & collect
at the best of the few stores nearest to it, as an unlabelled alternative: collecting is not
delivering, so it neither dominates nor outranks a delivery to the address asked for; the
same goes for delivery to a pickup point, which lists the nearest points with the option.

Stock on its way to a node (`inbound`) is used only for a service that has no option from
the shelves: its shipments then start at the arrival of the lots they need, a later date
rather than none. Collect and pickup-point options carry the shopper's own trip as a
separate CO2e figure, counted in the option's total only when the request asks.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from carriers.regions import Region, country_region
from carriers.services import CarrierService, DeliveryKind
from promise.cart import CartLine, Destination
from promise.dates import (
    Timing,
    collect_after_transfer,
    collect_in_store,
    home_delivery,
    pickup_point_delivery,
    same_day_delivery,
)
from promise.errors import DestinationNotServed, NothingInStock
from promise.geo import GeoPoint, NearestIndex, geodesic_km
from promise.inbound import Inbound, stock_arrives_at, with_inbound
from promise.network import Capability, Network, Node, PickupPoint
from promise.sourcing import Candidate, Plan, PlannedShipment, Stock, single_node_plans, split_plan

SINGLE_NODE_PLANS_PER_SERVICE = 3
MAX_SHIPMENTS = 3
COLLECT_STORES_NEAR_HOME = 3
PICKUP_POINTS_LISTED = 3


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
    # Set when the shipment waits for inbound stock: the arrival of the last lot it needs.
    stock_arrives_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NearbyPoint:
    """A pickup point offered with an option, and how far it is from the destination."""

    point_id: str
    distance_km: float


@dataclass(frozen=True, slots=True)
class Option:
    kind: DeliveryKind
    service: CarrierService
    shipments: tuple[Shipment, ...]
    collect_store_id: str | None = None
    labels: frozenset[Label] = frozenset()
    pickup_points: tuple[NearbyPoint, ...] = ()
    # The shopper's round trip to the store or the nearest point; None when not known.
    customer_trip_grams: float | None = None
    counts_customer_trip: bool = False

    @property
    def price_cents(self) -> int:
        return sum(s.price_cents for s in self.shipments)

    @property
    def shipments_co2e_grams(self) -> float:
        return sum(s.co2e_grams for s in self.shipments)

    @property
    def co2e_grams(self) -> float:
        """The shipments' CO2e, plus the shopper's trip when the request counts it."""
        trip = self.customer_trip_grams if self.counts_customer_trip else None
        return self.shipments_co2e_grams + (trip or 0.0)

    @property
    def confidence(self) -> float:
        """P(everything arrives by its promised day), taking shipments as independent."""
        return round(math.prod(s.timing.confidence for s in self.shipments), 6)

    @property
    def ready_at(self) -> datetime | None:
        """For a collection: when all of it can be picked up (at the promised day)."""
        moments = [s.timing.ready_at for s in self.shipments]
        if not moments or any(m is None for m in moments):
            return None
        return max(m for m in moments if m is not None)

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
    include_customer_trip: bool = False


def _weight(network: Network, lines: Sequence[CartLine]) -> int:
    return sum(network.skus[line.sku].weight_grams * line.quantity for line in lines)


def _shipment(
    network: Network,
    planned: PlannedShipment,
    service: CarrierService,
    point: GeoPoint,
    timing: Timing,
    arrives_at: datetime | None = None,
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
        arrives_at,
    )


# Dates a shipment from a node over a distance, starting no earlier than the given instant.
Timer = Callable[[Node, float, datetime | None], Timing | None]


@dataclass(frozen=True, slots=True)
class _Supply:
    """Stock on the shelves, and stock on its way (possibly none)."""

    stock: Stock
    inbound: Inbound


def _dated_plan(
    network: Network,
    plan: Plan,
    service_for: Callable[[Node], CarrierService],
    timer: Timer,
    point: GeoPoint,
    supply: _Supply,
) -> tuple[Shipment, ...] | None:
    shipments = []
    for planned in plan.shipments:
        node = network.nodes[planned.node_id]
        service = service_for(node)
        limit = service.max_parcel_grams
        if limit is not None and _weight(network, planned.lines) + service.packaging_grams > limit:
            return None
        arrives_at = stock_arrives_at(node.id, planned.lines, supply.stock, supply.inbound)
        timing = timer(node, planned.distance_km, arrives_at)
        if timing is None:
            return None
        shipments.append(_shipment(network, planned, service, point, timing, arrives_at))
    return tuple(shipments)


def _dated_options(
    network: Network,
    cart: Sequence[CartLine],
    candidates: Sequence[Candidate],
    supply: _Supply,
    make: Callable[[tuple[Shipment, ...]], Option],
    service_for: Callable[[Node], CarrierService],
    timer: Timer,
    point: GeoPoint,
) -> list[Option]:
    """Options from the shelves; failing that, from the shelves plus inbound stock."""
    dated = [
        make(shipments)
        for plan in _plans(cart, candidates, supply.stock)
        if (shipments := _dated_plan(network, plan, service_for, timer, point, supply))
    ]
    if dated or not supply.inbound:
        return dated
    future = with_inbound(supply.stock, supply.inbound)
    return [
        make(shipments)
        for plan in _plans(cart, candidates, future)
        if (shipments := _dated_plan(network, plan, service_for, timer, point, supply))
    ]


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


def _region(network: Network, request: PromiseRequest) -> Region:
    return request.destination.region or country_region(network.country)


def _home_options(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    supply: _Supply,
) -> list[Option]:
    point = request.destination.point
    region = _region(network, request)
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
            node: Node,
            distance_km: float,
            not_before: datetime | None,
            service: CarrierService = service,
        ) -> Timing | None:
            if service.kind is DeliveryKind.SAME_DAY:
                return same_day_delivery(
                    node,
                    service,
                    request.now,
                    country=network.country,
                    destination=region,
                    not_before=not_before,
                )
            return home_delivery(
                node,
                service,
                distance_km,
                request.now,
                confidence=request.confidence,
                country=network.country,
                destination=region,
                not_before=not_before,
            )

        def service_for(_node: Node, service: CarrierService = service) -> CarrierService:
            return service

        def make(shipments: tuple[Shipment, ...], service: CarrierService = service) -> Option:
            return Option(service.kind, service, shipments)

        best = _best(
            _dated_options(network, request.cart, eligible, supply, make, service_for, timer, point)
        )
        if best is not None:
            options.append(best)
    return options


def _customer_trip(network: Network, request: PromiseRequest, to: GeoPoint) -> float | None:
    """The shopper's round trip from a home destination to `to`; None for a store request."""
    trip = network.customer_trip
    if trip is None or request.destination.store_id is not None:
        return None
    km = geodesic_km(request.destination.point, to)
    return round(trip.round_trip_grams(great_circle_km=km), 1)


def _collect_options(
    network: Network, request: PromiseRequest, supply: _Supply, store: Node
) -> list[Option]:
    """Click & collect at `store`: from its own shelves, else by transfer from a DC."""
    transfer = network.services.get(network.transfer_service or "")
    trip = _customer_trip(network, request, store.location)
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

        def timer(node: Node, distance_km: float, not_before: datetime | None) -> Timing | None:
            if node.id == store.id:
                return collect_in_store(
                    store, request.now, country=network.country, not_before=not_before
                )
            assert transfer is not None
            return collect_after_transfer(
                node,
                store,
                transfer,
                distance_km,
                request.now,
                confidence=request.confidence,
                country=network.country,
                not_before=not_before,
            )

        def make(shipments: tuple[Shipment, ...], service: CarrierService = service) -> Option:
            return Option(
                service.kind,
                service,
                shipments,
                collect_store_id=store.id,
                customer_trip_grams=trip,
                counts_customer_trip=request.include_customer_trip,
            )

        best = _best(
            _dated_options(
                network, request.cart, candidates, supply, make, service_for, timer, store.location
            )
        )
        if best is not None:
            options.append(best)
    return options


def points_near(network: Network, point: GeoPoint) -> list[tuple[str, float]]:
    """The few pickup points nearest `point` within the network's radius, with their km.

    Ranked on the sphere without a geodesic per point; callers that serve many requests
    keep a `NearestIndex` of their own and pass its answer to `build_options` instead.
    """
    index = NearestIndex((p.id, p.location) for p in network.pickup_points.values())
    return index.nearest(point, limit=PICKUP_POINTS_LISTED, within_km=network.pickup_radius_km)


def _pickup_point_options(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    supply: _Supply,
    nearby: Sequence[tuple[str, float]],
) -> list[Option]:
    """Delivery to the pickup points near a home destination, one option per service.

    The dates and the parcel's CO2e are those to the nearest point the service reaches; the
    option lists every nearby point that service reaches, nearest first.
    """
    region = _region(network, request)
    options: list[Option] = []
    for service in network.services_of_kind(DeliveryKind.PICKUP_POINT):
        reached = [
            (network.pickup_points[point_id], km)
            for point_id, km in nearby
            if service.code in network.pickup_points[point_id].services
        ]
        if not reached:
            continue
        nearest: PickupPoint = reached[0][0]
        eligible = [c for c in candidates if service.code in network.nodes[c.node_id].services]

        def timer(
            node: Node,
            distance_km: float,
            not_before: datetime | None,
            service: CarrierService = service,
            nearest: PickupPoint = nearest,
        ) -> Timing | None:
            return pickup_point_delivery(
                node,
                service,
                nearest,
                distance_km,
                request.now,
                confidence=request.confidence,
                country=network.country,
                destination=region,
                not_before=not_before,
            )

        def service_for(_node: Node, service: CarrierService = service) -> CarrierService:
            return service

        listed = tuple(NearbyPoint(p.id, round(km, 2)) for p, km in reached)
        trip = _customer_trip(network, request, nearest.location)

        def make(
            shipments: tuple[Shipment, ...],
            service: CarrierService = service,
            listed: tuple[NearbyPoint, ...] = listed,
            trip: float | None = trip,
        ) -> Option:
            return Option(
                service.kind,
                service,
                shipments,
                pickup_points=listed,
                customer_trip_grams=trip,
                counts_customer_trip=request.include_customer_trip,
            )

        best = _best(
            _dated_options(
                network,
                request.cart,
                eligible,
                supply,
                make,
                service_for,
                timer,
                nearest.location,
            )
        )
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
        labelled.append(dataclasses.replace(option, labels=frozenset(labels)))
    return labelled


def build_options(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    stock: Stock,
    *,
    inbound: Inbound | None = None,
    pickup_points: Sequence[tuple[str, float]] | None = None,
) -> list[Option]:
    """Ranked options, fastest first; raises NothingInStock or DestinationNotServed.

    `inbound` is stock on its way (SKU -> node -> lots); `pickup_points` the points near the
    destination with their km (found from the network when not given).
    """
    supply = _Supply(stock, inbound or {})
    store_id = request.destination.store_id
    alternatives: list[Option] = []
    if store_id is not None:
        options = _collect_options(network, request, supply, network.nodes[store_id])
    else:
        options = _home_options(network, request, candidates, supply)
        nearby = _best(
            [
                option
                for store in _collect_stores_near(network, candidates)
                for option in _collect_options(network, request, supply, store)
            ]
        )
        alternatives = [nearby] if nearby is not None else []
        points = (
            pickup_points
            if pickup_points is not None
            else points_near(network, request.destination.point)
        )
        alternatives += _pickup_point_options(network, request, candidates, supply, points)
    if not options and not alternatives:
        future = with_inbound(stock, supply.inbound)
        for index, line in enumerate(request.cart):
            if sum(future.get(line.sku, {}).values()) < line.quantity:
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
