"""Options under rule profiles: filters and objective at work, the explanation trace, the
reasons of services not offered, the carbon nudge and the RECOMMENDED label.

Every order is placed on the small Lyon and Paris network of `option_builders`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from carriers.services import Price
from carriers.transit import TransitTable
from promise.candidates import CandidateFinder
from promise.cart import CartLine, Destination
from promise.explain import ReasonCode
from promise.network import Network, NodeType
from promise.profiles import Criterion, Filter, Filters, Rejection, RuleProfile
from promise.promise_builder import Label, Promise, PromiseRequest, build_promise
from promise.sourcing import Stock
from tests.promise.builders import (
    BRASS_LAMP,
    DC_BONNEUIL,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    PART_DIEU,
    SAME_DAY,
    STANDARD,
    TUESDAY_MORNING,
    VILLEFRANCHE,
    a_dc,
    a_network,
    by_service,
    cart,
    in_paris,
    lyon_and_paris_nodes,
    standard_service,
    with_service,
)

LAMP_AND_CUSHION = cart((BRASS_LAMP, 1), (LINEN_CUSHION, 1))
DC_VILLEFRANCHE = "DC-VILLEFRANCHE"
SOONEST = RuleProfile(
    name="soonest",
    version="rules-7",
    objective=(Criterion.DELIVERY_DATE, Criterion.FEWEST_SHIPMENTS, Criterion.CO2E),
)
CHEAPEST_FROM_DCS = RuleProfile(
    name="dcs-only",
    version="rules-8",
    filters=Filters(ship_from_store=False),
    objective=(Criterion.COST, Criterion.CO2E),
)


def promise(
    network: Network,
    lines: tuple[CartLine, ...],
    stock: Stock,
    profile: RuleProfile,
    *,
    now: datetime = TUESDAY_MORNING,
) -> Promise:
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)
    request = PromiseRequest(lines, Destination(HOME_LYON_BROTTEAUX), now, profile=profile)
    return build_promise(network, request, candidates, stock)


def with_villefranche_dc() -> Network:
    """The test network plus a small DC at Villefranche, 25 km north of Lyon."""
    return a_network([*lyon_and_paris_nodes(), a_dc(DC_VILLEFRANCHE, location=VILLEFRANCHE)])


# Two fast parcels from the Lyon DCs, or one from Bonneuil (beyond 300 km: one day later).
SPLIT_NEAR_OR_WHOLE_FAR = {
    BRASS_LAMP: {DC_SQF: 3, DC_BONNEUIL: 3},
    LINEN_CUSHION: {DC_VILLEFRANCHE: 3, DC_BONNEUIL: 3},
}


def test_a_date_first_profile_splits_over_near_dcs_and_nudges_toward_one_greener_parcel() -> None:
    found = promise(with_villefranche_dc(), LAMP_AND_CUSHION, SPLIT_NEAR_OR_WHOLE_FAR, SOONEST)
    standard = by_service(found.options)[STANDARD]

    assert [s.node_id for s in standard.shipments] == [DC_SQF, DC_VILLEFRANCHE]
    assert standard.greener is not None
    assert [s.node_id for s in standard.greener.shipments] == [DC_BONNEUIL]
    saved = standard.shipments_co2e_grams - standard.greener.shipments_co2e_grams
    assert (standard.greener.promised - standard.promised).days == 1
    assert standard.nudge == f"one day later: 1 parcel instead of 2, {saved:.0f} g CO2e less"


def test_a_fewest_shipments_profile_ships_the_one_parcel_and_needs_no_nudge() -> None:
    few = RuleProfile(objective=(Criterion.FEWEST_SHIPMENTS, Criterion.DELIVERY_DATE))

    found = promise(with_villefranche_dc(), LAMP_AND_CUSHION, SPLIT_NEAR_OR_WHOLE_FAR, few)
    standard = by_service(found.options)[STANDARD]

    assert [s.node_id for s in standard.shipments] == [DC_BONNEUIL]
    assert standard.nudge is None


def test_the_explanation_names_the_profile_the_nodes_and_the_plans_compared() -> None:
    stock = {BRASS_LAMP: {DC_SQF: 2, DC_BONNEUIL: 2, PART_DIEU: 2}}

    found = promise(a_network(), cart((BRASS_LAMP, 1)), stock, CHEAPEST_FROM_DCS)
    trace = by_service(found.options)[STANDARD].explanation

    assert trace is not None
    assert (trace.profile, trace.profile_version) == ("dcs-only", "rules-8")
    assert trace.network_version == "lyon-paris-test-1"
    assert trace.objective == (Criterion.COST, Criterion.CO2E)
    assert trace.considered == (DC_SQF, DC_BONNEUIL)
    assert trace.rejected == ()  # Part-Dieu does not dispatch the standard service at all
    assert trace.exact
    assert [(plan.nodes, plan.chosen) for plan in trace.compared] == [
        ((DC_SQF,), True),
        ((DC_BONNEUIL,), False),
    ]
    # Same price (1.8 kg lamp + 250 g packing: 3 started kg, 4.90 + 2 x 0.60 EUR), and
    # Bonneuil, 379 km away, emits more.
    near, far = (plan.values for plan in trace.compared)
    assert near[0] == far[0] == 610.0
    assert near[1] < far[1]


def test_a_store_rejected_by_ship_from_store_is_named_with_its_filter() -> None:
    stock = {BRASS_LAMP: {PART_DIEU: 2, DC_SQF: 2}}

    found = promise(a_network(), cart((BRASS_LAMP, 1)), stock, CHEAPEST_FROM_DCS)

    assert SAME_DAY not in by_service(found.options)
    same_day = [u for u in found.unavailable if u.service_code == SAME_DAY]
    assert [u.reason.code for u in same_day] == [ReasonCode.EXCLUDED_BY_RULES]
    assert same_day[0].reason.text == (
        "same-day unavailable: the sales channel's rules allow no node near you"
    )


def test_node_types_and_distance_filters_are_traced_per_node() -> None:
    only_near_dcs = RuleProfile(
        name="near-dcs",
        filters=Filters(node_types=frozenset({NodeType.DC}), max_distance_km=100.0),
    )
    stock = {BRASS_LAMP: {DC_SQF: 2, DC_BONNEUIL: 2}}

    found = promise(a_network(), cart((BRASS_LAMP, 1)), stock, only_near_dcs)
    trace = by_service(found.options)[STANDARD].explanation

    assert trace is not None
    assert trace.considered == (DC_SQF,)
    assert trace.rejected == (Rejection(DC_BONNEUIL, Filter.MAX_DISTANCE),)


def test_same_day_after_its_cut_off_says_so_with_the_time() -> None:
    stock = {BRASS_LAMP: {PART_DIEU: 2, DC_SQF: 2}}

    found = promise(
        a_network(), cart((BRASS_LAMP, 1)), stock, SOONEST, now=in_paris(2025, 3, 11, 15, 30)
    )

    same_day = [u for u in found.unavailable if u.service_code == SAME_DAY]
    assert [(u.reason.code, u.reason.text) for u in same_day] == [
        (ReasonCode.CUTOFF_PASSED, "same-day unavailable: cut-off 14:00 passed")
    ]


def test_recommended_is_the_best_option_by_the_profiles_own_objective() -> None:
    stock = {BRASS_LAMP: {PART_DIEU: 2, DC_SQF: 2}}
    soonest = by_service(promise(a_network(), cart((BRASS_LAMP, 1)), stock, SOONEST).options)
    cheapest = RuleProfile(objective=(Criterion.COST, Criterion.DELIVERY_DATE))
    cheap = by_service(promise(a_network(), cart((BRASS_LAMP, 1)), stock, cheapest).options)

    assert Label.RECOMMENDED in soonest[SAME_DAY].labels
    assert Label.RECOMMENDED in cheap[STANDARD].labels


def test_an_option_slower_dearer_and_dirtier_than_another_is_dropped_with_its_reason() -> None:
    slow_and_dear = dataclasses.replace(
        standard_service(),
        code="SLOW-PARCEL-96H",
        transit=TransitTable.single((0.0, 0.0, 0.0, 0.0, 1.0)),
        price=Price(990, 100),
        packaging_grams=900,
    )
    services = frozenset({STANDARD, "SLOW-PARCEL-96H"})
    network = with_service(a_network([a_dc(services=services)]), slow_and_dear)

    found = promise(network, cart((BRASS_LAMP, 1)), {BRASS_LAMP: {DC_SQF: 2}}, SOONEST)

    assert "SLOW-PARCEL-96H" not in by_service(found.options)
    [dropped] = [u for u in found.unavailable if u.service_code == "SLOW-PARCEL-96H"]
    assert dropped.reason.code is ReasonCode.DOMINATED
    assert dropped.reason.text == (
        "standard delivery unavailable: standard delivery is sooner, cheaper and lower in CO2e"
    )
