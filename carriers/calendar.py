"""Working-day calendars: weekdays a service works on, minus a country's public holidays."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from carriers.errors import CarrierDataError

# A promise never looks further ahead than this; past it a calendar is treated as broken.
_MAX_DAYS_AHEAD = 60


@lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The country's holidays, with the subdivision's where `holidays` keeps some apart.

    A subdivision it does not know (Corsica, `2A`, keeps the national ones) means the
    national calendar: subdivisions also say which delivery zone a place is in.
    """
    try:
        calendar = holidays.country_holidays(country)
    except NotImplementedError as error:
        raise CarrierDataError(f"no public holiday calendar for country {country!r}") from error
    if subdivision is None or subdivision not in calendar.subdivisions:
        return calendar
    return holidays.country_holidays(country, subdiv=subdivision)


def subdivisions_of(country: str) -> tuple[str, ...]:
    """The subdivisions with holidays of their own that `holidays` knows in `country`."""
    return tuple(_public_holidays(country, None).subdivisions)


# Every promise asks the same few hundred days of a few calendars many times over; the
# holidays library answers each from its date arithmetic, so the answers are kept.
@lru_cache(maxsize=16_384)
def is_public_holiday(day: date, *, country: str, subdivision: str | None = None) -> bool:
    return day in _public_holidays(country, subdivision)


def is_working_day(
    day: date, weekdays: frozenset[int], *, country: str, subdivision: str | None = None
) -> bool:
    return day.isoweekday() in weekdays and not is_public_holiday(
        day, country=country, subdivision=subdivision
    )


# Transit days are counted from a handful of start days per service and calendar.
@lru_cache(maxsize=16_384)
def nth_working_day(
    start: date,
    n: int,
    weekdays: frozenset[int],
    *,
    country: str,
    subdivision: str | None = None,
) -> date:
    """The n-th working day after `start` (n = 0: `start` itself if it works, else the next)."""
    day = start
    if n == 0:
        for _ in range(_MAX_DAYS_AHEAD):
            if is_working_day(day, weekdays, country=country, subdivision=subdivision):
                return day
            day += timedelta(days=1)
        raise CarrierDataError(f"no working day within {_MAX_DAYS_AHEAD} days of {start}")
    counted = 0
    for _ in range(_MAX_DAYS_AHEAD):
        day += timedelta(days=1)
        if is_working_day(day, weekdays, country=country, subdivision=subdivision):
            counted += 1
            if counted == n:
                return day
    raise CarrierDataError(f"fewer than {n} working days within {_MAX_DAYS_AHEAD} days of {start}")


def holiday_name(day: date, *, country: str, subdivision: str | None = None) -> str | None:
    """The public holiday's name on `day` ('Armistice 1918'), None on any other day."""
    if not is_public_holiday(day, country=country, subdivision=subdivision):
        return None
    name = _public_holidays(country, subdivision).get(day)
    return str(name) if name else None
