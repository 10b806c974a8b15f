"""The embedded store: stock and allocations in process memory (`memory://`); its stock
levels, feeds and reads are in memory_levels.py."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from stock_cache._ledger import Ledger
from stock_cache._rules import (
    IDEMPOTENCY_TTL_MS,
    RECORD_RETENTION_MS,
    Units,
    capacity_of,
    limits_of,
    new_allocation_id,
    oldest_capacity_day,
    units_of,
)
from stock_cache.base import (
    Allocation,
    AllocationStatus,
    CapacityShortage,
    InsufficientStock,
    OutboxEntry,
    Reserved,
    ReserveOutcome,
    ReserveRequest,
    Shortage,
)
from stock_cache.errors import (
    AllocationNotFound,
    AllocationStateError,
    HoldLimitReached,
    IdempotencyConflict,
    QuoteAlreadyCommitted,
)
from stock_cache.memory_levels import Deadlines, MemoryLevels
from stock_cache.publication_memory import MemoryChannelFeed
from stock_cache.rules import StockRules

_FINISHED = (AllocationStatus.RELEASED, AllocationStatus.EXPIRED, AllocationStatus.FULFILLED)
_LIVE = (AllocationStatus.HELD, AllocationStatus.CONFIRMED)


def _past(day: str, oldest: str) -> bool:
    """Whether an ISO day is before `oldest` (any other text is never past)."""
    return len(day) == 10 and day[4] == day[7] == "-" and day < oldest


@dataclass(slots=True)
class _Record:
    allocation: Allocation
    units: Units
    changed_at_ms: int
    # node -> day of each capacity order the allocation takes.
    capacity: dict[str, str] = dataclasses.field(default_factory=dict)
    # The holders whose caps of held units it counts against, while HELD.
    holders: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Remembered:
    fingerprint: str
    allocation_id: str
    forget_at_ms: int
    quote_id: str = ""


class MemoryStore(MemoryLevels):
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
        super().__init__(safety_by_node=safety_by_node, rules=rules, clock=clock)
        # Orders per (node, day) of live and fulfilled allocations.
        self._orders: dict[tuple[str, str], int] = {}
        self._records: dict[str, _Record] = {}
        self._remembered: dict[tuple[str, str], _Remembered] = {}
        self._outbox: list[OutboxEntry] = []
        # Entries trimmed off the outbox's front: an entry's position is this plus its index.
        self.outbox_trimmed = 0
        self._hold_deadlines: Deadlines[str] = Deadlines()
        self._record_deadlines: Deadlines[str] = Deadlines()
        self._key_deadlines: Deadlines[tuple[str, str]] = Deadlines()
        # (client, quote id) -> the idempotency key that committed it; forgotten with the key.
        self._quotes: dict[tuple[str, str], str] = {}
        # Holder -> {allocation id: units} of its HELD allocations (see HoldLimit).
        # (client, holder) -> allocation id -> units: a holder is named within its client.
        self._held_by: dict[tuple[str, str], dict[str, int]] = {}
        # Its channel feed, once asked for (publishing_store.channel_feed): held here, so that
        # the two go together; a table beside them would keep both for ever.
        self.channel_feed: MemoryChannelFeed | None = None

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        units = units_of(request)
        orders = capacity_of(request)
        limits = limits_of(request)
        seen = self._rules.channel(request.channel)
        now = self._catch_up()
        key = (request.client_id, request.idempotency_key)
        remembered = self._remembered.get(key)
        if remembered is not None:
            if remembered.fingerprint != request.fingerprint:
                raise IdempotencyConflict(request.idempotency_key)
            return Reserved(self._records[remembered.allocation_id].allocation, replayed=True)
        quote = (request.client_id, request.quote_id)
        if request.quote_id and quote in self._quotes:
            first = self._quotes[quote]
            made = self._remembered.get((request.client_id, first))
            raise QuoteAlreadyCommitted(
                request.quote_id, first, None if made is None else made.allocation_id
            )
        asked = sum(units.values())
        for holder, limit in limits.items():
            held = sum(self._held_by.get((request.client_id, holder), {}).values())
            if held + asked > limit:
                raise HoldLimitReached(holder, limit, held, asked)
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
        if orders:
            oldest = oldest_capacity_day(now)
            for node, day in [key for key in self._orders if _past(key[1], oldest)]:
                del self._orders[node, day]
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
        self._records[allocation.id] = _Record(allocation, units, now, capacity, tuple(limits))
        for holder in limits:
            self._held_by.setdefault((request.client_id, holder), {})[allocation.id] = asked
        self._publish(allocation, now)
        self._hold_deadlines.push(now + request.ttl_seconds * 1000, allocation.id)
        forget_at = now + IDEMPOTENCY_TTL_MS
        self._remembered[key] = _Remembered(
            request.fingerprint, allocation.id, forget_at, request.quote_id
        )
        self._key_deadlines.push(forget_at, key)
        if request.quote_id:
            self._quotes[quote] = request.idempotency_key
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
            self._unlimit(record)
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

    def outbox_end(self) -> int:
        """The position of the newest outbox entry (0 when none was ever written)."""
        self._catch_up()
        return self.outbox_trimmed + len(self._outbox)

    def outbox_after(self, position: int, count: int) -> list[tuple[int, OutboxEntry]]:
        """Up to `count` outbox entries after an absolute position, each with its own."""
        self._catch_up()
        start = max(0, position - self.outbox_trimmed)
        return [
            (self.outbox_trimmed + index + 1, entry)
            for index, entry in enumerate(self._outbox[start : start + count], start)
        ]

    async def repair(self) -> int:
        # Every change here is whole or not at all: nothing is ever left half-done.
        return 0

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None

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
            self.outbox_trimmed += len(self._outbox) - self.OUTBOX_LIMIT
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
                # A day forgotten since (see oldest_capacity_day) has nothing to give back.
                left = self._orders.get((node, day), 1) - 1
                if left:
                    self._orders[node, day] = left
                else:
                    self._orders.pop((node, day), None)
        self._unlimit(record)
        record.allocation = dataclasses.replace(record.allocation, status=status)
        record.changed_at_ms = at_ms
        self._publish(record.allocation, at_ms)
        self._record_deadlines.push(at_ms + RECORD_RETENTION_MS, record.allocation.id)

    def _unlimit(self, record: _Record) -> None:
        """The allocation no longer counts against its holders' caps (it is no longer HELD)."""
        for holder in record.holders:
            key = (record.allocation.client_id, holder)
            held = self._held_by.get(key)
            if held is not None:
                held.pop(record.allocation.id, None)
                if not held:
                    del self._held_by[key]
        record.holders = ()

    def _catch_up(self) -> int:
        """Apply every deadline that has passed by the clock; return the clock in ms."""
        now = super()._catch_up()
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
                quote = (key[0], remembered.quote_id)
                if remembered.quote_id and self._quotes.get(quote) == key[1]:
                    del self._quotes[quote]
        for allocation_id in self._record_deadlines.pop_due(now):
            record = self._records.get(allocation_id)
            if (
                record is not None
                and record.allocation.status in _FINISHED
                and record.changed_at_ms + RECORD_RETENTION_MS <= now
            ):
                del self._records[allocation_id]
        return now
