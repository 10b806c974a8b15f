"""A stock store that keeps the channels' publication current as it changes stock, durably.

`PublishingStore` wraps any `StockStore`. A stock write (events, snapshots, seeds) first notes
in the store what it will touch (its SKUs; a snapshot also its node, whose SKUs are read when
recomputed), then writes: a process that dies after writing leaves the note behind for the
next pass, whoever runs it. Reservations, releases, fulfilments and expiries need no note:
they are in the allocation outbox, which the publisher follows from positions it saves in the
store. `publish` is one pass of the publisher, done by whichever process holds the
publisher's lease (the others skip it): every SKU once when the publication's basis (its
rules and SKUs) differs from the one the store was published on, then what was noted, then
the outbox's entries since its saved positions. A pass when nothing changed reads two small
keys and the outbox's ends. With `eager` every call publishes at once (the tests' mode).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from stock_cache.base import (
    Allocation,
    AllocationStatus,
    FeedResult,
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
from stock_cache.publication_rules import PublicationRules
from stock_cache.redis_store import RedisStore

log = logging.getLogger("stock_cache.publication")

# How long the publisher's lease lasts unless renewed (each pass renews it).
LEASE_MS = 10_000
# Noted members and outbox entries read per round of a pass.
_BATCH = 500
# SKUs recomputed between two renewals of the lease by a pass that publishes every SKU.
_FULL_CHUNK = 2_000
# At most this many noted members are settled by a pass that publishes every SKU.
_FULL_SETTLES = 100_000
_SKU = "s:"
_NODE = "n:"
# Outbox statuses that move what a channel may sell (a confirmation keeps the units held).
_MOVING = frozenset(
    {
        AllocationStatus.HELD,
        AllocationStatus.RELEASED,
        AllocationStatus.FULFILLED,
        AllocationStatus.EXPIRED,
    }
)


def can_publish(store: StockStore) -> bool:
    """Whether `channel_feed` knows the store (one that `store_from_url` opened)."""
    return isinstance(store, MemoryStore | RedisStore)


def channel_feed(store: StockStore) -> ChannelFeed:
    """The channel feed beside a store that `store_from_url` opened (one per embedded store)."""
    if isinstance(store, MemoryStore):
        if store.channel_feed is None:
            store.channel_feed = MemoryChannelFeed(store)
        return store.channel_feed
    if isinstance(store, RedisStore):
        # The store's own client and key prefix: one pool, one namespace.
        prefix = store._keys._prefix
        return RedisChannelFeed(
            store._client, store._keys, prefix, store._where, clock=store._clock
        )
    raise TypeError(f"no channel feed for {type(store).__name__}")


def publication_basis(rules: PublicationRules, skus: Iterable[str]) -> str:
    """What a full publication was made on: the channels' rules and the network's SKUs."""
    described = {
        "channels": sorted((c.name, sorted(c.nodes), c.buffer) for c in rules.channels.values()),
        "skus": sorted(set(skus)),
    }
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class PublicationPass:
    """What one pass did: SKUs recomputed (counted once per round), quantities that moved."""

    recomputed: int
    moved: int


class PublishingStore:
    """A `StockStore` that notes what moves for its `Publisher` (see the module docstring)."""

    def __init__(
        self,
        publisher: Publisher,
        *,
        eager: bool = False,
        skus: Iterable[str] = (),
        worker: str | None = None,
    ) -> None:
        self.publisher = publisher
        self.inner: StockStore = publisher.store
        self.skus = tuple(dict.fromkeys(skus))
        self._eager = eager
        self._basis = publication_basis(publisher.rules, self.skus)
        self._worker = worker or uuid.uuid4().hex
        self._outbox: OutboxReader = outbox_reader(self.inner)

    @property
    def feed(self) -> ChannelFeed:
        return self.publisher.feed

    async def published(self) -> bool:
        """Whether every SKU was published on this process's basis (by any process)."""
        return (await self.feed.marks()).get("basis") == self._basis

    async def publish(self) -> PublicationPass | None:
        """One pass of the publisher (see the module docstring); None while another process
        holds the lease."""
        feed = self.feed
        if not await feed.claim(self._worker, LEASE_MS):
            return None
        marks = await feed.marks()
        partitions = range(self._outbox.partitions)
        positions = {p: marks[f"o{p}"] for p in partitions if f"o{p}" in marks}
        recomputed = moved = 0
        if marks.get("basis") != self._basis or len(positions) < len(partitions):
            # Every SKU afresh: what was noted before and the outbox up to here are in it.
            positions = await self._outbox.heads()
            before = await feed.noted(_FULL_SETTLES)
            for start in range(0, len(self.skus), _FULL_CHUNK):
                # A large catalogue takes a while: the lease is kept between chunks.
                if not await feed.claim(self._worker, LEASE_MS):
                    return PublicationPass(recomputed, moved)
                moved += await self.publisher.refresh(self.skus[start : start + _FULL_CHUNK])
                recomputed += len(self.skus[start : start + _FULL_CHUNK])
            known = set(self.skus)
            await feed.settle(
                [(m, n) for m, n in before if m.startswith(_NODE) or m[len(_SKU) :] in known]
            )
            saved = {"basis": self._basis} | {f"o{p}": at for p, at in positions.items()}
            if not await feed.save_marks(self._worker, saved):
                return PublicationPass(recomputed, moved)
        while True:
            noted = await feed.noted(_BATCH)
            skus = await self._expand(m for m, _ in noted)
            moved += await self.publisher.refresh(skus)
            recomputed += len(skus)
            await feed.settle(noted)
            if len(noted) < _BATCH:
                break
        follow = await self._follow(positions)
        recomputed += follow.recomputed
        moved += follow.moved
        return PublicationPass(recomputed, moved)

    async def _expand(self, members: Iterable[str]) -> list[str]:
        skus: dict[str, None] = {}
        for member in members:
            if member.startswith(_NODE):
                skus |= dict.fromkeys(await self.feed.node_skus(member[len(_NODE) :]))
            else:
                skus[member[len(_SKU) :]] = None
        return list(skus)

    async def _follow(self, positions: dict[int, str]) -> PublicationPass:
        """Recompute the SKUs of the outbox's entries since `positions`, saving them after."""
        recomputed = moved = 0
        while True:
            reads = await self._outbox.skus_after_each(positions, _BATCH, _MOVING)
            skus: dict[str, None] = {}
            for partition, read in reads.items():
                skus |= dict.fromkeys(read.skus)
                if read.last is not None:
                    positions[partition] = read.last
            if not any(read.count for read in reads.values()):
                return PublicationPass(recomputed, moved)
            moved += await self.publisher.refresh(skus)
            recomputed += len(skus)
            saved = {f"o{p}": at for p, at in positions.items()}
            if not await self.feed.save_marks(self._worker, saved):
                return PublicationPass(recomputed, moved)
            if all(read.count < _BATCH for read in reads.values()):
                return PublicationPass(recomputed, moved)

    async def _noting(self, members: Iterable[str]) -> None:
        await self.feed.note(list(dict.fromkeys(members)))

    async def _written(self) -> None:
        if self._eager:
            await self.publish()

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        before = await self.feed.node_skus(node_id)
        await self._noting(_SKU + sku for sku in [*before, *levels])
        await self.inner.set_levels(node_id, levels)
        await self._written()

    async def replace_node_stock(
        self, node_id: str, levels: Iterable[Mapping[str, int]], *, watermark: int | None
    ) -> FeedResult:
        # The SKUs the snapshot names are read when recomputed: the node's, by then.
        before = await self.feed.node_skus(node_id)
        await self._noting([*(_SKU + sku for sku in before), _NODE + node_id])
        result = await self.inner.replace_node_stock(node_id, levels, watermark=watermark)
        await self._written()
        return result

    async def apply_events(self, events: Sequence[StockEvent]) -> list[FeedResult]:
        await self._noting(_SKU + e.sku for e in events)
        results = await self.inner.apply_events(events)
        await self._written()
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
            await self._written()
        return outcome

    async def confirm(self, client_id: str, allocation_id: str, order_reference: str) -> Allocation:
        return await self.inner.confirm(client_id, allocation_id, order_reference)

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        allocation = await self.inner.release(client_id, allocation_id)
        await self._written()
        return allocation

    async def fulfil(self, client_id: str, allocation_id: str) -> Allocation:
        allocation = await self.inner.fulfil(client_id, allocation_id)
        await self._written()
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
        try:
            # The next process to start takes the lease at once.
            await self.feed.let_go(self._worker)
        except Exception:
            log.warning("could not let the publisher's lease go; it lapses", exc_info=True)
        await self.inner.close()
