"""The embedded store's channel feeds: published quantities and their changes in memory."""

from __future__ import annotations

import bisect
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

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


class MemoryChannelFeed:
    """A `ChannelFeed` beside a MemoryStore; cursors are positions ("17"), counted per process."""

    def __init__(self, levels: MemoryLevels) -> None:
        self._levels = levels
        self._versions: dict[str, int] = {}
        self._channels: dict[str, _Channel] = {}
        self._position = 0

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

    def _cursor(self, after: str | None) -> int:
        if after is None:
            return 0
        if not after.isdigit() or len(after) > 18 or int(after) > self._position:
            raise BadCursor("after", after)
        return int(after)
