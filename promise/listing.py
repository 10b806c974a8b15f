"""Headline promises for a listing page: one unit of each of many SKUs, computed as one batch.

Each SKU is asked for alone (quantity 1), so its best plan is one shipment from one node. The
work every SKU would repeat is done once for the page (`listing_services`): each home
service filters the candidates by the rule profile and dates each node once (one
`ShipmentScorer` and one `Judge` per service, shared by every SKU); a SKU then only ranks
the kept nodes holding it by the profile's objective, the key a cart's search ranks
single-node plans by (only those tying on the node's own leading values), so a SKU's headline
is the option `deliveryOptions` gives a one-unit cart of it. Click & collect is the nearest
collect store within the collect radius with the SKU on its shelves, each store's readiness
dated once. A SKU no kind asked can serve gets a problem of its own (out of stock, too
heavy); the others are answered all the same.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from carriers.services import CarrierService, DeliveryKind
from promise.dates import Timing, collect_in_store
from promise.delivery_kinds import HOME_KINDS
from promise.explain import ReasonCode
from promise.listing_services import (
    HomeService,
    NodeTerms,
    UnitRank,
    collect_candidates,
    home_services,
)
from promise.network import Network, Node
from promise.option_values import PromiseRequest
from promise.plans import Candidate, Stock
from promise.shipment_costs import parcels_price
from promise.shipment_scoring import Supply

LISTING_KINDS = (*HOME_KINDS, DeliveryKind.CLICK_AND_COLLECT)


class SkuProblem(enum.Enum):
    OUT_OF_STOCK = "OUT_OF_STOCK"
    TOO_HEAVY = "TOO_HEAVY"


@dataclass(frozen=True, slots=True)
class Headline:
    """One kind's best promise for one unit: from which node, when, by when, at what price."""

    kind: DeliveryKind
    service_code: str
    node_id: str
    distance_km: float
    promised: date
    likely: date
    order_by: datetime
    price_cents: int
    # Click & collect: when the unit is ready at the store (`node_id`).
    ready_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ListedSku:
    """A SKU's headlines in the order of the kinds asked, or the problem that kept it from any."""

    sku: str
    headlines: tuple[Headline, ...] = ()
    problem: SkuProblem | None = None
    # The kinds asked that gave nothing, each with why (the SKU may still have others).
    missing: tuple[tuple[DeliveryKind, ReasonCode], ...] = ()


def _too_heavy(service: CarrierService, grams: int) -> bool:
    limit = service.max_parcel_grams
    return limit is not None and grams + service.packaging_grams > limit


def _home_headline(
    network: Network, prepared: Sequence[HomeService], sku: str, stock: Stock
) -> tuple[Headline | None, ReasonCode]:
    """The best service's best node for one unit of `sku`, or why there is none."""
    held = stock.get(sku, {})
    grams = network.skus[sku].weight_grams
    best: tuple[tuple[date, date, int], Headline] | None = None
    reasons: set[ReasonCode] = set()
    considered = 0
    for service in prepared:
        least = service.service.min_shipment_grams
        if least is not None and grams < least:
            # Freight for a unit a parcel carries: not offered, not reported (home_options).
            continue
        considered += 1
        if _too_heavy(service.service, grams):
            reasons.add(ReasonCode.TOO_HEAVY)
            continue
        holders = 0
        lowest: tuple[float, ...] | None = None
        group: list[tuple[Candidate, NodeTerms]] = []
        for candidate in service.kept:
            if held.get(candidate.node_id, 0) < 1:
                continue
            holders += 1
            terms = service.terms[candidate.node_id]
            if terms is None:
                continue
            prefix = terms.prefix
            if lowest is None or prefix < lowest:
                lowest, group = prefix, [(candidate, terms)]
            elif prefix == lowest:
                group.append((candidate, terms))
        if not group:
            reasons.add(ReasonCode.NO_DELIVERY_DAY if holders else ReasonCode.NOT_IN_STOCK)
            continue
        price = parcels_price(service.service, (grams,))
        chosen: tuple[UnitRank, Candidate, NodeTerms] | None = None
        for candidate, terms in group:
            rank = service.unit_rank(candidate, terms, grams, price, held[candidate.node_id])
            if chosen is None or rank < chosen[0]:
                chosen = (rank, candidate, terms)
        assert chosen is not None
        _, best_node, terms = chosen
        # The shipment `ShipmentScorer.shipment` would make of the unit: one parcel of `grams`
        # from the shelves (a listing reads no inbound stock), priced without handling.
        timing = terms.timing
        headline = Headline(
            service.service.kind,
            service.service.code,
            best_node.node_id,
            service.headline_km(best_node),
            timing.promised,
            timing.likely,
            timing.order_by,
            price,
        )
        order = (headline.promised, headline.likely, headline.price_cents)
        if best is None or order < best[0]:
            best = (order, headline)
    if best is not None:
        return best[1], ReasonCode.NOT_IN_STOCK
    if not considered:
        return None, ReasonCode.OUT_OF_RANGE
    if reasons == {ReasonCode.TOO_HEAVY}:
        return None, ReasonCode.TOO_HEAVY
    if ReasonCode.NO_DELIVERY_DAY in reasons:
        return None, ReasonCode.NO_DELIVERY_DAY
    return None, ReasonCode.NOT_IN_STOCK


