"""A node's dispatch is reused from one order to the next only while it is the same answer.

The same goes for a store's readiness after a transfer, kept per transfer arrival and store.

`next_dispatch` keeps its last answer per (node, cut-off, pickups) with the interval it holds
for; these tests ask it at instants in any order and compare with a node it has never seen
(a copy: same data, another object, so nothing kept applies), over two weeks that hold the
change to winter time (2026-10-25), All Saints' Day and Armistice Day.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from carriers.services import DeliveryKind
from carriers.transit import TransitTable
from promise.dates import collect_after_transfer, next_dispatch
from promise.network import Node, PickupTimes
from tests.budget import budget
from tests.promise.builders import (
    MON_TO_FRI,
    MON_TO_SAT,
    a_dc,
    a_service,
    a_store,
    hours,
    in_paris,
)

START = in_paris(2026, 10, 22, 0)
TWO_WEEKS_IN_MINUTES = 21 * 24 * 60
STORE = dataclasses.replace(
    a_store(),
    pickups={
        "COURIER-SAME-DAY": PickupTimes(
            dict.fromkeys(MON_TO_SAT, (time(12), time(15, 30), time(17, 30)))
        )
    },
)
DC = a_dc()


def _fresh(node: Node, cutoff: time, at: datetime, code: str | None) -> object:
    copy = dataclasses.replace(node)
    pickups = copy.pickups.get(code) if code else None
    return next_dispatch(copy, cutoff, at, country="FR", pickups=pickups)


@settings(max_examples=budget(200), deadline=None)
@given(st.lists(st.integers(0, TWO_WEEKS_IN_MINUTES), min_size=1, max_size=40))
def test_a_kept_dispatch_is_always_the_one_computed_afresh(minutes: list[int]) -> None:
    rounds = STORE.pickups["COURIER-SAME-DAY"]
    for minute in minutes:
        at = START + timedelta(minutes=minute)
        kept_store = next_dispatch(STORE, time(14), at, country="FR", pickups=rounds)
        kept_dc = next_dispatch(DC, time(15), at, country="FR")
        assert kept_store == _fresh(STORE, time(14), at, "COURIER-SAME-DAY")
        assert kept_dc == _fresh(DC, time(15), at, None)


def test_an_order_after_the_noon_round_no_longer_gets_it() -> None:
    rounds = STORE.pickups["COURIER-SAME-DAY"]
    morning = next_dispatch(
        STORE, time(14), in_paris(2026, 11, 23, 9), country="FR", pickups=rounds
    )
    later = next_dispatch(
        STORE, time(14), in_paris(2026, 11, 23, 11, 1), country="FR", pickups=rounds
    )

    assert morning is not None
    assert later is not None
    assert morning.leaves_at == in_paris(2026, 11, 23, 12)
    assert later.leaves_at == in_paris(2026, 11, 23, 15, 30)
    assert morning.order_by == later.order_by == in_paris(2026, 11, 23, 14)


def test_the_same_node_under_other_pickups_is_dated_by_its_own_rounds() -> None:
    noon_only = PickupTimes(dict.fromkeys(MON_TO_SAT, (time(12),)))
    at = in_paris(2026, 11, 23, 11, 30)
    every_round = next_dispatch(
        STORE, time(14), at, country="FR", pickups=STORE.pickups["COURIER-SAME-DAY"]
    )
    noon = next_dispatch(STORE, time(14), at, country="FR", pickups=noon_only)

    assert every_round is not None
    assert noon is not None
    assert every_round.day == at.date()
    assert noon.day == at.date() + timedelta(days=1)


TRANSFER = a_service(
    "STORE-TRANSFER",
    kind=DeliveryKind.TRANSFER,
    cutoff=time(16),
    transit=TransitTable.single((0.0, 0.6, 0.3, 0.1)),
)


def _collect_fresh(store: Node, at: datetime) -> object:
    copies = dataclasses.replace(DC), dataclasses.replace(store)
    return collect_after_transfer(*copies, TRANSFER, 120.0, at, confidence=0.95, country="FR")


@settings(max_examples=budget(100), deadline=None)
@given(st.lists(st.integers(0, TWO_WEEKS_IN_MINUTES), min_size=1, max_size=20))
def test_a_kept_readiness_after_a_transfer_is_always_the_one_computed_afresh(
    minutes: list[int],
) -> None:
    for minute in minutes:
        at = START + timedelta(minutes=minute)
        kept = collect_after_transfer(DC, STORE, TRANSFER, 120.0, at, confidence=0.95, country="FR")
        assert kept == _collect_fresh(STORE, at)


def test_stores_fed_by_one_transfer_are_each_ready_by_their_own_hours() -> None:
    # Dispatch Fri 27, likely on Sat 28: a store shut on Saturdays has it on Monday.
    at = in_paris(2026, 11, 27, 10)
    weekdays_only = a_store("LYON-CONFLUENCE", opening=hours(MON_TO_FRI, time(10), time(20)))

    saturday = collect_after_transfer(DC, STORE, TRANSFER, 120.0, at, confidence=0.95, country="FR")
    monday = collect_after_transfer(
        DC, weekdays_only, TRANSFER, 120.0, at, confidence=0.95, country="FR"
    )

    assert saturday is not None
    assert monday is not None
    assert (saturday.likely, monday.likely) == (date(2026, 11, 28), date(2026, 11, 30))
    assert monday == _collect_fresh(weekdays_only, at)
