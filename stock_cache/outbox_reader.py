"""Reading the allocation outbox from a position on, partition by partition.

The outbox is split in partitions (one in memory; on Redis one stream per order bucket, so
that every event of one allocation is in one partition, in order). A position is where a
reader stands in a partition: "0" before the first entry; an entry's own position otherwise
(its stream entry id on Redis). Reading also marks EXPIRED the holds past their instant, so
expiries reach readers though nobody asked about those allocations. A follower of every
partition reads them together (`after_each`): one pipeline rather than one per partition.
A follower that wants only the SKUs that some statuses moved reads `skus_after_each`, which
leaves the rest of each entry undecoded.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from stock_cache._rules import RECORD_RETENTION_MS, now_ms
from stock_cache.base import AllocationStatus, OutboxEntry, StockStore
from stock_cache.errors import BadCursor
from stock_cache.memory import MemoryStore
from stock_cache.redis_allocations import OUTBOX_MAXLEN, outbox_entry
from stock_cache.redis_connection import UNREACHABLE, store_error
from stock_cache.redis_keys import ORDER_BUCKETS
from stock_cache.redis_scripts import Call
from stock_cache.redis_store import RedisStore

START = "0"
_ENTRY_ID = re.compile(r"\d{1,20}-\d{1,20}")


@dataclass(frozen=True, slots=True)
class Positioned:
    """An outbox entry and where it stands: `event_id` names it uniquely and for good."""

    partition: int
    position: str
    entry: OutboxEntry

    @property
    def event_id(self) -> str:
        return f"evt_{self.partition}_{self.position}"


@dataclass(frozen=True, slots=True)
class SkusRead:
    """A partition's entries after a position, as a follower of SKUs needs them: how many
    were read, the position of the last, and the SKUs of the lines of those whose status is
    one asked (in order, repeats kept)."""

    count: int
    last: str | None
    skus: list[str]


class OutboxReader(Protocol):
    partitions: int

    async def heads(self) -> dict[int, str]:
        """The position of the newest entry of each partition (START when empty)."""
        ...

    async def after(self, partition: int, position: str, count: int) -> list[Positioned]:
        """Up to `count` entries of a partition after `position`, oldest first."""
        ...

    async def after_each(
        self, positions: Mapping[int, str], count: int
    ) -> dict[int, list[Positioned]]:
        """`after` of every partition named, read together (one round trip on Redis)."""
        ...

    async def skus_after_each(
        self, positions: Mapping[int, str], count: int, statuses: Collection[AllocationStatus]
    ) -> dict[int, SkusRead]:
        """`after_each`, keeping of each entry only its lines' SKUs if its status is in
        `statuses`."""
        ...


def skus_read(read: list[Positioned], statuses: Collection[AllocationStatus]) -> SkusRead:
    """What `skus_after_each` keeps of a partition's read."""
    skus = [line.sku for item in read if item.entry.status in statuses for line in item.entry.lines]
    return SkusRead(len(read), read[-1].position if read else None, skus)


class MemoryOutboxReader:
    partitions = 1

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def heads(self) -> dict[int, str]:
        return {0: str(self._store.outbox_end())}

    async def after(self, partition: int, position: str, count: int) -> list[Positioned]:
        if partition != 0 or not position.isdigit() or len(position) > 18:
            raise BadCursor("position", position)
        return [
            Positioned(0, str(at), entry)
            for at, entry in self._store.outbox_after(int(position), count)
        ]

    async def after_each(
        self, positions: Mapping[int, str], count: int
    ) -> dict[int, list[Positioned]]:
        return {p: await self.after(p, at, count) for p, at in positions.items()}

    async def skus_after_each(
        self, positions: Mapping[int, str], count: int, statuses: Collection[AllocationStatus]
    ) -> dict[int, SkusRead]:
        reads = await self.after_each(positions, count)
        return {p: skus_read(read, statuses) for p, read in reads.items()}


