"""The whole date chain on a fixed clock: carrier pickups, the destination's calendar and
clock, inbound stock, pickup points, and the words an option shows ("order within ...").

Every instant is on the Paris wall clock unless it says otherwise. 2026-11-23 is a Monday.
The default DC opens Mon-Fri 06:00-22:00 and Saturday 08:00-12:00 with 120 minutes of
preparation; the default store Mon-Sat 10:00-20:00 with 60 minutes; the default service
has a 15:00 cut-off, delivers Mon-Sat and reaches 0.55 / 0.90 / 0.98 / 1 on days 1-4.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

from carriers.regions import Region
from promise.dates import (
    Dispatch,
    Timing,
    collect_in_store,
    duration_text,
    home_delivery,
    next_dispatch,
    order_within_minutes,
    pickup_point_delivery,
    ready_text,
    same_day_delivery,
)
from promise.geo import GeoPoint
from promise.network import Node, PickupPoint, PickupTimes, PointType
from tests.promise.builders import (
    MON_TO_FRI,
    MON_TO_SAT,
    a_dc,
    a_service,
    a_store,
    hours,
    in_paris,
    relay_service,
    same_day_service,
)

STANDARD = a_service()
COURIER = same_day_service()  # ordered by 14:00, delivered 18:00-22:00, within 15 km
RELAY = relay_service()
METROPOLE = Region("FR", None, "Europe/Paris")
MOSELLE = Region("FR", "57", "Europe/Paris")
ALSACE = Region("FR", "6AE", "Europe/Paris")
REUNION = Region("FR", "974", "Indian/Reunion")


def with_pickups(node: Node, code: str, **times: tuple[time, ...]) -> Node:
    """`node` with carrier collections for `code`: weekdays=..., saturday=... ."""
    by_weekday: dict[int, tuple[time, ...]] = {}
    for name, moments in times.items():
        days = {"weekdays": MON_TO_FRI, "saturday": {6}, "every_day": MON_TO_SAT}[name]
        by_weekday.update(dict.fromkeys(days, moments))
    return dataclasses.replace(node, pickups={code: PickupTimes(by_weekday)})


def standard_timing(node: Node, now: datetime) -> Timing:
    """The standard service's timing from `node` to an address in metropolitan France."""
    timing = home_delivery(node, STANDARD, 120.0, now, confidence=0.95, country="FR")
    assert timing is not None
    return timing


def standard_from(node: Node, now: datetime, **options: Region | float) -> tuple[date, date]:
    region = options.get("destination")
    confidence = options.get("confidence", 0.95)
    assert region is None or isinstance(region, Region)
    assert isinstance(confidence, float)
    timing = home_delivery(
        node, STANDARD, 120.0, now, confidence=confidence, country="FR", destination=region
    )
    assert timing is not None
    return timing.likely, timing.promised


# Carrier pickup: the parcel leaves with a collection, prepared in time for it.


def test_an_early_collection_moves_the_order_deadline_before_the_cutoff() -> None:
    # Collected at 16:00 with 2 h of preparation: orders close at 14:00, not at the 15:00 cut-off.
    dc = with_pickups(a_dc(), "COLISSIMO-48H", weekdays=(time(16),))

    dispatch = next_dispatch(
        dc, time(15), in_paris(2026, 11, 23, 10), country="FR", pickups=dc.pickups["COLISSIMO-48H"]
    )

    assert dispatch == Dispatch(
        date(2026, 11, 23), in_paris(2026, 11, 23, 14), in_paris(2026, 11, 23, 16)
    )


def test_an_order_missing_the_last_collection_leaves_the_next_working_day() -> None:
    dc = with_pickups(a_dc(), "COLISSIMO-48H", weekdays=(time(16),))

    timing = standard_timing(dc, in_paris(2026, 11, 23, 14, 1))

    assert timing.order_by == in_paris(2026, 11, 24, 14)
    assert (timing.dispatch_day, timing.likely, timing.promised) == (
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
    )


