"""Delivery options for a cart: one per service, priced, dated, with their CO2e, then ranked.

For each service, the request's rule profile filters the candidate nodes (those that
dispatch the service, within its radius) and `sourcing.search_plans` finds the plan best by
the profile's objective, every shipment dated, priced and weighed in CO2e by this module.
Home deliveries search a second time with CO2e first: a later plan with less CO2e becomes
the option's greener alternative (the carbon nudge). Options strictly worse than another on
promised day, price and CO2e at once are dropped, and the rest are labelled (RECOMMENDED by
the profile's own objective). A service that gives nothing is reported with a reason code.
A home destination also gets click & collect at the best of the few stores nearest to it,
as an unlabelled alternative: collecting is not delivering, so it neither dominates nor
outranks a delivery to the address asked for; the same goes for delivery to a pickup point,
which lists the nearest points with the option.

Stock on its way to a node (`inbound`) is used only for a service that has no option from
the shelves: its shipments then start at the arrival of the lots they need, a later date
rather than none. Collect and pickup-point options carry the shopper's own trip as a
separate CO2e figure, counted in the option's total only when the request asks.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

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
from promise.explain import (
    KIND_NAMES,
    ComparedPlan,
    Explanation,
    ReasonCode,
    Unavailable,
    unavailable,
)
from promise.geo import GeoPoint, NearestIndex, geodesic_km
from promise.inbound import Inbound, stock_arrives_at, with_inbound
from promise.network import Capability, Network, Node, PickupPoint
from promise.profiles import (
    DEFAULT_PROFILE,
    Criterion,
    Rejection,
    RuleProfile,
    capacity_left,
    rejection,
)
from promise.sourcing import (
    Candidate,
    Judge,
    Plan,
    PlannedShipment,
    SearchResult,
    ShipmentScore,
    Stock,
    search_plans,
)

# The objective of the carbon nudge's alternative plan: least CO2e, then fewest parcels.
GREEN_OBJECTIVE = (Criterion.CO2E, Criterion.FEWEST_SHIPMENTS, Criterion.DELIVERY_DATE)
HOME_KINDS = (DeliveryKind.HOME_STANDARD, DeliveryKind.HOME_EXPRESS, DeliveryKind.SAME_DAY)
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
    # The plan's values under the request's rule profile, in its objective's order.
    objective_values: tuple[float, ...] = ()
    explanation: Explanation | None = None
    # A later plan of the same service with less CO2e, when there is one (the carbon nudge).
    greener: Option | None = None

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

    @property
    def nudge(self) -> str | None:
        """'one day later: 1 parcel instead of 2, 340 g CO2e less', when a greener plan exists."""
        greener = self.greener
        if greener is None:
            return None
        days = (greener.promised - self.promised).days
        head = "one day later" if days == 1 else f"{days} days later"
        parts = []
        fewer, more = len(greener.shipments), len(self.shipments)
        if fewer < more:
            parcels = "1 parcel" if fewer == 1 else f"{fewer} parcels"
            parts.append(f"{parcels} instead of {more}")
        saved = self.shipments_co2e_grams - greener.shipments_co2e_grams
        parts.append(f"{saved:.0f} g CO2e less")
        return f"{head}: {', '.join(parts)}"


@dataclass(frozen=True, slots=True)
class PromiseRequest:
    cart: tuple[CartLine, ...]
    destination: Destination
    now: datetime
    confidence: float = 0.95
    include_customer_trip: bool = False
    profile: RuleProfile = DEFAULT_PROFILE


def _weight(network: Network, lines: Sequence[CartLine]) -> int:
    return sum(network.skus[line.sku].weight_grams * line.quantity for line in lines)


def _shipment(
    network: Network,
    planned: PlannedShipment,
    service: CarrierService,
    timing: Timing,
    arrives_at: datetime | None,
    *,
    distance: float,
) -> Shipment:
    """A dated shipment; `distance` is the geodesic km to where it goes (0 for none)."""
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
    """Stock on the shelves, stock on its way (possibly none), and capacity left today."""

    stock: Stock
    inbound: Inbound
    capacity_left: Mapping[str, int] = dataclasses.field(default_factory=dict)
    # Services offered nothing, with the reason, filled in as options are built.
    unavailable: list[Unavailable] = dataclasses.field(default_factory=list)


@dataclass(slots=True)
class _Failures:
    """Why shipments could not be scored, to tell the shopper why a service is missing."""

    no_date: bool = False
    too_heavy: bool = False


class _Scorer:
    """Dates, prices and weighs planned shipments of one service, with per-request caches."""

    def __init__(
        self,
        network: Network,
        profile: RuleProfile,
        supply: _Supply,
        service_for: Callable[[Node], CarrierService],
        timer: Timer,
        point: GeoPoint,
    ) -> None:
        self.network = network
        self.profile = profile
        self.supply = supply
        self.service_for = service_for
        self.timer = timer
        self.point = point
        self.failures = _Failures()
        self._timings: dict[tuple[str, datetime | None], Timing | None] = {}
        self._km: dict[str, float] = {}
        self.shipments: dict[PlannedShipment, Shipment] = {}

    def km(self, node: Node, planned_km: float) -> float:
        if planned_km <= 0:
            return 0.0
        if node.id not in self._km:
            self._km[node.id] = geodesic_km(node.location, self.point)
        return self._km[node.id]

    def __call__(self, planned: PlannedShipment) -> ShipmentScore | None:
        shipment = self.shipment(planned)
        if shipment is None:
            return None
        node = self.network.nodes[planned.node_id]
        return ShipmentScore(
            shipment.timing.promised,
            shipment.timing.likely,
            shipment.price_cents + self.profile.handling(node),
            shipment.co2e_grams,
        )

    def shipment(self, planned: PlannedShipment) -> Shipment | None:
        if planned in self.shipments:
            return self.shipments[planned]
        node = self.network.nodes[planned.node_id]
        service = self.service_for(node)
        limit = service.max_parcel_grams
        if (
            limit is not None
            and _weight(self.network, planned.lines) + service.packaging_grams > limit
        ):
            self.failures.too_heavy = True
            return None
        arrives_at = stock_arrives_at(
            node.id, planned.lines, self.supply.stock, self.supply.inbound
        )
        key = (node.id, arrives_at)
        if key not in self._timings:
            self._timings[key] = self.timer(node, planned.distance_km, arrives_at)
        timing = self._timings[key]
        if timing is None:
            self.failures.no_date = True
            return None
        made = _shipment(
            self.network,
            planned,
            service,
            timing,
            arrives_at,
            distance=self.km(node, planned.distance_km),
        )
        self.shipments[planned] = made
        return made


def _judge(network: Network, request: PromiseRequest, scorer: _Scorer, stock: Stock) -> Judge:
    profile = request.profile
    return Judge(
        profile.objective,
        scorer,
        stock,
        priorities=network.priorities(),
        stores=network.store_ids(),
        keep_store_units=profile.keep_store_units,
        day_zero=request.now.date(),
    )


def _explanation(
    network: Network,
    profile: RuleProfile,
    considered: Sequence[Candidate],
    rejected: Sequence[Rejection],
    result: SearchResult,
) -> Explanation:
    chosen = result.best.plan if result.best is not None else None
    return Explanation(
        profile=profile.name,
        profile_version=profile.version,
        network_version=network.version,
        objective=profile.objective,
        considered=tuple(c.node_id for c in considered),
        rejected=tuple(rejected),
        compared=tuple(
            ComparedPlan(
                tuple(s.node_id for s in p.plan.shipments),
                len(p.plan.shipments),
                p.values,
                p.plan == chosen,
            )
            for p in result.compared
        ),
        exact=result.exact,
    )


@dataclass(frozen=True, slots=True)
class _Service:
    """How one service dates, prices and packages an option (set per kind of delivery)."""

    service: CarrierService
    make: Callable[[tuple[Shipment, ...]], Option]
    service_for: Callable[[Node], CarrierService]
    timer: Timer
    point: GeoPoint
    # False for a node that hands over its own shelves (a store collecting for itself).
    ships: Callable[[Node], bool] = lambda _node: True
    nudge: bool = False
    # Whether a missing option is reported with its reason (not for collect near home:
    # one line per nearby store would say the same thing several times).
    report: bool = True


def _served(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    supply: _Supply,
    how: _Service,
) -> Option | None:
    """The best option of one service under the request's profile, or None with a reason.

    The profile's filters pick the nodes; `search_plans` finds the best plan over them, from
    the shelves, failing that from the shelves plus inbound stock. Home deliveries also
    search for the plan with the least CO2e: when it comes later but lighter, the option
    carries it as its greener alternative.
    """
    profile = request.profile
    kept: list[Candidate] = []
    rejected: list[Rejection] = []
    for candidate in candidates:
        node = network.nodes[candidate.node_id]
        failed = rejection(
            profile,
            node,
            candidate.distance_km,
            capacity_left=supply.capacity_left,
            shipping=how.ships(node),
        )
        if failed is None:
            kept.append(candidate)
        else:
            rejected.append(Rejection(node.id, failed))
    scorer = _Scorer(network, profile, supply, how.service_for, how.timer, how.point)
    judge = _judge(network, request, scorer, supply.stock)
    result = search_plans(
        request.cart, kept, supply.stock, judge, max_shipments=profile.max_shipments
    )
    stock = supply.stock
    if result.best is None and supply.inbound:
        stock = with_inbound(supply.stock, supply.inbound)
        judge = _judge(network, request, scorer, stock)
        result = search_plans(request.cart, kept, stock, judge, max_shipments=profile.max_shipments)
    if result.best is None:
        if how.report:
            _why_not(network, request, how, candidates, kept, scorer.failures, supply)
        return None
    option = dataclasses.replace(
        _option_of(how, scorer, result.best.plan),
        objective_values=result.best.values,
        explanation=_explanation(network, profile, kept, rejected, result),
    )
    if how.nudge:
        green = search_plans(
            request.cart,
            kept,
            stock,
            judge.with_objective(GREEN_OBJECTIVE),
            max_shipments=profile.max_shipments,
        )
        if green.best is not None:
            greener = _option_of(how, scorer, green.best.plan)
            if (
                greener.promised > option.promised
                and greener.shipments_co2e_grams < option.shipments_co2e_grams - 0.5
            ):
                option = dataclasses.replace(option, greener=greener)
    return option


def _option_of(how: _Service, scorer: _Scorer, plan: Plan) -> Option:
    shipments = []
    for planned in plan.shipments:
        shipment = scorer.shipment(planned)
        assert shipment is not None  # the search kept only plans whose shipments score
        shipments.append(shipment)
    return how.make(tuple(shipments))


def _why_not(
    network: Network,
    request: PromiseRequest,
    how: _Service,
    candidates: Sequence[Candidate],
    kept: Sequence[Candidate],
    failures: _Failures,
    supply: _Supply,
) -> None:
    service = how.service
    kind, code = service.kind, service.code

    def say(reason: ReasonCode, why: str) -> None:
        supply.unavailable.append(unavailable(kind, code, reason, why))

    if not candidates and service.max_distance_km is not None:
        say(ReasonCode.OUT_OF_RANGE, f"no store within {service.max_distance_km:.0f} km")
    elif not candidates:
        say(ReasonCode.OUT_OF_RANGE, "no node ships it to this destination")
    elif not kept:
        say(ReasonCode.EXCLUDED_BY_RULES, "the sales channel's rules allow no node near you")
    elif (
        failures.no_date
        and kind is DeliveryKind.SAME_DAY
        and _past_cutoff(request, service, network.nodes[kept[0].node_id])
    ):
        say(ReasonCode.CUTOFF_PASSED, f"cut-off {service.cutoff:%H:%M} passed")
    elif failures.no_date:
        say(ReasonCode.NO_DELIVERY_DAY, "no delivery day in reach")
    elif failures.too_heavy:
        say(ReasonCode.TOO_HEAVY, "the parcel would be too heavy")
    else:
        say(ReasonCode.NOT_IN_STOCK, "not in stock near you")


def _past_cutoff(request: PromiseRequest, service: CarrierService, node: Node) -> bool:
    """Whether the order comes after the service's cut-off on the nearest node's clock."""
    return request.now.astimezone(ZoneInfo(node.timezone)).time() >= service.cutoff


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

        best = _served(
            network,
            request,
            eligible,
            supply,
            _Service(service, make, service_for, timer, point, nudge=True),
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
    network: Network, request: PromiseRequest, supply: _Supply, store: Node, *, report: bool
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
            candidates += [
                Candidate(node_id, km)
                for node_id, km in network.sources_for(store.id, transfer.code)
            ]

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

        def ships(node: Node) -> bool:
            return node.id != store.id

        best = _served(
            network,
            request,
            candidates,
            supply,
            _Service(service, make, service_for, timer, store.location, ships=ships, report=report),
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

        best = _served(
            network,
            request,
            eligible,
            supply,
            _Service(service, make, service_for, timer, nearest.location),
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


def _dominating(option: Option, others: Sequence[Option]) -> Option | None:
    """An option sooner, cheaper and lower in CO2e than `option` at once, if any."""
    return next(
        (
            other
            for other in others
            if other.promised < option.promised
            and other.price_cents < option.price_cents
            and other.co2e_grams < option.co2e_grams
        ),
        None,
    )


def _labelled(options: Sequence[Option]) -> list[Option]:
    fastest = min(options, key=lambda o: o.sort_key())
    cheapest = min(options, key=lambda o: (o.price_cents, *o.sort_key()))
    greenest = min(options, key=lambda o: (o.co2e_grams, *o.sort_key()))
    # The profile's own objective, as the options' plans were judged by it.
    recommended = min(options, key=lambda o: (o.objective_values, *o.sort_key()))
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


@dataclass(frozen=True, slots=True)
class Promise:
    """The options of a request, and the services it could not be offered, with why."""

    options: tuple[Option, ...]
    unavailable: tuple[Unavailable, ...]


def build_options(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    stock: Stock,
    *,
    inbound: Inbound | None = None,
    pickup_points: Sequence[tuple[str, float]] | None = None,
    capacity_used: Mapping[str, int] | None = None,
) -> list[Option]:
    """Ranked options, fastest first; raises NothingInStock or DestinationNotServed."""
    return list(
        build_promise(
            network,
            request,
            candidates,
            stock,
            inbound=inbound,
            pickup_points=pickup_points,
            capacity_used=capacity_used,
        ).options
    )


def build_promise(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    stock: Stock,
    *,
    inbound: Inbound | None = None,
    pickup_points: Sequence[tuple[str, float]] | None = None,
    capacity_used: Mapping[str, int] | None = None,
) -> Promise:
    """Ranked options, fastest first, and the reasons of the services missing.

    `inbound` is stock on its way (SKU -> node -> lots); `pickup_points` the points near the
    destination with their km (found from the network when not given); `capacity_used` the
    orders each capacity-bound node has taken today. Raises NothingInStock or
    DestinationNotServed when nothing at all can be offered.
    """
    supply = _Supply(
        stock, inbound or {}, capacity_left(network.daily_capacity, capacity_used or {})
    )
    store_id = request.destination.store_id
    alternatives: list[Option] = []
    if store_id is not None:
        options = _collect_options(network, request, supply, network.nodes[store_id], report=True)
    else:
        options = _home_options(network, request, candidates, supply)
        nearby = _best(
            [
                option
                for store in _collect_stores_near(network, candidates)
                for option in _collect_options(network, request, supply, store, report=False)
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
    kept = []
    for option in options:
        better = _dominating(option, options)
        if better is None:
            kept.append(option)
            continue
        supply.unavailable.append(
            unavailable(
                option.kind,
                option.service.code,
                ReasonCode.DOMINATED,
                f"{KIND_NAMES[better.kind]} is sooner, cheaper and lower in CO2e",
            )
        )
    labelled = _labelled(kept) if kept else []
    ranked = sorted(labelled + alternatives, key=lambda o: o.sort_key())
    return Promise(tuple(ranked), tuple(supply.unavailable))
