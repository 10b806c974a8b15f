"""Answers kept across requests for objects of a loaded network, compared by identity.

Nodes, services and timings are frozen but hold mappings, so they cannot be dict keys, and
hashing them field by field on every lookup would cost what the answer saves. A memo keys
them by `id()` and keeps the objects with the answer: an id reused by another object after
the first is gone never matches. Bounded: at the limit everything kept is dropped at once.
"""

from __future__ import annotations

from collections.abc import Hashable
from operator import is_
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """Values by (objects, by identity) and (hashable values), at most `limit` of them."""

    def __init__(self, limit: int = 65_536) -> None:
        self._limit = limit
        self._kept: dict[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], values: tuple[Hashable, ...]) -> V | None:
        """The value kept for these objects and values; None when there is none."""
        kept = self._kept.get((*map(id, objects), *values))
        # map(is_) rather than a generator: the dates ask this twice per shipment scored.
        if kept is None or len(kept[0]) != len(objects) or not all(map(is_, kept[0], objects)):
            return None
        return kept[1]

    def put(self, objects: tuple[object, ...], values: tuple[Hashable, ...], value: V) -> V:
        if len(self._kept) >= self._limit:
            self._kept.clear()
        self._kept[(*map(id, objects), *values)] = (objects, value)
        return value