def test_the_order_holds_until_the_last_collection_of_the_day_it_can_make() -> None:
    # The courier calls at 12:00 and 15:30; with 1 h of preparation a 10:00 order makes the
    # noon round, and the day's promise holds until 14:00 (cut-off, and 15:30 less 1 h).
    store = with_pickups(a_store(), "COURIER-SAME-DAY", every_day=(time(12), time(15, 30)))
    rounds = store.pickups["COURIER-SAME-DAY"]

    at_ten = next_dispatch(
        store, time(14), in_paris(2026, 11, 23, 10), country="FR", pickups=rounds
    )
    at_half_past_eleven = next_dispatch(
        store, time(14), in_paris(2026, 11, 23, 11, 30), country="FR", pickups=rounds
    )

    assert at_ten == Dispatch(
        date(2026, 11, 23), in_paris(2026, 11, 23, 14), in_paris(2026, 11, 23, 12)
    )
    assert at_half_past_eleven == Dispatch(
        date(2026, 11, 23), in_paris(2026, 11, 23, 14), in_paris(2026, 11, 23, 15, 30)
    )


def test_a_dc_open_on_saturday_without_a_saturday_collection_ships_on_monday() -> None:
    dc = with_pickups(a_dc(), "COLISSIMO-48H", weekdays=(time(18),))

    timing = standard_timing(dc, in_paris(2026, 11, 27, 16))

    assert timing.order_by == in_paris(2026, 11, 30, 15)
    assert (timing.dispatch_day, timing.likely, timing.promised) == (
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 3),
    )


def test_a_saturday_collection_before_noon_takes_orders_until_half_past_nine() -> None:
    # Saturday 08:00-12:00, collected at 11:30: 11:30 less 2 h of preparation.
    dc = with_pickups(a_dc(), "COLISSIMO-48H", weekdays=(time(18),), saturday=(time(11, 30),))

    timing = standard_timing(dc, in_paris(2026, 11, 27, 16))

    assert timing.order_by == in_paris(2026, 11, 28, 9, 30)
    assert (timing.dispatch_day, timing.likely, timing.promised) == (
        date(2026, 11, 28),
        date(2026, 11, 30),
        date(2026, 12, 2),
    )


def test_no_collection_on_labour_day_even_when_it_is_scheduled() -> None:
    dc = with_pickups(a_dc(), "COLISSIMO-48H", weekdays=(time(18),))

    timing = standard_timing(dc, in_paris(2026, 5, 1, 9))

    assert timing.order_by == in_paris(2026, 5, 4, 15)
    assert (timing.dispatch_day, timing.likely, timing.promised) == (
        date(2026, 5, 4),
        date(2026, 5, 5),
        date(2026, 5, 7),
    )


def test_collections_across_the_autumn_clock_change_keep_their_wall_clock_time() -> None:
    # Saturday 24 October 2026 is summer time (UTC+2), Monday 26 winter time (UTC+1).
    dc = with_pickups(a_dc(), "COLISSIMO-48H", weekdays=(time(18),), saturday=(time(11, 30),))
    rounds = dc.pickups["COLISSIMO-48H"]

    saturday = next_dispatch(dc, time(15), in_paris(2026, 10, 24, 9), country="FR", pickups=rounds)
    monday = next_dispatch(dc, time(15), in_paris(2026, 10, 24, 10), country="FR", pickups=rounds)

    assert saturday is not None
    assert monday is not None
    assert saturday.leaves_at == datetime(2026, 10, 24, 9, 30, tzinfo=UTC)
    assert monday.leaves_at == datetime(2026, 10, 26, 17, 0, tzinfo=UTC)
    assert monday.order_by == datetime(2026, 10, 26, 14, 0, tzinfo=UTC)


# The destination's calendar: its region's holidays, its clock.


def test_boxing_day_delays_a_parcel_to_moselle_but_not_to_lyon() -> None:
    # Dispatch Thursday 24 December; Friday 25 is Christmas everywhere, Saturday 26 only in
    # Moselle (and Alsace), so the first delivery day there is Monday 28.
    now = in_paris(2026, 12, 24, 10)

    assert standard_from(a_dc(), now, destination=METROPOLE) == (
        date(2026, 12, 26),
        date(2026, 12, 29),
    )
    assert standard_from(a_dc(), now, destination=MOSELLE) == (
        date(2026, 12, 28),
        date(2026, 12, 30),
    )


