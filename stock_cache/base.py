"""The `StockStore` protocol and the values that cross it.

ATP at a node = max(0, on hand - safety stock - reserved), where reserved counts the units of
every live allocation: HELD ones until their expiry instant, CONFIRMED ones until released.
An expired hold never counts, whether or not anything has swept it yet.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class AllocationStatus(enum.Enum):
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    FULFILLED = "FULFILLED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


class EventKind(enum.Enum):
    """What a stock event says about one SKU at one node."""

    ADJUSTMENT = "ADJUSTMENT"  # on hand moved by `quantity` (+ or -)
    COUNT = "COUNT"  # on hand is `quantity` as of this event's sequence
    RETURN = "RETURN"  # `quantity` units came back; back on sale when resellable


class FeedStatus(enum.Enum):
    APPLIED = "APPLIED"
    DUPLICATE = "DUPLICATE"  # this event id was already taken
    STALE = "STALE"  # a count, snapshot or watermark at or after its sequence covers it
    REJECTED = "REJECTED"  # malformed: the reason says which field


@dataclass(frozen=True, slots=True)
class StockEvent:
    """One change of one SKU at one node, as a WMS, POS or ERP reports it.

    `sequence` orders the events of one (node, SKU), and is on the same scale as the
    watermark of the node's snapshots (0 <= sequence < 10**14).
    """

    event_id: str
    node_id: str
    sku: str
    sequence: int
    kind: EventKind
    quantity: int
    resellable: bool = True


@dataclass(frozen=True, slots=True)
class FeedResult:
    status: FeedStatus
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Inbound:
    """Units expected at a node from `eta_ms` (epoch milliseconds) on."""

    quantity: int
    eta_ms: int


@dataclass(frozen=True, slots=True)
class NodeStock:
    """What a node can promise of one SKU: ATP now, and inbound units with their ETA.

    `inbound` is empty where the node does not allow future stock (see StockRules).
    """

    atp: int
    inbound: tuple[Inbound, ...] = ()


@dataclass(frozen=True, slots=True)
class SkuAvailability:
    """One SKU under one channel: `total`, the sum of the ATP of every node of a network (each
    node once), and `atp`, the ATP at each node asked."""

    total: int
    atp: dict[str, int]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One reservation state change, as published on the allocation outbox."""

    allocation_id: str
    client_id: str
    status: AllocationStatus
    lines: tuple[StockLine, ...]
    at_ms: int
    order_reference: str | None


@dataclass(frozen=True, slots=True)
class StockLine:
    """A quantity of one SKU at one node."""

    node_id: str
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class NodeCapacity:
    """One order of the allocation counts against `node_id`'s daily capacity on `day` (the
    node's local day, e.g. "2026-11-23"); at most `limit` orders a day, None for no bound."""

    node_id: str
    day: str
    limit: int | None


@dataclass(frozen=True, slots=True)
class HoldLimit:
    """At most `limit` units held (HELD, unexpired) at once by the allocations of one client
    naming `holder` (e.g. "client:storefront-fr", "shopper:storefront-fr:7f3a"): confirmed,
    released and expired ones no longer count. A holder is named within its client: another
    client's allocations naming the same holder count against a cap of their own."""

    holder: str
    limit: int


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    """What a commit asks the store to hold, all lines or none.

    `fingerprint` identifies the request's content: the same (client, idempotency key) with
    the same fingerprint replays the first answer; with another fingerprint it is a conflict.
    `payload` is opaque text (the committed plan) returned unchanged with the allocation.
    `capacity` names the nodes whose daily order capacity the allocation takes one order of:
    held like its units (HELD until its expiry, kept once confirmed and when fulfilled, given
    back when released or expired), all or nothing with them.
    `quote_id` names the quote the request commits: one quote, one allocation (a client's
    other idempotency keys are refused it, QuoteAlreadyCommitted); "" for none.
    `limits` caps the units its holders hold: a request passing one is refused, nothing held
    (HoldLimitReached).
    """

    client_id: str
    idempotency_key: str
    fingerprint: str
    lines: tuple[StockLine, ...]
    ttl_seconds: int
    payload: str = ""
    channel: str | None = None
    capacity: tuple[NodeCapacity, ...] = ()
    quote_id: str = ""
    limits: tuple[HoldLimit, ...] = ()