@dataclass(frozen=True, slots=True)
class _Store:
    node: Node
    distance_km: float
    service: CarrierService
    timing: Timing | None


def _collect_stores(
    network: Network, request: PromiseRequest, candidates: Sequence[Candidate]
) -> list[_Store]:
    """The collect stores within the collect radius, nearest first, each dated once."""
    return [
        _Store(node, candidate.distance_km, service,
               collect_in_store(node, request.now, country=network.country))
        for candidate, node, service in collect_candidates(network, request, candidates)
    ]  # fmt: skip


def _collect_headline(
    network: Network, stores: Sequence[_Store], sku: str, stock: Stock
) -> tuple[Headline | None, ReasonCode]:
    held = stock.get(sku, {})
    reason = ReasonCode.OUT_OF_RANGE if not stores else ReasonCode.NOT_IN_STOCK
    for store in stores:
        if held.get(store.node.id, 0) < 1:
            continue
        if store.timing is None:
            reason = ReasonCode.NO_DELIVERY_DAY
            continue
        weight = network.skus[sku].weight_grams + store.service.packaging_grams
        return (
            Headline(
                DeliveryKind.CLICK_AND_COLLECT,
                store.service.code,
                store.node.id,
                round(store.distance_km, 1),
                store.timing.promised,
                store.timing.likely,
                store.timing.order_by,
                store.service.price.for_weight(weight),
                store.timing.ready_at,
            ),
            reason,
        )
    return None, reason


def listing_promises(
    network: Network,
    request: PromiseRequest,
    skus: Sequence[str],
    candidates: Sequence[Candidate],
    stock: Stock,
    *,
    kinds: Sequence[DeliveryKind],
    capacity_used: Mapping[str, int] | None = None,
) -> list[ListedSku]:
    """One answer per SKU of `skus` (all known to the network), in their order.

    `request` gives the destination, order instant, confidence and profile (its cart is not
    read); `candidates` are the destination's, nearest first; `stock` the ATP of every SKU
    at them, read once for the page; `kinds` the kinds asked, in the order to answer them.
    """
    supply = Supply(stock, {}, network.capacity_left(capacity_used or {}))
    homes = {
        kind: home_services(network, request, candidates, supply, kind)
        for kind in kinds
        if kind in HOME_KINDS
    }
    stores = (
        _collect_stores(network, request, candidates)
        if DeliveryKind.CLICK_AND_COLLECT in kinds
        else []
    )
    answers = []
    for sku in skus:
        headlines: list[Headline] = []
        missing: list[tuple[DeliveryKind, ReasonCode]] = []
        for kind in kinds:
            if kind is DeliveryKind.CLICK_AND_COLLECT:
                found, reason = _collect_headline(network, stores, sku, stock)
            else:
                found, reason = _home_headline(network, homes[kind], sku, stock)
            if found is None:
                missing.append((kind, reason))
            else:
                headlines.append(found)
        problem = None
        if not headlines:
            reasons = {reason for _kind, reason in missing}
            if ReasonCode.TOO_HEAVY in reasons:
                problem = SkuProblem.TOO_HEAVY
            elif reasons == {ReasonCode.NOT_IN_STOCK} or not any(stock.get(sku, {}).values()):
                problem = SkuProblem.OUT_OF_STOCK
        answers.append(ListedSku(sku, tuple(headlines), problem, tuple(missing)))
    return answers