def test_good_friday_is_no_delivery_day_in_alsace() -> None:
    # Easter 2027 is on 28 March. Dispatch Thursday 25: day 1 is Friday 26 in Lyon but
    # Saturday 27 in Strasbourg, then (Sunday, Easter Monday) day 2 Tuesday 30.
    now = in_paris(2027, 3, 25, 10)

    assert standard_from(a_dc(), now, destination=METROPOLE, confidence=0.80) == (
        date(2027, 3, 26),
        date(2027, 3, 27),
    )
    assert standard_from(a_dc(), now, destination=ALSACE, confidence=0.80) == (
        date(2027, 3, 27),
        date(2027, 3, 30),
    )


def test_a_late_collection_is_already_the_next_day_on_reunion() -> None:
    # Collected at 21:30 in Paris (UTC+1) is 00:30 on Tuesday in Réunion (UTC+4): transit
    # starts on Tuesday there, so day 1 is Wednesday 25, not Tuesday 24.
    dc = with_pickups(a_dc(), "COLISSIMO-48H", weekdays=(time(21, 30),))
    now = in_paris(2026, 11, 23, 10)

    assert standard_from(dc, now, destination=METROPOLE) == (date(2026, 11, 24), date(2026, 11, 26))
    assert standard_from(dc, now, destination=REUNION) == (date(2026, 11, 25), date(2026, 11, 27))


def test_ascension_thursday_is_skipped_on_the_way() -> None:
    # Dispatch Wednesday 13 May 2026; Thursday 14 is Ascension: day 1 Friday 15, day 3 Monday 18.
    assert standard_from(a_dc(), in_paris(2026, 5, 13, 10)) == (
        date(2026, 5, 15),
        date(2026, 5, 18),
    )


def test_a_sunday_order_is_dispatched_on_monday_and_likely_on_tuesday() -> None:
    assert standard_from(a_dc(), in_paris(2026, 11, 22, 21)) == (
        date(2026, 11, 24),
        date(2026, 11, 26),
    )


def test_same_day_is_not_offered_on_a_holiday_of_the_destination_only() -> None:
    # Saturday 26 December 2026: the store (national calendar) opens, Moselle rests.
    store = a_store()
    now = in_paris(2026, 12, 26, 11)

    assert same_day_delivery(store, COURIER, now, country="FR", destination=METROPOLE) is not None
    assert same_day_delivery(store, COURIER, now, country="FR", destination=MOSELLE) is None


# The stated confidence: what the table gives on the promised day.


def test_a_promise_states_the_share_its_table_delivers_by_that_day() -> None:
    now = in_paris(2026, 11, 23, 10)
    sure = home_delivery(a_dc(), STANDARD, 120.0, now, confidence=0.95, country="FR")
    fair = home_delivery(a_dc(), STANDARD, 120.0, now, confidence=0.80, country="FR")

    assert sure is not None
    assert fair is not None
    assert (sure.promised, sure.confidence) == (date(2026, 11, 26), 0.98)
    assert (fair.promised, fair.confidence) == (date(2026, 11, 25), 0.90)


# Future stock: a shipment starts when its inbound stock has arrived.


def test_inbound_stock_arriving_tomorrow_morning_ships_tomorrow() -> None:
    now = in_paris(2026, 11, 23, 9)
    arrives = in_paris(2026, 11, 24, 8)

    timing = home_delivery(
        a_dc(), STANDARD, 120.0, now, confidence=0.95, country="FR", not_before=arrives
    )

    assert timing is not None
    assert timing.order_by == in_paris(2026, 11, 24, 15)
    assert (timing.dispatch_day, timing.likely, timing.promised) == (
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
    )


def test_inbound_stock_already_arrived_changes_nothing() -> None:
    now = in_paris(2026, 11, 23, 9)

    timing = home_delivery(
        a_dc(),
        STANDARD,
        120.0,
        now,
        confidence=0.95,
        country="FR",
        not_before=now - timedelta(days=1),
    )

    assert timing is not None
    assert timing.dispatch_day == date(2026, 11, 23)


