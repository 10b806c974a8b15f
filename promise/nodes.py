"""Stock nodes, pickup points and SKUs: the network's parts, as frozen values."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from promise.geo import GeoPoint


class NodeType(enum.Enum):
    DC = "DC"
    STORE = "STORE"
    DROPSHIP = "DROPSHIP"


class Capability(enum.Enum):
    SHIPS_PARCELS = "SHIPS_PARCELS"
    CLICK_AND_COLLECT = "CLICK_AND_COLLECT"
    SAME_DAY = "SAME_DAY"


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Local opening hours per ISO weekday (1 = Monday); a missing weekday is closed."""

    by_weekday: Mapping[int, tuple[time, time]]

    def on(self, iso_weekday: int) -> tuple[time, time] | None:
        return self.by_weekday.get(iso_weekday)


@dataclass(frozen=True, slots=True)
class PickupTimes:
    """Local times a carrier collects parcels at a node, per ISO weekday, earliest first."""

    by_weekday: Mapping[int, tuple[time, ...]]

    def on(self, iso_weekday: int) -> tuple[time, ...]:
        return self.by_weekday.get(iso_weekday, ())


@dataclass(frozen=True, slots=True)
class Node:
    """A stock location: where it is, when it works and what it can do."""

    id: str
    name: str
    type: NodeType
    city: str
    location: GeoPoint
    timezone: str
    opening: OpeningHours
    preparation_minutes: int
    capabilities: frozenset[Capability]
    services: frozenset[str]
    priority: int = 0
    # Carrier collections per service code; a service without one leaves at closing time.
    pickups: Mapping[str, PickupTimes] = field(default_factory=dict)
    # The public holidays the node keeps: its country's (None: the network's) and those of
    # its subdivision (a `holidays` code, e.g. "NW" for North Rhine-Westphalia).
    country: str | None = None
    subdivision: str | None = None
    # The street address and postcode shoppers go to (every click & collect store has them).
    address: str = ""
    postcode: str = ""


class PointType(enum.Enum):
    RELAY = "RELAY"
    LOCKER = "LOCKER"


@dataclass(frozen=True, slots=True)
class PickupPoint:
    """A relay point (a shop that keeps parcels) or a locker, served by `services`."""

    id: str
    name: str
    type: PointType
    city: str
    postcode: str
    location: GeoPoint
    opening: OpeningHours
    services: frozenset[str]


@dataclass(frozen=True, slots=True)
class Sku:
    """A product: its shipping weight, and its longest side packed (when it matters)."""

    sku: str
    name: str
    weight_grams: int
    length_mm: int | None = None
