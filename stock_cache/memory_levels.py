"""The embedded store's stock levels: on-hand ledgers, feeds, inbound stock and ATP reads.

MemoryStore (memory.py) builds on it with reservations. On hand is a Ledger per (node, SKU)
(see _ledger.py); reserved units, kept by the store, are a running count per (node, SKU).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Generic, TypeVar

from carriers.echo import shown
from stock_cache._ledger import (
    EVENT_ID_TTL_MS,
    NO_SEQUENCE,
    Ledger,
    level_rejection,
    name_rejection,
    rejection,
    watermark_rejection,
)
from stock_cache._rules import now_ms
from stock_cache.base import (
    EventKind,
    FeedResult,
    FeedStatus,
    Inbound,
    NodeStock,
    SkuAvailability,
    StockEvent,
)
from stock_cache.rules import Channel, StockRules, visible

K = TypeVar("K")


class Deadlines(Generic[K]):
    """A min-heap of (instant, key); stale entries are left in and skipped by the caller."""

    def __init__(self) -> None:
        # The counter breaks ties so that keys are never compared.
        self._heap: list[tuple[int, int, K]] = []
        self._order = itertools.count()

    def push(self, at_ms: int, key: K) -> None:
        heapq.heappush(self._heap, (at_ms, next(self._order), key))

    def pop_due(self, at_ms: int) -> list[K]:
        due: list[K] = []
        while self._heap and self._heap[0][0] <= at_ms:
            due.append(heapq.heappop(self._heap)[2])
        return due


class MemoryLevels:
    """Stock levels in process memory; see MemoryStore for how calls stay atomic."""

    def __init__(
        self,
        *,
        safety_by_node: Mapping[str, int] | None = None,
        rules: StockRules | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._rules = rules or StockRules.from_safety_by_node(safety_by_node)
        self._clock = clock
        self._ledgers: dict[tuple[str, str], Ledger] = {}
        self._node_skus: dict[str, set[str]] = {}
        # Nodes whose whole stock was written (seeded or by a snapshot): see missing_nodes.
        self._stocked: set[str] = set()
        self._watermarks: dict[str, int] = {}
        self._seen: dict[tuple[str, str, str], int] = {}
        self._inbound: dict[tuple[str, str], tuple[Inbound, ...]] = {}
        self._reserved: dict[tuple[str, str], int] = {}
        self._seen_deadlines: Deadlines[tuple[str, str, str]] = Deadlines()

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        self._replace(node_id, dict(levels), watermark=None)

    async def replace_node_stock(
        self, node_id: str, levels: Iterable[Mapping[str, int]], *, watermark: int | None
    ) -> FeedResult:
        reason = (
            watermark_rejection(watermark)
            or name_rejection("nodeId", node_id)
            or self._rules.unknown_node(node_id)
        )
        gathered: dict[str, int] = {}
        for chunk in levels:
            for sku, qty in chunk.items():
                reason = reason or level_rejection(sku, qty, self._rules)
                gathered[sku] = qty
        if reason is not None:
            return FeedResult(FeedStatus.REJECTED, reason)
        if watermark is not None and watermark <= self._watermarks.get(node_id, -1):
            return FeedResult(
                FeedStatus.STALE,
                f"watermark {watermark} is not newer than {self._watermarks[node_id]}",
            )
        self._replace(node_id, gathered, watermark=watermark)
        return FeedResult(FeedStatus.APPLIED)

    def _replace(self, node_id: str, levels: dict[str, int], *, watermark: int | None) -> None:
        skus = self._node_skus.setdefault(node_id, set())
        for sku in skus | set(levels):
            qty = levels.get(sku, 0)
            ledger = self._ledgers.get((node_id, sku))
            if ledger is None:
                # What override or rebase would make of an empty ledger (a seed's common case).
                sequence = NO_SEQUENCE if watermark is None else watermark
                self._ledgers[(node_id, sku)] = Ledger(qty, sequence)
            elif watermark is None:
                ledger.override(qty)
            elif not ledger.covers(watermark):
                ledger.rebase(qty, watermark)
        self._node_skus[node_id] = {
            sku for sku in skus | set(levels) if self._ledgers[(node_id, sku)].on_hand != 0
        }
        self._stocked.add(node_id)
        if watermark is not None:
            self._watermarks[node_id] = watermark

    async def apply_events(self, events: Sequence[StockEvent]) -> list[FeedResult]:
        now = self._catch_up()
        return [self._apply(event, now) for event in events]

    def _apply(self, event: StockEvent, now: int) -> FeedResult:
        reason = rejection(event, self._rules)
        if reason is not None:
            return FeedResult(FeedStatus.REJECTED, reason)
        seen_key = (event.node_id, event.sku, event.event_id)
        if seen_key in self._seen:
            return FeedResult(
                FeedStatus.DUPLICATE, f"event {shown(event.event_id)} was already taken"
            )
        ledger = self._ledgers.setdefault((event.node_id, event.sku), Ledger())
        watermark = self._watermarks.get(event.node_id, -1)
        if ledger.covers(event.sequence) or event.sequence <= watermark:
            return FeedResult(
                FeedStatus.STALE,
                f"sequence {event.sequence} is covered by a count or snapshot"
                f" at {max(ledger.base_sequence, watermark)}",
            )
        if event.kind is EventKind.COUNT:
            ledger.rebase(event.quantity, event.sequence)
        elif event.kind is EventKind.ADJUSTMENT or event.resellable:
            ledger.adjust(event.sequence, event.quantity)
        self._seen[seen_key] = now
        self._seen_deadlines.push(now + EVENT_ID_TTL_MS, seen_key)
        self._node_skus.setdefault(event.node_id, set()).add(event.sku)
        return FeedResult(FeedStatus.APPLIED)

    async def set_inbound(self, node_id: str, sku: str, inbound: Sequence[Inbound]) -> None:
        for index, item in enumerate(inbound):
            if item.quantity < 1:
                raise ValueError(f"inbound[{index}] has quantity {item.quantity}; it must be >= 1")
        self._inbound[(node_id, sku)] = tuple(sorted(inbound, key=lambda item: item.eta_ms))

    async def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, int]]:
        self._catch_up()
        seen = self._rules.channel(channel)
        return {sku: {node: self._available(node, sku, seen) for node in node_ids} for sku in skus}

    async def stock(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, NodeStock]]:
        self._catch_up()
        seen = self._rules.channel(channel)
        return {
            sku: {
                node: NodeStock(
                    self._available(node, sku, seen),
                    self._inbound.get((node, sku), ())
                    if self._rules.allows_future_stock(node)
                    and (seen is None or seen.sells_from(node))
                    else (),
                )
                for node in node_ids
            }
            for sku in skus
        }

    async def availability(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        *,
        network: Sequence[str],
        channel: str | None = None,
    ) -> dict[str, SkuAvailability]:
        # In process the sum is a loop over dicts, no I/O: exact by construction, no cache.
        self._catch_up()
        seen = self._rules.channel(channel)
        nodes = dict.fromkeys(network)
        return {
            sku: SkuAvailability(
                total=sum(self._available(node, sku, seen) for node in nodes),
                atp={node: self._available(node, sku, seen) for node in node_ids},
            )
            for sku in skus
        }

    async def missing_nodes(self, node_ids: Sequence[str]) -> list[str]:
        self._catch_up()
        return [node for node in dict.fromkeys(node_ids) if node not in self._stocked]

    def skus_at(self, node_id: str) -> set[str]:
        """The SKUs with a level at a node (what a snapshot of it may set to zero)."""
        return set(self._node_skus.get(node_id, ()))

    def _available(self, node_id: str, sku: str, channel: Channel | None) -> int:
        ledger = self._ledgers.get((node_id, sku))
        if ledger is None:
            return 0  # nothing on hand: nothing to sell, whatever the rules
        on_hand = ledger.on_hand
        reserved = self._reserved.get((node_id, sku), 0)
        safety = self._rules.protection(node_id, sku).of(on_hand)
        return visible(max(0, on_hand - safety - reserved), channel, node_id)

    def _catch_up(self) -> int:
        """Forget event ids past their 24 hours; return the clock in ms."""
        now = now_ms(self._clock)
        for seen_key in self._seen_deadlines.pop_due(now):
            self._seen.pop(seen_key, None)
        return now
