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
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

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

    # What keeps the publication durable and done once (see docs/webhooks.md#publication).

    async def note(self, members: Sequence[str]) -> None:
        """Note, in the store, members to recompute (before the stock they name changes)."""
        ...

    async def noted(self, count: int) -> list[tuple[str, int]]:
        """Up to `count` noted members, oldest first, each with the number of its last note."""
        ...

    async def settle(self, noted: Sequence[tuple[str, int]]) -> None:
        """Forget members recomputed, unless noted again since they were read."""
        ...

    async def claim(self, worker: str, ttl_ms: int) -> bool:
        """Take (or keep) the publisher's lease for `ttl_ms`; False while another holds it."""
        ...

    async def let_go(self, worker: str) -> None: ...

    async def marks(self) -> dict[str, str]:
        """The publisher's marks: the basis it published every SKU on, its outbox positions."""
        ...

    async def save_marks(self, worker: str, marks: Mapping[str, str]) -> bool:
        """Save marks if `worker` still holds the lease; whether it did."""
        ...

    async def touch(self, skus: Sequence[str], at_ms: int) -> None:
        """Append the SKUs just recomputed to the touched stream (live promises follow it)."""
        ...

    async def touched_head(self) -> str:
        """The position of the touched stream's newest entry."""
        ...

    async def touched_after(self, position: str, count: int) -> list[tuple[str, list[str]]]:
        """Up to `count` entries of the touched stream after `position`: (position, SKUs)."""
        ...


@runtime_checkable
class NetworkTotals(Protocol):
    """A store that reads SKUs' totals over several networks together (the Redis store)."""

    async def network_totals(
        self, skus: Sequence[str], networks: Sequence[tuple[str | None, Sequence[str]]]
    ) -> list[dict[str, int]]: ...


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
            channels = list(self.rules.channels.values())
            versions = await self.feed.stamp(batch) if channels else {}
            totals = await self._totals(batch, channels)
            for channel, found in zip(channels, totals, strict=True):
                triples = [(sku, channel.quantity(found[sku]), versions[sku]) for sku in batch]
                changed += await self.feed.publish(channel.name, triples, now_ms(self._clock))
            await self.feed.touch(batch, now_ms(self._clock))
        return changed

    async def _totals(
        self, skus: Sequence[str], channels: Sequence[PublishedChannel]
    ) -> list[dict[str, int]]:
        """Each SKU's total over each channel's nodes, read after the versions were taken:
        every channel together where the store can, else one `availability` per channel."""
        if not channels:
            return []
        if isinstance(self.store, NetworkTotals):
            networks = [(channel.name, channel.nodes) for channel in channels]
            return await self.store.network_totals(skus, networks)
        totals = []
        for channel in channels:
            found = await self.store.availability(
                skus, (), network=channel.nodes, channel=channel.name
            )
            totals.append({sku: found[sku].total for sku in skus})
        return totals

    async def changes(self, channel: str, after: str | None, first: int) -> ChannelPage:
        """A page of the channel's change feed (see ChannelFeed.changes)."""
        self.channel(channel)
        if not 1 <= first <= MAX_PAGE:
            raise ValueError(f"first must be between 1 and {MAX_PAGE}, got {first}")
        return await self.feed.changes(channel, after, first)
