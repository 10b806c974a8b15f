"""The services and nodes a listing page may use, prepared once for all of its SKUs.

A home service delivering to the destination's zone keeps the candidates it dispatches from
within its reach that the profile's filters allow (capacity read beside the stock), with one
`ShipmentScorer` and one `Judge` for every SKU, and each kept node's leading objective
values that depend on the node alone; collect keeps the stores within the collect radius.
Their union is the only nodes whose stock a listing reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from carriers.regions import country_region
from carriers.services import CarrierService, DeliveryKind
from promise.dates import Timing
from promise.delivery_kinds import service_timer
from promise.judge import Judge, ShipmentParts
from promise.network import Capability, Network, Node
from promise.option_values import PromiseRequest
from promise.plans import Candidate, PlannedShipment, ShipmentScore, Stock
from promise.profiles import Criterion, rejection, rejects_none
from promise.rounding import round_to
from promise.shipment_costs import co2e_grams
from promise.shipment_scoring import ShipmentScorer, Supply


@dataclass(frozen=True, slots=True)
class NodeTerms:
    """What a kept node gives every unit it ships by one service: its dates, its leading
    node-only objective values, and the parts of `Judge.rate`'s values that depend on the node
    alone (days, likely day, km rounded, priority), so a SKU's key costs a few operations."""

    timing: Timing
    prefix: tuple[float, ...]
    # Days to the promised date (float, as `Judge.rate` gives it) and the likely day's ordinal.
    days: float
    likely: int
    # Km on the sphere for CO2e (0 for no transport leg), and the handling cost.
    co2e_km: float
    handling_cents: int
    # The candidate's km rounded as `Judge.rate` rounds it: to 1 decimal for DISTANCE, to 3
    # for the tie-break.
    km_value: float
    km_tie: float
    priority_value: float
    # A store: a unit taken from it may count for STOCK_DEPTH.
    store: bool


UnitRank = tuple[tuple[float, ...], int, float, str]
"""`Judge.key` of one unit's single-shipment plan, the same SKU's line being every plan's:
objective values, likely day, distance, node."""


@dataclass(frozen=True, slots=True)
class HomeService:
    """One home service prepared for the page: the nodes it may use, its scorer and judge."""

    service: CarrierService
    kept: tuple[Candidate, ...]
    scorer: ShipmentScorer
    judge: Judge
    # Per kept node its terms (None: no date from it). A SKU scores only its holders that
    # tie on the least leading values.
    terms: dict[str, NodeTerms | None]
    # Whether the objective reads CO2e (else a unit's is not worked out).
    weighs_co2e: bool

    def unit_rank(
        self, candidate: Candidate, terms: NodeTerms, grams: int, price_cents: int, atp: int
    ) -> UnitRank:
        """`Judge.key` of one parcel of `grams` (priced `price_cents`, `parcels_price`) from a
        kept node holding `atp` units, as `ShipmentScorer` and `ShipmentParts` score it, with
        the same arithmetic, from the node's terms: the nodes and lines last (the line is the
        same for every node of a SKU, so the node alone orders them)."""
        co2e = 0.0
        if self.weighs_co2e:
            co2e = round_to(co2e_grams(self.service, grams, terms.co2e_km, 1), 1)
        depth = 0
        if terms.store:
            # ShipmentParts._depth of one unit: taken from the last `keep` units.
            depth = min(1, max(0, self.judge.parts.keep - (atp - 1)))
        every = (
            1.0,
            terms.days,
            float(price_cents + terms.handling_cents),
            co2e,
            terms.km_value,
            terms.priority_value,
            float(depth),
        )
        return (self.judge.pick(every), terms.likely, terms.km_tie, candidate.node_id)

    def headline_km(self, candidate: Candidate) -> float:
        """The km a shipment from the candidate shows: the geodesic's, to 1 decimal (0 for no
        transport leg), as `ShipmentScorer.shipment` gives it."""
        if candidate.distance_km <= 0:
            return 0.0
        scorer = self.scorer
        node = scorer.network.nodes[candidate.node_id]
        return round(scorer.supply.distances.geodesic_km(node, scorer.point), 1)


# Criteria whose value for one unit from one node depends on the node only.
_NODE_ONLY = frozenset(
    {
        Criterion.FEWEST_SHIPMENTS,
        Criterion.DELIVERY_DATE,
        Criterion.DISTANCE,
        Criterion.NODE_PRIORITY,
    }
)


