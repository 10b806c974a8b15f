"""Delivery options: one per service, dated, priced, weighed in CO2e, pruned and labelled.

Every test orders on Tuesday 11 March 2025 (no public holiday that week or the next) on the
small Lyon and Paris network of `option_builders`. Distances are geopy geodesics:
DC-SAINT-QUENTIN-FALLAVIER -> a home in Les Brotteaux (Lyon 6e) 23.412 km,
DC-BONNEUIL -> that home 379.361 km, LYON-PART-DIEU -> that home 1.154 km.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from carriers.services import DeliveryKind
from carriers.transit import TransitTable
from promise.errors import NothingInStock, ProblemCode
from promise.geo import GeoPoint
from promise.promise_builder import Label, Option
from tests.promise.builders import (
    BONNEUIL,
    BRASS_LAMP,
    COLLECT,
    CONFLUENCE,
    DC_BONNEUIL,
    DC_MIRAMAS,
    DC_SQF,
    EXPRESS,
    HOME_ANSE,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    MIRAMAS,
    OAK_TABLE,
    PART_DIEU,
    SAME_DAY,
    STANDARD,
    TRANSFER,
    VILLEFRANCHE,
    VILLEFRANCHE_STORE,
    WOOL_THROW,
    a_dc,
    a_network,
    a_store,
    by_service,
    cart,
    express_service,
    in_paris,
    promise_collect,
    promise_home,
    standard_service,
    with_service,
)

TUESDAY = date(2025, 3, 11)
WEDNESDAY = date(2025, 3, 12)
THURSDAY = date(2025, 3, 13)
FRIDAY = date(2025, 3, 14)
SATURDAY = date(2025, 3, 15)

ONE_LAMP = cart((BRASS_LAMP, 1))
LAMPS_AT_DC_AND_PART_DIEU = {BRASS_LAMP: {DC_SQF: 5, PART_DIEU: 2}}


def lamp_options_in_lyon() -> dict[str, Option]:
    """One brass lamp to Les Brotteaux, in stock at the Lyon DC and at Part-Dieu."""
    options = promise_home(a_network(), ONE_LAMP, HOME_LYON_BROTTEAUX, LAMPS_AT_DC_AND_PART_DIEU)
    return by_service(options)


# One option per service.


def test_each_service_able_to_serve_the_cart_gives_exactly_one_option() -> None:
    options = promise_home(a_network(), ONE_LAMP, HOME_LYON_BROTTEAUX, LAMPS_AT_DC_AND_PART_DIEU)

    assert sorted(o.service.code for o in options) == sorted([STANDARD, EXPRESS, SAME_DAY, COLLECT])


def test_options_come_fastest_first_then_cheapest() -> None:
    options = promise_home(a_network(), ONE_LAMP, HOME_LYON_BROTTEAUX, LAMPS_AT_DC_AND_PART_DIEU)

    # Collect and same-day are both today; collecting is free, so it comes first.
    assert [o.service.code for o in options] == [COLLECT, SAME_DAY, EXPRESS, STANDARD]


def test_home_standard_ships_from_the_nearest_dc_with_dates_from_its_transit_distribution() -> None:
    standard = lamp_options_in_lyon()[STANDARD]

    (shipment,) = standard.shipments
    assert shipment.node_id == DC_SQF
    assert shipment.lines == ONE_LAMP
    assert shipment.distance_km == 23.4
    assert shipment.timing.dispatch_day == TUESDAY
    assert shipment.timing.order_by == in_paris(2025, 3, 11, 15)
    # Day 1 is the most likely (0.55); the 95 % confidence is reached on day 3 (0.98).
    assert (standard.likely, standard.promised) == (WEDNESDAY, FRIDAY)


def test_express_is_promised_on_the_second_working_day_at_95_percent() -> None:
    express = lamp_options_in_lyon()[EXPRESS]

    assert express.shipments[0].node_id == DC_SQF
    assert express.shipments[0].timing.order_by == in_paris(2025, 3, 11, 13)
    assert (express.likely, express.promised) == (WEDNESDAY, THURSDAY)


def test_price_is_the_service_price_for_the_weight_with_its_packaging() -> None:
    options = lamp_options_in_lyon()

    # 1,800 g lamp: + 250 g packaging = 3 started kg; + 150 g for the courier = 2 started kg.
    assert options[STANDARD].price_cents == 490 + 2 * 60
    assert options[EXPRESS].price_cents == 990 + 2 * 100
    assert options[SAME_DAY].price_cents == 1290 + 1 * 150
    assert options[COLLECT].price_cents == 0


def test_shipment_weight_is_the_cart_weight_without_packaging() -> None:
    options = promise_home(
        a_network(),
        cart((BRASS_LAMP, 2), (LINEN_CUSHION, 3)),
        HOME_LYON_BROTTEAUX,
        {BRASS_LAMP: {DC_SQF: 5}, LINEN_CUSHION: {DC_SQF: 5}},
    )

    standard = by_service(options)[STANDARD]
    assert standard.shipments[0].weight_grams == 2 * 1_800 + 3 * 600
    # 5,400 g + 250 g packaging = 6 started kg.
    assert standard.price_cents == 490 + 5 * 60


def test_co2e_is_linehaul_over_the_road_distance_plus_last_mile_per_parcel() -> None:
    options = promise_home(
        a_network(), cart((OAK_TABLE, 1)), HOME_LYON_BROTTEAUX, {OAK_TABLE: {DC_SQF: 1}}
    )

    # 75 g/tkm x (24,000 g + 250 g packaging) x 23.412 km x 1.2 circuity + 180 g last mile.
    assert by_service(options)[STANDARD].co2e_grams == pytest.approx(231.1, abs=0.05)
    assert by_service(options)[EXPRESS].co2e_grams == pytest.approx(271.1, abs=0.05)


def test_co2e_of_a_same_day_courier_uses_its_own_factors() -> None:
    same_day = lamp_options_in_lyon()[SAME_DAY]

    # 60 g/tkm x (1,800 g + 150 g) x 1.154 km x 1.2 + 40 g per parcel.
    assert same_day.co2e_grams == pytest.approx(40.2, abs=0.05)


# Same-day.


def test_same_day_comes_from_a_same_day_store_within_15_km_before_the_cut_off() -> None:
    options = promise_home(
        a_network(),
        ONE_LAMP,
        HOME_LYON_BROTTEAUX,
        LAMPS_AT_DC_AND_PART_DIEU,
        now=in_paris(2025, 3, 11, 13, 59),
    )

    same_day = by_service(options)[SAME_DAY]
    (shipment,) = same_day.shipments
    assert shipment.node_id == PART_DIEU
    assert same_day.kind is DeliveryKind.SAME_DAY
    assert (same_day.likely, same_day.promised) == (TUESDAY, TUESDAY)
    assert shipment.timing.order_by == in_paris(2025, 3, 11, 14)
    assert shipment.timing.window_start == in_paris(2025, 3, 11, 18)
    assert shipment.timing.window_end == in_paris(2025, 3, 11, 22)


def test_same_day_is_not_offered_from_the_cut_off_on() -> None:
    options = promise_home(
        a_network(),
        ONE_LAMP,
        HOME_LYON_BROTTEAUX,
        LAMPS_AT_DC_AND_PART_DIEU,
        now=in_paris(2025, 3, 11, 14),
    )

    assert set(by_service(options)) == {STANDARD, EXPRESS, COLLECT}


def test_same_day_is_not_offered_from_a_store_without_the_same_day_capability() -> None:
    # Confluence lists the courier among its services but is not same-day capable.
    options = promise_home(
        a_network(), ONE_LAMP, HOME_LYON_BROTTEAUX, {BRASS_LAMP: {CONFLUENCE: 3}}
    )

    assert SAME_DAY not in by_service(options)
    assert [(o.service.code, o.collect_store_id) for o in options] == [(COLLECT, CONFLUENCE)]


def test_same_day_is_not_offered_from_a_store_farther_than_15_km() -> None:
    # Anse is 22.5 km from Part-Dieu; the Villefranche store nearby holds nothing.
    options = promise_home(a_network(), ONE_LAMP, HOME_ANSE, LAMPS_AT_DC_AND_PART_DIEU)

    assert SAME_DAY not in by_service(options)
    assert {STANDARD, EXPRESS} <= set(by_service(options))


def test_same_day_is_not_offered_from_a_dc_even_nearby() -> None:
    # The DC neither lists the courier nor is same-day capable: a home 1 km from it still
    # gets no same-day when only the DC holds the lamp.
    dc_neighbour = GeoPoint(45.6540, 5.0950)
    options = promise_home(a_network(), ONE_LAMP, dc_neighbour, {BRASS_LAMP: {DC_SQF: 5}})

    assert set(by_service(options)) == {STANDARD, EXPRESS}


# Splits.


def test_a_cart_no_single_node_holds_is_split_and_promised_on_the_latest_shipment() -> None:
    network = a_network(services=[standard_service()])
    options = promise_home(
        network,
        cart((OAK_TABLE, 1), (BRASS_LAMP, 1)),
        HOME_LYON_BROTTEAUX,
        {OAK_TABLE: {DC_SQF: 2}, BRASS_LAMP: {DC_BONNEUIL: 4}},
    )

    (split,) = options
    assert [(s.node_id, s.lines) for s in split.shipments] == [
        (DC_SQF, cart((OAK_TABLE, 1))),
        (DC_BONNEUIL, cart((BRASS_LAMP, 1))),
    ]
    near, far = split.shipments
    # Within 300 km: likely day 1, 95 % on day 3. Beyond: likely day 2, 95 % on day 4.
    assert (near.timing.likely, near.timing.promised) == (WEDNESDAY, FRIDAY)
    assert (far.timing.likely, far.timing.promised) == (THURSDAY, SATURDAY)
    assert (split.likely, split.promised) == (THURSDAY, SATURDAY)
    assert split.earliest == WEDNESDAY


def test_a_split_costs_the_sum_of_its_shipments_each_priced_on_its_own_weight() -> None:
    network = a_network(services=[standard_service()])
    (split,) = promise_home(
        network,
        cart((OAK_TABLE, 1), (BRASS_LAMP, 1)),
        HOME_LYON_BROTTEAUX,
        {OAK_TABLE: {DC_SQF: 2}, BRASS_LAMP: {DC_BONNEUIL: 4}},
    )

    # Table: 24,250 g = 25 started kg. Lamp: 2,050 g = 3 started kg.
    assert [s.price_cents for s in split.shipments] == [490 + 24 * 60, 490 + 2 * 60]
    assert split.price_cents == 1_930 + 610
    # 75 g/tkm x 2,050 g x 379.361 km x 1.2 + 180 g for the lamp from Bonneuil.
    assert [s.co2e_grams for s in split.shipments] == pytest.approx([231.1, 250.0], abs=0.05)
    assert split.co2e_grams == pytest.approx(481.1, abs=0.05)


def test_a_line_is_split_by_quantity_when_no_node_holds_enough() -> None:
    network = a_network(services=[standard_service()])
    (split,) = promise_home(
        network,
        cart((LINEN_CUSHION, 6)),
        HOME_LYON_BROTTEAUX,
        {LINEN_CUSHION: {DC_SQF: 4, DC_BONNEUIL: 10}},
    )

    # Bonneuil completes the line on its own, so it is the single-node plan.
    assert [(s.node_id, s.lines) for s in split.shipments] == [
        (DC_BONNEUIL, cart((LINEN_CUSHION, 6)))
    ]

    (split,) = promise_home(
        network,
        cart((LINEN_CUSHION, 6)),
        HOME_LYON_BROTTEAUX,
        {LINEN_CUSHION: {DC_SQF: 4, DC_BONNEUIL: 3}},
    )

    assert [(s.node_id, s.lines) for s in split.shipments] == [
        (DC_SQF, cart((LINEN_CUSHION, 4))),
        (DC_BONNEUIL, cart((LINEN_CUSHION, 2))),
    ]


# Pruning and labels.


def test_an_option_worse_on_date_price_and_co2e_than_another_is_dropped() -> None:
    # An "express" that is delivered on day 4 is later, dearer and dirtier than standard.
    slow_express = dataclasses.replace(
        express_service(), transit=TransitTable.single((0.0, 0.0, 0.0, 0.0, 1.0))
    )
    network = with_service(a_network(), slow_express)

    options = promise_home(network, ONE_LAMP, HOME_LYON_BROTTEAUX, LAMPS_AT_DC_AND_PART_DIEU)

    assert set(by_service(options)) == {STANDARD, SAME_DAY, COLLECT}


def test_an_option_worse_on_price_and_co2e_but_faster_is_kept() -> None:
    options = lamp_options_in_lyon()
    express, standard = options[EXPRESS], options[STANDARD]

    assert express.price_cents > standard.price_cents
    assert express.co2e_grams > standard.co2e_grams
    assert express.promised < standard.promised
    assert express.labels == frozenset()


def test_an_option_only_as_late_as_another_is_not_dropped() -> None:
    # Promised on day 3 like standard (Friday), dearer and dirtier: not strictly worse.
    late_express = dataclasses.replace(
        express_service(), transit=TransitTable.single((0.0, 0.0, 0.0, 1.0))
    )
    network = with_service(a_network(), late_express)

    options = by_service(
        promise_home(network, ONE_LAMP, HOME_LYON_BROTTEAUX, LAMPS_AT_DC_AND_PART_DIEU)
    )

    assert options[EXPRESS].promised == options[STANDARD].promised == FRIDAY
    assert set(options) == {STANDARD, EXPRESS, SAME_DAY, COLLECT}


def test_each_label_goes_to_exactly_one_delivery_option() -> None:
    options = promise_home(a_network(), ONE_LAMP, HOME_LYON_BROTTEAUX, LAMPS_AT_DC_AND_PART_DIEU)

    for label in Label:
        assert sum(1 for o in options if label in o.labels) == 1, label
    labels = {o.service.code: o.labels for o in options}
    assert labels == {
        SAME_DAY: {Label.FASTEST, Label.GREENEST},
        STANDARD: {Label.CHEAPEST, Label.RECOMMENDED},
        EXPRESS: frozenset(),
        COLLECT: frozenset(),
    }


def test_recommended_prefers_one_parcel_over_a_cheaper_split() -> None:
    # Standard leaves from Saint-Quentin-Fallavier (the table) and Miramas (the lamp);
    # express leaves from Bonneuil, which holds both, in one dearer parcel.
    network = a_network(
        nodes=[
            a_dc(services=frozenset({STANDARD})),
            a_dc(DC_MIRAMAS, location=MIRAMAS, services=frozenset({STANDARD})),
            a_dc(DC_BONNEUIL, location=BONNEUIL, services=frozenset({EXPRESS})),
        ],
        services=[standard_service(), express_service()],
    )
    stock = {
        OAK_TABLE: {DC_SQF: 1, DC_BONNEUIL: 1},
        BRASS_LAMP: {DC_MIRAMAS: 1, DC_BONNEUIL: 1},
    }

    options = by_service(
        promise_home(network, cart((OAK_TABLE, 1), (BRASS_LAMP, 1)), HOME_LYON_BROTTEAUX, stock)
    )

    standard, express = options[STANDARD], options[EXPRESS]
    assert [s.node_id for s in standard.shipments] == [DC_SQF, DC_MIRAMAS]
    assert [s.node_id for s in express.shipments] == [DC_BONNEUIL]
    assert standard.price_cents == 1_930 + 610
    assert express.price_cents == 990 + 26 * 100  # 26,050 g: 27 started kg
    assert standard.labels == {Label.CHEAPEST, Label.GREENEST}
    assert express.labels == {Label.FASTEST, Label.RECOMMENDED}


# Click & collect.


def test_a_home_destination_also_gets_unlabelled_click_and_collect_at_a_nearby_store() -> None:
    collect = lamp_options_in_lyon()[COLLECT]

    assert collect.kind is DeliveryKind.CLICK_AND_COLLECT
    assert collect.collect_store_id == PART_DIEU
    assert collect.labels == frozenset()
    assert [s.node_id for s in collect.shipments] == [PART_DIEU]
    assert (collect.promised, collect.price_cents, collect.co2e_grams) == (TUESDAY, 0, 0.0)


def test_the_nearby_collect_store_may_be_fed_by_a_transfer_from_the_dc() -> None:
    options = promise_home(a_network(), ONE_LAMP, HOME_LYON_BROTTEAUX, {BRASS_LAMP: {DC_SQF: 5}})

    collect = by_service(options)[COLLECT]
    # Part-Dieu (1.2 km) and Confluence (4.2 km) are fed alike; the nearer DC leg wins.
    assert collect.collect_store_id == PART_DIEU
    assert [(s.node_id, s.service_code) for s in collect.shipments] == [(DC_SQF, TRANSFER)]
    assert (collect.likely, collect.promised) == (THURSDAY, FRIDAY)


def test_no_click_and_collect_is_offered_at_a_store_farther_than_15_km_from_home() -> None:
    # The only store is Villefranche, 26.5 km from Les Brotteaux.
    network = a_network(
        nodes=[a_dc(), a_store(VILLEFRANCHE_STORE, location=VILLEFRANCHE)],
    )
    stock = {BRASS_LAMP: {DC_SQF: 5, VILLEFRANCHE_STORE: 5}}

    options = promise_home(network, ONE_LAMP, HOME_LYON_BROTTEAUX, stock)

    assert set(by_service(options)) == {STANDARD, EXPRESS}


def test_a_store_destination_collects_from_the_store_shelves_after_preparation() -> None:
    options = promise_collect(a_network(), ONE_LAMP, PART_DIEU, LAMPS_AT_DC_AND_PART_DIEU)

    (collect,) = options
    assert collect.kind is DeliveryKind.CLICK_AND_COLLECT
    assert collect.service.code == COLLECT
    assert collect.collect_store_id == PART_DIEU
    (shipment,) = collect.shipments
    assert (shipment.node_id, shipment.service_code, shipment.lines) == (
        PART_DIEU,
        COLLECT,
        ONE_LAMP,
    )
    # Ordered at 10:00 when the store opens, prepared in 60 minutes.
    assert shipment.timing.window_start == in_paris(2025, 3, 11, 11)
    assert shipment.timing.window_end == in_paris(2025, 3, 11, 20)
    assert (collect.likely, collect.promised) == (TUESDAY, TUESDAY)
    assert (shipment.distance_km, collect.price_cents, collect.co2e_grams) == (0.0, 0, 0.0)


def test_a_store_destination_ordered_late_is_ready_the_next_opening_day() -> None:
    options = promise_collect(
        a_network(),
        ONE_LAMP,
        PART_DIEU,
        {BRASS_LAMP: {PART_DIEU: 1}},
        now=in_paris(2025, 3, 11, 19, 30),
    )

    (collect,) = options
    assert collect.shipments[0].timing.window_start == in_paris(2025, 3, 12, 11)
    assert collect.promised == WEDNESDAY


def test_a_store_without_the_stock_collects_by_transfer_from_the_dc_later() -> None:
    options = promise_collect(a_network(), ONE_LAMP, PART_DIEU, {BRASS_LAMP: {DC_SQF: 5}})

    (collect,) = options
    assert collect.service.code == COLLECT
    assert collect.collect_store_id == PART_DIEU
    (shipment,) = collect.shipments
    assert (shipment.node_id, shipment.service_code) == (DC_SQF, TRANSFER)
    assert shipment.distance_km == 22.4
    # The shuttle arrives on day 2 (likely) or day 3 (95 %), ready once the store has opened
    # and prepared the order.
    assert (collect.likely, collect.promised) == (THURSDAY, FRIDAY)
    assert shipment.timing.window_start == in_paris(2025, 3, 14, 11)
    assert collect.price_cents == 0
    # 190 g/tkm x (1,800 g + 100 g packaging) x 22.406 km x 1.2, no last mile.
    assert collect.co2e_grams == pytest.approx(9.7, abs=0.05)


def test_a_store_destination_gets_all_four_labels_on_its_only_option() -> None:
    (collect,) = promise_collect(a_network(), ONE_LAMP, PART_DIEU, LAMPS_AT_DC_AND_PART_DIEU)

    assert collect.labels == frozenset(Label)


# Nothing to offer.


def test_a_line_held_nowhere_is_named_by_its_index() -> None:
    with pytest.raises(NothingInStock) as raised:
        promise_home(
            a_network(),
            cart((BRASS_LAMP, 1), (WOOL_THROW, 1)),
            HOME_LYON_BROTTEAUX,
            LAMPS_AT_DC_AND_PART_DIEU,
        )

    assert raised.value.field == "input.lines[1]"
    assert raised.value.code is ProblemCode.NOTHING_IN_STOCK
    assert WOOL_THROW in raised.value.message


def test_the_first_line_short_of_stock_over_every_node_is_named() -> None:
    # Seven lamps are held in all; eight are asked for. The throw is missing too.
    with pytest.raises(NothingInStock) as raised:
        promise_home(
            a_network(),
            cart((BRASS_LAMP, 8), (WOOL_THROW, 1)),
            HOME_LYON_BROTTEAUX,
            LAMPS_AT_DC_AND_PART_DIEU,
        )

    assert raised.value.field == "input.lines[0]"


def test_a_store_destination_with_nothing_in_stock_names_the_line() -> None:
    with pytest.raises(NothingInStock) as raised:
        promise_collect(a_network(), cart((WOOL_THROW, 1)), PART_DIEU, {})

    assert raised.value.field == "input.lines[0]"


def test_a_lamp_held_only_where_no_service_to_the_destination_ships_from_is_not_in_stock() -> None:
    # Only Part-Dieu holds the lamp: 22.5 km is too far for its courier, stores do not ship
    # parcels, and the Villefranche store near Anse has nothing a transfer could bring. The
    # parcel services do reach Anse: their nodes lack the lamp, which is a matter of stock.
    with pytest.raises(NothingInStock) as raised:
        promise_home(a_network(), ONE_LAMP, HOME_ANSE, {BRASS_LAMP: {PART_DIEU: 3}})

    assert raised.value.field == "input.lines"
    assert raised.value.code is ProblemCode.NOTHING_IN_STOCK
    assert "NOT_IN_STOCK" in raised.value.message
