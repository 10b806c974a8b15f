"""Delivery options for a cart: one per service, priced, dated, with their CO2e, then ranked.

For each service, the request's rule profile filters the candidate nodes (those that
dispatch the service, within its radius) and `sourcing.search_plans` finds the plan best by
the profile's objective, every shipment dated, priced and weighed in CO2e
(`service_sourcing`; the kinds of delivery are in `delivery_kinds`, the option's values in
`option_values`). Home deliveries search a second time with CO2e first: a later plan with
less CO2e becomes the option's greener alternative (the carbon nudge). Options strictly
worse than another on promised day, price and CO2e at once are dropped, and the rest are
labelled (RECOMMENDED by the profile's own objective). A service that gives nothing is
reported with a reason code. A home destination also gets click & collect at the best of the
few stores nearest to it, as an unlabelled alternative: collecting is not delivering, so it
neither dominates nor outranks a delivery to the address asked for; the same goes for
delivery to a pickup point, which lists the nearest points with the option.

Stock on its way to a node (`inbound`) is used only for a service that has no option from
the shelves: its shipments then start at the arrival of the lots they need, a later date
rather than none. Collect and pickup-point options carry the shopper's own trip as a
separate CO2e figure, counted in the option's total only when the request asks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from carriers.services import DeliveryKind
from promise.delivery_kinds import (
    PICKUP_POINTS_LISTED,
    best_of,
    collect_options,
    collect_stores_near,
    home_options,
    pickup_point_options,
    points_near,
)
from promise.destinations import check_served
from promise.errors import DestinationNotServed, NothingInStock, TooHeavy
from promise.explain import KIND_NAMES, ReasonCode, Unavailable, unavailable
from promise.inbound import Inbound, with_inbound
from promise.network import Network
from promise.option_values import Label, NearbyPoint, Option, PromiseRequest, Shipment
from promise.partial import short_lines
from promise.service_sourcing import GREEN_OBJECTIVE
from promise.shipment_scoring import Supply
from promise.shortage import ShortLine
from promise.sourcing import Candidate, Stock

__all__ = [
    "GREEN_OBJECTIVE",
    "PICKUP_POINTS_LISTED",
    "Label",
    "NearbyPoint",
    "Option",
    "Promise",
    "PromiseRequest",
    "Shipment",
    "build_options",
    "build_promise",
    "points_near",
]


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


# Why a service that reaches the destination gave no option: the cart's units, or its stock.
_CART_REASONS = frozenset({ReasonCode.TOO_HEAVY, ReasonCode.TOO_LONG})
_REACHED_REASONS = _CART_REASONS | {ReasonCode.NOT_IN_STOCK}


def _refuse_cart(refusals: Sequence[Unavailable], short: tuple[ShortLine, ...]) -> NoReturn:
    """The problem of a cart no service offers although every line is in stock somewhere
    near: judged by the services that reach the destination (the others were out of range,
    excluded by the rules or had no delivery day). All of them unable to carry a unit:
    TooHeavy; some of them without the cart in stock: NothingInStock; none reaching it:
    DestinationNotServed."""
    reached = [u for u in refusals if u.reason.code in _REACHED_REASONS]
    said = "; ".join(f"{u.service_code} {u.reason.code.value}" for u in reached)
    if reached and all(u.reason.code in _CART_REASONS for u in reached):
        raise TooHeavy(
            f"no delivery service to this destination can carry the cart: {said}",
            field="input.lines",
        )
    if reached:
        raise NothingInStock(
            f"no delivery service to this destination can carry the cart from stock: {said}",
            field="input.lines",
            short_lines=short,
        )
    raise DestinationNotServed(
        "no delivery service can bring this cart to the destination", field="input.destination"
    )


_LABELS = (Label.FASTEST, Label.CHEAPEST, Label.GREENEST, Label.RECOMMENDED)
# The labels an option gets, by which of `_LABELS` it has: built once each, as a set of
# enum members hashes them in interpreted Python (Enum's __hash__).
_LABEL_SETS: dict[tuple[bool, bool, bool, bool], frozenset[Label]] = {}


def _labelled(options: Sequence[Option]) -> list[Option]:
    # Each option's sort key taken once: its properties walk the shipments each time.
    keyed = [(option, option.sort_key()) for option in options]
    fastest = min(keyed, key=lambda item: item[1])[0]
    cheapest = min(keyed, key=lambda item: (item[0].price_cents, *item[1]))[0]
    greenest = min(keyed, key=lambda item: (item[0].co2e_grams, *item[1]))[0]
    # The profile's own objective, as the options' plans were judged by it.
    recommended = min(keyed, key=lambda item: (item[0].objective_values, *item[1]))[0]
    labelled = []
    for option in options:
        has = (
            fastest is option,
            cheapest is option,
            greenest is option,
            recommended is option,
        )
        labels = _LABEL_SETS.get(has)
        if labels is None:
            labels = _LABEL_SETS[has] = frozenset(
                label for label, chosen in zip(_LABELS, has, strict=True) if chosen
            )
        # An option without labels already says so: no copy of it is needed.
        labelled.append(option.replaced(labels=labels) if labels else option)
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
    orders each capacity-bound node has taken today. Raises DestinationNotServed naming the
    country when no service delivers to the destination's zone; when nothing at all can be
    offered, NothingInStock, TooHeavy or DestinationNotServed (see `_refuse_cart`).
    """
    supply = Supply(stock, inbound or {}, network.capacity_left(capacity_used or {}))
    store_id = request.destination.store_id
    if store_id is None:
        check_served(network, request.destination.region, field="input.destination")
    alternatives: list[Option] = []
    if store_id is not None:
        options = collect_options(network, request, supply, network.nodes[store_id], report=True)
    else:
        options = home_options(network, request, candidates, supply)
        if request.wants(DeliveryKind.CLICK_AND_COLLECT):
            nearby = best_of(
                [
                    option
                    for store in collect_stores_near(network, candidates)
                    for option in collect_options(network, request, supply, store, report=False)
                ]
            )
            alternatives = [nearby] if nearby is not None else []
        if request.wants(DeliveryKind.PICKUP_POINT):
            points = (
                pickup_points
                if pickup_points is not None
                else points_near(network, request.destination.point)
            )
            alternatives += pickup_point_options(network, request, candidates, supply, points)
    if not options and not alternatives:
        future = with_inbound(stock, supply.inbound)
        short = short_lines(request.cart, future)
        for index, line in enumerate(request.cart):
            if sum(future.get(line.sku, {}).values()) < line.quantity:
                raise NothingInStock(
                    f"{line.sku} is not in stock for {line.quantity} unit(s) near the destination",
                    field=f"input.lines[{index}]",
                    short_lines=short,
                )
        _refuse_cart(supply.unavailable, short)
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
                better=better.kind,
            )
        )
    labelled = _labelled(kept) if kept else []
    ranked = sorted(labelled + alternatives, key=lambda o: o.sort_key())
    return Promise(tuple(ranked), tuple(supply.unavailable))
