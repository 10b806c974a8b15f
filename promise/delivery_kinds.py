"""The kinds of delivery option: home (standard, express, same-day), click & collect, pickup point.

Each kind says which nodes may serve it, how a shipment is dated (`promise.dates`) and what
the option carries, then leaves the search to `service_sourcing.served`. Home deliveries come
from the request's candidates; click & collect from the store's own shelves or by transfer
from the nodes holding the cart; a pickup point gets the parcel's dates to the nearest point
the service reaches, and lists the few nearest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from carriers.regions import Region, country_region
from carriers.services import CarrierService, DeliveryKind
from promise.dates import Timing, collect_in_store, same_day_delivery
from promise.geo import GeoPoint, NearestIndex, geodesic_km, sphere_km_to
from promise.held_timings import HomeTimer, PickupTimer, TransferTimer
from promise.network import Network, Node, PickupPoint
from promise.option_values import NearbyPoint, Option, PromiseRequest, Shipment
from promise.service_sourcing import ServiceRules, served
from promise.shipment_costs import weight_grams
from promise.shipment_scoring import Supply
from promise.sourcing import Candidate

HOME_KINDS = (
    DeliveryKind.HOME_STANDARD,
    DeliveryKind.HOME_EXPRESS,
    DeliveryKind.HOME_TWO_PERSON,
    DeliveryKind.SAME_DAY,
)
COLLECT_STORES_NEAR_HOME = 3
PICKUP_POINTS_LISTED = 3


def best_of(options: Sequence[Option]) -> Option | None:
    if not options:
        return None
    return min(options, key=lambda o: (len(o.shipments), *o.sort_key(), o.distance_km))


def _region(network: Network, request: PromiseRequest) -> Region:
    return request.destination.region or country_region(network.country)


def home_options(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    supply: Supply,
) -> list[Option]:
    """One option per home service delivering to the destination's zone, at its terms there.

    A service of another zone, or a freight service for a cart a parcel carries, is not
    offered and not reported: it was never meant for this destination or cart.
    """
    point = request.destination.point
    region = _region(network, request)
    zone = network.zone_of(request.destination.region)
    cart_grams = weight_grams(network, request.cart)
    options: list[Option] = []
    for declared in network.services.values():
        if declared.kind not in HOME_KINDS or not request.wants(declared.kind):
            continue
        zoned = network.in_zone(declared, zone)
        if zoned is None:
            continue
        service = zoned
        if service.min_shipment_grams is not None and cart_grams < service.min_shipment_grams:
            continue
        dispatching = network.dispatching(
            service.code, same_day=service.kind is DeliveryKind.SAME_DAY
        )
        reach = service.max_distance_km
        eligible = [
            c
            for c in candidates
            if c.node_id in dispatching and (reach is None or c.distance_km <= reach)
        ]

        timer = service_timer(network, request, region, service)

        def service_for(_node: Node, service: CarrierService = service) -> CarrierService:
            return service

        def make(shipments: tuple[Shipment, ...], service: CarrierService = service) -> Option:
            return Option(service.kind, service, shipments)

        best = served(
            network,
            request,
            eligible,
            supply,
            ServiceRules(
                service, make, service_for, timer, point, nudge=request.nudge, one_service=True
            ),
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


def collect_options(
    network: Network, request: PromiseRequest, supply: Supply, store: Node, *, report: bool
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
            candidates += _transfer_sources(network, request, supply, store, transfer)

        def service_for(node: Node, service: CarrierService = service) -> CarrierService:
            return service if node.id == store.id or transfer is None else transfer

        sent = (
            None
            if transfer is None
            else TransferTimer(
                transfer,
                store,
                request.now,
                confidence=request.confidence,
                country=network.country,
            )
        )

        def timer(
            node: Node,
            distance_km: float,
            not_before: datetime | None,
            sent: TransferTimer | None = sent,
        ) -> Timing | None:
            if node.id == store.id:
                return collect_in_store(
                    store, request.now, country=network.country, not_before=not_before
                )
            assert sent is not None
            return sent(node, distance_km, not_before)

        def make(shipments: tuple[Shipment, ...], service: CarrierService = service) -> Option:
            return Option(
                service.kind,
                service,
                shipments,
                collect_store_id=store.id,
                customer_trip_grams=trip,
                counts_customer_trip=request.include_customer_trip,
            )

        def ships(node: Node) -> bool:
            return node.id != store.id

        best = served(
            network,
            request,
            candidates,
            supply,
            ServiceRules(
                service,
                make,
                service_for,
                timer,
                store.location,
                ships=ships,
                report=report,
                sphere_distances=True,
            ),
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


def pickup_point_options(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    supply: Supply,
    nearby: Sequence[tuple[str, float]],
) -> list[Option]:
    """Delivery to the pickup points near a home destination, one option per service.

    The dates and the parcel's CO2e are those to the nearest point the service reaches; the
    option lists every nearby point that service reaches, nearest first.
    """
    region = _region(network, request)
    zone = network.zone_of(request.destination.region)
    options: list[Option] = []
    for declared in network.services_of_kind(DeliveryKind.PICKUP_POINT):
        zoned = network.in_zone(declared, zone)
        if zoned is None:
            continue
        service = zoned
        reached = [
            (network.pickup_points[point_id], km)
            for point_id, km in nearby
            if service.code in network.pickup_points[point_id].services
        ]
        if not reached:
            continue
        nearest: PickupPoint = reached[0][0]
        dispatching = network.dispatching(service.code)
        eligible = [c for c in candidates if c.node_id in dispatching]

        timer = PickupTimer(
            service,
            nearest,
            request.now,
            confidence=request.confidence,
            country=network.country,
            destination=region,
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

        best = served(
            network,
            request,
            eligible,
            supply,
            ServiceRules(service, make, service_for, timer, nearest.location, one_service=True),
        )
        if best is not None:
            options.append(best)
    return options


def collect_stores_near(network: Network, candidates: Sequence[Candidate]) -> list[Node]:
    """The few click & collect stores nearest a home destination, within the collect radius."""
    collecting = network.collect_store_ids()
    stores = [
        network.nodes[c.node_id]
        for c in candidates
        if c.distance_km <= network.collect_radius_km and c.node_id in collecting
    ]
    return stores[:COLLECT_STORES_NEAR_HOME]


def _transfer_sources(
    network: Network,
    request: PromiseRequest,
    supply: Supply,
    store: Node,
    transfer: CarrierService,
) -> list[Candidate]:
    """The nodes holding some of the cart that can send it to `store`, nearest first.

    Found from the stock read for the request rather than from every node dispatching the
    transfer, so the work grows with the nodes holding the cart, not with the network. The
    km are on the mean sphere, from the store's unit vector taken once.
    """
    to_store = sphere_km_to(store.location)
    found = [
        (to_store(location), node_id)
        for node_id, location in _senders(network, request, supply, transfer)
        if node_id != store.id
    ]
    found.sort()
    return [Candidate(node_id, km) for km, node_id in found]


def _senders(
    network: Network, request: PromiseRequest, supply: Supply, transfer: CarrierService
) -> tuple[tuple[str, GeoPoint], ...]:
    """The nodes holding or awaiting some of the cart that dispatch the transfer, with where
    they are: the same for every store a request collects at, so found once."""
    key = ("senders", request.cart, transfer.code)
    found = supply.memo.get(key)
    if found is None:
        holding: set[str] = set()
        for line in request.cart:
            holding.update(n for n, units in supply.stock.get(line.sku, {}).items() if units > 0)
            holding.update(supply.inbound.get(line.sku, {}))
        nodes = network.nodes
        found = supply.memo[key] = tuple(
            (node_id, nodes[node_id].location)
            for node_id in holding
            if node_id in nodes and transfer.code in nodes[node_id].services
        )
    assert isinstance(found, tuple)
    return found


def service_timer(
    network: Network, request: PromiseRequest, region: Region, service: CarrierService
) -> Callable[[Node, float, datetime | None], Timing | None]:
    """How `service` dates a shipment from a node to the destination's `region`, at its
    distance and, for stock not yet on hand, not before it arrives."""

    if service.kind is not DeliveryKind.SAME_DAY:
        return HomeTimer(
            service,
            request.now,
            confidence=request.confidence,
            country=network.country,
            destination=region,
        )

    def timer(node: Node, distance_km: float, not_before: datetime | None) -> Timing | None:
        return same_day_delivery(
            node,
            service,
            request.now,
            country=network.country,
            destination=region,
            not_before=not_before,
        )

    return timer