@dataclass(frozen=True, slots=True)
class Allocation:
    id: str
    client_id: str
    status: AllocationStatus
    lines: tuple[StockLine, ...]
    created_at_ms: int
    expires_at_ms: int | None
    order_reference: str | None
    payload: str


@dataclass(frozen=True, slots=True)
class Reserved:
    allocation: Allocation
    replayed: bool


@dataclass(frozen=True, slots=True)
class Shortage:
    node_id: str
    sku: str
    requested: int
    available: int


@dataclass(frozen=True, slots=True)
class CapacityShortage:
    """A node whose daily order capacity on `day` is used up: `used` of `limit` orders."""

    node_id: str
    day: str
    limit: int
    used: int


@dataclass(frozen=True, slots=True)
class InsufficientStock:
    """Nothing was held: lines short of stock, or nodes out of daily capacity (or both)."""

    shortages: tuple[Shortage, ...]
    capacity: tuple[CapacityShortage, ...] = ()


ReserveOutcome = Reserved | InsufficientStock


class StockStore(Protocol):
    """One contract, held by every backend (see tests/stock_cache/test_contract.py)."""

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        """Replace every on-hand level of `node_id` at once; reservations are untouched.

        An operator's override: it covers every event the store has seen for those levels.
        """
        ...

    async def replace_node_stock(
        self,
        node_id: str,
        levels: Iterable[Mapping[str, int]],
        *,
        watermark: int | None,
    ) -> FeedResult:
        """Replace the node's on-hand levels with a snapshot, given as chunks of levels.

        Readers see the old set or the new set, never a mix. `watermark` is the newest event
        sequence the snapshot includes: a snapshot at or below the node's last watermark is
        STALE; a SKU with a count newer than the watermark keeps it, and adjustments newer
        than the watermark stay on top of the snapshot's level.
        """
        ...

    async def apply_events(self, events: Sequence[StockEvent]) -> list[FeedResult]:
        """Apply delta events in order, one result per event (see FeedStatus)."""
        ...

    async def missing_nodes(self, node_ids: Sequence[str]) -> list[str]:
        """The nodes of `node_ids` whose stock the store does not hold: no seed (set_levels) or
        snapshot was ever written for them, or the store lost it (a Redis restarted without
        persistence). Readiness asks it about every node of the network."""
        ...

    async def set_inbound(self, node_id: str, sku: str, inbound: Sequence[Inbound]) -> None:
        """Replace the inbound quantities (with their ETA) of one SKU at one node."""
        ...

    def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> Awaitable[dict[str, dict[str, int]]]:
        """ATP per SKU per node, for every SKU and node asked (0 where nothing is there).

        With a channel: 0 outside its pool, and at most its cap at a capped node.
        """
        ...

    async def stock(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, NodeStock]]:
        """ATP and inbound (future) stock per SKU per node, read together."""
        ...

    def availability(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        *,
        network: Sequence[str],
        channel: str | None = None,
    ) -> Awaitable[dict[str, SkuAvailability]]:
        """Per SKU, its ATP at `node_ids` and its exact total over `network`, as `atp` would
        count them, without reading every node of the network on every call where the store
        can help it (see the Redis store's reads)."""
        ...

    def capacity_used(self, node_ids: Sequence[str], day: str) -> Awaitable[dict[str, int]]:
        """Orders each node has taken on `day` (its local day): live holds and confirmed or
        fulfilled allocations, never expired or released ones. One round trip."""
        ...

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        """Hold every line and every capacity order, or nothing; lines naming the same
        (node, SKU) add up."""
        ...

    async def confirm(
        self, client_id: str, allocation_id: str, order_reference: str
    ) -> Allocation: ...

    async def release(self, client_id: str, allocation_id: str) -> Allocation: ...

    async def fulfil(self, client_id: str, allocation_id: str) -> Allocation:
        """CONFIRMED -> FULFILLED: the units left the node; on hand drops by them until the
        node's next count or snapshot (newer than anything seen at fulfilment) reports it."""
        ...

    async def read_outbox(self) -> list[OutboxEntry]:
        """Every entry of the allocation outbox still kept, oldest first per stream."""
        ...

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None: ...

    async def repair(self) -> int:
        """Finish what calls that died half-way left undone (a confirm whose units could
        still lapse); returns how many it finished. Safe to run at any time, from anywhere."""
        ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""
        ...

    async def close(self) -> None: ...
