"""The Redis store, standalone (`redis://`, `rediss://`, `unix://`) or Cluster (`redis+cluster://`).

The same code runs on both: every Lua script (lua/*.lua, run by redis_scripts.py) touches the
keys of one hash slot only, and each call sends its scripts in one pipelined round trip per
step. See RedisKeys for the layout: per SKU `{s:SKU}`, per node `{n:NODE}`, per order bucket
`{o:B}`, and the snapshot generations of every node in `{gens}`. Reads (ATP, inbound stock,
the network-wide totals that each SKU caches) are in redis_reads.py.

Daily capacity: a node's orders per local day live in its own slot, in keys that mirror a
SKU's reservation keys with the day in place of the node (`{n:NODE}:cap:reserved` hash day ->
orders, `cap:allocs` hash allocation id -> {day: 1}, `cap:holds` zset allocation id ->
expiry): cap_hold.lua holds one order (or reports the day full), and unhold.lua, pin.lua and
the sweep serve these keys as they do a SKU's, so an order is held, pinned, confirmed,
expired and released exactly like the units. The record's `capacity` field names the nodes.
At fulfil cap_keep.lua forgets the allocation but keeps its order counted on its day.

Reserve, all lines or none, across slots:
  1. one round trip reads the idempotency key (a replay or a conflict ends here) and, with one
     HMGET of the `{gens}` hash, the snapshot generation of each node of the request: two
     slots in one non-transactional pipeline (on a cluster, one send per server at once);
  2. one round trip runs hold.lua once per SKU: each holds that SKU's lines under the new
     allocation id, with the allocation's expiry, or holds nothing and reports the shortage;
     in the same round trip cap_hold.lua holds one order of each capacity-bound node's day.
     Both are idempotent per allocation id;
  3. if any SKU or node was short, one round trip gives back what the others hold (unhold.lua) and
     the answer is InsufficientStock; otherwise commit.lua writes, in the allocation's order
     bucket, the record, the idempotency key and the HELD entry of the outbox stream, in one
     step. Should the key have been taken meanwhile, the holds are given back.
  A crash between steps leaves only holds that expire on their own, as any HELD hold does.
  So a commit costs 3 round trips, one per step, whatever the slots its lines touch (on a
  cluster, each step at most one per slot, in parallel), plus the repair of a dead confirm
  when pinned_due finds one.

Confirm, in three steps:
  1. pin.lua pins each SKU's hold: moves its expiry a day ahead (the grace) so that no sweep
     frees it mid-change; a hold already gone makes the allocation EXPIRED;
  2. change.lua confirms the record, publishes it and, in the same step, enters the
     allocation in its bucket's `pinned` zset, scored by when a repair is due (a minute on);
  3. the holds are taken out of the SKUs' expiry sets (the units stay reserved, with no
     expiry, until fulfilled or released), and only then the allocation out of `pinned`.
  A crash before step 2 leaves pinned holds that lapse after the grace, as a HELD hold would.
  A crash between steps 2 and 3 would leave a CONFIRMED record whose holds lapse a day later,
  the units sold twice: so every call that runs a script in a bucket (reserve's commit,
  change.lua, read_outbox's expiry) also runs pinned_due.lua there, in the same round trip,
  which hands back up to 20 allocations of `pinned` that are due and still CONFIRMED; the
  caller redoes their step 3 (idempotent). Reading, confirming again, releasing or fulfilling
  an allocation still in `pinned` redoes its step 3 first, and the gateway runs repair() (every
  bucket, more at a time) each minute as a safeguard. A bucket with no call and no repair for
  a whole day would still lose such holds.
Release and fulfil change the record first, then give back the units per SKU; repeating them
redoes the second step, so a crash in between is repaired by the caller's retry.

Snapshots, atomic per node although its SKUs live in many slots: a node has a snapshot
generation, and the committed generation of every node lives in one hash of its own slot,
`{gens}` (with the watermarks and the generation counters), so that a reader gets those of
all the nodes it needs with one HMGET. In four steps:
  1. snapshot_begin.lua ({gens}) opens a new generation, or refuses a watermark that is not
     newer than the node's;
  2. stage.lua writes each level in its SKU's slot under that generation, invisible to readers;
     the SKUs of the node's index that the snapshot leaves out are staged at zero;
  3. snapshot_commit.lua ({gens}) flips the node's committed generation, checks and sets its
     watermark and bumps the flip epoch, in one step: it is the instant the snapshot becomes
     visible, and readers, who take the generations first and then ask each SKU for its levels
     as of them, see the old set or the new set, never a mix;
  4. only after a flip that committed, snapshot_index.lua (node slot) drops the zeroed SKUs
     from the node's SKU index. The other order would be wrong: an index pruned by a snapshot
     whose flip is then refused or never sent loses SKUs whose committed level is not zero,
     and no later snapshot would zero them. This order makes a crash between 3 and 4
     harmless: the index keeps SKUs at zero, which the next snapshot stages at zero again.
A snapshot that fails before its flip is never committed: its staged levels stay invisible and
the next snapshot replaces them. Known limits: two snapshots of one node written at the very
same time may leave levels of the losing one visible for SKUs only it named; an event whose
sequence a snapshot being written (and then abandoned) covers is skipped as stale.

Expiry of holds is lazy but exact: the SKU scripts free the holds whose expiry instant has
passed by the injected clock before they read, and the order-bucket scripts mark such
allocations EXPIRED and publish it. An expired hold never counts, swept or not.

Every SKU script that may change what the SKU's ATP is (apply_event, stage, hold, unhold,
fulfil, and any sweep that frees a hold) also deletes the SKU's cached totals in the same
step, and every flip bumps the epoch that the totals a flip could change are tagged with:
see redis_reads.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

import redis.exceptions
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.typing import EncodableT

from stock_cache._ledger import (
    EVENT_ID_TTL_MS,
    level_rejection,
    rejection,
    watermark_rejection,
)
from stock_cache._rules import (
    IDEMPOTENCY_TTL_MS,
    RECORD_RETENTION_MS,
    Units,
    capacity_of,
    current_status,
    now_ms,
    units_of,
)
from stock_cache.base import (
    Allocation,
    AllocationStatus,
    CapacityShortage,
    FeedResult,
    FeedStatus,
    Inbound,
    InsufficientStock,
    NodeStock,
    OutboxEntry,
    Reserved,
    ReserveOutcome,
    ReserveRequest,
    Shortage,
    SkuAvailability,
    StockEvent,
    StockLine,
)
from stock_cache.errors import (
    AllocationNotFound,
    AllocationStateError,
    IdempotencyConflict,
    StoreUnavailable,
)
from stock_cache.redis_keys import (
    ORDER_BUCKETS,
    RedisKeys,
    bucket_of_allocation,
    bucket_of_key,
    gen_field,
)
from stock_cache.redis_reads import Generations, StockReads, generation_fields
from stock_cache.redis_scripts import Call, Client, Scripts
from stock_cache.rules import StockRules

# Fail fast: a caller at checkout would rather get StoreUnavailable in about a second than wait.
_TIMEOUT_SECONDS = 1.0
# Per process; a URL's ?max_connections= wins over it.
_MAX_CONNECTIONS = 50
# How long a confirm may take between pinning the holds and confirming the record.
_PIN_GRACE_MS = 24 * 60 * 60 * 1000
# From when a confirm that has not taken its holds out of the expiry sets counts as dead, and
# how many of them each call in their bucket finishes (repair() takes more).
_REPAIR_AFTER_MS = 60 * 1000
_REPAIR_BATCH = 20
_REPAIR_ALL_BATCH = 1_000
_OUTBOX_MAXLEN = 100_000
_CHUNK = 1_000
_STAGING_TTL_MS = 24 * 60 * 60 * 1000

CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")


_UNREACHABLE = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.ClusterError,
    redis.exceptions.RedisClusterException,
    redis.exceptions.TryAgainError,
    OSError,
)


def _where(url: str) -> str:
    """The server a URL names, without its credentials, for error messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix:{parts.path}"
    return f"{parts.hostname}:{parts.port or 6379}"


