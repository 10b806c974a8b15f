"""Webhooks' delivery state: endpoints, where each lane of deliveries stands, who holds it,
and the delivery log; the protocol and its embedded implementation (Redis: webhook_redis.py).

A lane is one endpoint's share of one source of events (a partition of the allocation outbox,
or a channel's stock feed): its events go out one after the other, so that the events of one
allocation arrive in order. A worker delivers a lane only while it holds the lane's lease, and
saves the lane's progress only while it still holds it: two workers never send one event.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from stock_cache._rules import now_ms

LOG_KEPT = 10_000


class EventType(enum.Enum):
    ALLOCATION_HELD = "allocation.held"
    ALLOCATION_CONFIRMED = "allocation.confirmed"
    ALLOCATION_RELEASED = "allocation.released"
    ALLOCATION_EXPIRED = "allocation.expired"
    ALLOCATION_FULFILLED = "allocation.fulfilled"
    CHANNEL_STOCK_CHANGED = "channel_stock.changed"
    PROMISE_CHANGED = "promise.changed"


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """Where a client wants its events: `secret` signs them (Standard Webhooks, `whsec_…`)."""

    id: str
    client_id: str
    channel: str
    url: str
    event_types: tuple[EventType, ...]
    secret: str
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a lane stands: after `position`; its next event failed `attempts` times, first
    at `failing_since_ms`, and is due again at `due_at_ms`."""

    position: str
    attempts: int = 0
    failing_since_ms: int = 0
    due_at_ms: int = 0


class DeliveryStatus(enum.Enum):
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # an attempt failed; it is tried again later
    PARKED = "PARKED"  # tried for a day: given up, the lane goes on


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    endpoint_id: str
    event_id: str
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    at_ms: int
    detail: str


class WebhookState(Protocol):
    async def add_endpoint(self, endpoint: WebhookEndpoint, starts: dict[str, Progress]) -> None:
        """Register an endpoint, its lanes starting where `starts` says."""
        ...

    async def endpoints(self) -> list[WebhookEndpoint]: ...

    async def claim(self, lane: str, worker: str, ttl_ms: int) -> bool:
        """Take (or keep) a lane's lease for `ttl_ms`; False while another worker holds it."""
        ...

    async def let_go(self, lane: str, worker: str) -> None: ...

    async def progress(self, lane: str) -> Progress | None: ...

    async def save(self, lane: str, worker: str, progress: Progress) -> bool:
        """Save a lane's progress if `worker` still holds its lease; whether it did."""
        ...

    async def record(self, entry: DeliveryRecord) -> None: ...

    async def log(self, endpoint_id: str | None, first: int) -> list[DeliveryRecord]:
        """The newest `first` records (of one endpoint, or all), newest first."""
        ...


class MemoryWebhookState:
    """A `WebhookState` in process memory, on the injected clock."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._endpoints: dict[str, WebhookEndpoint] = {}
        self._leases: dict[str, tuple[str, int]] = {}
        self._progress: dict[str, Progress] = {}
        self._log: list[DeliveryRecord] = []

    async def add_endpoint(self, endpoint: WebhookEndpoint, starts: dict[str, Progress]) -> None:
        self._endpoints[endpoint.id] = endpoint
        self._progress.update(starts)

    async def endpoints(self) -> list[WebhookEndpoint]:
        return sorted(self._endpoints.values(), key=lambda e: (e.created_at_ms, e.id))

    async def claim(self, lane: str, worker: str, ttl_ms: int) -> bool:
        now = now_ms(self._clock)
        holder = self._leases.get(lane)
        if holder is not None and holder[0] != worker and holder[1] > now:
            return False
        self._leases[lane] = (worker, now + ttl_ms)
        return True

    async def let_go(self, lane: str, worker: str) -> None:
        if self._leases.get(lane, ("", 0))[0] == worker:
            del self._leases[lane]

    async def progress(self, lane: str) -> Progress | None:
        return self._progress.get(lane)

    async def save(self, lane: str, worker: str, progress: Progress) -> bool:
        if self._leases.get(lane, ("", 0))[0] != worker:
            return False
        self._progress[lane] = progress
        return True

    async def record(self, entry: DeliveryRecord) -> None:
        self._log.append(entry)
        del self._log[:-LOG_KEPT]

    async def log(self, endpoint_id: str | None, first: int) -> list[DeliveryRecord]:
        found = [r for r in reversed(self._log) if endpoint_id in (None, r.endpoint_id)]
        return found[:first]
