"""Working-day calendars: a service's weekdays minus French public holidays."""

from __future__ import annotations

from datetime import date

import pytest

from carriers.calendar import is_public_holiday, is_working_day, nth_working_day
from carriers.errors import CarrierDataError

MON_TO_FRI = frozenset({1, 2, 3, 4, 5})
MON_TO_SAT = frozenset({1, 2, 3, 4, 5, 6})


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2026, 5, 1), id="labour-day-friday"),
        pytest.param(date(2026, 5, 8), id="victory-in-europe-day"),
        pytest.param(date(2026, 5, 14), id="ascension-thursday"),
        pytest.param(date(2026, 12, 25), id="christmas"),
        pytest.param(date(2027, 1, 1), id="new-year"),
    ],
)
def test_french_public_holidays_are_known(day: date) -> None:
    assert is_public_holiday(day, country="FR")
    assert not is_working_day(day, MON_TO_SAT, country="FR")


def test_an_ordinary_monday_is_neither_a_holiday_nor_off() -> None:
    monday = date(2026, 11, 23)

    assert not is_public_holiday(monday, country="FR")
    assert is_working_day(monday, MON_TO_FRI, country="FR")


def test_a_saturday_works_only_for_services_that_deliver_on_saturdays() -> None:
    saturday = date(2026, 11, 28)

    assert is_working_day(saturday, MON_TO_SAT, country="FR")
    assert not is_working_day(saturday, MON_TO_FRI, country="FR")


def test_boxing_day_is_a_holiday_in_moselle_only() -> None:
    boxing_day = date(2026, 12, 26)

    assert is_public_holiday(boxing_day, country="FR", subdivision="57")
    assert not is_public_holiday(boxing_day, country="FR")


def test_a_country_without_a_holiday_calendar_is_refused_by_name() -> None:
    with pytest.raises(CarrierDataError, match="'XX'"):
        is_public_holiday(date(2026, 11, 23), country="XX")


def test_the_zeroth_working_day_of_a_working_day_is_itself() -> None:
    assert nth_working_day(date(2026, 11, 23), 0, MON_TO_FRI, country="FR") == date(2026, 11, 23)


def test_the_zeroth_working_day_of_a_sunday_is_the_monday() -> None:
    assert nth_working_day(date(2026, 11, 29), 0, MON_TO_FRI, country="FR") == date(2026, 11, 30)


def test_the_next_working_day_after_a_friday_skips_the_weekend() -> None:
    assert nth_working_day(date(2026, 11, 27), 1, MON_TO_FRI, country="FR") == date(2026, 11, 30)


def test_the_third_working_day_after_a_thursday_counts_friday_monday_tuesday() -> None:
    assert nth_working_day(date(2026, 11, 26), 3, MON_TO_FRI, country="FR") == date(2026, 12, 1)


def test_counting_across_new_year_skips_the_first_of_january() -> None:
    new_years_eve = date(2026, 12, 31)  # a Thursday; 2027-01-01 is a Friday and a holiday

    assert nth_working_day(new_years_eve, 1, MON_TO_SAT, country="FR") == date(2027, 1, 2)
    assert nth_working_day(new_years_eve, 1, MON_TO_FRI, country="FR") == date(2027, 1, 4)


def test_counting_across_christmas_skips_the_holiday_and_the_sunday() -> None:
    # Thu 24 -> Fri 25 (Christmas) -> Sat 26 (1) -> Sun 27 -> Mon 28 (2).
    assert nth_working_day(date(2026, 12, 24), 2, MON_TO_SAT, country="FR") == date(2026, 12, 28)


def test_a_calendar_without_working_weekdays_is_refused() -> None:
    with pytest.raises(CarrierDataError, match="no working day within 60 days of 2026-11-23"):
        nth_working_day(date(2026, 11, 23), 0, frozenset(), country="FR")


def test_looking_further_than_sixty_days_ahead_is_refused() -> None:
    with pytest.raises(CarrierDataError, match="fewer than 61 working days"):
        nth_working_day(date(2026, 11, 23), 61, frozenset(range(1, 8)), country="FR")
