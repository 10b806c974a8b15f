"""Reading the allocation outbox from a position on, partition by partition.

The outbox is split in partitions (one in memory; on Redis one stream per order bucket, so
that every event of one allocation is in one partition, in order). A position is where a
reader stands in a partition: "0" before the first entry; an entry's own position otherwise
(its stream entry id on Redis). Reading also marks EXPIRED the holds past their instant, so
expiries reach readers though nobody asked about those allocations. A follower of every
partition reads them together (`after_each`): one pipeline rather than one per partition.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from stock_cache._rules import RECORD_RETENTION_MS, now_ms
from stock_cache.base import OutboxEntry, StockStore
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
        """Each partition's expiries run and its entries read in one pipeline: a follower
        of every partition pays one round trip and one pipeline, not one per partition."""
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
        found: dict[int, list[Positioned]] = {}
        for p, entries in zip(positions, read, strict=True):
            if entries:
                # A busy outbox's entries decoded in one go would hold the loop: requests
                # waiting on it run between two partitions, and between the pipeline's
                # replies and the first partition decoded.
                await asyncio.sleep(0)
            found[p] = [Positioned(p, at, outbox_entry(fields)) for at, fields in entries]
        return found


def outbox_reader(store: StockStore) -> OutboxReader:
    """The outbox reader of a store that `store_from_url` opened."""
    if isinstance(store, MemoryStore):
        return MemoryOutboxReader(store)
    if isinstance(store, RedisStore):
        return RedisOutboxReader(store)
    raise TypeError(f"no outbox reader for {type(store).__name__}")
