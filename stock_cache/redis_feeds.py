"""Stock feeds on Redis: snapshots of a node (atomic, although its SKUs live in many slots),
delta events, inbound stock. How a snapshot stays atomic is in docs/stock-store.md
("Snapshots").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from redis.typing import EncodableT

from carriers.echo import shown
from stock_cache._ledger import (
    EVENT_ID_TTL_MS,
    level_rejection,
    name_rejection,
    rejection,
    watermark_rejection,
)
from stock_cache._rules import now_ms
from stock_cache.base import FeedResult, FeedStatus, Inbound, StockEvent
from stock_cache.redis_base import RedisBase
from stock_cache.redis_keys import gen_field
from stock_cache.redis_scripts import Call

_CHUNK = 1_000
_STAGING_TTL_MS = 24 * 60 * 60 * 1000


class FeedSteps(RedisBase):
    """The feeds of the Redis store (see the module docstring)."""

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        result = await self.replace_node_stock(node_id, [levels], watermark=None)
        if result.status is not FeedStatus.APPLIED:
            raise ValueError(result.reason)

    async def replace_node_stock(
        self, node_id: str, levels: Iterable[Mapping[str, int]], *, watermark: int | None
    ) -> FeedResult:
        """Stage the levels chunk by chunk under a new generation, then flip it."""
        reason = (
            watermark_rejection(watermark)
            or name_rejection("nodeId", node_id)
            or self._rules.unknown_node(node_id)
        )
        if reason is not None:
            return FeedResult(FeedStatus.REJECTED, reason)
        index = self._keys.node_skus(node_id)
        mark = "" if watermark is None else watermark
        gens, marks = self._keys.gens(), self._keys.watermarks()
        field = gen_field(node_id)
        async with self._session(writes=True):
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
                    reason = level_rejection(sku, qty, self._rules)
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
            reason = rejection(event, self._rules)
            if reason is not None:
                results[position] = FeedResult(FeedStatus.REJECTED, reason)
            else:
                valid.append((position, event))
        if valid:
            now = now_ms(self._clock)
            nodes = list(dict.fromkeys(event.node_id for _, event in valid))
            async with self._session(writes=True):
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
                    reason = f"event {shown(event.event_id)} was already taken"
                elif status is FeedStatus.STALE:
                    reason = (
                        f"sequence {event.sequence} is covered by a count or snapshot"
                        f" at {int(reply[1])}"
                    )
                results[position] = FeedResult(status, reason)
        return [result for result in results if result is not None]

    async def missing_nodes(self, node_ids: Sequence[str]) -> list[str]:
        """The nodes with no committed snapshot generation: never seeded, or lost by Redis."""
        unique = list(dict.fromkeys(node_ids))
        if not unique:
            return []
        async with self._session():
            found = await self._client.hmget(self._keys.gens(), [gen_field(n) for n in unique])
        return [node for node, gen in zip(unique, found, strict=True) if gen is None]

    async def set_inbound(self, node_id: str, sku: str, inbound: Sequence[Inbound]) -> None:
        for index, item in enumerate(inbound):
            if item.quantity < 1:
                raise ValueError(f"inbound[{index}] has quantity {item.quantity}; it must be >= 1")
        ordered = sorted(inbound, key=lambda item: item.eta_ms)
        key = self._keys.sku(sku, "inbound")
        async with self._session(writes=True):
            if ordered:
                encoded = json.dumps([[item.quantity, item.eta_ms] for item in ordered])
                await self._client.hset(key, node_id, encoded)
            else:
                await self._client.hdel(key, node_id)
