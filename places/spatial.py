"""Nearest point on the sphere through a grid of cells of a fixed size in degrees.

A query looks only at the cells of the box that holds its search radius, ranks the points
found there by an equirectangular distance (exact enough within a few dozen kilometres) and
measures the winner by the haversine formula. Each point carries an integer payload.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict

EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class PointGrid:
    """Points bucketed by cell; `nearest` finds the closest one within a radius."""

    def __init__(self, *, cell_degrees: float = 0.25) -> None:
        self._cell = cell_degrees
        self._latitudes = array("d")
        self._longitudes = array("d")
        self._payloads = array("l")
        self._cells: defaultdict[tuple[int, int], array[int]] = defaultdict(lambda: array("l"))

    def __len__(self) -> int:
        return len(self._payloads)

    def add(self, latitude: float, longitude: float, payload: int) -> None:
        """Index a point with its payload."""
        index = len(self._payloads)
        self._latitudes.append(latitude)
        self._longitudes.append(longitude)
        self._payloads.append(payload)
        self._cells[self._cell_of(latitude, longitude)].append(index)

    def nearest(
        self, latitude: float, longitude: float, radius_km: float
    ) -> tuple[int, float] | None:
        """The payload of the closest point within `radius_km` and its distance, or None."""
        dlat = radius_km / _KM_PER_DEGREE
        cos_lat = math.cos(math.radians(latitude))
        # Near a pole the box would span every longitude: search them all.
        dlon = 180.0 if cos_lat < 0.01 else min(180.0, dlat / cos_lat)
        low_i, low_j = self._cell_of(latitude - dlat, longitude - dlon)
        high_i, high_j = self._cell_of(latitude + dlat, longitude + dlon)
        lats, lons = self._latitudes, self._longitudes
        best, best_score = -1, math.inf
        cells = self._cells
        for i in range(low_i, high_i + 1):
            for j in range(low_j, high_j + 1):
                bucket = cells.get(self._wrapped(i, j))
                if bucket is None:
                    continue
                for index in bucket:
                    dy = lats[index] - latitude
                    dx = (lons[index] - longitude + 540.0) % 360.0 - 180.0
                    score = dy * dy + (dx * cos_lat) ** 2
                    if score < best_score:
                        best, best_score = index, score
        if best < 0:
            return None
        distance = haversine_km(latitude, longitude, lats[best], lons[best])
        if distance > radius_km:
            return None
        return self._payloads[best], distance

    def _cell_of(self, latitude: float, longitude: float) -> tuple[int, int]:
        return math.floor(latitude / self._cell), math.floor(longitude / self._cell)

    def _wrapped(self, i: int, j: int) -> tuple[int, int]:
        columns = round(360.0 / self._cell)
        offset = round(180.0 / self._cell)
        return i, (j + offset) % columns - offset
