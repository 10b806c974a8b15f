"""Points on the globe and nearest-node search without a geodesic per node.

Nodes are ranked by the chord between unit vectors, which is monotonic in the great-circle
distance, so ordering costs three multiplications per node. The exact geodesic (WGS-84,
through geopy) is computed only for the few nodes a request keeps.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass

from geopy.distance import geodesic

from promise.errors import InvalidInput

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float

    @staticmethod
    def checked(latitude: float, longitude: float, *, field: str) -> GeoPoint:
        """A point, or InvalidInput naming `field` when a coordinate is out of range."""
        if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
            raise InvalidInput(
                f"latitude {latitude} is outside [-90, 90]", field=f"{field}.latitude"
            )
        if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
            raise InvalidInput(
                f"longitude {longitude} is outside [-180, 180]", field=f"{field}.longitude"
            )
        return GeoPoint(latitude, longitude)

    def unit_vector(self) -> tuple[float, float, float]:
        lat, lon = math.radians(self.latitude), math.radians(self.longitude)
        return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def geodesic_km(a: GeoPoint, b: GeoPoint) -> float:
    return float(geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).km)


def chord_to_km(chord: float) -> float:
    """Great-circle distance on the mean sphere for a unit-sphere chord length."""
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2.0))


def sphere_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance on the mean sphere: cheap, within 0.5 % of the geodesic."""
    (ax, ay, az), (bx, by, bz) = a.unit_vector(), b.unit_vector()
    return chord_to_km(math.sqrt((ax - bx) ** 2 + (ay - by) ** 2 + (az - bz) ** 2))


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    vector: tuple[float, float, float]


class NearestIndex:
    """Keys placed at points, searched by proximity to a destination."""

    def __init__(self, points: Iterable[tuple[str, GeoPoint]]) -> None:
        self._entries = [_Entry(key, point.unit_vector()) for key, point in points]

    def __len__(self) -> int:
        return len(self._entries)

    def nearest(
        self, origin: GeoPoint, *, limit: int, within_km: float | None = None
    ) -> list[tuple[str, float]]:
        """Up to `limit` keys nearest first, with their sphere distance in km."""
        ox, oy, oz = origin.unit_vector()
        scored = (
            ((e.vector[0] - ox) ** 2 + (e.vector[1] - oy) ** 2 + (e.vector[2] - oz) ** 2, e.key)
            for e in self._entries
        )
        best = heapq.nsmallest(limit, scored)
        found = [(key, chord_to_km(math.sqrt(d2))) for d2, key in best]
        if within_km is not None:
            found = [(key, km) for key, km in found if km <= within_km]
        return found
