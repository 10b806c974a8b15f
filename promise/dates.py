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

from carriers.calendar import is_public_holiday, is_working_day, nth_working_day
from carriers.regions import Region
from carriers.services import CarrierService
from promise.dispatch import (
    LOOKAHEAD_DAYS,
    Dispatch,
    dispatch_of,
    local_instant,
    national,
    next_dispatch,
    start_of,
    transit_start,
    zone,
)
from promise.memo import IdentityMemo
from promise.network import Node, PickupPoint

# Where a shipment leaves is `promise.dispatch`'s; its importers may name it by the dates too.
__all__ = [
    "Dispatch",
    "Timing",
    "collect_after_transfer",
    "collect_in_store",
    "home_delivery",
    "next_dispatch",
    "order_within_minutes",
    "pickup_point_delivery",
    "ready_for_collection",
    "same_day_delivery",
    "zone",
]


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
    region = destination or national(node.country or country, node.timezone)
    dispatch = dispatch_of(node, service, now, country, not_before)
    if dispatch is None:
        return None
    band = service.transit.band_for(distance_km)
    # Every parcel of a service from a node in one dispatch step, in one band and calendar,
    # gets the same days: kept, as the dispatch itself is. The calendar by its fields: the
    # Region dataclass hashes in interpreted Python.
    calendar = (dispatch, region.country, region.subdivision, region.timezone, confidence)
    kept = HOME_TIMINGS.get((service, band), calendar)
    if kept is not None:
        return kept
    start = transit_start(dispatch, region)

    def delivery_day(n: int) -> date:
        return nth_working_day(
            start,
            n,
            service.delivery_weekdays,
            country=region.country,
            subdivision=region.subdivision,
        )

    promised_day = band.day_reached_with(confidence)
    promised = delivery_day(promised_day)
    # A service delivering in a booked slot (two-person delivery) gives it on the promised day.
    window = service.delivery_window
    timing = Timing(
        dispatch.order_by,
        dispatch.day,
        delivery_day(band.most_likely_day()),
        promised,
        None if window is None else local_instant(promised, window[0], zone(region.timezone)),
        None if window is None else local_instant(promised, window[1], zone(region.timezone)),
        confidence=band.share_by(promised_day),
    )
    return HOME_TIMINGS.put((service, band), calendar, timing)


HOME_TIMINGS: IdentityMemo[Timing] = IdentityMemo()


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
    region = destination or national(node.country or country, node.timezone)
    dispatch = dispatch_of(node, service, now, country, not_before)
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
        dispatch.order_by,
        today,
        today,
        today,
        local_instant(today, start, tz),
        local_instant(today, end, tz),
    )


def ready_for_collection(store: Node, arrival: datetime, *, country: str) -> datetime | None:
    """The first instant at or after `arrival` when the store has prepared the order."""
    tz = zone(store.timezone)
    local = arrival.astimezone(tz)
    preparation = timedelta(minutes=store.preparation_minutes)
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        hours = store.opening.on(day.isoweekday())
        if hours is None or is_public_holiday(
            day, country=store.country or country, subdivision=store.subdivision
        ):
            continue
        opens, closes = local_instant(day, hours[0], tz), local_instant(day, hours[1], tz)
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
    ready = ready_for_collection(store, start_of(now, not_before), country=country)
    if ready is None:
        return None
    tz = zone(store.timezone)
    hours = store.opening.on(ready.isoweekday())
    closes = local_instant(ready.date(), hours[1], tz) if hours else ready
    order_by = closes - timedelta(minutes=store.preparation_minutes)
    return Timing(order_by, ready.date(), ready.date(), ready.date(), ready, closes, ready_at=ready)


def _ready_from_day(store: Node, day: date, country: str) -> datetime | None:
    """When a transfer arriving on `day` is ready at the store: the same for every order."""
    kept = READY.get((store,), (day, country))
    if kept is None:
        at = local_instant(day, time(0), zone(store.timezone))
        kept = READY.put(
            (store,), (day, country), (ready_for_collection(store, at, country=country),)
        )
    return kept[0]


# Wrapped in a tuple: a store with no opening in reach is ready never (None), also kept.
READY: IdentityMemo[tuple[datetime | None]] = IdentityMemo()


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
    for offset in range(LOOKAHEAD_DAYS):
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
    region = destination or national(node.country or country, node.timezone)
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
