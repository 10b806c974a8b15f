"""Answers kept across requests for objects of a loaded network, compared by identity.

Nodes, services and timings are frozen but hold mappings, so they cannot be dict keys, and
hashing them field by field on every lookup would cost what the answer saves. A memo keys
them by `id()` and keeps the objects with the answer: an id reused by another object after
the first is gone never matches. Bounded: at the limit everything kept is dropped at once.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """Values by (objects, by identity) and (hashable values), at most `limit` of them."""

    def __init__(self, limit: int = 65_536) -> None:
        self._limit = limit
        self._kept: dict[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], values: tuple[Hashable, ...]) -> V | None:
        """The value kept for these objects and values; None when there is none."""
        # Written out rather than with map(id)/map(is_): compiled, id() and `is` are inline
        # operations, where map and its callables are looked up and called each time, and the
        # dates ask this twice per shipment scored.
        kept = self._kept.get(_key(objects, values))
        if kept is None:
            return None
        held = kept[0]
        if len(held) != len(objects):
            return None
        for i in range(len(objects)):
            if held[i] is not objects[i]:
                return None
        return kept[1]

    @property
    def entries(self) -> int:
        return len(self._kept)

    @property
    def limit(self) -> int:
        return self._limit

    def put(self, objects: tuple[object, ...], values: tuple[Hashable, ...], value: V) -> V:
        if len(self._kept) >= self._limit:
            self._kept.clear()
        self._kept[_key(objects, values)] = (objects, value)
        return value


def _key(objects: tuple[object, ...], values: tuple[Hashable, ...]) -> tuple[Hashable, ...]:
    return tuple([id(o) for o in objects]) + values
