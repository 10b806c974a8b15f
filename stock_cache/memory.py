"""The embedded store: stock and allocations in process memory (`memory://`)."""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from stock_cache._ledger import (
    EVENT_ID_TTL_MS,
    Ledger,
    level_rejection,
    rejection,
    watermark_rejection,
)
from stock_cache._rules import (
    IDEMPOTENCY_TTL_MS,
    RECORD_RETENTION_MS,
    Units,
    capacity_of,
    new_allocation_id,
    now_ms,
    units_of,
)
from stock_cache.base import (
    Allocation,
    AllocationStatus,
    CapacityShortage,
    EventKind,
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
)
from stock_cache.errors import AllocationNotFound, AllocationStateError, IdempotencyConflict
from stock_cache.rules import Channel, StockRules, visible

K = TypeVar("K")

_FINISHED = (AllocationStatus.RELEASED, AllocationStatus.EXPIRED, AllocationStatus.FULFILLED)
_LIVE = (AllocationStatus.HELD, AllocationStatus.CONFIRMED)


class _Deadlines(Generic[K]):
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


@dataclass(slots=True)
class _Record:
    allocation: Allocation
    units: Units
    changed_at_ms: int
    # node -> day of each capacity order the allocation takes.
    capacity: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Remembered:
    fingerprint: str
    allocation_id: str
    forget_at_ms: int


