"""Publication per channel: the quantity each channel may sell per SKU, and its change feed.

A `ChannelFeed` (memory or Redis, publication_memory.py and publication_redis.py) keeps each
channel's published quantities and a feed of their changes holding one entry per SKU, its
latest, so that changes are coalesced by construction. A `Publisher` recomputes what changes
touched: for each SKU, per channel, one `availability` read over the channel's nodes (the
store's cached totals make it a read of the changed node's section, not of the network).

Two recomputations of one SKU may race (two gateway processes): each takes a new version of
the SKU from the feed *before* it reads the stock, and the feed keeps a quantity only if its
version is not older than the one it holds. Every change is followed by a recomputation that
starts after it, so the last to take a version read every change before it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Protocol

from stock_cache._rules import now_ms
from stock_cache.base import StockStore
from stock_cache.errors import NotPublished
from stock_cache.publication_rules import (
    ChannelChange,
    ChannelPage,
    PublicationRules,
    PublishedChannel,
)

# SKUs per availability read of a recomputation.
_BATCH = 100
MAX_PAGE = 500


class ChannelFeed(Protocol):
    """Where published quantities and their change feeds live (one per store)."""

    async def stamp(self, skus: Sequence[str]) -> dict[str, int]:
        """A new version per SKU, larger than every version handed out for it before."""
        ...

    async def publish(
        self, channel: str, quantities: Sequence[tuple[str, int, int]], at_ms: int
    ) -> int:
        """Record (SKU, quantity, version) triples; a quantity whose version is older than
        the SKU's last is dropped, one that moved is appended to the feed (its SKU's earlier
        entry leaves it). Returns how many changed."""
        ...

    async def changes(self, channel: str, after: str | None, first: int) -> ChannelPage:
        """At most `first` changes after the cursor `after` (None: from the start)."""
        ...

    async def head(self, channel: str) -> str:
        """The cursor after the newest change: the start of an export's follow-up."""
        ...

    def quantities(self, channel: str, *, chunk: int = 1000) -> AsyncIterator[list[ChannelChange]]:
        """Every SKU's published quantity, in chunks of about `chunk`."""
        ...

    async def count(self, channel: str) -> int:
        """How many SKUs the channel publishes a quantity of."""
        ...

    async def node_skus(self, node_id: str) -> list[str]:
        """The SKUs the store holds a level of at a node (a snapshot may set them to zero)."""
        ...


class Publisher:
    """Recomputes the published quantities of the SKUs that changed, in every channel."""

    def __init__(
        self,
        store: StockStore,
        feed: ChannelFeed,
        rules: PublicationRules,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.feed = feed
        self.rules = rules
        self._clock = clock

    def channel(self, name: str) -> PublishedChannel:
        """A publishing channel by name; NotPublished for any other."""
        found = self.rules.channels.get(name)
        if found is None:
            raise NotPublished(name)
        return found

    async def refresh(self, skus: Iterable[str]) -> int:
        """Recompute and publish these SKUs in every channel; how many quantities moved."""
        unique = list(dict.fromkeys(skus))
        changed = 0
        for start in range(0, len(unique), _BATCH):
            batch = unique[start : start + _BATCH]
            if not self.rules.channels:
                break
            versions = await self.feed.stamp(batch)
            for channel in self.rules.channels.values():
                found = await self.store.availability(
                    batch, (), network=channel.nodes, channel=channel.name
                )
                triples = [
                    (sku, channel.quantity(found[sku].total), versions[sku]) for sku in batch
                ]
                changed += await self.feed.publish(channel.name, triples, now_ms(self._clock))
        return changed

    async def changes(self, channel: str, after: str | None, first: int) -> ChannelPage:
        """A page of the channel's change feed (see ChannelFeed.changes)."""
        self.channel(channel)
        if not 1 <= first <= MAX_PAGE:
            raise ValueError(f"first must be between 1 and {MAX_PAGE}, got {first}")
        return await self.feed.changes(channel, after, first)