@contextlib.contextmanager
def _unavailable_if_unreachable(where: str) -> Iterator[None]:
    try:
        yield
    except _UNREACHABLE as exc:
        raise StoreUnavailable(f"Redis at {where} did not answer: {exc}") from exc


def _encode_lines(lines: Sequence[StockLine]) -> str:
    return json.dumps([[line.node_id, line.sku, line.quantity] for line in lines])


def _decode_lines(text: str) -> tuple[StockLine, ...]:
    return tuple(StockLine(node, sku, int(qty)) for node, sku, qty in json.loads(text))


def _allocation(allocation_id: str, fields: Mapping[str, str], at_ms: int) -> Allocation:
    """An allocation from its record's fields, with its status as of `at_ms`."""
    expires = fields.get("expires_at_ms")
    expires_at_ms = None if expires is None else int(expires)
    return Allocation(
        id=allocation_id,
        client_id=fields["client_id"],
        status=current_status(AllocationStatus(fields["status"]), expires_at_ms, at_ms),
        lines=_decode_lines(fields["lines"]),
        created_at_ms=int(fields["created_at_ms"]),
        expires_at_ms=expires_at_ms,
        order_reference=fields.get("order_reference"),
        payload=fields["payload"],
    )


def _new_allocation_id(bucket: int) -> str:
    return f"{bucket:x}{uuid.uuid4().hex[1:]}"


