"""One service's best option under the request's rule profile, or the reason it has none.

The profile's filters pick the nodes, `sourcing.search_plans` finds the plan best by the
profile's objective over them, and `ShipmentScorer` dates, prices and weighs each shipment
the search asks about. The search weighs CO2e over the great circle on the mean sphere, a
few multiplications from the nodes' positions; only the shipments an option keeps get the
WGS-84 geodesic (geopy), once per node and place a request sends to. Home deliveries search
a second time with CO2e first: a later plan with less CO2e becomes the option's greener
alternative (the carbon nudge). That search is skipped when no node holding the cart could
be promised later than the option, as no plan could then be later.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from carriers.services import CarrierService, DeliveryKind
from promise.cart import CartLine
from promise.dates import Timing
from promise.explain import ComparedPlan, Explanation, ReasonCode, Unavailable, unavailable
from promise.geo import GeoPoint, geodesic_km, sphere_km
from promise.inbound import Inbound, stock_arrives_at, with_inbound
from promise.network import Network, Node
from promise.option import Option, PromiseRequest, Shipment
from promise.parcel_bound import fewest_parcels_for
from promise.profiles import Criterion, Rejection, RuleProfile, rejection, rejects_none
from promise.rounding import round_to
from promise.sourcing import (
    Candidate,
    Judge,
    Plan,
    PlannedShipment,
    SearchResult,
    ShipmentParts,
    ShipmentScore,
    Stock,
    search_plans,
)

# The objective of the carbon nudge's alternative plan: least CO2e, then fewest parcels.
GREEN_OBJECTIVE = (Criterion.CO2E, Criterion.FEWEST_SHIPMENTS, Criterion.DELIVERY_DATE)

# Dates a shipment from a node over a distance, starting no earlier than the given instant.
Timer = Callable[[Node, float, datetime | None], Timing | None]


class Distances:
    """Node-to-place km of one request, each computed once whatever the services asking."""

    def __init__(self) -> None:
        self._sphere: dict[tuple[str, GeoPoint], float] = {}
        self._geodesic: dict[tuple[str, GeoPoint], float] = {}

    def sphere_km(self, node: Node, to: GeoPoint) -> float:
        key = (node.id, to)
        if key not in self._sphere:
            self._sphere[key] = sphere_km(node.location, to)
        return self._sphere[key]

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


def weight_grams(network: Network, lines: Sequence[CartLine]) -> int:
    skus, grams = network.skus, 0
    for line in lines:
        grams += skus[line.sku].weight_grams * line.quantity
    return grams


def fewest_parcels(network: Network, cart: Sequence[CartLine], by: Iterable[CarrierService]) -> int:
    """The fewest parcels that can carry the cart when its shipments go by these services.

    A parcel holds at most its service's weight limit less the packaging; 1 when some
    service has no limit (or none is given).
    """
    largest = 0
    for service in by:
        if service.max_parcel_grams is None:
            return 1
        largest = max(largest, service.max_parcel_grams - service.packaging_grams)
    if largest <= 0:
        return 1
    units: Counter[int] = Counter()
    for line in cart:
        units[network.skus[line.sku].weight_grams] += line.quantity
    return max(1, fewest_parcels_for(units, largest))


def _co2e_grams(service: CarrierService, weight: int, km: float) -> float:
    """The shipment's CO2e over `km` (0 for none: no transport leg, no last mile)."""
    grams = service.linehaul.leg_grams(
        mass_grams=weight + service.packaging_grams, great_circle_km=km
    )
    if km > 0:
        grams += service.last_mile_grams_per_parcel
    return round_to(grams, 1)


