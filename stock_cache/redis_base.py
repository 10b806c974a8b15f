"""What every part of the Redis store shares: the client, the keys, the scripts, a call's
session (its share of the connections, and the error a failure means), and the records'
encoding. The parts (redis_feeds.py, redis_reserve.py, redis_allocations.py) build on it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast

from redis.asyncio.cluster import RedisCluster
from redis.typing import EncodableT

from stock_cache._rules import current_status
from stock_cache.base import Allocation, AllocationStatus, StockLine
from stock_cache.capacity_counts import CapacityCounts, EncodedPrefixes
from stock_cache.redis_connection import MAX_CONNECTIONS, UNREACHABLE, store_error
from stock_cache.redis_keys import RedisKeys
from stock_cache.redis_reads import StockReads
from stock_cache.redis_scripts import Call, Client, Scripts
from stock_cache.rules import StockRules

# Reserves whose outcome this process could not learn, kept to settle once Redis answers.
_UNSETTLED_KEPT = 10_000


def encode_lines(lines: Sequence[StockLine]) -> str:
    return json.dumps([[line.node_id, line.sku, line.quantity] for line in lines])


def decode_lines(text: str) -> tuple[StockLine, ...]:
    return tuple(StockLine(node, sku, int(qty)) for node, sku, qty in json.loads(text))


def allocation_of(allocation_id: str, fields: Mapping[str, str], at_ms: int) -> Allocation:
    """An allocation from its record's fields, with its status as of `at_ms`."""
    expires = fields.get("expires_at_ms")
    expires_at_ms = None if expires is None else int(expires)
    return Allocation(
        id=allocation_id,
        client_id=fields["client_id"],
        status=current_status(AllocationStatus(fields["status"]), expires_at_ms, at_ms),
        lines=decode_lines(fields["lines"]),
        created_at_ms=int(fields["created_at_ms"]),
        expires_at_ms=expires_at_ms,
        order_reference=fields.get("order_reference"),
        payload=fields["payload"],
    )


def skus_of(fields: Mapping[str, str]) -> list[str]:
    """The SKUs of an allocation record (or claim), each once."""
    return list(dict.fromkeys(line.sku for line in decode_lines(fields["lines"])))


def capacity_nodes_of(fields: Mapping[str, str]) -> list[str]:
    """The nodes whose daily capacity an allocation record (or claim) holds an order of."""
    return cast(list[str], json.loads(fields.get("capacity") or "[]"))


class _Session:
    """`RedisBase._session`: a class, not an async generator, as every store call enters one
    (a generator-based context manager costs a generator, its loop hooks and more frames)."""

    __slots__ = ("_base", "_writes")

    def __init__(self, base: RedisBase, writes: bool) -> None:
        self._base = base
        self._writes = writes

    async def __aenter__(self) -> None:
        base = self._base
        await base._turns.acquire()
        try:
            if not base._ready:
                await base._get_ready()
            if base._unsettled:
                await base._settle()
        except BaseException as exc:
            base._turns.release()
            if isinstance(exc, UNREACHABLE):
                # Nothing of this call was sent yet.
                raise store_error(exc, base._where, writes=False) from exc
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        base = self._base
        base._turns.release()
        if isinstance(exc, UNREACHABLE):
            raise store_error(exc, base._where, writes=self._writes) from exc


@dataclass(frozen=True, slots=True)
class Unsettled:
    """A reserve that failed after its claim: its claim to let go and holds to give back,
    unless it turns out committed."""

    idempotency: str
    pending: str
    allocation_id: str
    holders: list[list[str]]
    # The quote's claim and the idempotency key it names, let go with the key's claim.
    quote: tuple[str, str] | None = None


