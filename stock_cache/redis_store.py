"""The Redis store, standalone (`redis://`, `rediss://`, `unix://`) or Cluster (`redis+cluster://`):
every read-modify-write is a Lua script (lua/*.lua) touching one hash slot, so the same code
runs on both. Its parts: feeds (redis_feeds.py), reserve (redis_reserve.py), allocations
after it (redis_allocations.py), reads (redis_reads.py); how they span slots is in
docs/stock-store.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from stock_cache.base import NodeStock, SkuAvailability
from stock_cache.redis_channel_totals import network_totals
from stock_cache.redis_connection import CLUSTER_SCHEMES, open_client, where
from stock_cache.redis_feeds import FeedSteps
from stock_cache.redis_reserve import ReserveSteps
from stock_cache.redis_scripts import Call
from stock_cache.rules import StockRules

__all__ = ["CLUSTER_SCHEMES", "RedisStore"]


class RedisStore(FeedSteps, ReserveSteps):
    """A `StockStore` in Redis or a Redis Cluster: every read-modify-write is a Lua script.

    The scripts are atomic on the server, so no two processes can both take the last unit.
    """

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        rules: StockRules | None = None,
        clock: Callable[[], float] = time.time,
        key_prefix: str = "pg",
    ) -> RedisStore:
        """A store over a connection pool for `url`; nothing connects until the first call."""
        return cls(
            open_client(url), where=where(url), rules=rules, clock=clock, key_prefix=key_prefix
        )

    async def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, int]]:
        async with self._session():
            return await self._reads.atp(skus, node_ids, channel)

    async def stock(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, NodeStock]]:
        async with self._session():
            return await self._reads.stock(skus, node_ids, channel, with_inbound=True)

    async def availability(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        *,
        network: Sequence[str],
        channel: str | None = None,
    ) -> dict[str, SkuAvailability]:
        """See redis_reads.py: the total comes from a cache kept exact in each SKU's slot."""
        async with self._session():
            return await self._reads.availability(skus, node_ids, network, channel)

    async def network_totals(
        self, skus: Sequence[str], networks: Sequence[tuple[str | None, Sequence[str]]]
    ) -> list[dict[str, int]]:
        """Per network (channel, nodes), each SKU's total over it: `availability`'s totals
        of every network read together (see redis_channel_totals.py)."""
        async with self._session():
            return await network_totals(self._reads, self._run_each, skus, networks)

    async def _run_each(self, calls: Sequence[Call], *, atomic: bool = False) -> list[Any]:
        return await self._scripts.run_each(calls)

    async def ping(self) -> None:
        async with self._session():
            await self._client.ping()

    async def close(self) -> None:
        await self._scripts.aclose()
        await self._client.aclose()