class MemoryStore:
    """A `StockStore` in process memory, for demos, tests and single-process deployments.

    Safe under asyncio concurrency because no method awaits between reading and writing: each
    call runs to completion on the event loop (a snapshot given in chunks is gathered first
    and swapped in at once). Not safe across threads or processes.

    On hand is a Ledger per (node, SKU) (see _ledger.py); reserved units are a running count
    per (node, SKU). Expiry is lazy but exact: every call first pops, from a min-heap of hold
    deadlines, the holds whose expiry instant has passed by the injected clock and gives their
    units back, so an expired hold never counts although no background task sweeps. More heaps
    forget idempotency keys and event ids after 24 hours and finished allocations 7 days after
    their last change. The outbox is a list, trimmed to its newest 100,000 entries.
    """

    OUTBOX_LIMIT = 100_000

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
        self._watermarks: dict[str, int] = {}
        self._seen: dict[tuple[str, str, str], int] = {}
        self._inbound: dict[tuple[str, str], tuple[Inbound, ...]] = {}
        self._reserved: dict[tuple[str, str], int] = {}
        # Orders per (node, day) of live and fulfilled allocations.
        self._orders: dict[tuple[str, str], int] = {}
        self._records: dict[str, _Record] = {}
        self._remembered: dict[tuple[str, str], _Remembered] = {}
        self._outbox: list[OutboxEntry] = []
        self._hold_deadlines: _Deadlines[str] = _Deadlines()
        self._record_deadlines: _Deadlines[str] = _Deadlines()
        self._key_deadlines: _Deadlines[tuple[str, str]] = _Deadlines()
        self._seen_deadlines: _Deadlines[tuple[str, str, str]] = _Deadlines()

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        self._replace(node_id, dict(levels), watermark=None)

    async def replace_node_stock(
        self, node_id: str, levels: Iterable[Mapping[str, int]], *, watermark: int | None
    ) -> FeedResult:
        reason = watermark_rejection(watermark)
        gathered: dict[str, int] = {}
        for chunk in levels:
            for sku, qty in chunk.items():
                reason = reason or level_rejection(sku, qty)
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
            ledger = self._ledgers.setdefault((node_id, sku), Ledger())
            qty = levels.get(sku, 0)
            if watermark is None:
                ledger.override(qty)
            elif not ledger.covers(watermark):
                ledger.rebase(qty, watermark)
        self._node_skus[node_id] = {
            sku for sku in skus | set(levels) if self._ledgers[(node_id, sku)].on_hand != 0
        }
        if watermark is not None:
            self._watermarks[node_id] = watermark

    async def apply_events(self, events: Sequence[StockEvent]) -> list[FeedResult]:
        now = self._catch_up()
        return [self._apply(event, now) for event in events]

    def _apply(self, event: StockEvent, now: int) -> FeedResult:
        reason = rejection(event)
        if reason is not None:
            return FeedResult(FeedStatus.REJECTED, reason)
        seen_key = (event.node_id, event.sku, event.event_id)
        if seen_key in self._seen:
            return FeedResult(FeedStatus.DUPLICATE, f"event {event.event_id!r} was already taken")
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

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        units = units_of(request)
        orders = capacity_of(request)
        seen = self._rules.channel(request.channel)
        now = self._catch_up()
        key = (request.client_id, request.idempotency_key)
        remembered = self._remembered.get(key)
        if remembered is not None:
            if remembered.fingerprint != request.fingerprint:
                raise IdempotencyConflict(request.idempotency_key)
            return Reserved(self._records[remembered.allocation_id].allocation, replayed=True)
        shortages = tuple(
            Shortage(node, sku, qty, available)
            for (node, sku), qty in units.items()
            if qty > (available := self._available(node, sku, seen))
        )
        full = tuple(
            CapacityShortage(node, day, limit, used)
            for node, (day, limit) in orders.items()
            if limit is not None and (used := self._orders.get((node, day), 0)) >= limit
        )
        if shortages or full:
            return InsufficientStock(shortages, full)
        for node_sku, qty in units.items():
            self._reserved[node_sku] = self._reserved.get(node_sku, 0) + qty
        for node, (day, _) in orders.items():
            self._orders[node, day] = self._orders.get((node, day), 0) + 1
        allocation = Allocation(
            id=new_allocation_id(),
            client_id=request.client_id,
            status=AllocationStatus.HELD,
            lines=request.lines,
            created_at_ms=now,
            expires_at_ms=now + request.ttl_seconds * 1000,
            order_reference=None,
            payload=request.payload,
        )
        capacity = {node: day for node, (day, _) in orders.items()}
        self._records[allocation.id] = _Record(allocation, units, now, capacity)
        self._publish(allocation, now)
        self._hold_deadlines.push(now + request.ttl_seconds * 1000, allocation.id)
        forget_at = now + IDEMPOTENCY_TTL_MS
        self._remembered[key] = _Remembered(request.fingerprint, allocation.id, forget_at)
        self._key_deadlines.push(forget_at, key)
        return Reserved(allocation, replayed=False)

    async def confirm(self, client_id: str, allocation_id: str, order_reference: str) -> Allocation:
        now = self._catch_up()
        record = self._record_of(client_id, allocation_id)
        current = record.allocation
        if current.status is AllocationStatus.CONFIRMED:
            if current.order_reference == order_reference:
                return current
        elif current.status is AllocationStatus.HELD:
            record.allocation = dataclasses.replace(
                current,
                status=AllocationStatus.CONFIRMED,
                expires_at_ms=None,
                order_reference=order_reference,
            )
            record.changed_at_ms = now
            self._publish(record.allocation, now)
            return record.allocation
        raise AllocationStateError(allocation_id, current.status.value, "confirmed")

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        now = self._catch_up()
        record = self._record_of(client_id, allocation_id)
        status = record.allocation.status
        if status is AllocationStatus.RELEASED:
            return record.allocation
        if status not in _LIVE:
            raise AllocationStateError(allocation_id, status.value, "released")
        self._finish(record, AllocationStatus.RELEASED, now)
        return record.allocation

    async def fulfil(self, client_id: str, allocation_id: str) -> Allocation:
        now = self._catch_up()
        record = self._record_of(client_id, allocation_id)
        status = record.allocation.status
        if status is AllocationStatus.FULFILLED:
            return record.allocation
        if status is not AllocationStatus.CONFIRMED:
            raise AllocationStateError(allocation_id, status.value, "fulfilled")
        for (node, sku), qty in record.units.items():
            self._ledgers.setdefault((node, sku), Ledger()).fulfil(qty)
        self._finish(record, AllocationStatus.FULFILLED, now)
        return record.allocation

    async def capacity_used(self, node_ids: Sequence[str], day: str) -> dict[str, int]:
        self._catch_up()
        return {node: self._orders.get((node, day), 0) for node in node_ids}

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None:
        self._catch_up()
        record = self._records.get(allocation_id)
        if record is None or record.allocation.client_id != client_id:
            return None
        return record.allocation

    async def read_outbox(self) -> list[OutboxEntry]:
        self._catch_up()
        return list(self._outbox)

    async def repair(self) -> int:
        # Every change here is whole or not at all: nothing is ever left half-done.
        return 0

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _available(self, node_id: str, sku: str, channel: Channel | None) -> int:
        ledger = self._ledgers.get((node_id, sku))
        on_hand = ledger.on_hand if ledger is not None else 0
        reserved = self._reserved.get((node_id, sku), 0)
        safety = self._rules.protection(node_id, sku).of(on_hand)
        return visible(max(0, on_hand - safety - reserved), channel, node_id)

    def _publish(self, allocation: Allocation, at_ms: int) -> None:
        self._outbox.append(
            OutboxEntry(
                allocation.id,
                allocation.client_id,
                allocation.status,
                allocation.lines,
                at_ms,
                allocation.order_reference,
            )
        )
        if len(self._outbox) > self.OUTBOX_LIMIT:
            del self._outbox[: len(self._outbox) - self.OUTBOX_LIMIT]

    def _record_of(self, client_id: str, allocation_id: str) -> _Record:
        record = self._records.get(allocation_id)
        if record is None or record.allocation.client_id != client_id:
            raise AllocationNotFound(allocation_id)
        return record

    def _finish(self, record: _Record, status: AllocationStatus, at_ms: int) -> None:
        """Give the units of a live allocation back and move it to a final status."""
        for node_sku, qty in record.units.items():
            left = self._reserved[node_sku] - qty
            if left:
                self._reserved[node_sku] = left
            else:
                del self._reserved[node_sku]
        if status is not AllocationStatus.FULFILLED:
            # A fulfilled order was taken that day: its capacity stays used.
            for node, day in record.capacity.items():
                left = self._orders[node, day] - 1
                if left:
                    self._orders[node, day] = left
                else:
                    del self._orders[node, day]
        record.allocation = dataclasses.replace(record.allocation, status=status)
        record.changed_at_ms = at_ms
        self._publish(record.allocation, at_ms)
        self._record_deadlines.push(at_ms + RECORD_RETENTION_MS, record.allocation.id)

    def _catch_up(self) -> int:
        """Apply every deadline that has passed by the clock; return the clock in ms."""
        now = now_ms(self._clock)
        for allocation_id in self._hold_deadlines.pop_due(now):
            record = self._records.get(allocation_id)
            # A hold's deadline is its own expiry instant: it is stale only if the allocation
            # was confirmed or released since, which its status tells.
            if record is not None and record.allocation.status is AllocationStatus.HELD:
                expired_at = record.allocation.expires_at_ms
                assert expired_at is not None
                self._finish(record, AllocationStatus.EXPIRED, expired_at)
        for key in self._key_deadlines.pop_due(now):
            remembered = self._remembered.get(key)
            if remembered is not None and remembered.forget_at_ms <= now:
                del self._remembered[key]
        for seen_key in self._seen_deadlines.pop_due(now):
            self._seen.pop(seen_key, None)
        for allocation_id in self._record_deadlines.pop_due(now):
            record = self._records.get(allocation_id)
            if (
                record is not None
                and record.allocation.status in _FINISHED
                and record.changed_at_ms + RECORD_RETENTION_MS <= now
            ):
                del self._records[allocation_id]
        return now