def _skus_of(fields: Mapping[str, str]) -> list[str]:
    """The SKUs of an allocation record, each once."""
    return list(dict.fromkeys(line.sku for line in _decode_lines(fields["lines"])))


def _capacity_nodes_of(fields: Mapping[str, str]) -> list[str]:
    """The nodes whose daily capacity an allocation record holds an order of."""
    return cast(list[str], json.loads(fields.get("capacity") or "[]"))


def _by_sku(units: Units) -> dict[str, list[tuple[int, str, int]]]:
    """(position in units, node, qty) per SKU, SKUs in order of first appearance."""
    grouped: dict[str, list[tuple[int, str, int]]] = {}
    for index, ((node, sku), qty) in enumerate(units.items()):
        grouped.setdefault(sku, []).append((index, node, qty))
    return grouped


class RedisStore:
    """A `StockStore` in Redis or a Redis Cluster: every read-modify-write is a Lua script.

    The scripts are atomic on the server, so no two processes can both take the last unit.
    See the module docstring for how a reserve spans slots and how snapshots stay atomic.
    """

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
        self._scripts = Scripts(client)
        self._reads = StockReads(
            client,
            self._run_for_reads,
            self._keys,
            self._rules,
            clock=clock,
            one_trip=not isinstance(client, RedisCluster),
        )
        self._turns = asyncio.Semaphore(_MAX_CONNECTIONS)
        self._ready = False
        self._ready_lock = asyncio.Lock()

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
        parts = urlsplit(url)
        client: Client
        if parts.scheme in CLUSTER_SCHEMES:
            plain = urlunsplit(parts._replace(scheme=parts.scheme.removesuffix("+cluster")))
            client = RedisCluster.from_url(
                plain,
                decode_responses=True,
                socket_connect_timeout=_TIMEOUT_SECONDS,
                socket_timeout=_TIMEOUT_SECONDS,
                # No retries: a reply lost after a script ran would run it twice. The caller
                # retries instead, with the same idempotency key.
                retry=Retry(NoBackoff(), 0),
                max_connections=_MAX_CONNECTIONS * 2,
            )
        else:
            pool = BlockingConnectionPool.from_url(
                url,
                decode_responses=True,
                socket_connect_timeout=_TIMEOUT_SECONDS,
                socket_timeout=_TIMEOUT_SECONDS,
                retry=Retry(NoBackoff(), 0),
                # A burst waits its turn for one of a bounded set of connections rather than
                # opening one per request (redis-py's default pool refuses past 100).
                max_connections=_MAX_CONNECTIONS,
                timeout=_TIMEOUT_SECONDS,
            )
            # from_pool: closing the client closes the pool it owns.
            client = Redis.from_pool(pool)
        return cls(client, where=_where(url), rules=rules, clock=clock, key_prefix=key_prefix)

    # -- feeds ---------------------------------------------------------------------------

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        result = await self.replace_node_stock(node_id, [levels], watermark=None)
        if result.status is not FeedStatus.APPLIED:
            raise ValueError(result.reason)

    async def replace_node_stock(
        self, node_id: str, levels: Iterable[Mapping[str, int]], *, watermark: int | None
    ) -> FeedResult:
        """Stage the levels chunk by chunk under a new generation, then flip it."""
        reason = watermark_rejection(watermark)
        if reason is not None:
            return FeedResult(FeedStatus.REJECTED, reason)
        index = self._keys.node_skus(node_id)
        mark = "" if watermark is None else watermark
        gens, marks = self._keys.gens(), self._keys.watermarks()
        field = gen_field(node_id)
        async with self._session():
            (opened,) = await self._run(
                [("snapshot_begin", [gens, marks, self._keys.next_gens()], [node_id, field, mark])]
            )
            if opened[0] == "stale":
                return FeedResult(
                    FeedStatus.STALE, f"watermark {watermark} is not newer than {opened[1]}"
                )
            gen, committed = int(opened[1]), int(opened[2])
            zeroed = self._keys.node(node_id, f"zeroed:{gen}")
            for chunk in levels:
                for sku, qty in chunk.items():
                    reason = level_rejection(sku, qty)
                    if reason is not None:
                        # Nothing was committed: the staged levels stay invisible.
                        return FeedResult(FeedStatus.REJECTED, reason)
                await self._stage(node_id, gen, committed, mark, chunk, index, zeroed)
            await self._stage_left_out(node_id, gen, committed, mark, index, zeroed)
            # The flip first, in the {gens} slot; only then, in the node's slot, the index
            # (see snapshot_index.lua for why this order makes a crash in between harmless).
            (done,) = await self._run(
                [("snapshot_commit", [gens, marks], [node_id, field, gen, mark])]
            )
            flipped = int(done[0] == "committed")
            await self._run([("snapshot_index", [index, zeroed], [flipped])])
        if done[0] == "stale":
            return FeedResult(FeedStatus.STALE, f"a newer snapshot ({done[1]}) was written")
        return FeedResult(FeedStatus.APPLIED)

    async def _stage(
        self,
        node_id: str,
        gen: int,
        committed: int,
        mark: EncodableT,
        chunk: Mapping[str, int],
        index: str,
        zeroed: str,
        *,
        only_if_absent: bool = False,
    ) -> list[str]:
        """Stage levels; returns the SKUs staged (all, unless only_if_absent)."""
        items = list(chunk.items())
        for start in range(0, len(items), _CHUNK):
            part = items[start : start + _CHUNK]
            calls: list[Call] = [
                (
                    "stage",
                    [self._keys.stock(sku), self._keys.totals(sku)],
                    [node_id, gen, committed, qty, mark, int(only_if_absent)],
                )
                for sku, qty in part
            ]
            replies = await self._run(calls)
            staged = [sku for (sku, _), done in zip(part, replies, strict=True) if done]
            staged_set = set(staged)
            zeros = [sku for sku, qty in part if qty == 0 and sku in staged_set]
            named = self._keys.node(node_id, f"named:{gen}")
            async with self._client.pipeline(transaction=False) as pipe:
                if staged:
                    pipe.sadd(index, *staged)
                    pipe.sadd(named, *staged)
                    pipe.pexpire(named, _STAGING_TTL_MS)
                if zeros:
                    pipe.sadd(zeroed, *zeros)
                    pipe.pexpire(zeroed, _STAGING_TTL_MS)
                await pipe.execute()
        return [sku for sku, _ in items]

    async def _stage_left_out(
        self, node_id: str, gen: int, committed: int, mark: EncodableT, index: str, zeroed: str
    ) -> None:
        """Stage zero for every SKU of the node's index that the snapshot did not name."""
        named = self._keys.node(node_id, f"named:{gen}")
        cursor = "0"
        while True:
            (page,) = await self._run([("left_out", [index, named], [cursor, _CHUNK])])
            cursor, missing = str(page[0]), cast(list[str], page[1:])
            if missing:
                chunk = dict.fromkeys(missing, 0)
                await self._stage(
                    node_id, gen, committed, mark, chunk, index, zeroed, only_if_absent=True
                )
            if cursor == "0":
                await self._client.delete(named)
                return

    async def apply_events(self, events: Sequence[StockEvent]) -> list[FeedResult]:
        results: list[FeedResult | None] = [None] * len(events)
        valid: list[tuple[int, StockEvent]] = []
        for position, event in enumerate(events):
            reason = rejection(event)
            if reason is not None:
                results[position] = FeedResult(FeedStatus.REJECTED, reason)
            else:
                valid.append((position, event))
        if valid:
            now = now_ms(self._clock)
            nodes = list(dict.fromkeys(event.node_id for _, event in valid))
            async with self._session():
                found = await self._client.hmget(self._keys.watermarks(), nodes)
                marks = dict(zip(nodes, cast(list[str | None], found), strict=True))
                calls: list[Call] = [
                    (
                        "apply_event",
                        [
                            self._keys.stock(event.sku),
                            self._keys.sku(event.sku, "seen"),
                            self._keys.totals(event.sku),
                        ],
                        [
                            now,
                            EVENT_ID_TTL_MS,
                            event.node_id,
                            event.event_id,
                            event.sequence,
                            event.kind.value,
                            event.quantity,
                            int(event.resellable),
                            int(marks[event.node_id] or -1),
                        ],
                    )
                    for _, event in valid
                ]
                replies = await self._run(calls)
                async with self._client.pipeline(transaction=False) as pipe:
                    for node in nodes:
                        pipe.sadd(
                            self._keys.node_skus(node),
                            *{event.sku for _, event in valid if event.node_id == node},
                        )
                    await pipe.execute()
            for (position, event), reply in zip(valid, replies, strict=True):
                status = FeedStatus(reply[0])
                reason = ""
                if status is FeedStatus.DUPLICATE:
                    reason = f"event {event.event_id!r} was already taken"
                elif status is FeedStatus.STALE:
                    reason = (
                        f"sequence {event.sequence} is covered by a count or snapshot"
                        f" at {int(reply[1])}"
                    )
                results[position] = FeedResult(status, reason)
        return [result for result in results if result is not None]

    async def set_inbound(self, node_id: str, sku: str, inbound: Sequence[Inbound]) -> None:
        for index, item in enumerate(inbound):
            if item.quantity < 1:
                raise ValueError(f"inbound[{index}] has quantity {item.quantity}; it must be >= 1")
        ordered = sorted(inbound, key=lambda item: item.eta_ms)
        key = self._keys.sku(sku, "inbound")
        async with self._session():
            if ordered:
                encoded = json.dumps([[item.quantity, item.eta_ms] for item in ordered])
                await self._client.hset(key, node_id, encoded)
            else:
                await self._client.hdel(key, node_id)

    # -- reads ---------------------------------------------------------------------------

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

    # -- reservations --------------------------------------------------------------------

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        units = units_of(request)
        orders = capacity_of(request)
        self._rules.channel(request.channel)
        now = now_ms(self._clock)
        bucket = bucket_of_key(request.client_id, request.idempotency_key)
        allocation_id = _new_allocation_id(bucket)
        expires_at_ms = now + request.ttl_seconds * 1000
        idempotency = self._keys.idempotency(request.client_id, request.idempotency_key)
        grouped = _by_sku(units)
        nodes = list(dict.fromkeys(node for node, _ in units))
        async with self._session():
            # Two slots, one round trip: a non-transactional pipeline (split per node on a
            # cluster). The generations are wasted on a replay, which is rare.
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hmget(idempotency, ["fingerprint", "allocation_id"])
                pipe.hmget(self._keys.gens(), generation_fields(nodes))
                known, found = cast(list[list[str | None]], await pipe.execute())
            if known[0] is not None:
                return await self._replay(request, known[0], known[1], now)
            gens = Generations.parse(nodes, found)
            calls: list[Call] = []
            for sku, lines in grouped.items():
                args: list[EncodableT] = [now, expires_at_ms, allocation_id]
                for _, node, qty in lines:
                    node_args = self._reads.args.node(request.channel, node, sku)
                    args += (node, qty, gens.of[node], *node_args)
                calls.append(("hold", [self._keys.stock(sku), *self._holder_keys(sku)], args))
            for node, (day, limit) in orders.items():
                args = [now, expires_at_ms, allocation_id, day, -1 if limit is None else limit]
                calls.append(("cap_hold", list(self._keys.capacity(node)), args))
            replies = await self._run(calls)
            shortages: list[tuple[int, Shortage]] = []
            for (sku, lines), reply in zip(grouped.items(), replies[: len(grouped)], strict=True):
                for at, available in zip(reply[1::2], reply[2::2], strict=True):
                    index, node, qty = lines[int(at)]
                    shortages.append((index, Shortage(node, sku, qty, int(available))))
            full = tuple(
                CapacityShortage(node, day, cast(int, limit), int(reply[1]))
                for (node, (day, limit)), reply in zip(
                    orders.items(), replies[len(grouped) :], strict=True
                )
                if reply[0] == "short"
            )
            holders = self._holders(grouped, orders)
            if shortages or full:
                await self._unhold(allocation_id, holders)
                return InsufficientStock(tuple(s for _, s in sorted(shortages)), full)
            args = [
                now,
                expires_at_ms,
                allocation_id,
                request.client_id,
                request.fingerprint,
                _encode_lines(request.lines),
                request.payload,
                IDEMPOTENCY_TTL_MS,
                request.ttl_seconds * 1000 + RECORD_RETENTION_MS,
                RECORD_RETENTION_MS,
                _OUTBOX_MAXLEN,
                self._keys.record_prefix(bucket),
                json.dumps(list(orders)) if orders else "",
            ]
            keys = [
                idempotency,
                self._keys.allocation(allocation_id),
                self._keys.outbox(bucket),
                self._keys.held(bucket),
            ]
            committed, due = await self._run(
                [("commit", keys, args), self._pinned_due(bucket, now)]
            )
            await self._finish_confirms(due)
            if committed[0] != "held":
                await self._unhold(allocation_id, holders)
                if committed[0] == "conflict":
                    raise IdempotencyConflict(request.idempotency_key)
                return await self._replay(request, request.fingerprint, committed[1], now)
        allocation = Allocation(
            id=allocation_id,
            client_id=request.client_id,
            status=AllocationStatus.HELD,
            lines=request.lines,
            created_at_ms=now,
            expires_at_ms=expires_at_ms,
            order_reference=None,
            payload=request.payload,
        )
        return Reserved(allocation, replayed=False)

    async def _replay(
        self, request: ReserveRequest, fingerprint: str, allocation_id: str | None, now: int
    ) -> Reserved:
        if fingerprint != request.fingerprint:
            raise IdempotencyConflict(request.idempotency_key)
        first = await self._read(allocation_id or "", now)
        if first is None:
            raise AllocationNotFound(allocation_id or "")
        return Reserved(first, replayed=True)

    def _holders(self, skus: Iterable[str], nodes: Iterable[str] = ()) -> list[list[str]]:
        """The (reserved, allocs, holds) keys of each SKU and each node's capacity that an
        allocation holds in: the scripts unhold.lua and pin.lua serve them all alike."""
        return [self._holder_keys(sku) for sku in skus] + [
            list(self._keys.capacity(node)) for node in nodes
        ]

    def _holder_keys(self, sku: str) -> list[str]:
        """reserved, allocs, holds of a SKU, and the totals that any change there forgets."""
        return [*self._keys.reservations(sku), self._keys.totals(sku)]

    def _holders_of(self, fields: Mapping[str, str]) -> list[list[str]]:
        return self._holders(_skus_of(fields), _capacity_nodes_of(fields))

    async def _unhold(self, allocation_id: str, holders: Iterable[list[str]]) -> None:
        calls: list[Call] = [("unhold", keys, [allocation_id]) for keys in holders]
        await self._run(calls)

    async def capacity_used(self, node_ids: Sequence[str], day: str) -> dict[str, int]:
        """One script per node (each in its node's slot), in one round trip."""
        unique = list(dict.fromkeys(node_ids))
        if not unique:
            return {}
        now = now_ms(self._clock)
        async with self._session():
            replies = await self._run(
                [("cap_used", list(self._keys.capacity(node)), [now, day]) for node in unique]
            )
        used = {node: int(reply) for node, reply in zip(unique, replies, strict=True)}
        return {node: used[node] for node in node_ids}

    async def confirm(self, client_id: str, allocation_id: str, order_reference: str) -> Allocation:
        now = now_ms(self._clock)
        async with self._session():
            fields = await self._owned(client_id, allocation_id)
            holders = self._holders_of(fields)
            if fields["status"] == AllocationStatus.HELD.value:
                pinned = await self._run(
                    [
                        ("pin", keys, [allocation_id, now, pin])
                        for keys in holders
                        for pin in [max(int(fields["expires_at_ms"]), now) + _PIN_GRACE_MS]
                    ]
                )
                if not all(int(answer) for answer in pinned):
                    # Some process already swept an expired part: the whole hold expired.
                    await self._unhold(allocation_id, holders)
                    await self._change("expire", client_id, allocation_id, now, "")
                    raise AllocationStateError(allocation_id, "EXPIRED", "confirmed")
            try:
                after = await self._change(
                    "confirm", client_id, allocation_id, now, order_reference
                )
            except AllocationStateError as refused:
                if refused.status not in ("HELD", "CONFIRMED"):
                    await self._unhold(allocation_id, holders)
                raise
            await self._unpin([(allocation_id, holders)])
        return after

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        return await self._change_then_free("release", client_id, allocation_id)

    async def fulfil(self, client_id: str, allocation_id: str) -> Allocation:
        return await self._change_then_free("fulfil", client_id, allocation_id)

    async def _change_then_free(
        self, action: Literal["release", "fulfil"], client_id: str, allocation_id: str
    ) -> Allocation:
        now = now_ms(self._clock)
        async with self._session():
            fields = await self._owned(client_id, allocation_id)
            skus, nodes = _skus_of(fields), _capacity_nodes_of(fields)
            try:
                after = await self._change(action, client_id, allocation_id, now, "")
            except AllocationStateError as refused:
                if refused.status == "EXPIRED":
                    await self._unhold(allocation_id, self._holders(skus, nodes))
                raise
            if action == "release":
                await self._unhold(allocation_id, self._holders(skus, nodes))
            else:
                # The units leave the SKUs' reservations; the orders stay counted that day.
                calls: list[Call] = [
                    (
                        "fulfil",
                        [self._keys.stock(sku), *self._holder_keys(sku)],
                        [allocation_id],
                    )
                    for sku in skus
                ]
                calls += [
                    ("cap_keep", list(self._keys.capacity(node)[1:]), [allocation_id])
                    for node in nodes
                ]
                await self._run(calls)
        return after

    async def _owned(self, client_id: str, allocation_id: str) -> dict[str, str]:
        fields = await self._fields(allocation_id)
        if fields.get("client_id") != client_id:
            raise AllocationNotFound(allocation_id)
        return fields

    async def _change(
        self, action: str, client_id: str, allocation_id: str, now: int, order_reference: str
    ) -> Allocation:
        bucket = int(allocation_id[:1], 16)
        keys = [
            self._keys.allocation(allocation_id),
            self._keys.outbox(bucket),
            self._keys.held(bucket),
            self._keys.pinned(bucket),
        ]
        args: list[EncodableT] = [
            action,
            client_id,
            allocation_id,
            now,
            RECORD_RETENTION_MS,
            order_reference,
            _OUTBOX_MAXLEN,
            self._keys.record_prefix(bucket),
            now + _REPAIR_AFTER_MS,
        ]
        reply, due = await self._run([("change", keys, args), self._pinned_due(bucket, now)])
        await self._finish_confirms(due)
        if reply[0] == "not_found":
            raise AllocationNotFound(allocation_id)
        if reply[0] == "refused":
            wanted = {"confirm": "confirmed", "release": "released", "fulfil": "fulfilled"}
            raise AllocationStateError(allocation_id, reply[1], wanted.get(action, action))
        return _allocation(allocation_id, dict(zip(reply[1::2], reply[2::2], strict=True)), now)

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None:
        async with self._session():
            allocation = await self._read(allocation_id, now_ms(self._clock))
        if allocation is None or allocation.client_id != client_id:
            return None
        return allocation

    async def read_outbox(self) -> list[OutboxEntry]:
        entries: list[OutboxEntry] = []
        now = now_ms(self._clock)
        async with self._session():
            calls: list[Call] = [
                (
                    "expire",
                    [self._keys.outbox(bucket), self._keys.held(bucket)],
                    [now, RECORD_RETENTION_MS, _OUTBOX_MAXLEN, self._keys.record_prefix(bucket)],
                )
                for bucket in range(ORDER_BUCKETS)
            ]
            calls += [self._pinned_due(bucket, now) for bucket in range(ORDER_BUCKETS)]
            replies = await self._run(calls)
            await self._finish_confirms(*replies[ORDER_BUCKETS:])
            async with self._client.pipeline(transaction=False) as pipe:
                for bucket in range(ORDER_BUCKETS):
                    pipe.xrange(self._keys.outbox(bucket))
                streams = cast(list[list[tuple[str, dict[str, str]]]], await pipe.execute())
        for stream in streams:
            for _, fields in stream:
                entries.append(
                    OutboxEntry(
                        allocation_id=fields["allocation_id"],
                        client_id=fields["client_id"],
                        status=AllocationStatus(fields["status"]),
                        lines=_decode_lines(fields["lines"]),
                        at_ms=int(fields["at_ms"]),
                        order_reference=fields["order_reference"] or None,
                    )
                )
        return entries

    async def repair(self) -> int:
        """Finish the confirms, of every bucket, that died before their last step.

        A safeguard run every minute by the gateway: the calls of each bucket already finish
        a few at a time. Returns how many it finished.
        """
        now = now_ms(self._clock)
        async with self._session():
            replies = await self._run(
                [
                    self._pinned_due(bucket, now, _REPAIR_ALL_BATCH)
                    for bucket in range(ORDER_BUCKETS)
                ]
            )
            return await self._finish_confirms(*replies)

    async def ping(self) -> None:
        async with self._session():
            await self._client.ping()

    async def close(self) -> None:
        await self._client.aclose()

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[None]:
        """One call's share of the connections, and StoreUnavailable if Redis is unreachable.

        The cluster client refuses, rather than waits, past its connections per node: calls
        take a turn here first, as the standalone pool's callers wait for a connection.
        """
        async with self._turns:
            with _unavailable_if_unreachable(self._where):
                if not self._ready:
                    await self._get_ready()
                yield

    async def _get_ready(self) -> None:
        # Many first calls at once would each find the cluster's slot map missing, send to a
        # wrong node, and the client, seeing MOVED, closes every connection to start over:
        # learn the slot map once, first.
        async with self._ready_lock:
            if not self._ready and isinstance(self._client, RedisCluster):
                await self._client.initialize()
            self._ready = True

    async def _read(self, allocation_id: str, at_ms: int) -> Allocation | None:
        # The client decodes responses (see from_url), so every value is text.
        if not allocation_id:
            return None
        fields = await self._fields(allocation_id)
        return _allocation(allocation_id, fields, at_ms) if fields else None

    async def _fields(self, allocation_id: str) -> dict[str, str]:
        """An allocation's record ({} if none), after finishing a confirm of it that died.

        The record and whether the allocation is in its bucket's `pinned` set come in one
        round trip (one slot); only a confirm that never took its holds out of the expiry sets
        costs more, once.
        """
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._keys.allocation(allocation_id))
            pipe.zscore(self._keys.pinned(bucket_of_allocation(allocation_id)), allocation_id)
            found, pinned = await pipe.execute()
        fields = cast(dict[str, str], found)
        if pinned is not None and fields.get("status") == AllocationStatus.CONFIRMED.value:
            await self._unpin([(allocation_id, self._holders_of(fields))])
        return fields

    def _pinned_due(self, bucket: int, now: int, limit: int = _REPAIR_BATCH) -> Call:
        """The call that finds a bucket's confirms that died before their last step."""
        args: list[EncodableT] = [now, limit, self._keys.record_prefix(bucket)]
        return ("pinned_due", [self._keys.pinned(bucket)], args)

    async def _finish_confirms(self, *replies: Sequence[str]) -> int:
        """Finish the confirms that pinned_due.lua found; returns how many."""
        dead = [
            (allocation_id, self._holders_of({"lines": lines, "capacity": capacity}))
            for reply in replies
            for allocation_id, lines, capacity in zip(
                reply[::3], reply[1::3], reply[2::3], strict=True
            )
        ]
        if dead:
            await self._unpin(dead)
        return len(dead)

    async def _unpin(self, confirmed: Sequence[tuple[str, Sequence[list[str]]]]) -> None:
        """A confirm's last step: take its holds out of the expiry sets (of its SKUs and its
        nodes' capacity; `confirmed` gives their keys), where the pin left them, so that the
        units and orders stay reserved until fulfilled or released; then, only once that is
        done, take it out of its bucket's `pinned` set. Idempotent."""
        async with self._client.pipeline(transaction=False) as pipe:
            for allocation_id, holders in confirmed:
                for keys in holders:
                    pipe.zrem(keys[2], allocation_id)
            await pipe.execute()
        async with self._client.pipeline(transaction=False) as pipe:
            for allocation_id, _ in confirmed:
                pipe.zrem(self._keys.pinned(bucket_of_allocation(allocation_id)), allocation_id)
            await pipe.execute()

    async def _run(self, calls: Sequence[Call], *, atomic: bool = False) -> list[Any]:
        return await self._scripts.run(calls, atomic=atomic)

    async def _run_for_reads(self, calls: Sequence[Call], *, atomic: bool = False) -> list[Any]:
        # Through `_run` as it is when called, so that a test standing in for it sees reads.
        return await self._run(calls, atomic=atomic)
