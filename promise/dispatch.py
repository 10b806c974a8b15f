"""When a shipment leaves its node: the next working window, its order deadline, its collection.

From the order instant, seen in the node's time zone, the first working day on which the node
can still take the order (open, not a public holiday, before the service cut-off, and
prepared in time for a carrier collection: the node's pickup times for the service, or its
closing time when it has none). Every delivery-date chain of `promise.dates` starts here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from carriers.calendar import is_public_holiday
from carriers.regions import Region
from carriers.services import CarrierService
from promise.memo import IdentityMemo
from promise.network import Node, PickupTimes

# How far ahead a node's next working window is looked for before giving up on it.
LOOKAHEAD_DAYS = 21


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """The local day a shipment leaves its node, and until when an order gets that day.

    `leaves_at` is the carrier collection it makes; None when the node has no pickup times
    for the service and parcels leave with the day's last collection, after closing.
    """

    day: date
    order_by: datetime
    leaves_at: datetime | None = None

    # Hashed and compared tens of times a request (cache keys): written out, mypyc compiles
    # them, where the dataclass's own are generated Python. The same values as those.
    def __eq__(self, other: object) -> bool:
        if type(other) is not Dispatch:
            return NotImplemented
        return (self.day, self.order_by, self.leaves_at) == (
            other.day,
            other.order_by,
            other.leaves_at,
        )

    def __hash__(self) -> int:
        return hash((self.day, self.order_by, self.leaves_at))


def local_instant(day: date, moment: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def start_of(now: datetime, not_before: datetime | None) -> datetime:
    return now if not_before is None or not_before <= now else not_before


def next_dispatch(
    node: Node,
    cutoff: time,
    now: datetime,
    *,
    country: str,
    pickups: PickupTimes | None = None,
    not_before: datetime | None = None,
) -> Dispatch | None:
    """The first day whose carrier collections the node can still make for an order at `now`.

    Day by day from the order's local date, skipping closed days and the public holidays
    of the node's own calendar (its country and subdivision; `country` when it names none): the
    order must come before the service cut-off and leave the preparation time before both
    closing and the collection. Stock still inbound (`not_before`) starts the clock later.
    None when nothing is found within 3 weeks.

    The answer is a step function of the start instant: it stays the same from one start
    until the earliest order deadline it still makes, so each (node, cut-off, pickups) keeps
    its last answer with that interval, and every order placed within it reuses it.
    """
    kept = kept_dispatch(node, cutoff, start_of(now, not_before), country, pickups)
    return None if kept is None else kept.dispatch


def kept_dispatch(
    node: Node, cutoff: time, start: datetime, country: str, pickups: PickupTimes | None
) -> KeptDispatch | None:
    """`next_dispatch` for an order starting at `start`, with the order instants it holds
    for (`promise.held_timings` keeps the dates drawn from it as long)."""
    kept = DISPATCHES.get((node, pickups), (cutoff, country))
    if kept is not None:
        # Compared in UTC: instants of two zones are compared by asking each its offset,
        # instants of one tzinfo field by field; the request's instant is converted once.
        at = _in_utc(start)
        if kept.start <= at < kept.until:
            return kept
    found = _next_dispatch(node, cutoff, start, country, pickups)
    if found is None:
        return None
    dispatch, until = found
    kept = KeptDispatch(_in_utc(start), until.astimezone(UTC), dispatch)
    DISPATCHES.put((node, pickups), (cutoff, country), kept)
    return kept


class KeptDispatch:
    """A dispatch and the order instants it holds for, in UTC: from `start` (included) to
    `until`."""

    def __init__(self, start: datetime, until: datetime, dispatch: Dispatch) -> None:
        self.start = start
        self.until = until
        self.dispatch = dispatch


class _LastInstant:
    """The last instant converted to UTC, and its conversion: every shipment a request
    dates starts from the request's own instant."""

    def __init__(self) -> None:
        self.at: datetime | None = None
        self.utc = datetime.min.replace(tzinfo=UTC)


_LAST = _LastInstant()


def _in_utc(at: datetime) -> datetime:
    last = _LAST
    if last.at is not at:
        # The instant is held, so its identity names it while it is the last one.
        last.utc = at.astimezone(UTC)
        last.at = at
    return last.utc


# Per (node, pickups, cut-off, country): the last answer and the instants it holds between.
DISPATCHES: IdentityMemo[KeptDispatch] = IdentityMemo()


def _next_dispatch(
    node: Node, cutoff: time, start: datetime, country: str, pickups: PickupTimes | None
) -> tuple[Dispatch, datetime] | None:
    """The dispatch for an order at `start`, and the instant until which it holds."""
    tz = zone(node.timezone)
    local_now = start.astimezone(tz)
    preparation = timedelta(minutes=node.preparation_minutes)
    for offset in range(LOOKAHEAD_DAYS):
        day = local_now.date() + timedelta(days=offset)
        hours = node.opening.on(day.isoweekday())
        if hours is None or is_public_holiday(
            day, country=node.country or country, subdivision=node.subdivision
        ):
            continue
        opens, closes = local_instant(day, hours[0], tz), local_instant(day, hours[1], tz)
        last_order = min(local_instant(day, cutoff, tz), closes - preparation)
        slots: list[tuple[datetime | None, datetime]] = (
            [(None, last_order)]
            if pickups is None
            else [
                (leaves, min(last_order, leaves - preparation))
                for leaves in (
                    local_instant(day, moment, tz) for moment in pickups.on(day.isoweekday())
                )
            ]
        )
        # Every collection of the day gives the same date, so the order holds until the
        # last one's deadline; the parcel leaves with the first one it can make. A later
        # order makes the same collections until the earliest of their deadlines passes.
        made = [(leaves, by) for leaves, by in slots if by > opens and local_now < by]
        if made:
            deadlines = [by for _, by in made]
            return Dispatch(day, max(deadlines), made[0][0]), min(deadlines)
    return None


def dispatch_of(
    node: Node, service: CarrierService, now: datetime, country: str, not_before: datetime | None
) -> Dispatch | None:
    return next_dispatch(
        node,
        service.cutoff,
        now,
        country=country,
        pickups=node.pickups.get(service.code),
        not_before=not_before,
    )


@lru_cache(maxsize=256)
def national(country: str, timezone: str) -> Region:
    """The country's national calendar on a node's clock: the default destination."""
    return Region(country, None, timezone)


def transit_start(dispatch: Dispatch, region: Region) -> date:
    """Day 0 of transit: the date, on the destination's clock, when the parcel leaves."""
    if dispatch.leaves_at is None:
        return dispatch.day
    return dispatch.leaves_at.astimezone(zone(region.timezone)).date()
