"""The nearest-node searches of `CandidateFinder`, remembered per destination point.

The network is static for the life of a process, so what is near a point never changes.
A product page asks twice about the same point in one operation (`availability` near it and
`deliveryOptions` to it), and shoppers keep coming from the same few postcodes: a bounded LRU
turns the k-d tree searches into a dict lookup. The domain stays pure: the cache is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from promise.candidates import CandidateFinder
from promise.errors import DestinationNotServed
from promise.geo import GeoPoint
from promise.network import Network
from promise.sourcing import Candidate

# About 40 candidates and 3 pickup points a point, a few KiB: some MiB at most per process.
POINTS_REMEMBERED = 1024


@dataclass(frozen=True, slots=True)
class Around:
    """The candidates around a point, in `CandidateFinder.around`'s order, with their node
    ids and each one's distance (km)."""

    candidates: tuple[Candidate, ...]
    ids: tuple[str, ...]
    distances: Mapping[str, float]


class Nearby:
    """`CandidateFinder`'s answers, each computed once per point (or store) while remembered."""

    def __init__(self, network: Network, *, size: int = POINTS_REMEMBERED) -> None:
        self.finder = CandidateFinder(network)
        # Tuples, so that no caller can change what the next one gets.
        self._around = lru_cache(maxsize=size)(self._candidates)
        self._points = lru_cache(maxsize=size)(self._pickup_points)
        self._store = lru_cache(maxsize=size)(self._store_sources)
        self._bound = lru_cache(maxsize=size)(self._bound_by_zone)
        self._nearest = lru_cache(maxsize=size)(self._shared)
        self._network = network

    def remembered(self) -> int:
        """Answers remembered, over the caches (each at most its size)."""
        return sum(
            cache.cache_info().currsize
            for cache in (self._around, self._points, self._store, self._bound, self._nearest)
        )

    def around(
        self, point: GeoPoint, *, field: str = "input.destination", placed: bool = False
    ) -> list[Candidate]:
        """As `CandidateFinder.around`; DestinationNotServed names the caller's `field`."""
        try:
            return list(self._around(point, placed))
        except DestinationNotServed as error:
            # Not remembered (lru_cache keeps no exceptions); the point is the cache key, so
            # the field the caller names is put back here.
            raise DestinationNotServed(error.message, field=field) from None

    def nearest(
        self, point: GeoPoint, *, field: str = "input.destination", placed: bool = False
    ) -> Around:
        """`around`'s candidates, their node ids and distances, derived once per point and
        shared by every request to it (so read only); DestinationNotServed as `around`."""
        try:
            return self._nearest(point, placed)
        except DestinationNotServed as error:
            raise DestinationNotServed(error.message, field=field) from None

    def bound_by_zone(
        self, point: GeoPoint, *, placed: bool = False
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The candidates `around` gives that have a daily capacity, by time zone (each
        zone's nodes in the candidates' order, the zones in the order they first come)."""
        return self._bound(point, placed)

    def around_store(self, store_id: str) -> list[str]:
        return list(self._store(store_id))

    def points_near(self, point: GeoPoint) -> list[tuple[str, float]]:
        return list(self._points(point))

    def _candidates(self, point: GeoPoint, placed: bool) -> tuple[Candidate, ...]:
        return tuple(self.finder.around(point, placed=placed))

    def _pickup_points(self, point: GeoPoint) -> tuple[tuple[str, float], ...]:
        return tuple(self.finder.points_near(point))

    def _bound_by_zone(
        self, point: GeoPoint, placed: bool
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        nodes, capacity = self._network.nodes, self._network.daily_capacity
        zones: dict[str, list[str]] = {}
        for candidate in self._around(point, placed):
            if candidate.node_id in capacity:
                zones.setdefault(nodes[candidate.node_id].timezone, []).append(candidate.node_id)
        return tuple((zone, tuple(group)) for zone, group in zones.items())

    def _shared(self, point: GeoPoint, placed: bool) -> Around:
        candidates = self._around(point, placed)
        return Around(
            candidates,
            tuple(c.node_id for c in candidates),
            {c.node_id: c.distance_km for c in candidates},
        )

    def _store_sources(self, store_id: str) -> tuple[str, ...]:
        return tuple(self.finder.around_store(store_id))
