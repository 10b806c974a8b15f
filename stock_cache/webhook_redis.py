"""Webhooks' delivery state in Redis (see webhook_state.py), all in one slot (tag `{wh}`):
`endpoints` hash id -> JSON, `leases` hash lane -> 'worker|until_ms' (on the injected clock),
`progress` hash lane -> JSON, `log` list of JSON records, newest first, trimmed; promise
watches: `watches` hash id -> JSON, `watches:CLIENT` set of its ids, `seen` hash id ->
'digest|deadline_ms', and the `promise` stream of changes for the endpoints."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, cast

from stock_cache._rules import now_ms
from stock_cache.base import StockStore
from stock_cache.memory import MemoryStore
from stock_cache.redis_connection import UNREACHABLE, store_error
from stock_cache.redis_keys import _part
from stock_cache.redis_scripts import Client, Scripts
from stock_cache.redis_store import RedisStore
from stock_cache.webhook_state import (
    LOG_KEPT,
    PROMISE_EVENTS_KEPT,
    START,
    DeliveryRecord,
    DeliveryStatus,
    EventType,
    MemoryWebhookState,
    Progress,
    PromiseEvent,
    PromiseWatch,
    WatchSeen,
    WebhookEndpoint,
    WebhookState,
)


def _endpoint(text: str) -> WebhookEndpoint:
    raw = json.loads(text)
    raw["event_types"] = tuple(EventType(t) for t in raw["event_types"])
    return WebhookEndpoint(**raw)


def _progress(text: str) -> Progress:
    return Progress(**json.loads(text))


def _json(progress: Progress) -> str:
    return json.dumps(
        {
            "position": progress.position,
            "attempts": progress.attempts,
            "failing_since_ms": progress.failing_since_ms,
            "due_at_ms": progress.due_at_ms,
        }
    )


class RedisWebhookState:
    """A `WebhookState` in Redis or a Redis Cluster, beside a RedisStore."""

    def __init__(
        self, client: Client, prefix: str, where: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._client = client
        self._where = where
        self._clock = clock
        self._scripts = Scripts(client)
        self._key = f"{prefix}:{{wh}}".__add__

    async def _do(self, call: Callable[[], Any]) -> Any:
        try:
            return await call()
        except UNREACHABLE as exc:
            raise store_error(exc, self._where, writes=False) from exc

    async def add_endpoint(self, endpoint: WebhookEndpoint, starts: dict[str, Progress]) -> None:
        raw = {
            "id": endpoint.id,
            "client_id": endpoint.client_id,
            "channel": endpoint.channel,
            "url": endpoint.url,
            "event_types": [t.value for t in endpoint.event_types],
            "secret": endpoint.secret,
            "created_at_ms": endpoint.created_at_ms,
        }

        async def write() -> None:
            async with self._client.pipeline(transaction=False) as pipe:
                if starts:
                    mapping = {lane: _json(p) for lane, p in starts.items()}
                    pipe.hset(self._key(":progress"), mapping=mapping)  # type: ignore[arg-type]
                pipe.hset(self._key(":endpoints"), endpoint.id, json.dumps(raw))
                await pipe.execute()

        await self._do(write)

    async def endpoints(self) -> list[WebhookEndpoint]:
        found = cast(
            dict[str, str], await self._do(lambda: self._client.hgetall(self._key(":endpoints")))
        )
        return sorted(map(_endpoint, found.values()), key=lambda e: (e.created_at_ms, e.id))

    async def claim(self, lane: str, worker: str, ttl_ms: int) -> bool:
        call = ("lease_claim", [self._key(":leases")], [lane, worker, now_ms(self._clock), ttl_ms])
        (held,) = await self._do(lambda: self._scripts.run([call]))  # type: ignore[list-item]
        return bool(held)

    async def let_go(self, lane: str, worker: str) -> None:
        keys = [self._key(":leases"), self._key(":progress")]
        await self._do(lambda: self._scripts.run([("lease_save", keys, [lane, worker, ""])]))

    async def progress(self, lane: str) -> Progress | None:
        found = await self._do(lambda: self._client.hget(self._key(":progress"), lane))
        return None if found is None else _progress(cast(str, found))

    async def save(self, lane: str, worker: str, progress: Progress) -> bool:
        keys = [self._key(":leases"), self._key(":progress")]
        call = ("lease_save", keys, [lane, worker, _json(progress)])
        (saved,) = await self._do(lambda: self._scripts.run([call]))  # type: ignore[list-item]
        return bool(saved)

    async def record(self, entry: DeliveryRecord) -> None:
        raw = {
            "endpoint_id": entry.endpoint_id,
            "event_id": entry.event_id,
            "event_type": entry.event_type.value,
            "status": entry.status.value,
            "attempts": entry.attempts,
            "at_ms": entry.at_ms,
            "detail": entry.detail,
        }

        async def write() -> None:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.lpush(self._key(":log"), json.dumps(raw))
                pipe.ltrim(self._key(":log"), 0, LOG_KEPT - 1)
                await pipe.execute()

        await self._do(write)

    async def log(self, endpoint_id: str | None, first: int) -> list[DeliveryRecord]:
        texts = cast(
            list[str], await self._do(lambda: self._client.lrange(self._key(":log"), 0, -1))
        )
        found = []
        for text in texts:
            raw = json.loads(text)
            if endpoint_id not in (None, raw["endpoint_id"]):
                continue
            raw["event_type"] = EventType(raw["event_type"])
            raw["status"] = DeliveryStatus(raw["status"])
            found.append(DeliveryRecord(**raw))
            if len(found) >= first:
                break
        return found

    async def add_watch(self, watch: PromiseWatch, most: int) -> bool:
        raw = json.dumps(
            {
                "id": watch.id,
                "endpoint_id": watch.endpoint_id,
                "client_id": watch.client_id,
                "channel": watch.channel,
                "skus": list(watch.skus),
                "request": watch.request,
                "created_at_ms": watch.created_at_ms,
            }
        )
        keys = [self._key(":watches"), self._key(f":watches:{_part(watch.client_id)}")]
        (kept,) = await self._do(
            lambda: self._scripts.run([("watch_add", keys, [watch.id, raw, most])])
        )
        return bool(kept)

    async def watches(self) -> list[PromiseWatch]:
        found = cast(
            dict[str, str], await self._do(lambda: self._client.hgetall(self._key(":watches")))
        )
        kept = []
        for text in found.values():
            raw = json.loads(text)
            raw["skus"] = tuple(raw["skus"])
            kept.append(PromiseWatch(**raw))
        return sorted(kept, key=lambda w: (w.created_at_ms, w.id))

    async def remove_watch(self, client_id: str, watch_id: str) -> bool:
        mine = self._key(f":watches:{_part(client_id)}")

        async def remove() -> bool:
            if not await self._client.srem(mine, watch_id):
                return False
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hdel(self._key(":watches"), watch_id)
                pipe.hdel(self._key(":seen"), watch_id)
                await pipe.execute()
            return True

        return cast(bool, await self._do(remove))

    async def seen(self) -> dict[str, WatchSeen]:
        found = cast(
            dict[str, str], await self._do(lambda: self._client.hgetall(self._key(":seen")))
        )
        kept = {}
        for watch_id, text in found.items():
            digest, _, deadline = text.partition("|")
            kept[watch_id] = WatchSeen(digest, int(deadline or 0))
        return kept

    async def save_seen(self, watch_id: str, seen: WatchSeen) -> None:
        text = f"{seen.digest}|{seen.deadline_ms}"
        await self._do(lambda: self._client.hset(self._key(":seen"), watch_id, text))

    async def append_promise(self, endpoint_id: str, at_ms: int, data: str) -> str:
        fields: dict[Any, Any] = {"endpoint": endpoint_id, "at": at_ms, "data": data}
        added = await self._do(
            lambda: self._client.xadd(
                self._key(":promise"), fields, maxlen=PROMISE_EVENTS_KEPT, approximate=True
            )
        )
        return cast(str, added)

    async def promise_head(self) -> str:
        last = cast(
            list[tuple[str, Any]],
            await self._do(
                lambda: self._client.xrevrange(self._key(":promise"), "+", "-", count=1)
            ),
        )
        return last[0][0] if last else START

    async def promise_after(self, position: str, count: int) -> list[PromiseEvent]:
        start = "-" if position == START else f"({position}"
        entries = cast(
            list[tuple[str, dict[str, str]]],
            await self._do(
                lambda: self._client.xrange(self._key(":promise"), start, "+", count=count)
            ),
        )
        return [
            PromiseEvent(entry_id, f["endpoint"], int(f["at"]), f["data"])
            for entry_id, f in entries
        ]


def webhook_state(store: StockStore, *, clock: Callable[[], float] = time.time) -> WebhookState:
    """The delivery state beside a store that `store_from_url` opened."""
    if isinstance(store, MemoryStore):
        return MemoryWebhookState(clock=clock)
    if isinstance(store, RedisStore):
        # The store's own client and key prefix: one pool, one namespace.
        return RedisWebhookState(store._client, store._keys._prefix, store._where, clock=clock)
    raise TypeError(f"no webhook state for {type(store).__name__}")