class RedisBase:
    """The state and helpers the Redis store's parts share (see RedisStore)."""

    def __init__(
        self,
        client: Client,
        *,
        where: str,
        rules: StockRules | None = None,
        clock: Callable[[], float] = time.time,
        key_prefix: str = "pg",
    ) -> None:
        """Use `client`, which must decode responses; prefer `RedisStore.from_url`."""
        self._client = client
        self._where = where
        self._rules = rules or StockRules()
        self._clock = clock
        self._keys = RedisKeys(key_prefix)
        self._scripts = Scripts(client, wire=True)
        # A cluster runs a script on the keys of one slot only; a standalone server on any.
        self._cluster = isinstance(client, RedisCluster)
        self._reads = StockReads(
            client,
            self._run_for_reads,
            self._keys,
            self._rules,
            clock=clock,
            one_trip=not isinstance(client, RedisCluster),
            keeps=self._scripts.as_functions,
        )
        self._turns = asyncio.Semaphore(MAX_CONNECTIONS)
        self._ready = False
        self._ready_lock = asyncio.Lock()
        self._unsettled: list[Unsettled] = []
        self._capacity_counts = CapacityCounts()
        self._capacity_prefixes = EncodedPrefixes(self._keys.capacity_prefix)
        # What every hold of capacity and every give-back tells the capacity epoch, which
        # only a standalone server keeps (capacity_counts.py).
        self._epoch_args: list[EncodableT] = [] if self._cluster else [self._keys.capacity_epoch()]

    def _session(self, *, writes: bool = False) -> _Session:
        """One call's share of the connections; a failure to reach Redis becomes the store's
        error (see redis_connection.py: `writes` says whether the call changes anything).

        First, once Redis answers again, settle the reserves this process left unsettled.
        The cluster client refuses, rather than waits, past its connections per node: calls
        take a turn here first, as the standalone pool's callers wait for a connection.
        """
        return _Session(self, writes)

    async def _get_ready(self) -> None:
        # Many first calls at once would each find the cluster's slot map missing, send to a
        # wrong node, and the client, seeing MOVED, closes every connection to start over:
        # learn the slot map once, first.
        async with self._ready_lock:
            if not self._ready and isinstance(self._client, RedisCluster):
                await self._client.initialize()
            self._ready = True

    def _leave_unsettled(self, entry: Unsettled) -> None:
        self._unsettled.append(entry)
        del self._unsettled[:-_UNSETTLED_KEPT]

    async def _settle(self) -> None:
        """Let go of the claims of reserves that failed here, and give back their holds,
        unless the reserve was committed after all (its reply was lost)."""
        entries, self._unsettled = self._unsettled, []
        try:
            replies = await self._run(
                [
                    ("unclaim", [entry.idempotency, entry.pending], [entry.allocation_id])
                    for entry in entries
                ]
            )
            await self._give_back(
                [
                    (entry.allocation_id, entry.holders)
                    for entry, reply in zip(entries, replies, strict=True)
                    if not (reply[0] == "committed" and reply[1] == entry.allocation_id)
                ]
            )
            quotes: list[Call] = [
                ("quote_unclaim", [entry.quote[0]], [entry.quote[1]])
                for entry, reply in zip(entries, replies, strict=True)
                if reply[0] == "released" and entry.quote is not None
            ]
            if quotes:
                await self._run(quotes)
        except BaseException:
            self._unsettled = entries + self._unsettled
            raise

    async def _give_back(self, held: Sequence[tuple[str, Sequence[list[str]]]]) -> None:
        """Give back what allocations that were never committed may hold.

        One read of every slot first: commands that a server received before it stopped
        answering run, once it answers again, before it answers anything sent since; so no
        hold sent before the pause can land after the give-back.
        """
        if not held:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for _, holders in held:
                for keys in holders:
                    pipe.exists(keys[1])
            await pipe.execute()
        await self._run(
            [
                ("unhold", keys, [allocation_id, *self._epoch_args])
                for allocation_id, holders in held
                for keys in holders
            ]
        )

    def _holders(self, skus: Iterable[str], nodes: Iterable[str] = ()) -> list[list[str]]:
        """The (reserved, allocs, holds) keys of each SKU and each node's capacity that an
        allocation holds in: the scripts unhold.lua and pin.lua serve them all alike."""
        return [self._holder_keys(sku) for sku in skus] + [
            list(self._keys.capacity(node)) for node in nodes
        ]

    def _limit_holders(self, fields: Mapping[str, str]) -> list[list[str]]:
        """The keys of the caps of held units an allocation record counts against."""
        names = cast(list[str], json.loads(fields.get("limits") or "[]"))
        client_id = fields["client_id"]
        return [list(self._keys.holder(client_id, name)) for name in names]

    def _holder_keys(self, sku: str) -> list[str]:
        """reserved, allocs, holds of a SKU, and the totals that any change there forgets."""
        return [*self._keys.reservations(sku), self._keys.totals(sku)]

    def _holders_of(self, fields: Mapping[str, str]) -> list[list[str]]:
        return self._holders(skus_of(fields), capacity_nodes_of(fields))

    def _holders_in(self, *replies: Sequence[str]) -> list[tuple[str, list[list[str]]]]:
        """(allocation id, holders) of replies listing allocation id, lines, capacity."""
        return [
            (allocation_id, self._holders_of({"lines": lines, "capacity": capacity}))
            for reply in replies
            for allocation_id, lines, capacity in zip(
                reply[::3], reply[1::3], reply[2::3], strict=True
            )
        ]

    async def _unhold(self, allocation_id: str, holders: Iterable[list[str]]) -> None:
        calls: list[Call] = [
            ("unhold", keys, [allocation_id, *self._epoch_args]) for keys in holders
        ]
        await self._run(calls)

    async def _run(self, calls: Sequence[Call], *, atomic: bool = False) -> list[Any]:
        return await self._scripts.run(calls, atomic=atomic)

    async def _run_for_reads(self, calls: Sequence[Call], *, atomic: bool = False) -> list[Any]:
        # Through `_run` as it is when called, so that a test standing in for it sees reads.
        return await self._run(calls, atomic=atomic)
