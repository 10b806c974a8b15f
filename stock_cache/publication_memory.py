"""The embedded store's channel feeds: published quantities and their changes in memory."""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field

from stock_cache._rules import now_ms
from stock_cache.errors import BadCursor
from stock_cache.memory_levels import MemoryLevels
from stock_cache.publication_rules import ChannelChange, ChannelPage


@dataclass(slots=True)
class _Published:
    quantity: int
    version: int
    at_ms: int
    position: int


@dataclass(slots=True)
class _Channel:
    published: dict[str, _Published] = field(default_factory=dict)
    # (position, SKU) in the order written; an entry is live while it is its SKU's position.
    entries: list[tuple[int, str]] = field(default_factory=list)


# Entries of the touched stream kept (the Redis stream keeps as many).
TOUCHED_KEPT = 10_000


class MemoryChannelFeed:
    """A `ChannelFeed` beside a MemoryStore (one per store: publishing_store.channel_feed);
    cursors are positions ("17"), counted per process."""

    def __init__(self, levels: MemoryLevels) -> None:
        self._levels = levels
        self._versions: dict[str, int] = {}
        self._channels: dict[str, _Channel] = {}
        self._position = 0
        self._noted: dict[str, int] = {}
        self._notes = 0
        self._lease: tuple[str, int] | None = None
        self._marks: dict[str, str] = {}
        self._touched: deque[tuple[int, list[str]]] = deque(maxlen=TOUCHED_KEPT)
        self._touches = 0

    async def stamp(self, skus: Sequence[str]) -> dict[str, int]:
        stamped = {}
        for sku in skus:
            stamped[sku] = self._versions[sku] = self._versions.get(sku, 0) + 1
        return stamped

    async def publish(
        self, channel: str, quantities: Sequence[tuple[str, int, int]], at_ms: int
    ) -> int:
        kept = self._channels.setdefault(channel, _Channel())
        changed = 0
        for sku, quantity, version in quantities:
            last = kept.published.get(sku)
            if last is not None and (version < last.version or quantity == last.quantity):
                if version > last.version:
                    last.version = version
                continue
            self._position += 1
            kept.published[sku] = _Published(quantity, version, at_ms, self._position)
            kept.entries.append((self._position, sku))
            changed += 1
        if len(kept.entries) > 2 * len(kept.published) + 64:
            kept.entries = sorted((p.position, sku) for sku, p in kept.published.items())
        return changed

    async def changes(self, channel: str, after: str | None, first: int) -> ChannelPage:
        start = self._cursor(after)
        kept = self._channels.get(channel, _Channel())
        found: list[ChannelChange] = []
        cursor = start
        index = bisect.bisect_right(kept.entries, (start, "\U0010ffff"))
        while index < len(kept.entries) and len(found) < first:
            position, sku = kept.entries[index]
            index += 1
            last = kept.published[sku]
            if last.position == position:
                found.append(ChannelChange(sku, last.quantity, last.at_ms))
                cursor = position
        return ChannelPage(tuple(found), str(cursor))

    async def head(self, channel: str) -> str:
        kept = self._channels.get(channel)
        if kept is None or not kept.entries:
            return "0"
        return str(kept.entries[-1][0])

    async def quantities(
        self, channel: str, *, chunk: int = 1000
    ) -> AsyncIterator[list[ChannelChange]]:
        items = list(self._channels.get(channel, _Channel()).published.items())
        for start in range(0, len(items), chunk):
            yield [
                ChannelChange(sku, p.quantity, p.at_ms) for sku, p in items[start : start + chunk]
            ]

    async def count(self, channel: str) -> int:
        return len(self._channels.get(channel, _Channel()).published)

    async def node_skus(self, node_id: str) -> list[str]:
        return sorted(self._levels.skus_at(node_id))

    async def note(self, members: Sequence[str]) -> None:
        self._notes += 1
        for member in members:
            # Re-inserted: the dict's order is the order of the last notes.
            self._noted.pop(member, None)
            self._noted[member] = self._notes

    async def noted(self, count: int) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for member, number in self._noted.items():
            if len(found) >= count:
                break
            found.append((member, number))
        return found

    async def settle(self, noted: Sequence[tuple[str, int]]) -> None:
        for member, number in noted:
            if self._noted.get(member) == number:
                del self._noted[member]

    async def claim(self, worker: str, ttl_ms: int) -> bool:
        now = now_ms(self._levels._clock)
        if self._lease is not None and self._lease[0] != worker and self._lease[1] > now:
            return False
        self._lease = (worker, now + ttl_ms)
        return True

    async def let_go(self, worker: str) -> None:
        if self._lease is not None and self._lease[0] == worker:
            self._lease = None

    async def marks(self) -> dict[str, str]:
        return dict(self._marks)

    async def save_marks(self, worker: str, marks: Mapping[str, str]) -> bool:
        if self._lease is None or self._lease[0] != worker:
            return False
        self._marks.update(marks)
        return True

    async def touch(self, skus: Sequence[str], at_ms: int) -> None:
        self._touches += 1
        self._touched.append((self._touches, list(skus)))

    async def touched_head(self) -> str:
        return str(self._touches)

    async def touched_after(self, position: str, count: int) -> list[tuple[str, list[str]]]:
        if not position.isdigit() or len(position) > 18:
            raise BadCursor("position", position)
        if not self._touched:
            return []
        # Positions follow one another: the entry after `position` is at a known index.
        start = max(0, int(position) - self._touched[0][0] + 1)
        return [
            (str(at), skus) for at, skus in itertools.islice(self._touched, start, start + count)
        ]

    def _cursor(self, after: str | None) -> int:
        if after is None:
            return 0
        if not after.isdigit() or len(after) > 18 or int(after) > self._position:
            raise BadCursor("after", after)
        return int(after)
