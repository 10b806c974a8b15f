"""The embedded store: stock and allocations in process memory (`memory://`)."""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from stock_cache._rules import (
    IDEMPOTENCY_TTL_MS,
    RECORD_RETENTION_MS,
    Units,
    new_allocation_id,
    now_ms,
    units_of,
)
from stock_cache.base import (
    Allocation,
    AllocationStatus,
    InsufficientStock,
    Reserved,
    ReserveOutcome,
    ReserveRequest,
    Shortage,
)
from stock_cache.errors import AllocationNotFound, AllocationStateError, IdempotencyConflict

K = TypeVar("K")

_FINISHED = (AllocationStatus.RELEASED, AllocationStatus.EXPIRED)


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


@dataclass(frozen=True, slots=True)
class _Remembered:
    fingerprint: str
    allocation_id: str
    forget_at_ms: int


class MemoryStore:
    """A `StockStore` in process memory, for demos, tests and single-process deployments.

    Safe under asyncio concurrency because no method awaits between reading and writing: each
    call runs to completion on the event loop. Not safe across threads or processes.

    Reserved units are a running count per (node, SKU). Expiry is lazy but exact: every call
    first pops, from a min-heap of hold deadlines, the holds whose expiry instant has passed by
    the injected clock and gives their units back, so an expired hold never counts although no
    background task sweeps. Two more heaps forget idempotency keys after 24 hours and finished
    allocations (released or expired) 7 days after their last change.
    """

    def __init__(
        self,
        *,
        safety_by_node: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._safety = dict(safety_by_node or {})
        self._clock = clock
        self._on_hand: dict[str, dict[str, int]] = {}
        self._reserved: dict[tuple[str, str], int] = {}
        self._records: dict[str, _Record] = {}
        self._remembered: dict[tuple[str, str], _Remembered] = {}
        self._hold_deadlines: _Deadlines[str] = _Deadlines()
        self._record_deadlines: _Deadlines[str] = _Deadlines()
        self._key_deadlines: _Deadlines[tuple[str, str]] = _Deadlines()

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        self._on_hand[node_id] = {sku: qty for sku, qty in levels.items() if qty != 0}

    async def atp(self, skus: Sequence[str], node_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        self._catch_up()
        return {sku: {node: self._available(node, sku) for node in node_ids} for sku in skus}

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        units = units_of(request)
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
            if qty > (available := self._available(node, sku))
        )
        if shortages:
            return InsufficientStock(shortages)
        for node_sku, qty in units.items():
            self._reserved[node_sku] = self._reserved.get(node_sku, 0) + qty
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
        self._records[allocation.id] = _Record(allocation, units, now)
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
            return record.allocation
        raise AllocationStateError(allocation_id, current.status.value, "confirmed")

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        now = self._catch_up()
        record = self._record_of(client_id, allocation_id)
        status = record.allocation.status
        if status is AllocationStatus.RELEASED:
            return record.allocation
        if status is AllocationStatus.EXPIRED:
            raise AllocationStateError(allocation_id, status.value, "released")
        self._finish(record, AllocationStatus.RELEASED, now)
        return record.allocation

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None:
        self._catch_up()
        record = self._records.get(allocation_id)
        if record is None or record.allocation.client_id != client_id:
            return None
        return record.allocation

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _available(self, node_id: str, sku: str) -> int:
        on_hand = self._on_hand.get(node_id, {}).get(sku, 0)
        reserved = self._reserved.get((node_id, sku), 0)
        return max(0, on_hand - self._safety.get(node_id, 0) - reserved)

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
        record.allocation = dataclasses.replace(record.allocation, status=status)
        record.changed_at_ms = at_ms
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
        for allocation_id in self._record_deadlines.pop_due(now):
            record = self._records.get(allocation_id)
            if (
                record is not None
                and record.allocation.status in _FINISHED
                and record.changed_at_ms + RECORD_RETENTION_MS <= now
            ):
                del self._records[allocation_id]
        return now
