"""The rules every backend applies the same way: validation, time, retention, derived status."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable

from carriers.echo import cut
from stock_cache.base import AllocationStatus, ReserveRequest

# How long a (client, idempotency key) is remembered, and an allocation record after its last
# change. The contract promises "at least" these; backends may keep things longer.
IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
RECORD_RETENTION_MS = 7 * 24 * 60 * 60 * 1000

Units = dict[tuple[str, str], int]
"""Units held per (node_id, sku), duplicate lines already added up."""


def now_ms(clock: Callable[[], float]) -> int:
    """The injected clock's reading in whole epoch milliseconds."""
    return int(clock() * 1000)


# Daily capacity counters of days this far before the clock's UTC day are forgotten: every
# node's local day is within a day of it, and a past day takes no more orders.
_CAPACITY_DAYS_KEPT = 2


def oldest_capacity_day(at_ms: int) -> str:
    """The oldest day (ISO) whose capacity counters are kept at `at_ms`; older ones go."""
    day = datetime.datetime.fromtimestamp(at_ms / 1000, datetime.UTC).date()
    return (day - datetime.timedelta(days=_CAPACITY_DAYS_KEPT)).isoformat()


def new_allocation_id() -> str:
    return uuid.uuid4().hex


def units_of(request: ReserveRequest) -> Units:
    """Validate a reserve request and add up its lines per (node, SKU).

    Raises ValueError naming the first bad line, or the bad TTL, before anything is read.
    """
    if not request.lines:
        raise ValueError("a reserve request needs at least one line")
    if request.ttl_seconds < 1:
        raise ValueError(f"ttl_seconds must be at least 1, got {request.ttl_seconds}")
    units: Units = {}
    for index, line in enumerate(request.lines):
        if line.quantity < 1:
            raise ValueError(
                f"lines[{index}] ({cut(line.sku)} at {cut(line.node_id)}) has quantity"
                f" {line.quantity}; it must be at least 1"
            )
        key = (line.node_id, line.sku)
        units[key] = units.get(key, 0) + line.quantity
    return units


def capacity_of(request: ReserveRequest) -> dict[str, tuple[str, int | None]]:
    """(day, limit) per node of the request's capacity orders, validated: ValueError naming
    the first entry with an empty day, a negative limit or a node named twice."""
    orders: dict[str, tuple[str, int | None]] = {}
    for index, entry in enumerate(request.capacity):
        if not entry.node_id or not entry.day or len(entry.day) > 32:
            raise ValueError(f"capacity[{index}] needs a node id and a day of 1 to 32 characters")
        if entry.limit is not None and entry.limit < 0:
            raise ValueError(f"capacity[{index}] ({entry.node_id}) has limit {entry.limit} < 0")
        if entry.node_id in orders:
            raise ValueError(f"capacity[{index}] names {entry.node_id} twice")
        orders[entry.node_id] = (entry.day, entry.limit)
    return orders


def limits_of(request: ReserveRequest) -> dict[str, int]:
    """The request's caps of held units by holder, validated: ValueError naming the first
    entry with an empty holder, a negative limit or a holder named twice."""
    limits: dict[str, int] = {}
    for index, entry in enumerate(request.limits):
        if not entry.holder or entry.limit < 0 or entry.holder in limits:
            raise ValueError(f"limits[{index}] needs a holder of its own and a limit of 0 or more")
        limits[entry.holder] = entry.limit
    return limits


def current_status(
    stored: AllocationStatus, expires_at_ms: int | None, at_ms: int
) -> AllocationStatus:
    """The status as of `at_ms`: a hold past its expiry instant is EXPIRED, swept or not."""
    if stored is AllocationStatus.HELD and expires_at_ms is not None and expires_at_ms <= at_ms:
        return AllocationStatus.EXPIRED
    return stored