def _terms(
    network: Network,
    request: PromiseRequest,
    supply: Supply,
    scorer: ShipmentScorer,
    judge: Judge,
    kept: Sequence[Candidate],
) -> dict[str, NodeTerms | None]:
    """Each kept node's terms, as `ShipmentScorer` and `Judge.key` would find them.

    Plans are compared by their objective values first, so a node whose leading node-only
    values are larger than another holder's can't be a SKU's best, whatever the SKU.
    """
    leading = 0
    for criterion in judge.objective:
        if criterion not in _NODE_ONLY:
            break
        leading += 1
    profile = request.profile
    point = request.destination.point
    parts = judge.parts
    found: dict[str, NodeTerms | None] = {}
    for candidate in kept:
        timing = scorer.from_shelves(candidate)
        if timing is None:
            found[candidate.node_id] = None
            continue
        node = network.nodes[candidate.node_id]
        probe = PlannedShipment(candidate.node_id, candidate.distance_km, ())
        part = parts.of(probe, ShipmentScore(timing.promised, timing.likely, 0, 0.0))
        km = candidate.distance_km
        found[candidate.node_id] = NodeTerms(
            timing,
            judge.rate([part])[0][:leading],
            float(part[0]),
            part[1],
            supply.distances.sphere_km(node, point) if km > 0 else 0.0,
            profile.handling(node) if profile.handling_cents else 0,
            round_to(km, 1),
            round_to(km, 3),
            float(-part[5]),
            candidate.node_id in parts.stores,
        )
    return found


def _judge(
    network: Network, request: PromiseRequest, scorer: ShipmentScorer, stock: Stock
) -> Judge:
    parts = ShipmentParts(
        scorer,
        stock,
        priorities=network.priorities(),
        stores=network.store_ids(),
        keep_store_units=request.profile.keep_store_units,
        day_zero=request.now.date(),
        unit_grams=scorer.unit_grams,
    )
    return Judge(request.profile.objective, parts)


def _zoned(network: Network, request: PromiseRequest, kind: DeliveryKind) -> list[CarrierService]:
    """The services of `kind` that deliver to the destination's zone, at their terms there.

    As `home_options` offers them: a service of another zone is never meant for it.
    """
    zone = network.zone_of(request.destination.region)
    found = []
    for declared in network.services_of_kind(kind):
        zoned = network.in_zone(declared, zone)
        if zoned is not None:
            found.append(zoned)
    return found


def _reachable(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    service: CarrierService,
) -> list[Candidate]:
    """The candidates dispatching `service` within its reach that the profile's filters keep,
    capacity aside (it is read beside the stock, so it can't choose what stock to read)."""
    dispatching = network.dispatching(service.code, same_day=service.kind is DeliveryKind.SAME_DAY)
    reach = service.max_distance_km
    profile = request.profile
    open_to_all = rejects_none(profile, capacity_exhausted=False)
    no_capacity: dict[str, int] = {}
    return [
        c
        for c in candidates
        if c.node_id in dispatching
        and (reach is None or c.distance_km <= reach)
        and (
            open_to_all
            or rejection(
                profile, network.nodes[c.node_id], c.distance_km, capacity_left=no_capacity
            )
            is None
        )
    ]


def collect_candidates(
    network: Network, request: PromiseRequest, candidates: Sequence[Candidate]
) -> list[tuple[Candidate, Node, CarrierService]]:
    """The collect stores within the collect radius, nearest first, with their service."""
    services = network.services_of_kind(DeliveryKind.CLICK_AND_COLLECT)
    excluded = request.profile.filters.excluded_nodes
    found = []
    for candidate in candidates:
        node = network.nodes[candidate.node_id]
        if (
            candidate.distance_km > network.collect_radius_km
            or Capability.CLICK_AND_COLLECT not in node.capabilities
            or node.id in excluded
        ):
            continue
        service = next((s for s in services if s.code in node.services), None)
        if service is not None:
            found.append((candidate, node, service))
    return found


def listing_nodes(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    *,
    kinds: Sequence[DeliveryKind],
) -> list[str]:
    """The candidates some kind asked may serve from, in their order: the only nodes whose
    stock (and capacity) a listing needs. A node no service of those kinds dispatches, or
    the profile rules out, never gives a headline whatever it holds."""
    used: set[str] = set()
    for kind in kinds:
        if kind is DeliveryKind.CLICK_AND_COLLECT:
            used.update(c.node_id for c, _, _ in collect_candidates(network, request, candidates))
            continue
        for service in _zoned(network, request, kind):
            used.update(c.node_id for c in _reachable(network, request, candidates, service))
    return [c.node_id for c in candidates if c.node_id in used]


def home_services(
    network: Network,
    request: PromiseRequest,
    candidates: Sequence[Candidate],
    supply: Supply,
    kind: DeliveryKind,
) -> list[HomeService]:
    """Each service of a home kind to the destination's zone, with the candidates it and the
    profile allow."""
    region = request.destination.region or country_region(network.country)
    profile = request.profile
    capacity_bound = profile.filters.require_capacity and supply.capacity_exhausted()
    prepared = []
    for service in _zoned(network, request, kind):
        kept = tuple(
            c
            for c in _reachable(network, request, candidates, service)
            if not capacity_bound or supply.capacity_left.get(c.node_id, 1) > 0
        )

        timer = service_timer(network, request, region, service)

        def service_for(_node: Node, service: CarrierService = service) -> CarrierService:
            return service

        scorer = ShipmentScorer(
            network, profile, supply, service_for, timer, request.destination.point
        )
        judge = _judge(network, request, scorer, supply.stock)
        terms = _terms(network, request, supply, scorer, judge, kept)
        weighs = Criterion.CO2E in judge.objective
        prepared.append(HomeService(service, kept, scorer, judge, terms, weighs))
    return prepared
