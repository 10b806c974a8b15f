"""Dates kept across requests by service, calendar, node and band are the dates computed afresh.

A timer keeps each node's dates for the order instants its dispatch holds for; these tests ask
timers at instants in any order and compare with `promise.dates` asked about a copy of the
node (same data, another object: nothing kept applies), over three weeks that hold the change
to winter time (2026-10-25), All Saints' Day and Armistice Day.
"""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from carriers.regions import Region
from carriers.services import DeliveryKind
from carriers.transit import TransitTable
from promise.dates import collect_after_transfer, home_delivery, pickup_point_delivery
from promise.held_timings import HeldTimings, HomeTimer, PickupTimer, TransferTimer
from promise.network import Node
from promise.nodes import OpeningHours
from tests.budget import budget
from tests.promise.builders import a_dc, a_service, a_store, in_paris, standard_service
from tests.promise.test_date_chain import BROTTEAUX_RELAY

START = in_paris(2026, 10, 22, 0)
THREE_WEEKS_IN_MINUTES = 21 * 24 * 60
LYON = Region("FR", None, "Europe/Paris")
DC = a_dc()
STORE = a_store()
STANDARD = standard_service()
RELAY = a_service("RELAY-POINT-72H", kind=DeliveryKind.PICKUP_POINT)
TRANSFER = a_service(
    "STORE-TRANSFER",
    kind=DeliveryKind.TRANSFER,
    cutoff=time(16),
    transit=TransitTable.single((0.0, 0.6, 0.3, 0.1)),
)
# Both of the standard service's bands: within 300 km and beyond.
DISTANCES = st.sampled_from([120.0, 650.0])


def _copy(node: Node) -> Node:
    return dataclasses.replace(node)


@settings(max_examples=budget(100), deadline=None)
@given(st.lists(st.tuples(st.integers(0, THREE_WEEKS_IN_MINUTES), DISTANCES), max_size=30))
def test_a_kept_home_delivery_is_always_the_one_computed_afresh(
    orders: list[tuple[int, float]],
) -> None:
    for minute, km in orders:
        at = START + timedelta(minutes=minute)
        timer = HomeTimer(STANDARD, at, confidence=0.95, country="FR", destination=LYON)
        fresh = home_delivery(
            _copy(DC), STANDARD, km, at, confidence=0.95, country="FR", destination=LYON
        )
        assert timer(DC, km, None) == fresh


@settings(max_examples=budget(100), deadline=None)
@given(st.lists(st.integers(0, THREE_WEEKS_IN_MINUTES), max_size=30))
def test_a_kept_pickup_point_delivery_is_always_the_one_computed_afresh(
    minutes: list[int],
) -> None:
    for minute in minutes:
        at = START + timedelta(minutes=minute)
        timer = PickupTimer(
            RELAY, BROTTEAUX_RELAY, at, confidence=0.95, country="FR", destination=LYON
        )
        fresh = pickup_point_delivery(
            _copy(DC),
            RELAY,
            BROTTEAUX_RELAY,
            120.0,
            at,
            confidence=0.95,
            country="FR",
            destination=LYON,
        )
        assert timer(DC, 120.0, None) == fresh


@settings(max_examples=budget(100), deadline=None)
@given(st.lists(st.integers(0, THREE_WEEKS_IN_MINUTES), max_size=30))
def test_a_kept_collection_after_a_transfer_is_always_the_one_computed_afresh(
    minutes: list[int],
) -> None:
    for minute in minutes:
        at = START + timedelta(minutes=minute)
        timer = TransferTimer(TRANSFER, STORE, at, confidence=0.95, country="FR")
        fresh = collect_after_transfer(
            _copy(DC), _copy(STORE), TRANSFER, 120.0, at, confidence=0.95, country="FR"
        )
        assert timer(DC, 120.0, None) == fresh


def test_stock_arriving_later_starts_the_clock_at_its_arrival() -> None:
    # Ordered on Monday 23 November; the lot reaches the DC on Wednesday 25 at noon.
    at = in_paris(2026, 11, 23, 9)
    arrival = in_paris(2026, 11, 25, 12)
    timer = HomeTimer(STANDARD, at, confidence=0.95, country="FR", destination=LYON)

    from_shelves = timer(DC, 120.0, None)
    inbound = timer(DC, 120.0, arrival)

    assert from_shelves is not None
    assert inbound is not None
    assert from_shelves.dispatch_day == at.date()
    assert inbound.dispatch_day == arrival.date()
    assert inbound == home_delivery(
        _copy(DC),
        STANDARD,
        120.0,
        at,
        confidence=0.95,
        country="FR",
        destination=LYON,
        not_before=arrival,
    )


def test_a_node_of_a_reloaded_network_is_dated_by_its_own_hours() -> None:
    at = in_paris(2026, 11, 27, 10)  # a Friday morning
    timer = HomeTimer(STANDARD, at, confidence=0.95, country="FR", destination=LYON)
    friday = timer(DC, 120.0, None)
    # The same id, reloaded without opening hours: another object, never open.
    closed_friday = dataclasses.replace(DC, opening=OpeningHours({}))

    assert friday is not None
    assert friday.dispatch_day == at.date()
    assert timer(closed_friday, 120.0, None) is None


def test_at_its_limit_every_kept_date_is_dropped() -> None:
    held = HeldTimings(limit=2)
    table = held.table(STANDARD, (), ("home", 0.95))
    at = in_paris(2026, 11, 23, 9)
    later = at + timedelta(hours=1)

    table.keep(DC, 0, at, later, None)
    assert held.entries == 1
    table.keep(STORE, 0, at, later, None)

    assert held.entries == 0
    assert held.table(STANDARD, (), ("home", 0.95)) is not table
    assert table.held(DC, 0, at) is not None  # the request using it keeps working


def test_a_band_is_found_as_the_transit_table_finds_it() -> None:
    table = HeldTimings().table(STANDARD, (), ("home",))
    for km in (0.0, 299.9, 300.0, 300.1, 5_000.0):
        band = STANDARD.transit.band_for(km)
        assert STANDARD.transit.bands[table.band(km)] is band
