"""The listing batch: one unit of each SKU, answered as a one-unit cart would be, alone."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pytest

from carriers.services import DeliveryKind
from promise.candidates import CandidateFinder
from promise.cart import CartLine, Destination
from promise.dates import collect_in_store
from promise.errors import DestinationNotServed, NothingInStock, TooHeavy
from promise.explain import ReasonCode
from promise.listing import ListedSku, SkuProblem, listing_promises
from promise.listing_services import listing_nodes
from promise.network import Network, NodeType
from promise.option_values import Option, PromiseRequest
from promise.plans import Candidate
from promise.profiles import DEFAULT_OBJECTIVE, Criterion, RuleProfile
from promise.promise_builder import build_options
from promise.sourcing import Stock
from tests.promise.builders import (
    BRASS_LAMP,
    CONFLUENCE,
    DC_BONNEUIL,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    OAK_TABLE,
    PART_DIEU,
    RIVOLI,
    STANDARD,
    TUESDAY_MORNING,
    VILLEFRANCHE_STORE,
    WOOL_THROW,
    a_network,
    standard_service,
    with_service,
)

STOCK: Stock = {
    OAK_TABLE: {DC_SQF: 3, DC_BONNEUIL: 9},
    BRASS_LAMP: {CONFLUENCE: 2, DC_BONNEUIL: 4},
    LINEN_CUSHION: {PART_DIEU: 5, VILLEFRANCHE_STORE: 1, DC_SQF: 40},
}


def listed(
    stock: Stock,
    kinds: tuple[DeliveryKind, ...] = (DeliveryKind.HOME_STANDARD,),
    *,
    network: Network | None = None,
) -> list[ListedSku]:
    network = network or a_network()
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)
    request = PromiseRequest(
        (CartLine(OAK_TABLE, 1),), Destination(HOME_LYON_BROTTEAUX), TUESDAY_MORNING
    )
    return listing_promises(
        network,
        request,
        [OAK_TABLE, BRASS_LAMP, LINEN_CUSHION, WOOL_THROW],
        candidates,
        stock,
        kinds=kinds,
    )


def test_each_sku_gets_the_standard_option_its_one_unit_cart_gets() -> None:
    network = a_network()
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)

    answers = listed(STOCK, network=network)

    for answer in answers[:3]:
        request = PromiseRequest(
            (CartLine(answer.sku, 1),),
            Destination(HOME_LYON_BROTTEAUX),
            TUESDAY_MORNING,
            kinds=frozenset({DeliveryKind.HOME_STANDARD}),
            nudge=False,
            explain=False,
        )
        [option] = build_options(network, request, candidates, STOCK)
        [headline] = answer.headlines
        [shipment] = option.shipments
        assert (headline.node_id, headline.service_code) == (shipment.node_id, STANDARD)
        assert (headline.promised, headline.likely) == (option.promised, option.likely)
        assert headline.price_cents == option.price_cents
        assert headline.order_by == option.order_by


def test_a_sku_held_nowhere_is_out_of_stock_and_the_others_are_answered() -> None:
    answers = listed(STOCK)

    assert [a.sku for a in answers] == [OAK_TABLE, BRASS_LAMP, LINEN_CUSHION, WOOL_THROW]
    assert [a.problem for a in answers] == [None, None, None, SkuProblem.OUT_OF_STOCK]
    assert answers[3].missing == ((DeliveryKind.HOME_STANDARD, ReasonCode.NOT_IN_STOCK),)


def test_a_sku_heavier_than_every_parcel_is_too_heavy_alone() -> None:
    light_only = dataclasses.replace(standard_service(), max_parcel_grams=20_000)
    network = with_service(a_network(), light_only)

    answers = listed(STOCK, network=network)

    # The oak table weighs 24 kg: over the 20 kg parcel, whatever node holds it.
    assert answers[0].problem is SkuProblem.TOO_HEAVY
    assert answers[0].missing == ((DeliveryKind.HOME_STANDARD, ReasonCode.TOO_HEAVY),)
    assert answers[1].problem is None
    assert answers[1].headlines


def test_collect_is_the_nearest_store_with_the_sku_on_its_shelves() -> None:
    network = a_network()

    answers = listed(STOCK, (DeliveryKind.CLICK_AND_COLLECT,), network=network)

    lamp, cushion = answers[1], answers[2]
    # Confluence holds the lamp; Part-Dieu, nearer Brotteaux, holds cushions.
    assert [h.node_id for h in lamp.headlines] == [CONFLUENCE]
    assert [h.node_id for h in cushion.headlines] == [PART_DIEU]
    ready = collect_in_store(network.nodes[PART_DIEU], TUESDAY_MORNING, country="FR")
    assert ready is not None
    assert cushion.headlines[0].ready_at == ready.ready_at
    # The table is in no store: out of stock for collect.
    assert answers[0].problem is SkuProblem.OUT_OF_STOCK


def test_kinds_are_answered_in_the_order_asked() -> None:
    kinds = (DeliveryKind.CLICK_AND_COLLECT, DeliveryKind.HOME_STANDARD)

    cushion = listed(STOCK, kinds)[2]

    assert [h.kind for h in cushion.headlines] == list(kinds)


# Every SKU at every node, some at one unit or two (a store's last ones kept for walk-ins).
EVERYWHERE: Stock = {
    OAK_TABLE: {DC_SQF: 3, DC_BONNEUIL: 9, PART_DIEU: 1, VILLEFRANCHE_STORE: 2},
    BRASS_LAMP: {CONFLUENCE: 2, DC_BONNEUIL: 4, PART_DIEU: 6, RIVOLI: 1, DC_SQF: 1},
    LINEN_CUSHION: {PART_DIEU: 5, VILLEFRANCHE_STORE: 1, DC_SQF: 40, RIVOLI: 8},
    WOOL_THROW: {VILLEFRANCHE_STORE: 7, DC_BONNEUIL: 2, CONFLUENCE: 3},
}
HOME = (DeliveryKind.HOME_STANDARD, DeliveryKind.HOME_EXPRESS, DeliveryKind.SAME_DAY)


def _best_of_one_unit(
    network: Network,
    page: PromiseRequest,
    sku: str,
    kind: DeliveryKind,
    candidates: Sequence[Candidate],
    used: Mapping[str, int] | None = None,
) -> Option | None:
    """The best option `build_options` gives one unit of `sku` by `kind` alone, if any."""
    request = dataclasses.replace(
        page,
        cart=(CartLine(sku, 1),),
        kinds=frozenset({kind}),
        nudge=False,
        explain=False,
    )
    try:
        options = build_options(network, request, candidates, EVERYWHERE, capacity_used=used)
    except (DestinationNotServed, NothingInStock, TooHeavy):
        return None
    return min(options, key=lambda o: (o.promised, o.likely, o.price_cents), default=None)


@pytest.mark.parametrize(
    "objective",
    [
        DEFAULT_OBJECTIVE,
        (Criterion.DELIVERY_DATE, Criterion.FEWEST_SHIPMENTS, Criterion.CO2E, Criterion.COST),
        (Criterion.DISTANCE, Criterion.COST),
        (Criterion.NODE_PRIORITY, Criterion.DELIVERY_DATE, Criterion.CO2E),
        (Criterion.STOCK_DEPTH, Criterion.DELIVERY_DATE),
        (Criterion.CO2E,),
    ],
    ids=lambda objective: "-".join(c.value for c in objective),
)
def test_every_headline_is_the_best_option_of_its_one_unit_cart_whatever_the_objective(
    objective: tuple[Criterion, ...],
) -> None:
    network = a_network()
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)
    # Stores charge handling: COST differs by node for the same unit.
    profile = RuleProfile(objective=objective, handling_cents={NodeType.STORE: 150})
    page = PromiseRequest(
        (CartLine(OAK_TABLE, 1),),
        Destination(HOME_LYON_BROTTEAUX),
        TUESDAY_MORNING,
        profile=profile,
    )

    answers = listing_promises(network, page, list(EVERYWHERE), candidates, EVERYWHERE, kinds=HOME)

    for answer in answers:
        by_kind = {headline.kind: headline for headline in answer.headlines}
        for kind in HOME:
            best = _best_of_one_unit(network, page, answer.sku, kind, candidates)
            headline = by_kind.get(kind)
            if best is None:
                assert headline is None, (answer.sku, kind)
                continue
            assert headline is not None, (answer.sku, kind)
            [shipment] = best.shipments
            assert (headline.node_id, headline.service_code) == (
                shipment.node_id,
                best.service.code,
            ), (answer.sku, kind)
            assert (headline.promised, headline.likely, headline.order_by) == (
                best.promised,
                best.likely,
                best.order_by,
            )
            assert headline.price_cents == best.price_cents
            assert headline.distance_km == shipment.distance_km


def test_stock_is_read_only_at_the_nodes_the_kinds_asked_may_serve_from() -> None:
    network = a_network()
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)
    request = PromiseRequest(
        (CartLine(OAK_TABLE, 1),), Destination(HOME_LYON_BROTTEAUX), TUESDAY_MORNING
    )

    same_day = listing_nodes(network, request, candidates, kinds=(DeliveryKind.SAME_DAY,))
    collect = listing_nodes(network, request, candidates, kinds=(DeliveryKind.CLICK_AND_COLLECT,))

    # Confluence has no same-day capability; Paris is beyond the courier's reach and the
    # collect radius.
    assert CONFLUENCE not in same_day
    assert RIVOLI not in same_day
    assert CONFLUENCE in collect
    assert RIVOLI not in collect
    assert set(same_day) <= {c.node_id for c in candidates}


def test_a_store_that_took_its_orders_for_the_day_gives_no_headline_as_its_cart_gets_none() -> None:
    # Part-Dieu took its 40 orders of the day; Villefranche has room left.
    network = dataclasses.replace(
        a_network(), daily_capacity={PART_DIEU: 40, VILLEFRANCHE_STORE: 40}
    )
    used = {PART_DIEU: 40, VILLEFRANCHE_STORE: 3}
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)
    stores_first = RuleProfile(
        objective=(Criterion.DISTANCE, Criterion.COST), handling_cents={NodeType.STORE: 150}
    )
    page = PromiseRequest(
        (CartLine(OAK_TABLE, 1),),
        Destination(HOME_LYON_BROTTEAUX),
        TUESDAY_MORNING,
        profile=stores_first,
    )

    answers = listing_promises(
        network, page, list(EVERYWHERE), candidates, EVERYWHERE, kinds=HOME, capacity_used=used
    )

    assert PART_DIEU not in {h.node_id for a in answers for h in a.headlines}
    for answer in answers:
        by_kind = {headline.kind: headline for headline in answer.headlines}
        for kind in HOME:
            best = _best_of_one_unit(network, page, answer.sku, kind, candidates, used)
            headline = by_kind.get(kind)
            if best is None:
                assert headline is None, (answer.sku, kind)
                continue
            assert headline is not None, (answer.sku, kind)
            [shipment] = best.shipments
            assert (headline.node_id, headline.promised, headline.price_cents) == (
                shipment.node_id,
                best.promised,
                best.price_cents,
            ), (answer.sku, kind)
