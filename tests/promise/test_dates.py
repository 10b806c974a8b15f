"""Delivery dates on a fixed clock: dispatch windows, transit in working days, collection.

Every instant is on the Paris wall clock. 2026-11-23 is a Monday. The default DC opens
Mon-Fri 06:00-22:00 and Saturday 08:00-12:00 with 120 minutes of preparation; the default
store opens Mon-Sat 10:00-20:00 with 60 minutes; the default service has a 15:00 cut-off,
delivers Mon-Sat and reaches P = 0.55 / 0.90 / 0.98 / 1 on days 1 / 2 / 3 / 4.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from carriers.services import DeliveryKind
from carriers.transit import TransitBand, TransitTable
from promise.dates import (
    Dispatch,
    Timing,
    collect_after_transfer,
    collect_in_store,
    home_delivery,
    next_dispatch,
    same_day_delivery,
)
from promise.network import OpeningHours
from tests.promise.builders import (
    MON_TO_FRI,
    a_dc,
    a_service,
    a_store,
    hours,
    in_paris,
    same_day_service,
)

CUTOFF = time(15)
COURIER = same_day_service()  # ordered by 14:00, delivered 18:00-22:00, within 15 km
OVERNIGHT_TRANSFER = a_service(
    "STORE-TRANSFER",
    kind=DeliveryKind.TRANSFER,
    cutoff=time(16),
    transit=TransitTable.single((0.0, 1.0)),
)


def dispatch_from_dc(now: datetime) -> Dispatch | None:
    return next_dispatch(a_dc(), CUTOFF, now, country="FR")


# Dispatch: the first day the node can still take the order.


def test_an_order_before_the_cutoff_ships_today_until_the_cutoff() -> None:
    assert dispatch_from_dc(in_paris(2026, 11, 23, 10)) == Dispatch(
        date(2026, 11, 23), in_paris(2026, 11, 23, 15)
    )


def test_an_order_before_opening_still_ships_that_day() -> None:
    assert dispatch_from_dc(in_paris(2026, 11, 23, 5)) == Dispatch(
        date(2026, 11, 23), in_paris(2026, 11, 23, 15)
    )


def test_an_order_on_the_stroke_of_the_cutoff_ships_the_next_working_day() -> None:
    assert dispatch_from_dc(in_paris(2026, 11, 23, 15)) == Dispatch(
        date(2026, 11, 24), in_paris(2026, 11, 24, 15)
    )


def test_an_order_after_the_cutoff_ships_the_next_working_day() -> None:
    assert dispatch_from_dc(in_paris(2026, 11, 23, 16, 30)) == Dispatch(
        date(2026, 11, 24), in_paris(2026, 11, 24, 15)
    )


def test_the_order_instant_is_read_on_the_node_clock() -> None:
    # 14:30 UTC is 15:30 in Paris in November: past the cut-off.
    now = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)

    assert dispatch_from_dc(now) == Dispatch(date(2026, 11, 24), in_paris(2026, 11, 24, 15))


def test_a_sunday_order_ships_on_monday() -> None:
    assert dispatch_from_dc(in_paris(2026, 11, 22, 11)) == Dispatch(
        date(2026, 11, 23), in_paris(2026, 11, 23, 15)
    )


def test_closing_less_preparation_beats_a_later_cutoff_on_saturday_morning() -> None:
    # Saturday 08:00-12:00 with 2 h of preparation: orders close at 10:00, not at 15:00.
    assert dispatch_from_dc(in_paris(2026, 11, 28, 9, 30)) == Dispatch(
        date(2026, 11, 28), in_paris(2026, 11, 28, 10)
    )


def test_a_saturday_afternoon_order_at_a_dc_closed_after_noon_ships_on_monday() -> None:
    assert dispatch_from_dc(in_paris(2026, 11, 28, 14)) == Dispatch(
        date(2026, 11, 30), in_paris(2026, 11, 30, 15)
    )


def test_an_order_on_labour_day_ships_on_the_saturday_morning() -> None:
    # Friday 2026-05-01 is a public holiday; the DC works Saturday 2026-05-02 until 10:00.
    assert dispatch_from_dc(in_paris(2026, 5, 1, 10)) == Dispatch(
        date(2026, 5, 2), in_paris(2026, 5, 2, 10)
    )


def test_an_order_on_labour_day_at_a_weekday_dc_ships_on_the_monday() -> None:
    weekday_dc = a_dc(opening=hours(MON_TO_FRI, time(6), time(22)))

    assert next_dispatch(weekday_dc, CUTOFF, in_paris(2026, 5, 1, 10), country="FR") == Dispatch(
        date(2026, 5, 4), in_paris(2026, 5, 4, 15)
    )


def test_a_new_years_eve_evening_order_ships_after_new_years_day() -> None:
    # Thursday 2026-12-31 after the cut-off; Friday 2027-01-01 is a holiday.
    dispatch = dispatch_from_dc(in_paris(2026, 12, 31, 20))

    assert dispatch == Dispatch(date(2027, 1, 2), in_paris(2027, 1, 2, 10))


def test_the_order_deadline_after_the_spring_clock_change_is_in_summer_time() -> None:
    # Saturday 2027-03-27 evening (UTC+1); clocks go forward on Sunday 2027-03-28, which is
    # also Easter Sunday, so Monday 29 is Easter Monday and the DC next ships on Tuesday 30.
    now = in_paris(2027, 3, 27, 19)
    dispatch = dispatch_from_dc(now)

    assert now.utcoffset() == timedelta(hours=1)
    assert dispatch is not None
    assert dispatch.day == date(2027, 3, 30)
    assert dispatch.order_by.utcoffset() == timedelta(hours=2)
    assert dispatch.order_by == datetime(2027, 3, 30, 13, 0, tzinfo=UTC)


def test_a_deadline_across_the_autumn_clock_change_is_in_winter_time() -> None:
    # Friday 2026-10-23 after the cut-off (UTC+2); clocks go back on Sunday 2026-10-25.
    # Saturday's 10:00 deadline is still summer time; Monday 26 at 15:00 is UTC+1.
    saturday = dispatch_from_dc(in_paris(2026, 10, 23, 16))
    monday = dispatch_from_dc(in_paris(2026, 10, 24, 11))

    assert saturday == Dispatch(date(2026, 10, 24), datetime(2026, 10, 24, 8, 0, tzinfo=UTC))
    assert monday == Dispatch(date(2026, 10, 26), datetime(2026, 10, 26, 14, 0, tzinfo=UTC))


def test_a_node_that_never_opens_never_ships() -> None:
    closed = a_dc(opening=OpeningHours({}))

    assert next_dispatch(closed, CUTOFF, in_paris(2026, 11, 23, 10), country="FR") is None


def test_a_cutoff_before_opening_leaves_no_day_to_ship() -> None:
    assert next_dispatch(a_store(), time(9), in_paris(2026, 11, 23, 8), country="FR") is None


# Home delivery: transit counted in the service's delivery days.


def test_home_delivery_counts_transit_from_the_dispatch_day() -> None:
    # Dispatch Mon 23; day 1 Tue 24 (likely), day 2 Wed 25 (80 %), day 3 Thu 26 (95 %).
    timing = home_delivery(
        a_dc(), a_service(), 120.0, in_paris(2026, 11, 23, 10), confidence=0.95, country="FR"
    )

    assert timing == Timing(
        order_by=in_paris(2026, 11, 23, 15),
        dispatch_day=date(2026, 11, 23),
        likely=date(2026, 11, 24),
        promised=date(2026, 11, 26),
        confidence=0.98,
    )


def test_home_delivery_skips_a_holiday_and_a_sunday() -> None:
    # Dispatch Thu 2026-05-07. Fri 8 is VE Day: day 1 Sat 9, (Sun 10), day 2 Mon 11, day 3 Tue 12.
    now = in_paris(2026, 5, 7, 10)
    sure = home_delivery(a_dc(), a_service(), 120.0, now, confidence=0.95, country="FR")
    fair = home_delivery(a_dc(), a_service(), 120.0, now, confidence=0.80, country="FR")

    assert sure is not None
    assert fair is not None
    assert (sure.dispatch_day, sure.likely, sure.promised) == (
        date(2026, 5, 7),
        date(2026, 5, 9),
        date(2026, 5, 12),
    )
    assert (fair.likely, fair.promised) == (date(2026, 5, 9), date(2026, 5, 11))


def test_a_weekday_service_skips_saturdays_too() -> None:
    # Dispatch Thu 2026-05-07; Fri 8 holiday, weekend: day 1 Mon 11, day 2 Tue 12, day 3 Wed 13.
    express = a_service("CHRONO-EXPRESS-24H", delivery_weekdays=MON_TO_FRI)
    now = in_paris(2026, 5, 7, 10)

    timing = home_delivery(a_dc(), express, 120.0, now, confidence=0.95, country="FR")

    assert timing is not None
    assert (timing.likely, timing.promised) == (date(2026, 5, 11), date(2026, 5, 13))


def test_home_delivery_across_new_year() -> None:
    # Dispatch Sat 2027-01-02 (see above); day 1 Mon 4, day 2 Tue 5, day 3 Wed 6.
    now = in_paris(2026, 12, 31, 20)
    sure = home_delivery(a_dc(), a_service(), 120.0, now, confidence=0.95, country="FR")
    fair = home_delivery(a_dc(), a_service(), 120.0, now, confidence=0.80, country="FR")

    assert sure is not None
    assert fair is not None
    assert (sure.likely, sure.promised, fair.promised) == (
        date(2027, 1, 4),
        date(2027, 1, 6),
        date(2027, 1, 5),
    )


def test_a_longer_distance_takes_the_slower_band() -> None:
    # Beyond 300 km: likely day 2 (Wed 25), 95 % on day 4 (Fri 27), from a Monday dispatch.
    service = a_service(
        transit=TransitTable(
            (
                TransitBand(300, (0.0, 0.55, 0.35, 0.08, 0.02)),
                TransitBand(float("inf"), (0.0, 0.0, 0.55, 0.35, 0.08, 0.02)),
            )
        )
    )
    now = in_paris(2026, 11, 23, 10)

    near = home_delivery(a_dc(), service, 299.0, now, confidence=0.95, country="FR")
    far = home_delivery(a_dc(), service, 450.0, now, confidence=0.95, country="FR")

    assert near is not None
    assert far is not None
    assert (near.likely, near.promised) == (date(2026, 11, 24), date(2026, 11, 26))
    assert (far.likely, far.promised) == (date(2026, 11, 25), date(2026, 11, 27))


def test_no_home_delivery_from_a_node_that_never_opens() -> None:
    closed = a_dc(opening=OpeningHours({}))
    now = in_paris(2026, 11, 23, 10)

    assert home_delivery(closed, a_service(), 10.0, now, confidence=0.95, country="FR") is None


# Same-day delivery: today, in the evening window, or not at all.


def test_same_day_before_the_cutoff_arrives_this_evening() -> None:
    timing = same_day_delivery(a_store(), COURIER, in_paris(2026, 11, 23, 11), country="FR")

    assert timing == Timing(
        order_by=in_paris(2026, 11, 23, 14),
        dispatch_day=date(2026, 11, 23),
        likely=date(2026, 11, 23),
        promised=date(2026, 11, 23),
        window_start=in_paris(2026, 11, 23, 18),
        window_end=in_paris(2026, 11, 23, 22),
    )


def test_same_day_before_the_store_opens_is_still_today() -> None:
    timing = same_day_delivery(a_store(), COURIER, in_paris(2026, 11, 23, 8), country="FR")

    assert timing is not None
    assert timing.promised == date(2026, 11, 23)


def test_same_day_after_the_cutoff_is_not_offered_for_tomorrow() -> None:
    assert same_day_delivery(a_store(), COURIER, in_paris(2026, 11, 23, 14), country="FR") is None


def test_same_day_is_not_offered_on_a_day_the_courier_does_not_deliver() -> None:
    weekday_courier = a_service(
        "COURIER-SAME-DAY",
        kind=DeliveryKind.SAME_DAY,
        cutoff=time(14),
        transit=TransitTable.single((1.0,)),
        delivery_weekdays=MON_TO_FRI,
        delivery_window=(time(18), time(22)),
    )
    saturday_morning = in_paris(2026, 11, 28, 11)

    assert same_day_delivery(a_store(), weekday_courier, saturday_morning, country="FR") is None


def test_same_day_is_not_offered_when_the_store_is_closed_today() -> None:
    sunday, labour_day = in_paris(2026, 11, 22, 11), in_paris(2026, 5, 1, 11)

    assert same_day_delivery(a_store(), COURIER, sunday, country="FR") is None
    assert same_day_delivery(a_store(), COURIER, labour_day, country="FR") is None


def test_same_day_needs_a_delivery_window() -> None:
    no_window = a_service("COURIER-SAME-DAY", kind=DeliveryKind.SAME_DAY, cutoff=time(14))

    assert same_day_delivery(a_store(), no_window, in_paris(2026, 11, 23, 11), country="FR") is None


# Click & collect: ready after preparation, within opening hours.


def test_collect_ordered_before_opening_is_ready_an_hour_after_opening() -> None:
    timing = collect_in_store(a_store(), in_paris(2026, 11, 23, 8), country="FR")

    assert timing == Timing(
        order_by=in_paris(2026, 11, 23, 19),
        dispatch_day=date(2026, 11, 23),
        likely=date(2026, 11, 23),
        promised=date(2026, 11, 23),
        window_start=in_paris(2026, 11, 23, 11),
        window_end=in_paris(2026, 11, 23, 20),
        ready_at=in_paris(2026, 11, 23, 11),
    )


def test_collect_ordered_during_the_day_is_ready_after_preparation() -> None:
    timing = collect_in_store(a_store(), in_paris(2026, 11, 23, 14, 20), country="FR")

    assert timing is not None
    assert timing.window_start == in_paris(2026, 11, 23, 15, 20)
    assert timing.promised == date(2026, 11, 23)


def test_collect_ready_exactly_at_closing_is_still_today() -> None:
    timing = collect_in_store(a_store(), in_paris(2026, 11, 23, 19), country="FR")

    assert timing is not None
    assert timing.window_start == in_paris(2026, 11, 23, 20)


def test_collect_ordered_too_late_is_ready_the_next_morning() -> None:
    timing = collect_in_store(a_store(), in_paris(2026, 11, 23, 19, 30), country="FR")

    assert timing == Timing(
        order_by=in_paris(2026, 11, 24, 19),
        dispatch_day=date(2026, 11, 24),
        likely=date(2026, 11, 24),
        promised=date(2026, 11, 24),
        window_start=in_paris(2026, 11, 24, 11),
        window_end=in_paris(2026, 11, 24, 20),
        ready_at=in_paris(2026, 11, 24, 11),
    )


def test_collect_ordered_late_on_saturday_is_ready_on_monday() -> None:
    timing = collect_in_store(a_store(), in_paris(2026, 11, 28, 19, 30), country="FR")

    assert timing is not None
    assert timing.window_start == in_paris(2026, 11, 30, 11)


def test_collect_skips_a_public_holiday() -> None:
    # Thursday 2026-04-30 evening; Friday 2026-05-01 is Labour Day; Saturday the store opens.
    timing = collect_in_store(a_store(), in_paris(2026, 4, 30, 19, 30), country="FR")

    assert timing is not None
    assert timing.window_start == in_paris(2026, 5, 2, 11)


def test_no_collect_at_a_store_whose_preparation_outlasts_its_day() -> None:
    slow = a_store(preparation_minutes=11 * 60)

    assert collect_in_store(slow, in_paris(2026, 11, 23, 8), country="FR") is None


# Click & collect after a transfer from a DC.


def test_collect_after_an_overnight_transfer_is_ready_the_next_morning() -> None:
    timing = collect_after_transfer(
        a_dc(),
        a_store(),
        OVERNIGHT_TRANSFER,
        12.0,
        in_paris(2026, 11, 23, 10),
        confidence=0.95,
        country="FR",
    )

    assert timing is not None
    assert timing.order_by == in_paris(2026, 11, 23, 16)
    assert timing.dispatch_day == date(2026, 11, 23)
    assert (timing.likely, timing.promised) == (date(2026, 11, 24), date(2026, 11, 24))
    assert timing.window_start == in_paris(2026, 11, 24, 11)


def test_collect_after_transfer_uses_the_transit_distribution() -> None:
    # Thu 26 17:00 is after the 16:00 cut-off: dispatch Fri 27. Transit P = 0.7 on day 2,
    # 0.95 by day 3: day 1 Sat 28, (Sun), day 2 Mon 30 (likely), day 3 Tue Dec 1 (promised).
    transfer = a_service(
        "STORE-TRANSFER",
        kind=DeliveryKind.TRANSFER,
        cutoff=time(16),
        transit=TransitTable.single((0.0, 0.0, 0.7, 0.25, 0.05)),
    )

    timing = collect_after_transfer(
        a_dc(),
        a_store(),
        transfer,
        12.0,
        in_paris(2026, 11, 26, 17),
        confidence=0.95,
        country="FR",
    )

    assert timing is not None
    assert timing.dispatch_day == date(2026, 11, 27)
    assert (timing.likely, timing.promised) == (date(2026, 11, 30), date(2026, 12, 1))
    assert timing.window_start == in_paris(2026, 12, 1, 11)


def test_a_transfer_arriving_on_a_day_the_store_is_shut_is_ready_when_it_reopens() -> None:
    # Dispatch Fri 27, arrives Sat 28; this store opens Mon-Fri only, so ready Mon 30 11:00.
    weekday_store = a_store(opening=hours(MON_TO_FRI, time(10), time(20)))

    timing = collect_after_transfer(
        a_dc(),
        weekday_store,
        OVERNIGHT_TRANSFER,
        12.0,
        in_paris(2026, 11, 27, 10),
        confidence=0.95,
        country="FR",
    )

    assert timing is not None
    assert timing.promised == date(2026, 11, 30)
    assert timing.window_start == in_paris(2026, 11, 30, 11)


def test_no_collect_after_transfer_when_the_source_never_ships() -> None:
    closed = a_dc(opening=OpeningHours({}))
    now = in_paris(2026, 11, 23, 10)

    assert (
        collect_after_transfer(
            closed, a_store(), OVERNIGHT_TRANSFER, 12.0, now, confidence=0.95, country="FR"
        )
        is None
    )
