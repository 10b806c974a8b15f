"""The `StockStore` protocol and the values that cross it.

ATP at a node = max(0, on hand - safety stock - reserved), where reserved counts the units of
every live allocation: HELD ones until their expiry instant, CONFIRMED ones until released.
An expired hold never counts, whether or not anything has swept it yet.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class AllocationStatus(enum.Enum):
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class StockLine:
    """A quantity of one SKU at one node."""

    node_id: str
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    """What a commit asks the store to hold, all lines or none.

    `fingerprint` identifies the request's content: the same (client, idempotency key) with
    the same fingerprint replays the first answer; with another fingerprint it is a conflict.
    `payload` is opaque text (the committed plan) returned unchanged with the allocation.
    """

    client_id: str
    idempotency_key: str
    fingerprint: str
    lines: tuple[StockLine, ...]
    ttl_seconds: int
    payload: str = ""


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
class InsufficientStock:
    shortages: tuple[Shortage, ...]


ReserveOutcome = Reserved | InsufficientStock


class StockStore(Protocol):
    """One contract, held by every backend (see tests/stock_cache/test_contract.py)."""

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        """Replace every on-hand level of `node_id` at once; reservations are untouched."""
        ...

    async def atp(self, skus: Sequence[str], node_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """ATP per SKU per node, for every SKU and node asked (0 where nothing is there)."""
        ...

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        """Hold every line or nothing; lines naming the same (node, SKU) add up."""
        ...

    async def confirm(
        self, client_id: str, allocation_id: str, order_reference: str
    ) -> Allocation: ...

    async def release(self, client_id: str, allocation_id: str) -> Allocation: ...

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None: ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""
        ...

    async def close(self) -> None: ...
