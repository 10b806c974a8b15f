"""Small hand-written network pieces for promise tests: nodes, services, SKUs, instants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from carriers.emissions import EmissionFactor
from carriers.services import CarrierService, DeliveryKind, Price
from carriers.transit import TransitTable
from promise.geo import GeoPoint
from promise.network import Capability, Node, NodeType, OpeningHours, Sku

PARIS_TZ = ZoneInfo("Europe/Paris")
MON_TO_FRI = frozenset({1, 2, 3, 4, 5})
MON_TO_SAT = frozenset({1, 2, 3, 4, 5, 6})

LYON_PART_DIEU = GeoPoint(45.7606, 4.8593)
PARIS_CHATELET = GeoPoint(48.8584, 2.3470)
MARSEILLE_SAINT_CHARLES = GeoPoint(43.3027, 5.3806)
SAINT_QUENTIN_FALLAVIER = GeoPoint(45.6450, 5.0950)

TRUCK = EmissionFactor("ARTICULATED_TRUCK", 75.0, "GLEC Framework v3.0, indicative")
VAN = EmissionFactor("DIESEL_VAN", 750.0, "GLEC Framework v3.0, indicative")
COLISSIMO_PRICE = Price(490, 60)


def in_paris(
    year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0
) -> datetime:
    """An aware instant on the Paris wall clock: the fixed clock of every dated test."""
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS_TZ)


def hours(
    days: Iterable[int], opens: time, closes: time, **more: tuple[time, time]
) -> OpeningHours:
    """The same hours on `days` (ISO weekdays); `saturday=` or `sunday=` add other hours."""
    by_weekday = dict.fromkeys(days, (opens, closes))
    extra_days = {"saturday": 6, "sunday": 7}
    for name, span in more.items():
        by_weekday[extra_days[name]] = span
    return OpeningHours(by_weekday)


def a_dc(
    node_id: str = "DC-SAINT-QUENTIN-FALLAVIER",
    *,
    location: GeoPoint = SAINT_QUENTIN_FALLAVIER,
    opening: OpeningHours | None = None,
    preparation_minutes: int = 120,
) -> Node:
    """A distribution centre open Mon-Fri 06:00-22:00 and Saturday morning 08:00-12:00."""
    return Node(
        id=node_id,
        name=f"{node_id} distribution centre",
        type=NodeType.DC,
        city="Saint-Quentin-Fallavier",
        location=location,
        timezone="Europe/Paris",
        opening=opening or hours(MON_TO_FRI, time(6), time(22), saturday=(time(8), time(12))),
        preparation_minutes=preparation_minutes,
        capabilities=frozenset({Capability.SHIPS_PARCELS}),
        services=frozenset({"COLISSIMO-48H", "STORE-TRANSFER"}),
        priority=20,
    )


def a_store(
    node_id: str = "LYON-PART-DIEU",
    *,
    location: GeoPoint = LYON_PART_DIEU,
    opening: OpeningHours | None = None,
    preparation_minutes: int = 60,
) -> Node:
    """A city store open Mon-Sat 10:00-20:00, collect and same-day capable."""
    return Node(
        id=node_id,
        name=f"{node_id} store",
        type=NodeType.STORE,
        city="Lyon",
        location=location,
        timezone="Europe/Paris",
        opening=opening or hours(MON_TO_SAT, time(10), time(20)),
        preparation_minutes=preparation_minutes,
        capabilities=frozenset({Capability.CLICK_AND_COLLECT, Capability.SAME_DAY}),
        services=frozenset({"CLICK-COLLECT", "COURIER-SAME-DAY"}),
        priority=5,
    )


def a_service(
    code: str = "COLISSIMO-48H",
    *,
    kind: DeliveryKind = DeliveryKind.HOME_STANDARD,
    cutoff: time = time(15),
    transit: TransitTable | None = None,
    delivery_weekdays: frozenset[int] = MON_TO_SAT,
    price: Price = COLISSIMO_PRICE,
    delivery_window: tuple[time, time] | None = None,
    max_distance_km: float | None = None,
) -> CarrierService:
    """A carrier service; by default 48 h home delivery, cut-off 15:00, delivered Mon-Sat.

    The default transit is one band: P(day 1) 0.55, day 2 0.35, day 3 0.08, day 4 0.02.
    """
    return CarrierService(
        code=code,
        name=code.replace("-", " ").title(),
        carrier="Test carrier",
        kind=kind,
        cutoff=cutoff,
        transit=transit or TransitTable.single((0.0, 0.55, 0.35, 0.08, 0.02)),
        delivery_weekdays=delivery_weekdays,
        price=price,
        linehaul=TRUCK,
        last_mile=VAN,
        last_mile_grams_per_parcel=180.0,
        packaging_grams=250,
        max_distance_km=max_distance_km,
        delivery_window=delivery_window,
    )


def a_sku(sku: str, *, weight_grams: int = 1000) -> Sku:
    return Sku(sku, sku.replace("-", " ").title(), weight_grams)
