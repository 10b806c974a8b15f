"""Nearest point on the sphere through a grid of cells of a fixed size in degrees.

A query visits rings of cells around its own, nearest first, and stops once no point in an
unvisited ring can be nearer than the best found, or at the ring that holds its search radius.
Points are ranked by an equirectangular distance (exact enough within a few dozen kilometres)
and the winner is measured by the haversine formula. Each point carries an integer payload.
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

    def __init__(self, *, cell_degrees: float = 0.1) -> None:
        self._cell = cell_degrees
        self._latitudes = array("d")
        self._longitudes = array("d")
        self._payloads = array("l")
        self._cells: defaultdict[tuple[int, int], array[int]] = defaultdict(lambda: array("l"))

    def to_bytes(self) -> tuple[float, bytes, bytes, bytes, dict[tuple[int, int], bytes]]:
        """The grid as plain values (`marshal` writes them): `from_bytes` rebuilds it."""
        cells = {cell: bucket.tobytes() for cell, bucket in self._cells.items()}
        latitudes, longitudes = self._latitudes.tobytes(), self._longitudes.tobytes()
        return (self._cell, latitudes, longitudes, self._payloads.tobytes(), cells)

    @classmethod
    def from_bytes(
        cls, state: tuple[float, bytes, bytes, bytes, dict[tuple[int, int], bytes]]
    ) -> PointGrid:
        cell, latitudes, longitudes, payloads, cells = state
        grid = cls(cell_degrees=cell)
        grid._latitudes.frombytes(latitudes)
        grid._longitudes.frombytes(longitudes)
        grid._payloads.frombytes(payloads)
        for key, bucket in cells.items():
            grid._cells[key].frombytes(bucket)
        return grid

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
        # Longitude degrees shrink toward the poles: bound them at the box's poleward edge.
        cos_edge = math.cos(math.radians(min(90.0, abs(latitude) + dlat)))
        cos_lat = math.cos(math.radians(latitude))
        max_i = math.ceil(dlat / self._cell) + 1
        max_j = (
            math.ceil(360.0 / self._cell)
            if cos_edge < 0.01
            else min(math.ceil(360.0 / self._cell), math.ceil(dlat / cos_edge / self._cell) + 1)
        )
        ci, cj = self._cell_of(latitude, longitude)
        lats, lons, cells = self._latitudes, self._longitudes, self._cells
        best, best_score = -1, math.inf
        # Rings of cells around the query's own, until no unvisited point can be nearer.
        for ring in range(max(max_i, max_j) + 1):
            for i in range(ci - min(ring, max_i), ci + min(ring, max_i) + 1):
                edge = abs(i - ci) == ring
                step = 1 if edge else 2 * ring
                for j in range(cj - min(ring, max_j), cj + min(ring, max_j) + 1, step or 1):
                    if not edge and abs(j - cj) != ring:
                        continue
                    bucket = cells.get(self._wrapped(i, j))
                    if bucket is None:
                        continue
                    for index in bucket:
                        dy = lats[index] - latitude
                        dx = ((lons[index] - longitude + 540.0) % 360.0 - 180.0) * cos_lat
                        score = dy * dy + dx * dx
                        if score < best_score:
                            best, best_score = index, score
            reach_km = ring * self._cell * _KM_PER_DEGREE * max(cos_edge, 0.0)
            if best >= 0 and math.sqrt(best_score) * _KM_PER_DEGREE <= reach_km:
                break
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
