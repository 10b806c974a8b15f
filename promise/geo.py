"""Points on the globe and nearest-node search without a geodesic per node.

Nodes are ranked by the chord between unit vectors, which is monotonic in the great-circle
distance, so comparing two costs three multiplications, and a k-d tree over the vectors
finds the nearest few without reading every node. The exact geodesic (WGS-84, through
geopy) is computed only for the few nodes a request keeps.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from geopy.distance import geodesic

from promise.errors import InvalidInput

EARTH_RADIUS_KM: Final = 6371.0088

Vector = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float

    # Hashed and compared tens of times a request (cache keys): written out, mypyc compiles
    # them, where the dataclass's own are generated Python. The same values as those.
    def __eq__(self, other: object) -> bool:
        if type(other) is not GeoPoint:
            return NotImplemented
        return (self.latitude, self.longitude) == (other.latitude, other.longitude)

    def __hash__(self) -> int:
        return hash((self.latitude, self.longitude))

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


# Requests go to a few thousand postcode centroids from a bounded set of nodes: the same
# pairs come back all day, and one WGS-84 geodesic costs about 0.3 ms of Python.
@lru_cache(maxsize=65_536)
def geodesic_km(a: GeoPoint, b: GeoPoint) -> float:
    return float(geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).km)


def chord_to_km(chord: float) -> float:
    """Great-circle distance on the mean sphere for a unit-sphere chord length."""
    # `min(1.0, half)` written out: compiled, `min` is a generic call.
    half = chord / 2.0
    return 2.0 * EARTH_RADIUS_KM * math.asin(half if half < 1.0 else 1.0)


# Nodes and postcode centroids are a bounded set of points asked about many times a request:
# their unit vectors are kept rather than taken from six trigonometric calls each time.
@lru_cache(maxsize=65_536)
def unit_vector(point: GeoPoint) -> tuple[float, float, float]:
    """`point.unit_vector()`, kept for the next time the point is asked about."""
    return point.unit_vector()


def chord_km(a: Vector, b: Vector) -> float:
    """`sphere_km` between the points of unit vectors `a` and `b`."""
    # `math.pow(d, 2.0)`, the C `pow` that `d ** 2` calls too: compiled, `**` on a float
    # boxes both operands and takes the generic path.
    return chord_to_km(
        math.sqrt(
            math.pow(a[0] - b[0], 2.0) + math.pow(a[1] - b[1], 2.0) + math.pow(a[2] - b[2], 2.0)
        )
    )


def sphere_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance on the mean sphere: cheap, within 0.5 % of the geodesic."""
    return chord_km(unit_vector(a), unit_vector(b))


def sphere_km_to(to: GeoPoint) -> Callable[[GeoPoint], float]:
    """`sphere_km(point, to)` as a function of `point`, for many points to one place."""
    target = unit_vector(to)
    return lambda point: chord_km(unit_vector(point), target)


# A leaf holds up to this many entries; below it, scanning beats descending.
_LEAF = 16


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    vector: Vector


@dataclass(frozen=True, slots=True)
class _Split:
    """A k-d tree node: entries at or below `low_max` on `axis`, the others at or above
    `high_min`."""

    axis: int
    low_max: float
    high_min: float
    low: _Split | tuple[_Entry, ...]
    high: _Split | tuple[_Entry, ...]


def _tree(entries: list[_Entry]) -> _Split | tuple[_Entry, ...]:
    """A k-d tree split at the median of the axis of widest spread, leaves of `_LEAF`."""
    if len(entries) <= _LEAF:
        return tuple(entries)
    spreads = [
        max(e.vector[axis] for e in entries) - min(e.vector[axis] for e in entries)
        for axis in range(3)
    ]
    axis = spreads.index(max(spreads))
    entries = sorted(entries, key=lambda e: e.vector[axis])
    half = len(entries) // 2
    low, high = entries[:half], entries[half:]
    return _Split(axis, low[-1].vector[axis], high[0].vector[axis], _tree(low), _tree(high))


class NearestIndex:
    """Keys placed at points, searched by proximity to a destination.

    A k-d tree over the points' unit vectors: a query scans the leaves near the origin and
    skips a subtree when even its nearest side is farther than the `limit`-th key found, so
    it reads a few dozen points whatever the index holds, and finds the same keys, in the
    same order, as a scan of every point would: chord length, then key.
    """

    def __init__(self, points: Iterable[tuple[str, GeoPoint]]) -> None:
        entries = [_Entry(key, point.unit_vector()) for key, point in points]
        self._size = len(entries)
        self._root = _tree(entries)

    def __len__(self) -> int:
        return self._size

    def nearest(
        self, origin: GeoPoint, *, limit: int, within_km: float | None = None
    ) -> list[tuple[str, float]]:
        """Up to `limit` keys nearest first, with their sphere distance in km."""
        best: list[tuple[float, str]] = []
        if limit > 0:
            _search(self._root, origin.unit_vector(), limit, best)
        found = [(key, chord_to_km(math.sqrt(d2))) for d2, key in best]
        if within_km is not None:
            found = [(key, km) for key, km in found if km <= within_km]
        return found


def _search(
    node: _Split | tuple[_Entry, ...], origin: Vector, limit: int, best: list[tuple[float, str]]
) -> None:
    """Merge into `best` (squared chord, key), kept sorted and at most `limit` long, the
    entries under `node` that belong there."""
    if isinstance(node, tuple):
        ox, oy, oz = origin
        for entry in node:
            x, y, z = entry.vector
            found = ((x - ox) ** 2 + (y - oy) ** 2 + (z - oz) ** 2, entry.key)
            if len(best) < limit or found < best[-1]:
                bisect.insort(best, found)
                del best[limit:]
        return
    at = origin[node.axis]
    if at <= node.low_max:
        near, far, gap = node.low, node.high, max(0.0, node.high_min - at)
    else:
        near, far, gap = node.high, node.low, at - node.low_max
    _search(near, origin, limit, best)
    # At an equal distance a smaller key still counts, so only a strictly farther side is
    # skipped. Every entry there differs from the origin by at least `gap` on the axis.
    if len(best) < limit or gap * gap <= best[-1][0]:
        _search(far, origin, limit, best)
