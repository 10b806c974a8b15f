"""Webhooks' delivery state: endpoints, where each lane of deliveries stands, who holds it,
the delivery log, and the promise watches with the changes they saw; the protocol and its
embedded implementation (Redis: webhook_redis.py).

A lane is one endpoint's share of one source of events (a partition of the allocation outbox,
a channel's stock feed, or the stream of promise changes its watches saw): its events go out
one after the other, so that the events of one allocation arrive in order. A worker delivers
a lane only while it holds the lane's lease, and saves the lane's progress only while it
still holds it: two workers never send one event.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from stock_cache._rules import now_ms

LOG_KEPT = 10_000
# Promise changes kept for the endpoints' lanes (the newest; as the outbox keeps its own).
PROMISE_EVENTS_KEPT = 100_000
START = "0"


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


@dataclass(frozen=True, slots=True)
class PromiseWatch:
    """A promise an endpoint watches: `request` (JSON: the cart's lines and its destination)
    evaluated as its client, on its channel; `skus` are the cart's."""

    id: str
    endpoint_id: str
    client_id: str
    channel: str
    skus: tuple[str, ...]
    request: str
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class WatchSeen:
    """What a watch last saw: a digest of the options, and their earliest order-by ahead
    (epoch ms, 0 for none)."""

    digest: str
    deadline_ms: int = 0


@dataclass(frozen=True, slots=True)
class PromiseEvent:
    """A promise change for an endpoint, at `position` of the promise stream."""

    position: str
    endpoint_id: str
    at_ms: int
    data: str


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

    async def add_watch(self, watch: PromiseWatch, most: int) -> bool:
        """Keep a watch unless its client holds `most` already; whether it did."""
        ...

    async def watches(self) -> list[PromiseWatch]: ...

    async def remove_watch(self, client_id: str, watch_id: str) -> bool: ...

    async def seen(self) -> dict[str, WatchSeen]:
        """What each watch saw last (none for a watch not evaluated yet)."""
        ...

    async def save_seen(self, watch_id: str, seen: WatchSeen) -> None: ...

    async def append_promise(self, endpoint_id: str, at_ms: int, data: str) -> str:
        """Append a promise change for an endpoint; its position."""
        ...

    async def promise_head(self) -> str: ...

    async def promise_after(self, position: str, count: int) -> list[PromiseEvent]: ...


class MemoryWebhookState:
    """A `WebhookState` in process memory, on the injected clock."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._endpoints: dict[str, WebhookEndpoint] = {}
        self._leases: dict[str, tuple[str, int]] = {}
        self._progress: dict[str, Progress] = {}
        self._log: list[DeliveryRecord] = []
        self._watches: dict[str, PromiseWatch] = {}
        self._seen: dict[str, WatchSeen] = {}
        self._promise: list[PromiseEvent] = []
        self._promise_trimmed = 0

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

    async def add_watch(self, watch: PromiseWatch, most: int) -> bool:
        held = sum(w.client_id == watch.client_id for w in self._watches.values())
        if held >= most:
            return False
        self._watches[watch.id] = watch
        return True

    async def watches(self) -> list[PromiseWatch]:
        return sorted(self._watches.values(), key=lambda w: (w.created_at_ms, w.id))

    async def remove_watch(self, client_id: str, watch_id: str) -> bool:
        found = self._watches.get(watch_id)
        if found is None or found.client_id != client_id:
            return False
        del self._watches[watch_id]
        self._seen.pop(watch_id, None)
        return True

    async def seen(self) -> dict[str, WatchSeen]:
        return dict(self._seen)

    async def save_seen(self, watch_id: str, seen: WatchSeen) -> None:
        if watch_id in self._watches:
            self._seen[watch_id] = seen

    async def append_promise(self, endpoint_id: str, at_ms: int, data: str) -> str:
        position = str(self._promise_trimmed + len(self._promise) + 1)
        self._promise.append(PromiseEvent(position, endpoint_id, at_ms, data))
        if len(self._promise) > PROMISE_EVENTS_KEPT:
            self._promise_trimmed += len(self._promise) - PROMISE_EVENTS_KEPT
            del self._promise[:-PROMISE_EVENTS_KEPT]
        return position

    async def promise_head(self) -> str:
        return str(self._promise_trimmed + len(self._promise))

    async def promise_after(self, position: str, count: int) -> list[PromiseEvent]:
        start = max(0, int(position) - self._promise_trimmed)
        return self._promise[start : start + count]