def test_inbound_stock_at_a_store_is_ready_for_collection_an_hour_after_it_arrives() -> None:
    timing = collect_in_store(
        a_store(), in_paris(2026, 11, 23, 9), country="FR", not_before=in_paris(2026, 11, 23, 15)
    )

    assert timing is not None
    assert timing.ready_at == in_paris(2026, 11, 23, 16)
    assert timing.order_by == in_paris(2026, 11, 23, 19)


def test_same_day_waits_for_stock_arriving_before_the_cutoff_but_not_after() -> None:
    now = in_paris(2026, 11, 23, 9)
    store = a_store()

    noon = same_day_delivery(
        store, COURIER, now, country="FR", not_before=in_paris(2026, 11, 23, 12)
    )
    tomorrow = same_day_delivery(
        store, COURIER, now, country="FR", not_before=in_paris(2026, 11, 24, 8)
    )

    assert noon is not None
    assert (noon.promised, noon.order_by) == (date(2026, 11, 23), in_paris(2026, 11, 23, 14))
    assert tomorrow is None


# Pickup points: the parcel's dates, on days the point opens.

BROTTEAUX_RELAY = PickupPoint(
    id="LYON-RELAIS-BROTTEAUX",
    name="Tabac-presse des Brotteaux",
    type=PointType.RELAY,
    city="Lyon",
    postcode="69006",
    location=GeoPoint(45.7686, 4.8590),
    opening=hours(range(2, 7), time(7, 30), time(19, 30)),
    services=frozenset({"RELAY-POINT-72H"}),
)
PART_DIEU_LOCKER = dataclasses.replace(
    BROTTEAUX_RELAY,
    id="LYON-CONSIGNE-PART-DIEU",
    type=PointType.LOCKER,
    opening=hours(range(1, 8), time(0), time(23, 59)),
)


def test_a_relay_point_shut_on_monday_takes_the_parcel_on_tuesday() -> None:
    # Dispatch Thursday 26 at the 14:00 cut-off's day; day 1 Fri 27, day 2 Sat 28 (likely),
    # day 3 Mon 30 (95 %): the relay opens Tuesday to Saturday, so Tuesday 1 December.
    now = in_paris(2026, 11, 26, 10)
    relay = pickup_point_delivery(
        a_dc(), RELAY, BROTTEAUX_RELAY, 23.0, now, confidence=0.95, country="FR"
    )
    locker = pickup_point_delivery(
        a_dc(), RELAY, PART_DIEU_LOCKER, 23.0, now, confidence=0.95, country="FR"
    )

    assert relay is not None
    assert locker is not None
    assert relay.order_by == in_paris(2026, 11, 26, 14)
    assert (relay.likely, relay.promised, relay.confidence) == (
        date(2026, 11, 28),
        date(2026, 12, 1),
        0.95,
    )
    assert (locker.likely, locker.promised) == (date(2026, 11, 28), date(2026, 11, 30))


# The words an option shows.


def test_order_within_counts_whole_minutes_to_the_deadline() -> None:
    now = in_paris(2026, 11, 23, 12, 46, 30)

    minutes = order_within_minutes(in_paris(2026, 11, 23, 15), now)

    assert minutes == 133
    assert duration_text(minutes) == "2 h 13 min"


def test_a_deadline_already_past_leaves_no_minute() -> None:
    assert order_within_minutes(in_paris(2026, 11, 23, 15), in_paris(2026, 11, 23, 16)) == 0
    assert duration_text(0) == "0 min"


def test_a_deadline_days_away_names_the_days() -> None:
    assert duration_text(24 * 60 + 3 * 60 + 5) == "1 d 3 h 5 min"
    assert duration_text(45) == "45 min"
    assert duration_text(120) == "2 h"


def test_ready_text_says_today_tomorrow_or_the_day() -> None:
    now = in_paris(2026, 11, 23, 15)

    assert ready_text(in_paris(2026, 11, 23, 16), now) == "today from 16:00"
    assert ready_text(in_paris(2026, 11, 24, 11), now) == "tomorrow from 11:00"
    assert ready_text(in_paris(2026, 11, 30, 11), now) == "Monday 30 November from 11:00"


def test_ready_text_counts_days_on_the_store_clock() -> None:
    # 23:30 UTC on Monday is already Tuesday 00:30 in Paris.
    now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)

    assert ready_text(in_paris(2026, 11, 24, 11), now) == "today from 11:00"
