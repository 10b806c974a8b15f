"""Delivery dates: from the order instant to the day a shipment arrives or is ready.

The chain, per shipment: the order instant (or, for stock still inbound, its arrival if
later), seen in the shipping node's time zone -> the first working day on which the node
can still take the order (open, not a public holiday, before the service cut-off, and
prepared in time for a carrier collection: the node's pickup times for the service, or its
closing time when it has none) -> the collection instant, seen in the destination's time
zone, is day 0 of transit -> transit drawn from the service's distribution, counted in the
service's delivery days minus the destination's public holidays (country and region).
Two days come out: the most likely one and the first one reached with the requested
confidence, with the probability the table gives that day. Every instant is aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from carriers.calendar import is_public_holiday, is_working_day, nth_working_day
from carriers.regions import Region
from carriers.services import CarrierService
from promise.memo import IdentityMemo
from promise.network import Node, PickupPoint, PickupTimes

# How far ahead a node's next working window is looked for before giving up on it.
_LOOKAHEAD_DAYS = 21


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


# __init__ written out, compiled (see promise.plans): shipments are dated by the thousand.
@dataclass(frozen=True, slots=True, init=False)
class Timing:
    """When a shipment arrives (home) or is ready (collect), as a likely and a promised day.

    `confidence` is the probability, by the service's table, of arrival by `promised`: at
    least the requested confidence, more when the table steps over it.
    """

    order_by: datetime
    dispatch_day: date
    likely: date
    promised: date
    window_start: datetime | None = None
    window_end: datetime | None = None
    ready_at: datetime | None = None
    confidence: float = 1.0

    def __init__(
        self,
        order_by: datetime,
        dispatch_day: date,
        likely: date,
        promised: date,
        window_start: datetime | None = None,
        window_end: datetime | None = None,
        ready_at: datetime | None = None,
        confidence: float = 1.0,
    ) -> None:
        object.__setattr__(self, "order_by", order_by)
        object.__setattr__(self, "dispatch_day", dispatch_day)
        object.__setattr__(self, "likely", likely)
        object.__setattr__(self, "promised", promised)
        object.__setattr__(self, "window_start", window_start)
        object.__setattr__(self, "window_end", window_end)
        object.__setattr__(self, "ready_at", ready_at)
        object.__setattr__(self, "confidence", confidence)


def _at(day: date, moment: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def _start(now: datetime, not_before: datetime | None) -> datetime:
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

    Day by day from the order's local date, skipping closed days and public holidays: the
    order must come before the service cut-off and leave the preparation time before both
    closing and the collection. Stock still inbound (`not_before`) starts the clock later.
    None when nothing is found within 3 weeks.

    The answer is a step function of the start instant: it stays the same from one start
    until the earliest order deadline it still makes, so each (node, cut-off, pickups) keeps
    its last answer with that interval, and every order placed within it reuses it.
    """
    start = _start(now, not_before)
    kept = _DISPATCHES.get((node, pickups), (cutoff, country))
    if kept is not None and kept[0] <= start < kept[1]:
        return kept[2]
    found = _next_dispatch(node, cutoff, start, country, pickups)
    if found is None:
        return None
    dispatch, until = found
    _DISPATCHES.put((node, pickups), (cutoff, country), (start, until, dispatch))
    return dispatch


# Per (node, pickups, cut-off, country): the last answer and the instants it holds between.
_DISPATCHES: IdentityMemo[tuple[datetime, datetime, Dispatch]] = IdentityMemo()


