"""Webhooks: registering a client's endpoints, and delivering its events to them.

Events come from the allocation outbox (allocation.held/confirmed/released/expired/fulfilled,
a client's own allocations only), from its channel's stock feed (channel_stock.changed) and
from the promise stream its watches append to (promise.changed, promise_watches.py).
Each (endpoint, source partition) is a lane delivered in order by whichever worker holds its
lease (stock_cache/webhook_state.py); a lane's progress is saved after every event, so a
worker that dies sends at most its current event again (at least once). A failed event is
tried again after an exponential backoff with jitter (5 s doubling, at most an hour apart),
holding back the lane's later events, and parked after a day of failures; every attempt is
in the delivery log. Bodies are signed per Standard Webhooks (`webhook-id`,
`webhook-timestamp`, `webhook-signature: v1,…`, HMAC-SHA256 with the endpoint's secret).
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

from gateway.service.promise_watches import PromiseWatcher
from stock_cache._rules import now_ms
from stock_cache.base import AllocationStatus, OutboxEntry
from stock_cache.outbox_reader import START, OutboxReader
from stock_cache.publication import ChannelFeed
from stock_cache.webhook_state import (
    DeliveryRecord,
    DeliveryStatus,
    EventType,
    Progress,
    WebhookEndpoint,
    WebhookState,
)

BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MOST_SECONDS = 3600.0
PARK_AFTER_MS = 24 * 3600 * 1000
LEASE_MS = 60_000
SEND_TIMEOUT_SECONDS = 10.0
MAX_URL = 2000
_BATCH = 100

_OF_STATUS = {
    AllocationStatus.HELD: EventType.ALLOCATION_HELD,
    AllocationStatus.CONFIRMED: EventType.ALLOCATION_CONFIRMED,
    AllocationStatus.RELEASED: EventType.ALLOCATION_RELEASED,
    AllocationStatus.EXPIRED: EventType.ALLOCATION_EXPIRED,
    AllocationStatus.FULFILLED: EventType.ALLOCATION_FULFILLED,
}


class WebhookInputError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: EventType
    at_ms: int
    data: dict[str, Any]

    def body(self) -> str:
        at = datetime.fromtimestamp(self.at_ms / 1000, tz=UTC).isoformat()
        return json.dumps({"type": self.type.value, "timestamp": at, "data": self.data})


def backoff_ms(attempts: int, rng: random.Random) -> int:
    """The wait before attempt `attempts + 1`: doubling from 5 s, at most an hour, less up to
    half of it at random so that a receiver back up is not hit by every lane at once."""
    ceiling = min(BACKOFF_MOST_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (attempts - 1))
    return int(ceiling * 1000 * (1 - rng.random() / 2))


def allocation_event(event_id: str, entry: OutboxEntry) -> Event:
    lines = [{"nodeId": x.node_id, "sku": x.sku, "quantity": x.quantity} for x in entry.lines]
    data = {
        "allocationId": entry.allocation_id,
        "status": entry.status.value,
        "orderReference": entry.order_reference,
        "lines": lines,
    }
    return Event(event_id, _OF_STATUS[entry.status], entry.at_ms, data)


# A lane's reader: the events after a position, each with its own position (None: an event
# that is not the endpoint's, passed over).
Read = Callable[[str], Awaitable[list[tuple[str, Event | None]]]]


class WebhookSender:
    """One worker's deliveries: `run_once` goes over every lane it can claim."""

    def __init__(
        self,
        state: WebhookState,
        outbox: OutboxReader,
        feed: ChannelFeed | None,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
        wall_clock: Callable[[], float] = time.time,
        worker: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.state = state
        self._outbox = outbox
        self._feed = feed
        self._client = client
        self._clock = clock
        # Signatures carry the time of sending, which receivers check against their own.
        self._wall_clock = wall_clock
        self._worker = worker or uuid.uuid4().hex
        self._rng = rng or random.Random()
        # Evaluates the promise watches before each delivery pass (set by the app).
        self.watcher: PromiseWatcher | None = None
        # Outbox lane -> the position this worker delivered it to, nothing after it then and
        # no failure waiting: a partition with nothing new after the position all its lanes
        # share is passed over without claiming a lane (one read for all such partitions).
        self._caught_up: dict[str, str] = {}

    async def register(
        self, client_id: str, channel: str, url: str, event_types: list[EventType]
    ) -> WebhookEndpoint:
        """A new endpoint of the client, receiving the events from now on."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
            raise WebhookInputError(
                f"url {url[:64]!r} must be an http(s) URL of at most {MAX_URL} characters",
                "input.url",
            )
        if not event_types:
            raise WebhookInputError("name at least one event type", "input.eventTypes")
        endpoint = WebhookEndpoint(
            id=f"ep_{uuid.uuid4().hex}",
            client_id=client_id,
            channel=channel,
            url=url,
            event_types=tuple(dict.fromkeys(event_types)),
            secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
            created_at_ms=now_ms(self._clock),
        )
        heads = await self._outbox.heads()
        starts = {self._lane(endpoint, f"o{p}"): Progress(head) for p, head in heads.items()}
        if self._feed is not None:
            head = await self._feed.head(channel)
            starts[self._lane(endpoint, "c")] = Progress(head)
        starts[self._lane(endpoint, "p")] = Progress(await self.state.promise_head())
        await self.state.add_endpoint(endpoint, starts)
        return endpoint

    @staticmethod
    def _lane(endpoint: WebhookEndpoint, source: str) -> str:
        return f"{endpoint.id}:{source}"

    async def run_once(self) -> int:
        """Deliver what is due on every lane this worker can claim; how many were delivered."""
        if self.watcher is not None:
            await self.watcher.run_once()
        delivered = 0
        endpoints = await self.state.endpoints()
        quiet = await self._quiet_partitions(endpoints)
        for endpoint in endpoints:
            for partition in range(self._outbox.partitions):
                if partition in quiet:
                    continue
                lane = self._lane(endpoint, f"o{partition}")
                delivered += await self._deliver(
                    endpoint, lane, self._outbox_read(endpoint, partition)
                )
            if self._feed is not None and EventType.CHANNEL_STOCK_CHANGED in endpoint.event_types:
                delivered += await self._deliver(
                    endpoint, self._lane(endpoint, "c"), self._channel_read(endpoint)
                )
            if EventType.PROMISE_CHANGED in endpoint.event_types:
                delivered += await self._deliver(
                    endpoint, self._lane(endpoint, "p"), self._promise_read(endpoint)
                )
        return delivered

    async def _quiet_partitions(self, endpoints: list[WebhookEndpoint]) -> set[int]:
        """The outbox partitions whose lanes this worker has all delivered to one position,
        with nothing after it. Reading them runs their expiries, as a lane's own read does."""
        lanes = {
            p: [self._lane(endpoint, f"o{p}") for endpoint in endpoints]
            for p in range(self._outbox.partitions)
        }
        current = {lane for of_partition in lanes.values() for lane in of_partition}
        self._caught_up = {k: v for k, v in self._caught_up.items() if k in current}
        shared: dict[int, str] = {}
        for p, of_partition in lanes.items():
            positions = {self._caught_up.get(lane) for lane in of_partition}
            if len(positions) == 1 and (position := positions.pop()) is not None:
                shared[p] = position
        if not shared:
            return set()
        news = await self._outbox.after_each(shared, 1)
        return {p for p, found in news.items() if not found}

    def _outbox_read(self, endpoint: WebhookEndpoint, partition: int) -> Read:
        async def read(position: str) -> list[tuple[str, Event | None]]:
            found: list[tuple[str, Event | None]] = []
            for item in await self._outbox.after(partition, position, _BATCH):
                entry = item.entry
                mine = entry.client_id == endpoint.client_id
                wanted = mine and _OF_STATUS[entry.status] in endpoint.event_types
                found.append(
                    (item.position, allocation_event(item.event_id, entry) if wanted else None)
                )
            return found

        return read

    def _promise_read(self, endpoint: WebhookEndpoint) -> Read:
        async def read(position: str) -> list[tuple[str, Event | None]]:
            return [
                (
                    change.position,
                    Event(
                        f"prm_{change.position}",
                        EventType.PROMISE_CHANGED,
                        change.at_ms,
                        json.loads(change.data),
                    )
                    if change.endpoint_id == endpoint.id
                    else None,
                )
                for change in await self.state.promise_after(position, _BATCH)
            ]

        return read

    def _channel_read(self, endpoint: WebhookEndpoint) -> Read:
        feed = self._feed
        assert feed is not None

        async def read(position: str) -> list[tuple[str, Event | None]]:
            # One change a page: each change's own cursor is the lane's progress after it.
            page = await feed.changes(endpoint.channel, None if position == START else position, 1)
            return [
                (
                    page.cursor,
                    Event(
                        f"chs_{page.cursor}",
                        EventType.CHANNEL_STOCK_CHANGED,
                        change.at_ms,
                        {
                            "channel": endpoint.channel,
                            "sku": change.sku,
                            "quantity": change.quantity,
                        },
                    ),
                )
                for change in page.changes
            ]

        return read

    async def _deliver(self, endpoint: WebhookEndpoint, lane: str, read: Read) -> int:
        # Known again only if this pass leaves the lane delivered to its end.
        self._caught_up.pop(lane, None)
        if not await self.state.claim(lane, self._worker, LEASE_MS):
            return 0
        delivered = 0
        try:
            progress = await self.state.progress(lane) or Progress(START)
            if progress.due_at_ms > now_ms(self._clock):
                return 0
            while True:
                events = await read(progress.position)
                for position, event in events:
                    if event is None:
                        progress = Progress(position)
                        continue
                    failure = await self._send(endpoint, event)
                    now = now_ms(self._clock)
                    attempts = progress.attempts + 1
                    if failure is None:
                        status, progress = DeliveryStatus.DELIVERED, Progress(position)
                    elif now - (progress.failing_since_ms or now) >= PARK_AFTER_MS:
                        status, progress = DeliveryStatus.PARKED, Progress(position)
                    else:
                        status = DeliveryStatus.FAILED
                        since = progress.failing_since_ms or now
                        due = now + backoff_ms(attempts, self._rng)
                        progress = Progress(progress.position, attempts, since, due)
                    record = DeliveryRecord(
                        endpoint.id, event.id, event.type, status, attempts, now, failure or ""
                    )
                    await self.state.record(record)
                    if not await self.state.save(lane, self._worker, progress):
                        return delivered  # the lease lapsed: another worker has the lane
                    delivered += status is DeliveryStatus.DELIVERED
                    if status is DeliveryStatus.FAILED:
                        return delivered
                if not await self.state.save(lane, self._worker, progress):
                    return delivered
                if len(events) < (1 if lane.endswith(":c") else _BATCH):
                    if progress.attempts == 0 and ":o" in lane:
                        self._caught_up[lane] = progress.position
                    return delivered
        finally:
            await self.state.let_go(lane, self._worker)

    async def _send(self, endpoint: WebhookEndpoint, event: Event) -> str | None:
        """POST one signed event; None when the receiver took it (2xx), else why not."""
        body = event.body()
        sent_at = datetime.fromtimestamp(self._wall_clock(), tz=UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": event.id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(event.id, sent_at, body),
        }
        try:
            response = await self._client.post(
                endpoint.url, content=body, headers=headers, timeout=SEND_TIMEOUT_SECONDS
            )
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"[:200]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"
