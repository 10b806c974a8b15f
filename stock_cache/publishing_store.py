"""A stock store that keeps the channels' publication current as it changes stock.

`PublishingStore` wraps any `StockStore`: every call that may move a SKU's quantity (stock
events, snapshots, seeds, reserves, releases, fulfilments) notes the SKUs it touched, and
`flush` recomputes them (at once with `eager`, else by the gateway's background task, so
that a commit does not wait for it). Holds that lapse move quantities with no call at all:
`follow_expiries` reads the allocation outbox on from where it stood and recomputes the SKUs
of the EXPIRED entries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence

from stock_cache.base import (
    Allocation,
    AllocationStatus,
    FeedResult,
    FeedStatus,
    Inbound,
    NodeStock,
    OutboxEntry,
    Reserved,
    ReserveOutcome,
    ReserveRequest,
    SkuAvailability,
    StockEvent,
    StockStore,
)
from stock_cache.memory import MemoryStore
from stock_cache.outbox_reader import OutboxReader, outbox_reader
from stock_cache.publication import ChannelFeed, Publisher
from stock_cache.publication_memory import MemoryChannelFeed
from stock_cache.publication_redis import RedisChannelFeed
from stock_cache.redis_store import RedisStore

log = logging.getLogger("stock_cache.publication")

# Outbox entries read per partition per call of follow_expiries.
_FOLLOW_BATCH = 500


def can_publish(store: StockStore) -> bool:
    """Whether `channel_feed` knows the store (one that `store_from_url` opened)."""
    return isinstance(store, MemoryStore | RedisStore)


def channel_feed(store: StockStore) -> ChannelFeed:
    """The channel feed beside a store that `store_from_url` opened."""
    if isinstance(store, MemoryStore):
        return MemoryChannelFeed(store)
    if isinstance(store, RedisStore):
        # The store's own client and key prefix: one pool, one namespace.
        prefix = store._keys._prefix
        return RedisChannelFeed(store._client, store._keys, prefix, store._where)
    raise TypeError(f"no channel feed for {type(store).__name__}")


class PublishingStore:
    """A `StockStore` that notes what moved for its `Publisher` (see the module docstring)."""

    def __init__(self, publisher: Publisher, *, eager: bool = False) -> None:
        self.publisher = publisher
        self.inner: StockStore = publisher.store
        self._eager = eager
        self._dirty: set[str] = set()
        self._outbox: OutboxReader | None = None
        self._positions: dict[int, str] = {}

    async def flush(self) -> int:
        """Recompute every SKU noted since the last flush; how many quantities moved."""
        if not self._dirty:
            return 0
        skus, self._dirty = self._dirty, set()
        try:
            return await self.publisher.refresh(sorted(skus))
        except BaseException:
            self._dirty |= skus
            raise

    def covered(self, skus: Iterable[str]) -> None:
        """Forget what was noted of `skus`: a refresh of them, about to start, covers it (what
        moves while it runs is noted again)."""
        self._dirty.difference_update(skus)

    async def follow_expiries(self) -> int:
        """Recompute the SKUs of holds that expired since the last call (the first call only
        takes the outbox's current end); how many quantities moved."""
        if self._outbox is None:
            reader = outbox_reader(self.inner)
            self._positions = await reader.heads()
            self._outbox = reader
            return 0
        expired: set[str] = set()
        for partition, position in self._positions.items():
            while True:
                read = await self._outbox.after(partition, position, _FOLLOW_BATCH)
                for item in read:
                    if item.entry.status is AllocationStatus.EXPIRED:
                        expired.update(line.sku for line in item.entry.lines)
                if read:
                    position = self._positions[partition] = read[-1].position
                if len(read) < _FOLLOW_BATCH:
                    break
        self._dirty |= expired
        return await self.flush()

    async def _touched(self, skus: Iterable[str]) -> None:
        self._dirty.update(skus)
        if self._eager:
            await self.flush()

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        before = await self.publisher.feed.node_skus(node_id)
        await self.inner.set_levels(node_id, levels)
        await self._touched([*before, *levels])

    async def replace_node_stock(
        self, node_id: str, levels: Iterable[Mapping[str, int]], *, watermark: int | None
    ) -> FeedResult:
        before = await self.publisher.feed.node_skus(node_id)
        named: set[str] = set()

        def noting() -> Iterator[Mapping[str, int]]:
            for chunk in levels:
                named.update(chunk)
                yield chunk

        result = await self.inner.replace_node_stock(node_id, noting(), watermark=watermark)
        if result.status is FeedStatus.APPLIED:
            await self._touched([*before, *named])
        return result

    async def apply_events(self, events: Sequence[StockEvent]) -> list[FeedResult]:
        results = await self.inner.apply_events(events)
        await self._touched(
            e.sku for e, r in zip(events, results, strict=True) if r.status is FeedStatus.APPLIED
        )
        return results

    async def missing_nodes(self, node_ids: Sequence[str]) -> list[str]:
        return await self.inner.missing_nodes(node_ids)

    async def set_inbound(self, node_id: str, sku: str, inbound: Sequence[Inbound]) -> None:
        # Inbound stock is promised later, never published as sellable now.
        await self.inner.set_inbound(node_id, sku, inbound)

    async def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, int]]:
        return await self.inner.atp(skus, node_ids, channel=channel)

    async def stock(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, NodeStock]]:
        return await self.inner.stock(skus, node_ids, channel=channel)

    async def availability(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        *,
        network: Sequence[str],
        channel: str | None = None,
    ) -> dict[str, SkuAvailability]:
        return await self.inner.availability(skus, node_ids, network=network, channel=channel)

    async def capacity_used(self, node_ids: Sequence[str], day: str) -> dict[str, int]:
        return await self.inner.capacity_used(node_ids, day)

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        outcome = await self.inner.reserve(request)
        if isinstance(outcome, Reserved) and not outcome.replayed:
            await self._touched(line.sku for line in request.lines)
        return outcome

    async def confirm(self, client_id: str, allocation_id: str, order_reference: str) -> Allocation:
        return await self.inner.confirm(client_id, allocation_id, order_reference)

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        allocation = await self.inner.release(client_id, allocation_id)
        await self._touched(line.sku for line in allocation.lines)
        return allocation

    async def fulfil(self, client_id: str, allocation_id: str) -> Allocation:
        allocation = await self.inner.fulfil(client_id, allocation_id)
        await self._touched(line.sku for line in allocation.lines)
        return allocation

    async def read_outbox(self) -> list[OutboxEntry]:
        return await self.inner.read_outbox()

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None:
        return await self.inner.get_allocation(client_id, allocation_id)

    async def repair(self) -> int:
        return await self.inner.repair()

    async def ping(self) -> None:
        await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()
