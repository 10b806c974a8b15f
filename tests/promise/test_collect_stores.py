"""The store picker's domain: shelves per store, options that match a collect request, the
week's hours with holidays, and the short lines and servable part of a cart."""

from __future__ import annotations

from datetime import time

from promise.candidates import CandidateFinder
from promise.collect_stores import ShelfCover, ShelfLine, collect_at_stores, cover_of
from promise.partial import servable_part, short_lines
from promise.profiles import DEFAULT_PROFILE
from promise.shortage import HeldAt
from promise.store_hours import this_week
from tests.promise.builders import (
    BRASS_LAMP,
    CONFLUENCE,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    OAK_TABLE,
    PART_DIEU,
    TUESDAY_MORNING,
    a_network,
    a_store,
    cart,
    in_paris,
    promise_collect,
)


def test_a_store_holding_every_line_in_full_covers_all() -> None:
    lines = [ShelfLine(OAK_TABLE, 1, 3), ShelfLine(BRASS_LAMP, 2, 2)]
    assert cover_of(lines) == ShelfCover.ALL


def test_a_store_holding_part_of_a_line_covers_some() -> None:
    assert cover_of([ShelfLine(OAK_TABLE, 3, 1), ShelfLine(BRASS_LAMP, 2, 0)]) == ShelfCover.SOME


def test_a_store_holding_no_unit_of_any_line_covers_none() -> None:
    assert cover_of([ShelfLine(OAK_TABLE, 3, 0), ShelfLine(BRASS_LAMP, 2, 0)]) == ShelfCover.NONE


def test_each_store_gets_the_option_a_collect_request_to_it_gets() -> None:
    network = a_network()
    lines = cart((OAK_TABLE, 1), (BRASS_LAMP, 2))
    stock = {OAK_TABLE: {PART_DIEU: 1, DC_SQF: 40}, BRASS_LAMP: {PART_DIEU: 2, DC_SQF: 10}}
    stores = CandidateFinder(network).collect_stores_near(HOME_LYON_BROTTEAUX, limit=2)
    assert [store_id for store_id, _ in stores] == [PART_DIEU, CONFLUENCE]
    found = collect_at_stores(
        network,
        lines,
        stores,
        TUESDAY_MORNING,
        stock_for=lambda _store: stock,
        profile=DEFAULT_PROFILE,
    )
    assert [f.store.id for f in found] == [PART_DIEU, CONFLUENCE]
    assert [f.cover for f in found] == [ShelfCover.ALL, ShelfCover.NONE]
    for answer in found:
        expected = promise_collect(network, lines, answer.store.id, stock)[0]
        assert answer.option.shipments == expected.shipments
        assert answer.option.ready_at == expected.ready_at
    # Part-Dieu hands over its own shelves 1 h after the order; Confluence waits for the DC.
    assert found[0].option.ready_at == in_paris(2025, 3, 11, 11)
    assert found[1].option.ready_at is not None
    assert found[1].option.ready_at.date() > TUESDAY_MORNING.date()


def test_a_store_that_cannot_serve_the_cart_is_left_out() -> None:
    network = a_network()
    stores = CandidateFinder(network).collect_stores_near(HOME_LYON_BROTTEAUX, limit=2)
    found = collect_at_stores(
        network,
        cart((OAK_TABLE, 5)),
        stores,
        TUESDAY_MORNING,
        stock_for=lambda _store: {OAK_TABLE: {PART_DIEU: 1}},
        profile=DEFAULT_PROFILE,
    )
    assert found == []


def test_the_week_of_a_store_closes_on_a_public_holiday_and_names_it() -> None:
    # Monday 10 November 2025; Tuesday 11 is Armistice Day.
    week = this_week(a_store(), in_paris(2025, 11, 10, 9), country="FR")
    assert [d.day.day for d in week] == [10, 11, 12, 13, 14, 15, 16]
    assert week[0].window == (time(10), time(20))
    assert (week[1].window, week[1].holiday) == (None, "Armistice Day")
    assert (week[6].window, week[6].holiday) == (None, None)  # Sunday: closed, no holiday


def test_a_short_line_names_what_can_be_had_and_the_nodes_holding_most_first() -> None:
    stock = {OAK_TABLE: {PART_DIEU: 2, DC_SQF: 5, CONFLUENCE: 0}, BRASS_LAMP: {DC_SQF: 9}}
    [short] = short_lines(cart((OAK_TABLE, 10), (BRASS_LAMP, 3)), stock)
    assert (short.sku, short.requested, short.available) == (OAK_TABLE, 10, 7)
    assert short.nodes == (HeldAt(DC_SQF, 5), HeldAt(PART_DIEU, 2))


def test_the_servable_part_keeps_what_can_be_had_and_leaves_out_the_rest() -> None:
    stock = {OAK_TABLE: {PART_DIEU: 2, DC_SQF: 5}, BRASS_LAMP: {DC_SQF: 9}}
    lines = cart((OAK_TABLE, 10), (BRASS_LAMP, 3))
    short = short_lines(lines, stock)
    assert servable_part(lines, short) == (
        cart((OAK_TABLE, 7), (BRASS_LAMP, 3)),
        cart((OAK_TABLE, 3)),
    )
    assert servable_part(lines, short, one_node=True) == (
        cart((OAK_TABLE, 5), (BRASS_LAMP, 3)),
        cart((OAK_TABLE, 5)),
    )
