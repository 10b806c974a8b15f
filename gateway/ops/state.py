"""The gateway's own shared state: rate-limit buckets, trusted documents, API keys, geocodes.

One interface, two backends chosen by the stock store's URL: in process for `memory://` (one
process, like the embedded store) and Redis otherwise, so that limits, registered documents and
cached geocodes hold across every gateway process. Keys start `gw:` and each carries its own
hash tag, so every command touches one slot and the same code runs on Redis Cluster.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

_TIMEOUT_SECONDS = 1.0
_CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")

# A worker's rate-limit lease is worth this much of the bucket's refill and lives this long.
# 250 ms: a client sending a few requests a second to one worker mostly skips Redis, while the
# throttle status served from local credit is at most that stale and credit stranded in a
# worker the client left is dropped soon (the shared bucket leaks it away in as little time).
_LEASE_SECONDS = 0.25
# ...and is never more than this share of the capacity, so that every worker holding a lease
# leaves the others most of the bucket.
_LEASE_FRACTION = 0.1
# Past this many clients' credit, the expired entries are dropped when a lease is taken.
_CREDIT_PRUNE_AT = 1024


@dataclass(frozen=True, slots=True)
class BucketAnswer:
    admitted: bool
    level: float
    retry_after_seconds: float


class GatewayState(Protocol):
    async def admit(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer: ...
    def admit_at_once(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer | None:
        """`admit`'s answer when it needs no round trip; None: await `admit`."""

    async def document(self, namespace: str, digest: str) -> str | None: ...
    async def put_document(
        self, namespace: str, digest: str, text: str, *, ttl_seconds: int | None
    ) -> None: ...
    async def api_key(self, digest: str) -> dict[str, str] | None: ...
    async def cached(self, key: str) -> str | None: ...
    async def cache(self, key: str, value: str, *, ttl_seconds: int) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class MemoryState:
    """The in-process backend: the same answers, for one process."""

    def __init__(self) -> None:
        # client -> (level, at, points leaked per second)
        self._buckets: dict[str, tuple[float, float, float]] = {}
        self._buckets_prune_at = _CREDIT_PRUNE_AT
        self._values: dict[str, tuple[float | None, str]] = {}
        self.api_keys: dict[str, dict[str, str]] = {}

    async def admit(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer:
        return self.admit_at_once(client, cost, capacity=capacity, per_second=per_second)

    def admit_at_once(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer:
        now = time.monotonic()
        level, at, _rate = self._buckets.get(client, (0.0, now, per_second))
        level = max(0.0, level - (now - at) * per_second)
        if level + cost > capacity:
            return BucketAnswer(False, level, (level + cost - capacity) / per_second)
        self._buckets[client] = (level + cost, now, per_second)
        if len(self._buckets) > self._buckets_prune_at:
            # One bucket per shopper: those drained to empty are forgotten (a new one is
            # the same), so the table stays as large as the shoppers active at once.
            self._buckets = {c: b for c, b in self._buckets.items() if b[0] > (now - b[1]) * b[2]}
            self._buckets_prune_at = max(_CREDIT_PRUNE_AT, 2 * len(self._buckets))
        return BucketAnswer(True, level + cost, 0.0)

    def _get(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None:
            return None
        expires, value = found
        if expires is not None and expires < time.monotonic():
            del self._values[key]
            return None
        return value

    def _put(self, key: str, value: str, ttl_seconds: int | None) -> None:
        expires = None if ttl_seconds is None else time.monotonic() + ttl_seconds
        self._values[key] = (expires, value)

    async def document(self, namespace: str, digest: str) -> str | None:
        return self._get(f"doc:{namespace}:{digest}")

    async def put_document(
        self, namespace: str, digest: str, text: str, *, ttl_seconds: int | None
    ) -> None:
        self._put(f"doc:{namespace}:{digest}", text, ttl_seconds)

    async def api_key(self, digest: str) -> dict[str, str] | None:
        return self.api_keys.get(digest)

    async def cached(self, key: str) -> str | None:
        return self._get(f"cache:{key}")

    async def cache(self, key: str, value: str, *, ttl_seconds: int) -> None:
        self._put(f"cache:{key}", value, ttl_seconds)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


_Client = Redis | RedisCluster


@dataclass(slots=True)
class _Credit:
    """Points a worker leased from a client's shared bucket and has not spent yet."""

    points: float
    expires: float  # on the state's clock
    bucket_level: float  # the shared level of the latest script answer, this credit included


class RedisState:
    """The Redis backend; every read-modify-write is one Lua script.

    Rate-limit points are leased, so that most requests skip the limiter's round trip. A
    request that the worker's live credit for its client does not cover runs the bucket
    script asking for a lease of `max(cost, min(per_second * lease_seconds, capacity *
    lease_fraction))` points (12.5 with 1,000 points and 50 per second: every request of
    13 points or more asks Redis for exactly its cost, as without leases). The script grants
    `min(lease, capacity - level)` provided the cost fits, else refuses with its retry-after:
    every 429 comes from Redis. The request spends its cost and the worker keeps the rest as
    credit for `lease_seconds`; the client's next requests spend it without a Redis call.
    Credit left at expiry is dropped: the shared bucket counted it and leaks it at the normal
    rate. So the workers never admit more than the shared bucket allows, and under-admit by
    at most the credit they hold: one lease per worker and client, as a worker fetches one
    lease per client at a time (tasks needing points meanwhile ask for exactly their cost).

    The level answered is the script's latest level less the worker's unspent credit, i.e.
    the script's answer plus what the worker spent locally since: exact for this worker's
    own spending, blind to the leak and to other workers' spending since that answer (at
    most `lease_seconds` old).
    """

    def __init__(
        self,
        client: _Client,
        *,
        lease_seconds: float = _LEASE_SECONDS,
        lease_fraction: float = _LEASE_FRACTION,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._clock = clock
        source = files("gateway.ops").joinpath("lua/leaky_bucket.lua").read_text(encoding="utf-8")
        self._bucket = client.register_script(source)
        self._lease_seconds = lease_seconds
        self._lease_fraction = lease_fraction
        self._credit: dict[str, _Credit] = {}
        self._leasing: set[str] = set()
        self._prune_at = _CREDIT_PRUNE_AT

    @classmethod
    def from_url(cls, url: str) -> RedisState:
        parts = urlsplit(url)
        options: dict[str, Any] = {
            "decode_responses": True,
            "socket_connect_timeout": _TIMEOUT_SECONDS,
            "socket_timeout": _TIMEOUT_SECONDS,
            "retry": Retry(NoBackoff(), 0),
        }
        if parts.scheme in _CLUSTER_SCHEMES:
            plain = urlunsplit(parts._replace(scheme=parts.scheme.removesuffix("+cluster")))
            return cls(RedisCluster.from_url(plain, **options))
        return cls(Redis.from_url(url, **options))

    def lease_points(self, cost: int, *, capacity: int, per_second: float) -> float:
        """The points a request asks the shared bucket for: its cost, or a lease if larger."""
        refill = per_second * self._lease_seconds
        return max(float(cost), min(refill, capacity * self._lease_fraction))

    def admit_at_once(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer | None:
        credit = self._live_credit(client, self._clock())
        # No await between this check and the spending: tasks never spend the same credit.
        if credit is not None and credit.points >= cost:
            credit.points -= cost
            return BucketAnswer(True, credit.bucket_level - credit.points, 0.0)
        return None

    async def admit(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer:
        now = self._clock()
        answered = self.admit_at_once(client, cost, capacity=capacity, per_second=per_second)
        if answered is not None:
            return answered
        # One lease in flight per client: a burst of tasks arriving meanwhile asks for exactly
        # its costs (as without leases) rather than each taking a lease the others don't need.
        leasing = client not in self._leasing
        wanted = self.lease_points(cost, capacity=capacity, per_second=per_second)
        if leasing:
            self._leasing.add(client)
        try:
            admitted, level_milli, retry_ms, granted_milli = await self._bucket(
                keys=[f"gw:bucket:{{{client}}}"],
                args=[cost, capacity, per_second, wanted if leasing else cost],
            )
        finally:
            if leasing:
                self._leasing.discard(client)
        level = int(level_milli) / 1000
        if not admitted:
            return BucketAnswer(False, level, int(retry_ms) / 1000)
        kept = int(granted_milli) / 1000 - cost
        credit = self._live_credit(client, self._clock())  # as other answers left it
        if kept > 0:
            # Credit still live was counted in the shared level already: pool it.
            held = kept + (credit.points if credit else 0.0)
            credit = _Credit(held, now + self._lease_seconds, level)
            self._keep(client, credit)
        elif credit is not None:
            credit.bucket_level = level
        return BucketAnswer(True, level - (credit.points if credit else 0.0), 0.0)

    def _live_credit(self, client: str, now: float) -> _Credit | None:
        credit = self._credit.get(client)
        return credit if credit is not None and credit.expires > now else None

    def _keep(self, client: str, credit: _Credit) -> None:
        self._credit[client] = credit
        if len(self._credit) > self._prune_at:
            now = self._clock()
            self._credit = {c: k for c, k in self._credit.items() if k.expires > now}
            self._prune_at = max(_CREDIT_PRUNE_AT, 2 * len(self._credit))

    async def document(self, namespace: str, digest: str) -> str | None:
        value = await self.client.get(f"gw:doc:{namespace}:{{{digest}}}")
        return None if value is None else str(value)

    async def put_document(
        self, namespace: str, digest: str, text: str, *, ttl_seconds: int | None
    ) -> None:
        await self.client.set(f"gw:doc:{namespace}:{{{digest}}}", text, ex=ttl_seconds)

    async def api_key(self, digest: str) -> dict[str, str] | None:
        found = await self.client.hgetall(f"gw:apikey:{{{digest}}}")
        return {str(k): str(v) for k, v in found.items()} if found else None

    async def cached(self, key: str) -> str | None:
        value = await self.client.get(f"gw:cache:{{{key}}}")
        return None if value is None else str(value)

    async def cache(self, key: str, value: str, *, ttl_seconds: int) -> None:
        await self.client.set(f"gw:cache:{{{key}}}", value, ex=ttl_seconds)

    async def ping(self) -> None:
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()


def state_from_url(store_url: str) -> GatewayState:
    """In process for `memory://`, else Redis at the stock store's URL."""
    if urlsplit(store_url).scheme == "memory":
        return MemoryState()
    return RedisState.from_url(store_url)
