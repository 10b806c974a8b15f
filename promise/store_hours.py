"""A store's opening hours as a shopper reads them: per weekday, and day by day this week.

The week starts on the store's local day at the instant asked and runs seven days; a public
holiday of the network's country closes the store for the day, as the collection dates of
`promise.dates` count it (`dispatch.next_dispatch` skips the same days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from carriers.calendar import holiday_name
from promise.dispatch import zone
from promise.nodes import Node, OpeningHours

DAYS_SHOWN = 7


@dataclass(frozen=True, slots=True)
class OpeningDay:
    """One local day of a store: its window, or closed (a holiday then named)."""

    day: date
    window: tuple[time, time] | None
    holiday: str | None = None

    @property
    def is_open(self) -> bool:
        return self.window is not None


def weekly_hours(opening: OpeningHours) -> tuple[tuple[int, tuple[time, time] | None], ...]:
    """ISO weekday (1 = Monday) -> the window, or None when closed, Monday first."""
    return tuple((weekday, opening.on(weekday)) for weekday in range(1, 8))


def local_today(node: Node, now: datetime) -> date:
    return now.astimezone(zone(node.timezone)).date()


def this_week(node: Node, now: datetime, *, country: str) -> tuple[OpeningDay, ...]:
    """The store's next seven local days from today, holidays closed and named."""
    today = local_today(node, now)
    found = []
    for offset in range(DAYS_SHOWN):
        day = today + timedelta(days=offset)
        holiday = holiday_name(day, country=country)
        window = None if holiday is not None else node.opening.on(day.isoweekday())
        found.append(OpeningDay(day, window, holiday))
    return tuple(found)