class ShipmentScorer:
    """Dates, prices and weighs planned shipments of one service, with per-request caches.

    What a shipment scores depends on its node, weight and the arrival of any inbound stock
    it waits for, so shipments alike in those share one score. `sphere_distances` says the
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
        self._timings: dict[tuple[str, datetime | None], Timing | None] = {}
        self._sphere_km: dict[str, float] = {}
        self._nodes: dict[str, tuple[Node, CarrierService, int]] = {}
        self._scores: dict[tuple[str, float, int, datetime | None], ShipmentScore | None] = {}

    def __call__(self, planned: PlannedShipment) -> ShipmentScore | None:
        # The search asks this tens of times a request: the common lookups are inlined.
        node_id, distance_km = planned.node_id, planned.distance_km
        known = self._nodes.get(node_id)
        node, service, handling = known if known is not None else self._node(node_id)
        weight = self._weight(service, planned)
        if weight is None:
            return None
        arrives_at = self._arrival(planned) if self.supply.inbound else None
        key = (node_id, distance_km, weight, arrives_at)
        if key in self._scores:
            return self._scores[key]
        timing = self._timing(node, distance_km, arrives_at)
        found = None
        if timing is not None:
            km = 0.0
            if distance_km > 0:
                km = distance_km if self._sphere_distances else self._sphere(node)
            found = ShipmentScore(
                timing.promised,
                timing.likely,
                service.price.for_weight(weight + service.packaging_grams) + handling,
                _co2e_grams(service, weight, km),
            )
        self._scores[key] = found
        return found

    def _sphere(self, node: Node) -> float:
        km = self._sphere_km.get(node.id)
        if km is None:
            km = self._sphere_km[node.id] = self.supply.distances.sphere_km(node, self.point)
        return km

    def _node(self, node_id: str) -> tuple[Node, CarrierService, int]:
        """The node, the service it ships by and its handling cost."""
        found = self._nodes.get(node_id)
        if found is None:
            node = self.network.nodes[node_id]
            # Most profiles charge no handling: no lookup by node type then.
            handling = self.profile.handling(node) if self.profile.handling_cents else 0
            found = self._nodes[node_id] = (node, self.service_for(node), handling)
        return found

    def service_for_node(self, candidate: Candidate) -> CarrierService:
        """The service a shipment from the candidate goes by."""
        return self._node(candidate.node_id)[1]

    def shipment(self, planned: PlannedShipment) -> Shipment | None:
        """The dated shipment, over the geodesic to where it goes (0 km for none)."""
        node = self.network.nodes[planned.node_id]
        service = self.service_for(node)
        weight = self._weight(service, planned)
        if weight is None:
            return None
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
            service.price.for_weight(weight + service.packaging_grams),
            _co2e_grams(service, weight, distance),
            arrives_at,
        )

    def from_shelves(self, candidate: Candidate) -> Timing | None:
        """The dates of any shipment from the candidate's shelves (they depend on the node)."""
        return self._timing(self.network.nodes[candidate.node_id], candidate.distance_km, None)

    def _weight(self, service: CarrierService, planned: PlannedShipment) -> int | None:
        """The lines' weight; None when the parcel would be too heavy for the service."""
        weight = weight_grams(self.network, planned.lines)
        limit = service.max_parcel_grams
        if limit is not None and weight + service.packaging_grams > limit:
            self.failures.too_heavy = True
            return None
        return weight

    def _arrival(self, planned: PlannedShipment) -> datetime | None:
        if not self.supply.inbound:
            return None
        return stock_arrives_at(
            planned.node_id, planned.lines, self.supply.stock, self.supply.inbound
        )

    def _timing(self, node: Node, distance_km: float, arrives_at: datetime | None) -> Timing | None:
        key = (node.id, arrives_at)
        if key in self._timings:
            timing = self._timings[key]
        else:
            timing = self._timings[key] = self.timer(node, distance_km, arrives_at)
        if timing is None:
            self.failures.no_date = True
        return timing


@dataclass(frozen=True, slots=True)
class ServiceRules:
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
    # Whether the candidates' km are their nodes' sphere km to `point` (see ShipmentScorer).
    sphere_distances: bool = False


def _judge(
    network: Network, request: PromiseRequest, scorer: ShipmentScorer, stock: Stock
) -> Judge:
    profile = request.profile
    parts = ShipmentParts(
        scorer,
        stock,
        priorities=network.priorities(),
        stores=network.store_ids(),
        keep_store_units=profile.keep_store_units,
        day_zero=request.now.date(),
    )
    return Judge(profile.objective, parts)


