"""Carrier services: what a delivery kind costs, how long it takes and what it emits."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import time

from carriers.emissions import EmissionFactor
from carriers.errors import CarrierDataError
from carriers.transit import TransitTable


class DeliveryKind(enum.Enum):
    HOME_STANDARD = "HOME_STANDARD"
    HOME_EXPRESS = "HOME_EXPRESS"
    SAME_DAY = "SAME_DAY"
    CLICK_AND_COLLECT = "CLICK_AND_COLLECT"
    # Delivered by a carrier to a relay point or a parcel locker near the shopper.
    PICKUP_POINT = "PICKUP_POINT"
    # Moves stock between nodes (DC to store); never offered to a shopper on its own.
    TRANSFER = "TRANSFER"


@dataclass(frozen=True, slots=True)
class Price:
    """A parcel price: a base per shipment plus a part per started kilogram, in cents."""

    base_cents: int
    per_kg_cents: int = 0

    def for_weight(self, grams: int) -> int:
        started_kg = -(-grams // 1000)
        return self.base_cents + self.per_kg_cents * max(0, started_kg - 1)


@dataclass(frozen=True, slots=True)
class CarrierService:
    """One service of one carrier, e.g. a tracked home delivery in 48 h.

    `cutoff` is the latest local time at the shipping node for an order to leave that
    day; `delivery_weekdays` are ISO weekdays (1 = Monday) on which the carrier delivers.
    `max_distance_km` bounds the service around the shipping node (same-day couriers);
    `max_parcel_grams` bounds one parcel, packaging included (relay points and lockers).
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
