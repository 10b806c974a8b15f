"""One service's best option under the request's rule profile, or the reason it has none.

The profile's filters pick the nodes, `sourcing.search_plans` finds the plan best by the
profile's objective over them, and `ShipmentScorer` (`shipment_scoring`) dates, prices and
weighs each shipment the search asks about. The search weighs CO2e over the great circle on
the mean sphere, a few multiplications from the nodes' positions; only the shipments an
option keeps get the WGS-84 geodesic (geopy), once per node and place a request sends to.
Home deliveries search a second time with CO2e first: a later plan with less CO2e becomes
the option's greener alternative (the carbon nudge). That search is skipped when no node
holding the cart could be promised later than the option, as no plan could then be later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from carriers.services import CarrierService, DeliveryKind, UnitRefusal
from promise.cart import CartLine
from promise.explain import ComparedPlan, Explanation, ReasonCode, unavailable
from promise.geo import GeoPoint
from promise.inbound import with_inbound
from promise.network import Network, Node
from promise.option_values import Option, PromiseRequest, Shipment
from promise.profiles import Criterion, Rejection, RuleProfile, rejection, rejects_none
from promise.shipment_costs import fewest_parcels
from promise.shipment_scoring import (
    Failures,
    ShipmentScorer,
    Supply,
    Timer,
)
from promise.sourcing import (
    Candidate,
    Judge,
    Plan,
    SearchResult,
    ShipmentParts,
    Stock,
    search_plans,
)

# The objective of the carbon nudge's alternative plan: least CO2e, then fewest parcels.
GREEN_OBJECTIVE = (Criterion.CO2E, Criterion.FEWEST_SHIPMENTS, Criterion.DELIVERY_DATE)


def _ships_all(_node: Node) -> bool:
    return True


# __init__ written out, compiled (see promise.option_values): one is built per service a
# request searches, and the generated one is interpreted.
@dataclass(frozen=True, slots=True, init=False)
class ServiceRules:
    """How one service dates, prices and packages an option (set per kind of delivery)."""

    service: CarrierService
    make: Callable[[tuple[Shipment, ...]], Option]
    service_for: Callable[[Node], CarrierService]
    timer: Timer
    point: GeoPoint
    # False for a node that hands over its own shelves (a store collecting for itself).
    ships: Callable[[Node], bool] = _ships_all
    nudge: bool = False
    # Whether a missing option is reported with its reason (not for collect near home:
    # one line per nearby store would say the same thing several times).
    report: bool = True
    # Whether the candidates' km are their nodes' sphere km to `point` (see ShipmentScorer).
    sphere_distances: bool = False
    # Whether `service_for` gives `service` whatever the node.
    one_service: bool = False

    def __init__(
        self,
        service: CarrierService,
        make: Callable[[tuple[Shipment, ...]], Option],
        service_for: Callable[[Node], CarrierService],
        timer: Timer,
        point: GeoPoint,
        ships: Callable[[Node], bool] = _ships_all,
        nudge: bool = False,
        report: bool = True,
        sphere_distances: bool = False,
        one_service: bool = False,
    ) -> None:
        object.__setattr__(self, "service", service)
        object.__setattr__(self, "make", make)
        object.__setattr__(self, "service_for", service_for)
        object.__setattr__(self, "timer", timer)
        object.__setattr__(self, "point", point)
        object.__setattr__(self, "ships", ships)
        object.__setattr__(self, "nudge", nudge)
        object.__setattr__(self, "report", report)
        object.__setattr__(self, "sphere_distances", sphere_distances)
        object.__setattr__(self, "one_service", one_service)


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
        unit_grams=scorer.unit_grams,
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
    by: dict[str, CarrierService] = {}
    if how.one_service:
        # No node to look up per candidate: the scorer meets the few it scores on its own.
        if kept:
            by[how.service.code] = how.service
    else:
        for candidate in kept:
            service = scorer.service_for_node(candidate)
            by[service.code] = service
    least = fewest_parcels(network, request.cart, by.values(), known=supply.memo)
    if least > profile.max_shipments:
        scorer.failures.too_heavy = True
    refused = _unit_refused(network, request, by.values(), supply)
    if refused is not None:
        # A unit no parcel of these services can hold: no plan can carry the cart.
        scorer.failures.too_heavy = refused is UnitRefusal.TOO_HEAVY
        scorer.failures.too_long = refused is UnitRefusal.TOO_LONG
        if how.report:
            _why_not(network, request, how, candidates, kept, scorer.failures, supply)
        return None
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
    option = _option_of(how, scorer, result.best.plan).replaced(
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
                option = option.replaced(greener=greener)
    return option


def _unit_refused(
    network: Network, request: PromiseRequest, services: Iterable[CarrierService], supply: Supply
) -> UnitRefusal | None:
    """Why some unit of the cart can go by none of `services`; None when each unit can go by
    one of them (or none is given)."""
    found: UnitRefusal | None = None
    for service in services:
        refusal = _refusal(network, request.cart, service, supply)
        if refusal is None:
            return None
        found = found or refusal
    return found


def _refusal(
    network: Network, cart: Sequence[CartLine], service: CarrierService, supply: Supply
) -> UnitRefusal | None:
    """Why the first unit of the cart `service` refuses is refused (None for none), kept for
    the request: its searches ask about the same few services."""
    key = ("unit refused", id(service), id(cart))
    held = supply.memo.get(key)
    # The entry holds the service and the cart, so their ids name them while it lives.
    if isinstance(held, tuple) and held[0] is service and held[1] is cart:
        kept: UnitRefusal | None = held[2]
        return kept
    refusal = None
    for line in cart:
        sku = network.skus[line.sku]
        refusal = service.unit_refused(sku.weight_grams, sku.length_mm)
        if refusal is not None:
            break
    supply.memo[key] = (service, cart, refusal)
    return refusal


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

    def say(reason: ReasonCode, why: str, *, km: float | None = None) -> None:
        cutoff = service.cutoff if reason is ReasonCode.CUTOFF_PASSED else None
        supply.unavailable.append(unavailable(kind, code, reason, why, km=km, cutoff=cutoff))

    if not candidates and service.max_distance_km is not None:
        km = service.max_distance_km
        say(ReasonCode.OUT_OF_RANGE, f"no store within {km:.0f} km", km=km)
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
    elif failures.too_long:
        say(ReasonCode.TOO_LONG, "an item is longer than its parcels may be")
    else:
        say(ReasonCode.NOT_IN_STOCK, "not in stock near you")


def _past_cutoff(request: PromiseRequest, service: CarrierService, node: Node) -> bool:
    """Whether the order comes after the service's cut-off on the nearest node's clock."""
    return request.now.astimezone(ZoneInfo(node.timezone)).time() >= service.cutoff
