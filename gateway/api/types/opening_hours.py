"""A store's opening hours as the API shows them: per weekday, and day by day this week."""

from __future__ import annotations

import datetime as dt

import strawberry

from promise.nodes import OpeningHours
from promise.store_hours import OpeningDay, weekly_hours

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(moment: dt.time) -> str:
    return moment.strftime("%H:%M")


@strawberry.type
class WeekdayHours:
    weekday: int = strawberry.field(description="ISO weekday: 1 = Monday ... 7 = Sunday.")
    day: str = strawberry.field(description="'Mon' ... 'Sun'.")
    opens: str | None = strawberry.field(description="Local 'HH:MM'; null when closed.")
    closes: str | None = strawberry.field(description="Local 'HH:MM'; null when closed.")


@strawberry.type
class OpeningDayHours:
    date: dt.date = strawberry.field(description="The store's local date.")
    day: str
    open: bool
    opens: str | None
    closes: str | None
    holiday: str | None = strawberry.field(
        description="The public holiday closing the store that day ('Armistice 1918'), if any."
    )

    @staticmethod
    def from_domain(found: OpeningDay) -> OpeningDayHours:
        window = found.window
        return OpeningDayHours(
            date=found.day,
            day=_DAY_NAMES[found.day.isoweekday() - 1],
            open=window is not None,
            opens=_clock(window[0]) if window else None,
            closes=_clock(window[1]) if window else None,
            holiday=found.holiday,
        )


def weekday_hours(opening: OpeningHours) -> list[WeekdayHours]:
    return [
        WeekdayHours(
            weekday=weekday,
            day=_DAY_NAMES[weekday - 1],
            opens=_clock(window[0]) if window else None,
            closes=_clock(window[1]) if window else None,
        )
        for weekday, window in weekly_hours(opening)
    ]