def _next_dispatch(
    node: Node, cutoff: time, start: datetime, country: str, pickups: PickupTimes | None
) -> tuple[Dispatch, datetime] | None:
    """The dispatch for an order at `start`, and the instant until which it holds."""
    tz = zone(node.timezone)
    local_now = start.astimezone(tz)
    preparation = timedelta(minutes=node.preparation_minutes)
    for offset in range(_LOOKAHEAD_DAYS):
        day = local_now.date() + timedelta(days=offset)
        hours = node.opening.on(day.isoweekday())
        if hours is None or is_public_holiday(day, country=country):
            continue
        opens, closes = _at(day, hours[0], tz), _at(day, hours[1], tz)
        last_order = min(_at(day, cutoff, tz), closes - preparation)
        slots: list[tuple[datetime | None, datetime]] = (
            [(None, last_order)]
            if pickups is None
            else [
                (leaves, min(last_order, leaves - preparation))
                for leaves in (_at(day, moment, tz) for moment in pickups.on(day.isoweekday()))
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


def _dispatch(
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
def _national(country: str, timezone: str) -> Region:
    """The country's national calendar on a node's clock: the default destination."""
    return Region(country, None, timezone)


def _transit_start(dispatch: Dispatch, region: Region) -> date:
    """Day 0 of transit: the date, on the destination's clock, when the parcel leaves."""
    if dispatch.leaves_at is None:
        return dispatch.day
    return dispatch.leaves_at.astimezone(zone(region.timezone)).date()


def home_delivery(
    node: Node,
    service: CarrierService,
    distance_km: float,
    now: datetime,
    *,
    confidence: float,
    country: str,
    destination: Region | None = None,
    not_before: datetime | None = None,
) -> Timing | None:
    """Delivery days for a parcel from `node` over `distance_km` by `service`.

    `destination` gives the calendar transit is counted in; by default the node's country
    (national holidays) on the node's clock.
    """
    region = destination or _national(country, node.timezone)
    dispatch = _dispatch(node, service, now, country, not_before)
    if dispatch is None:
        return None
    band = service.transit.band_for(distance_km)
    # Every parcel of a service from a node in one dispatch step, in one band and calendar,
    # gets the same days: kept, as the dispatch itself is.
    kept = _HOME_TIMINGS.get((service, band), (dispatch, region, confidence))
    if kept is not None:
        return kept
    start = _transit_start(dispatch, region)

    def delivery_day(n: int) -> date:
        return nth_working_day(
            start,
            n,
            service.delivery_weekdays,
            country=region.country,
            subdivision=region.subdivision,
        )

    promised_day = band.day_reached_with(confidence)
    timing = Timing(
        dispatch.order_by,
        dispatch.day,
        delivery_day(band.most_likely_day()),
        delivery_day(promised_day),
        confidence=band.share_by(promised_day),
    )
    return _HOME_TIMINGS.put((service, band), (dispatch, region, confidence), timing)


_HOME_TIMINGS: IdentityMemo[Timing] = IdentityMemo()


def same_day_delivery(
    node: Node,
    service: CarrierService,
    now: datetime,
    *,
    country: str,
    destination: Region | None = None,
    not_before: datetime | None = None,
) -> Timing | None:
    """Delivery today in the service's window, or None when today can no longer be made.

    Today is the order's date on the node's clock; it must be a delivery day of the service
    in the destination's calendar too.
    """
    region = destination or _national(country, node.timezone)
    dispatch = _dispatch(node, service, now, country, not_before)
    tz = zone(node.timezone)
    today = now.astimezone(tz).date()
    if dispatch is None or dispatch.day != today or service.delivery_window is None:
        return None
    if not is_working_day(
        today, service.delivery_weekdays, country=region.country, subdivision=region.subdivision
    ):
        return None
    start, end = service.delivery_window
    return Timing(
        dispatch.order_by, today, today, today, _at(today, start, tz), _at(today, end, tz)
    )


def ready_for_collection(store: Node, arrival: datetime, *, country: str) -> datetime | None:
    """The first instant at or after `arrival` when the store has prepared the order."""
    tz = zone(store.timezone)
    local = arrival.astimezone(tz)
    preparation = timedelta(minutes=store.preparation_minutes)
    for offset in range(_LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        hours = store.opening.on(day.isoweekday())
        if hours is None or is_public_holiday(day, country=country):
            continue
        opens, closes = _at(day, hours[0], tz), _at(day, hours[1], tz)
        ready = max(local, opens) + preparation
        # Shown to shoppers as a clock time: round up to the whole minute, never earlier.
        if ready.second or ready.microsecond:
            ready = ready.replace(second=0, microsecond=0) + timedelta(minutes=1)
        if ready <= closes:
            return ready
    return None


def collect_in_store(
    store: Node, now: datetime, *, country: str, not_before: datetime | None = None
) -> Timing | None:
    """Click & collect from the store's own stock: ready after preparation, in opening hours.

    The order holds that readiness until closing less preparation on the day it is ready.
    """
    ready = ready_for_collection(store, _start(now, not_before), country=country)
    if ready is None:
        return None
    tz = zone(store.timezone)
    hours = store.opening.on(ready.isoweekday())
    closes = _at(ready.date(), hours[1], tz) if hours else ready
    order_by = closes - timedelta(minutes=store.preparation_minutes)
    return Timing(order_by, ready.date(), ready.date(), ready.date(), ready, closes, ready_at=ready)


def _ready_from_day(store: Node, day: date, country: str) -> datetime | None:
    """When a transfer arriving on `day` is ready at the store: the same for every order."""
    kept = _READY.get((store,), (day, country))
    if kept is None:
        at = _at(day, time(0), zone(store.timezone))
        kept = _READY.put(
            (store,), (day, country), (ready_for_collection(store, at, country=country),)
        )
    return kept[0]


# Wrapped in a tuple: a store with no opening in reach is ready never (None), also kept.
_READY: IdentityMemo[tuple[datetime | None]] = IdentityMemo()


def collect_after_transfer(
    source: Node,
    store: Node,
    transfer: CarrierService,
    distance_km: float,
    now: datetime,
    *,
    confidence: float,
    country: str,
    not_before: datetime | None = None,
) -> Timing | None:
    """Click & collect of stock sent from `source` to the store by the transfer service.

    The transfer is dated like a parcel; the store then prepares it from its opening on the
    day it arrives, so `ready_at` is the promised day's readiness.
    """
    arrival = home_delivery(
        source,
        transfer,
        distance_km,
        now,
        confidence=confidence,
        country=country,
        not_before=not_before,
    )
    if arrival is None:
        return None
    likely = _ready_from_day(store, arrival.likely, country)
    promised = _ready_from_day(store, arrival.promised, country)
    if likely is None or promised is None:
        return None
    return Timing(
        arrival.order_by,
        arrival.dispatch_day,
        likely.date(),
        promised.date(),
        promised,
        ready_at=promised,
        confidence=arrival.confidence,
    )


def _point_open_from(point: PickupPoint, day: date, region: Region) -> date | None:
    for offset in range(_LOOKAHEAD_DAYS):
        candidate = day + timedelta(days=offset)
        if point.opening.on(candidate.isoweekday()) is not None and not is_public_holiday(
            candidate, country=region.country, subdivision=region.subdivision
        ):
            return candidate
    return None


def pickup_point_delivery(
    node: Node,
    service: CarrierService,
    point: PickupPoint,
    distance_km: float,
    now: datetime,
    *,
    confidence: float,
    country: str,
    destination: Region | None = None,
    not_before: datetime | None = None,
) -> Timing | None:
    """Delivery to a relay point or locker: a parcel's dates, moved to days the point opens.

    A relay shut on the carrier's delivery day takes the parcel on its next open day (the
    carrier holds it); a locker open every day changes nothing.
    """
    region = destination or _national(country, node.timezone)
    arrival = home_delivery(
        node,
        service,
        distance_km,
        now,
        confidence=confidence,
        country=country,
        destination=region,
        not_before=not_before,
    )
    if arrival is None:
        return None
    likely = _point_open_from(point, arrival.likely, region)
    promised = _point_open_from(point, arrival.promised, region)
    if likely is None or promised is None:
        return None
    return Timing(
        arrival.order_by,
        arrival.dispatch_day,
        likely,
        promised,
        confidence=arrival.confidence,
    )


def order_within_minutes(order_by: datetime, now: datetime) -> int:
    """Whole minutes left before `order_by` (rounded down, never negative)."""
    return max(0, int((order_by - now).total_seconds() // 60))


def duration_text(minutes: int) -> str:
    """A wait for people: `2 h 13 min`, `45 min`, `1 d 3 h 5 min`; zero parts are left out."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "min")) if n]
    return " ".join(parts) or "0 min"


def ready_text(ready_at: datetime, now: datetime) -> str:
    """`today from 16:00`, `tomorrow from 11:00` or `Monday 30 November from 11:00`.

    Days are counted on the clock of `ready_at` (the store's), not the caller's.
    """
    today = now.astimezone(ready_at.tzinfo).date()
    day = ready_at.date()
    clock = ready_at.strftime("%H:%M")
    if day == today:
        return f"today from {clock}"
    if day == today + timedelta(days=1):
        return f"tomorrow from {clock}"
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B')} from {clock}"
