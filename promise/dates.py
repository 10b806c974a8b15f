"""Delivery dates: from the order instant to the day a shipment arrives or is ready.

The chain, per shipment: the order instant, seen in the shipping node's time zone -> the
first working day on which the node can still take the order (open, not a public holiday,
before both the service cut-off and closing time less preparation) -> transit drawn from
the service's distribution, counted in the service's delivery days minus public holidays.
Two days come out: the most likely one and the first one reached with the requested
confidence. Every instant is an aware datetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from carriers.calendar import is_public_holiday, nth_working_day
from carriers.services import CarrierService
from promise.network import Node

# How far ahead a node's next working window is looked for before giving up on it.
_LOOKAHEAD_DAYS = 21


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """The local day a shipment leaves its node, and until when an order gets that day."""

    day: date
    order_by: datetime


@dataclass(frozen=True, slots=True)
class Timing:
    """When a shipment arrives (home) or is ready (collect), as a likely and a promised day."""

    order_by: datetime
    dispatch_day: date
    likely: date
    promised: date
    window_start: datetime | None = None
    window_end: datetime | None = None


def _at(day: date, moment: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def next_dispatch(node: Node, cutoff: time, now: datetime, *, country: str) -> Dispatch | None:
    """The first day the node can still ship an order placed at `now`, or None within 3 weeks."""
    tz = zone(node.timezone)
    local_now = now.astimezone(tz)
    preparation = timedelta(minutes=node.preparation_minutes)
    for offset in range(_LOOKAHEAD_DAYS):
        day = local_now.date() + timedelta(days=offset)
        hours = node.opening.on(day.isoweekday())
        if hours is None or is_public_holiday(day, country=country):
            continue
        opens, closes = _at(day, hours[0], tz), _at(day, hours[1], tz)
        order_by = min(_at(day, cutoff, tz), closes - preparation)
        if order_by > opens and local_now < order_by:
            return Dispatch(day, order_by)
    return None


def home_delivery(
    node: Node,
    service: CarrierService,
    distance_km: float,
    now: datetime,
    *,
    confidence: float,
    country: str,
) -> Timing | None:
    """Delivery days for a parcel from `node` over `distance_km` by `service`."""
    dispatch = next_dispatch(node, service.cutoff, now, country=country)
    if dispatch is None:
        return None
    band = service.transit.band_for(distance_km)
    weekdays = service.delivery_weekdays
    likely = nth_working_day(dispatch.day, band.most_likely_day(), weekdays, country=country)
    promised = nth_working_day(
        dispatch.day, band.day_reached_with(confidence), weekdays, country=country
    )
    return Timing(dispatch.order_by, dispatch.day, likely, promised)


def same_day_delivery(
    node: Node, service: CarrierService, now: datetime, *, country: str
) -> Timing | None:
    """Delivery today in the service's window, or None when today can no longer be made."""
    dispatch = next_dispatch(node, service.cutoff, now, country=country)
    tz = zone(node.timezone)
    today = now.astimezone(tz).date()
    if dispatch is None or dispatch.day != today or service.delivery_window is None:
        return None
    if today.isoweekday() not in service.delivery_weekdays:
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
        if ready <= closes:
            return ready
    return None


def collect_in_store(store: Node, now: datetime, *, country: str) -> Timing | None:
    """Click & collect from the store's own stock: ready after preparation, in opening hours."""
    ready = ready_for_collection(store, now, country=country)
    if ready is None:
        return None
    tz = zone(store.timezone)
    hours = store.opening.on(ready.isoweekday())
    closes = _at(ready.date(), hours[1], tz) if hours else ready
    order_by = closes - timedelta(minutes=store.preparation_minutes)
    return Timing(order_by, ready.date(), ready.date(), ready.date(), ready, closes)


def collect_after_transfer(
    source: Node,
    store: Node,
    transfer: CarrierService,
    distance_km: float,
    now: datetime,
    *,
    confidence: float,
    country: str,
) -> Timing | None:
    """Click & collect of stock sent from `source` to the store by the transfer service."""
    arrival = home_delivery(
        source, transfer, distance_km, now, confidence=confidence, country=country
    )
    if arrival is None:
        return None
    tz = zone(store.timezone)
    likely = ready_for_collection(store, _at(arrival.likely, time(0), tz), country=country)
    promised = ready_for_collection(store, _at(arrival.promised, time(0), tz), country=country)
    if likely is None or promised is None:
        return None
    return Timing(arrival.order_by, arrival.dispatch_day, likely.date(), promised.date(), promised)