class RedisOutboxReader:
    partitions = ORDER_BUCKETS

    def __init__(self, store: RedisStore) -> None:
        # The store's own client and keys: one connection pool, one key prefix.
        self._store = store
        self._client = store._client
        self._keys = store._keys

    async def heads(self) -> dict[int, str]:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for bucket in range(ORDER_BUCKETS):
                    pipe.xrevrange(self._keys.outbox(bucket), "+", "-", count=1)
                replies = cast(list[list[tuple[str, object]]], await pipe.execute())
        except UNREACHABLE as exc:
            raise store_error(exc, self._store._where, writes=False) from exc
        return {b: reply[0][0] if reply else START for b, reply in enumerate(replies)}

    async def after(self, partition: int, position: str, count: int) -> list[Positioned]:
        return (await self.after_each({partition: position}, count))[partition]

    async def after_each(
        self, positions: Mapping[int, str], count: int
    ) -> dict[int, list[Positioned]]:
        found: dict[int, list[Positioned]] = {}
        for p, entries in (await self._raw_after_each(positions, count)).items():
            if entries:
                # A busy outbox's entries decoded in one go would hold the loop: requests
                # waiting on it run between two partitions, and between the pipeline's
                # replies and the first partition decoded.
                await asyncio.sleep(0)
            found[p] = [Positioned(p, at, outbox_entry(fields)) for at, fields in entries]
        return found

    async def skus_after_each(
        self, positions: Mapping[int, str], count: int, statuses: Collection[AllocationStatus]
    ) -> dict[int, SkusRead]:
        """As `after_each` reads, decoding of an entry only its status, and its lines if that
        is one asked: a publisher's pass reads a busy outbox's every entry, and building each
        whole cost more than everything else it does with it."""
        wanted = frozenset(status.value for status in statuses)
        found: dict[int, SkusRead] = {}
        for p, entries in (await self._raw_after_each(positions, count)).items():
            if entries:
                # As in after_each: the loop is let go between two partitions.
                await asyncio.sleep(0)
            skus = [
                line[1]
                for _, fields in entries
                if fields["status"] in wanted
                for line in json.loads(fields["lines"])
            ]
            found[p] = SkusRead(len(entries), entries[-1][0] if entries else None, skus)
        return found

    async def _raw_after_each(
        self, positions: Mapping[int, str], count: int
    ) -> dict[int, list[tuple[str, dict[str, str]]]]:
        """Each partition's expiries run and its entries read in one pipeline: a follower
        of every partition pays one round trip and one pipeline, not one per partition.
        The entries as the stream holds them: (position, fields)."""
        for partition, position in positions.items():
            if not 0 <= partition < ORDER_BUCKETS:
                raise BadCursor("partition", str(partition))
            if position != START and not _ENTRY_ID.fullmatch(position):
                raise BadCursor("position", position)
        keys, now = self._keys, now_ms(self._store._clock)
        expiries: list[Call] = [
            (
                "expire",
                [keys.outbox(p), keys.held(p)],
                [now, RECORD_RETENTION_MS, OUTBOX_MAXLEN, keys.record_prefix(p)],
            )
            for p in positions
        ]

        def reads(pipe: Any) -> None:
            for p, at in positions.items():
                pipe.xrange(keys.outbox(p), "-" if at == START else f"({at}", "+", count=count)

        try:
            replies = await self._store._scripts.run_all_beside(expiries, reads)
        except UNREACHABLE as exc:
            raise store_error(exc, self._store._where, writes=False) from exc
        read = cast(list[list[tuple[str, dict[str, str]]]], replies[len(expiries) :])
        return dict(zip(positions, read, strict=True))


def outbox_reader(store: StockStore) -> OutboxReader:
    """The outbox reader of a store that `store_from_url` opened."""
    if isinstance(store, MemoryStore):
        return MemoryOutboxReader(store)
    if isinstance(store, RedisStore):
        return RedisOutboxReader(store)
    raise TypeError(f"no outbox reader for {type(store).__name__}")
