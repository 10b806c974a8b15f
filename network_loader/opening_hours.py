"""Opening hours and weekday lists as the network files write them: `Mon-Fri 06:00-22:00`."""

from __future__ import annotations

import re
from datetime import time
from types import MappingProxyType

from promise.network import OpeningHours

WEEKDAYS = {"Mon": 1, "Tue": 2, "Wed": 3, "Thu": 4, "Fri": 5, "Sat": 6, "Sun": 7}

_CLOCK = re.compile(r"(\d{2}):(\d{2})")


def parse_opening_hours(text: str) -> OpeningHours:
    """Opening hours from `Mon-Fri 06:00-22:00; Sat 08:00-12:00`.

    Clauses are separated by `;`. Each names days (a day, a range `Mon-Fri` or a comma list
    of both) and one local window `HH:MM-HH:MM` that ends after it starts. A day may appear
    in one clause only; days that appear in none are closed. Raises ValueError on bad syntax.
    """
    by_weekday: dict[int, tuple[time, time]] = {}
    for clause in text.split(";"):
        parts = clause.split()
        if len(parts) != 2:
            raise ValueError(f"clause {clause.strip()!r} is not 'DAYS HH:MM-HH:MM'")
        named, window = parts
        opens, closes = _window(window)
        for day in days(named):
            if day in by_weekday:
                raise ValueError(f"{day_name(day)} appears in more than one clause")
            by_weekday[day] = (opens, closes)
    return OpeningHours(MappingProxyType(by_weekday))


def days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, dash, last = part.partition("-")
        start = _weekday(first)
        end = _weekday(last) if dash else start
        if end < start:
            raise ValueError(f"day range {part!r} runs backwards")
        days.extend(range(start, end + 1))
    return days


def _weekday(name: str) -> int:
    if name not in WEEKDAYS:
        raise ValueError(f"{name!r} is not a day ({', '.join(WEEKDAYS)})")
    return WEEKDAYS[name]


def day_name(day: int) -> str:
    return next(name for name, number in WEEKDAYS.items() if number == day)


def _window(text: str) -> tuple[time, time]:
    first, dash, last = text.partition("-")
    if not dash:
        raise ValueError(f"{text!r} is not a window HH:MM-HH:MM")
    opens, closes = clock(first), clock(last)
    if closes <= opens:
        raise ValueError(f"window {text!r} closes before it opens")
    return opens, closes


def clock(text: str) -> time:
    match = _CLOCK.fullmatch(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{text!r} is not a time HH:MM")
    return time(int(match[1]), int(match[2]))