def served(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    supply: Supply,
    how: ServiceRules,
) -> Option | None:
    """The best option of one service under the request's profile, or None with a reason.

    The profile's filters pick the nodes; `search_plans` finds the best plan over them, from
    the shelves, failing that from the shelves plus inbound stock. Home deliveries also
    search for the plan with the least CO2e (when some plan could come later): when it comes
    later but lighter, the option carries it as its greener alternative.
    """
    profile = request.profile
    kept, rejected = _filtered(network, profile, candidates, supply, how)
    scorer = ShipmentScorer(
        network,
        profile,
        supply,
        how.service_for,
        how.timer,
        how.point,
        sphere_distances=how.sphere_distances,
    )
    judge = _judge(network, request, scorer, supply.stock)
    least = fewest_parcels(network, request.cart, map(scorer.service_for_node, kept))
    if least > profile.max_shipments:
        scorer.failures.too_heavy = True
    result = search_plans(
        request.cart,
        kept,
        supply.stock,
        judge,
        max_shipments=profile.max_shipments,
        least_shipments=least,
        trace=request.explain,
    )
    stock = supply.stock
    if result.best is None and supply.inbound:
        stock = with_inbound(supply.stock, supply.inbound)
        judge = _judge(network, request, scorer, stock)
        result = search_plans(
            request.cart,
            kept,
            stock,
            judge,
            max_shipments=profile.max_shipments,
            least_shipments=least,
            trace=request.explain,
        )
    if result.best is None:
        if how.report:
            _why_not(network, request, how, candidates, kept, scorer.failures, supply)
        return None
    option = dataclasses.replace(
        _option_of(how, scorer, result.best.plan),
        objective_values=result.best.values,
        explanation=(
            _explanation(network, profile, kept, rejected, result) if request.explain else None
        ),
    )
    if how.nudge and _may_come_later(request, kept, stock is supply.stock, scorer, option.promised):
        green = search_plans(
            request.cart,
            kept,
            stock,
            judge.with_objective(GREEN_OBJECTIVE),
            max_shipments=profile.max_shipments,
            least_shipments=least,
            # The greener option is shown as a nudge, never with a trace of its own.
            trace=False,
        )
        if green.best is not None:
            greener = _option_of(how, scorer, green.best.plan)
            if (
                greener.promised > option.promised
                and greener.shipments_co2e_grams < option.shipments_co2e_grams - 0.5
            ):
                option = dataclasses.replace(option, greener=greener)
    return option


def _filtered(
    network: Network,
    profile: RuleProfile,
    candidates: Sequence[Candidate],
    supply: Supply,
    how: ServiceRules,
) -> tuple[list[Candidate], list[Rejection]]:
    """The candidates the profile's filters keep, and the others with the filter they fail."""
    if rejects_none(profile, capacity_exhausted=supply.capacity_exhausted()):
        return list(candidates), []
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
    return kept, rejected


def _may_come_later(
    request: PromiseRequest,
    kept: Sequence[Candidate],
    from_shelves: bool,
    scorer: ShipmentScorer,
    promised: date,
) -> bool:
    """Whether a plan of these nodes could be promised after `promised`.

    The carbon nudge offers only a later plan, so when none can be later the search for the
    greenest is not needed. From the shelves a shipment is dated by its node alone (stock on
    its way would date it by the lots it waits for), so the nodes holding any of the cart
    tell.
    """
    if not from_shelves:
        return True
    holding = scorer.supply.on_shelves(request.cart)
    for candidate in kept:
        if candidate.node_id in holding:
            timing = scorer.from_shelves(candidate)
            if timing is not None and timing.promised > promised:
                return True
    return False


def _option_of(how: ServiceRules, scorer: ShipmentScorer, plan: Plan) -> Option:
    shipments = []
    for planned in plan.shipments:
        shipment = scorer.shipment(planned)
        assert shipment is not None  # the search kept only plans whose shipments score
        shipments.append(shipment)
    return how.make(tuple(shipments))


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


def _why_not(
    network: Network,
    request: PromiseRequest,
    how: ServiceRules,
    candidates: Sequence[Candidate],
    kept: Sequence[Candidate],
    failures: Failures,
    supply: Supply,
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
