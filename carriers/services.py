"""Carrier services: what a delivery kind costs, how long it takes and what it emits."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType

from carriers.emissions import EmissionFactor
from carriers.errors import CarrierDataError
from carriers.transit import TransitTable


class DeliveryKind(enum.Enum):
    HOME_STANDARD = "HOME_STANDARD"
    HOME_EXPRESS = "HOME_EXPRESS"
    # Bulky goods beyond parcel limits, brought in by two people in a booked time slot.
    HOME_TWO_PERSON = "HOME_TWO_PERSON"
    SAME_DAY = "SAME_DAY"
    CLICK_AND_COLLECT = "CLICK_AND_COLLECT"
    # Delivered by a carrier to a relay point or a parcel locker near the shopper.
    PICKUP_POINT = "PICKUP_POINT"
    # Moves stock between nodes (DC to store); never offered to a shopper on its own.
    TRANSFER = "TRANSFER"


class UnitRefusal(enum.Enum):
    """Why a unit cannot go by a service at all, whatever the packing."""

    TOO_HEAVY = "TOO_HEAVY"
    TOO_LONG = "TOO_LONG"


@dataclass(frozen=True, slots=True)
class Price:
    """A parcel price: a base per shipment plus a part per started kilogram, in cents."""

    base_cents: int
    per_kg_cents: int = 0

    def for_weight(self, grams: int) -> int:
        started_kg = -(-grams // 1000)
        return self.base_cents + self.per_kg_cents * max(0, started_kg - 1)


@dataclass(frozen=True, slots=True)
class ZoneTerms:
    """What a service charges and how long it takes in one delivery zone."""

    price: Price
    transit: TransitTable


@dataclass(frozen=True, slots=True)
class CarrierService:
    """One service of one carrier, e.g. a tracked home delivery in 48 h.

        `cutoff` is the latest local time at the shipping node for an order to leave that
        day; `delivery_weekdays` are ISO weekdays (1 = Monday) on which the carrier delivers.
        `max_distance_km` bounds the service around the shipping node (same-day couriers);
        `max_parcel_grams` bounds one parcel, packaging included: a shipment heavier than that
        goes as several parcels, at most `parcels_per_shipment` (1: a shipment is one parcel, as
    at relay points; None: any number), and a unit
        heavier than a parcel (or longer than `max_length_mm`) cannot go by the service at all.
        `min_shipment_grams` keeps a freight service for loads a parcel service would not carry.
        `zones` are the delivery zones served with their own price and transit table; a
        service declaring none serves the network's domestic zone at `price` and `transit`.
        Last-mile CO2e is `last_mile_grams_per_parcel` a parcel plus the `last_mile` intensity
        over the mass delivered and `last_mile_km` (GLEC allows either per-parcel or
        per-tonne-km last-mile figures).
    """

    code: str
    name: str
    carrier: str
    kind: DeliveryKind
    cutoff: time
    transit: TransitTable
    delivery_weekdays: frozenset[int]
    price: Price
    linehaul: EmissionFactor
    last_mile: EmissionFactor
    last_mile_grams_per_parcel: float
    packaging_grams: int
    max_distance_km: float | None = None
    delivery_window: tuple[time, time] | None = None
    max_parcel_grams: int | None = None
    max_length_mm: int | None = None
    parcels_per_shipment: int | None = 1
    min_shipment_grams: int | None = None
    last_mile_km: float = 0.0
    zones: Mapping[str, ZoneTerms] = field(
        default_factory=lambda: MappingProxyType({}), hash=False, compare=False
    )

    def in_zone(self, zone: str) -> CarrierService:
        """The service with the price and transit table of `zone` (which it must serve)."""
        terms = self.zones[zone]
        return dataclasses.replace(
            self, price=terms.price, transit=terms.transit, zones=MappingProxyType({})
        )

    def unit_refused(self, grams: int, length_mm: int | None) -> UnitRefusal | None:
        """Why one unit of that weight and length cannot go by this service, if it cannot."""
        limit = self.max_parcel_grams
        if limit is not None and grams + self.packaging_grams > limit:
            return UnitRefusal.TOO_HEAVY
        longest = self.max_length_mm
        if longest is not None and length_mm is not None and length_mm > longest:
            return UnitRefusal.TOO_LONG
        return None

    def __post_init__(self) -> None:
        if not self.delivery_weekdays or not self.delivery_weekdays <= set(range(1, 8)):
            raise CarrierDataError(
                f"service {self.code}: delivery weekdays {sorted(self.delivery_weekdays)} "
                "must be a non-empty subset of 1..7"
            )
        if self.max_distance_km is not None and self.max_distance_km <= 0:
            raise CarrierDataError(
                f"service {self.code}: max_distance_km {self.max_distance_km} must be positive"
            )
        if self.max_parcel_grams is not None and self.max_parcel_grams <= 0:
            raise CarrierDataError(
                f"service {self.code}: max_parcel_grams {self.max_parcel_grams} must be positive"
            )
        for name in ("max_length_mm", "parcels_per_shipment", "min_shipment_grams"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise CarrierDataError(f"service {self.code}: {name} {value} must be positive")
        if self.last_mile_km < 0:
            raise CarrierDataError(
                f"service {self.code}: last_mile_km {self.last_mile_km} must not be negative"
            )
