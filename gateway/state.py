"""The gateway's own shared state: rate-limit buckets, trusted documents, API keys, geocodes.

One interface, two backends chosen by the stock store's URL: in process for `memory://` (one
process, like the embedded store) and Redis otherwise, so that limits, registered documents and
cached geocodes hold across every gateway process. Keys start `gw:` and each carries its own
hash tag, so every command touches one slot and the same code runs on Redis Cluster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis, RedisCluster
from redis.backoff import NoBackoff
from redis.retry import Retry

_TIMEOUT_SECONDS = 1.0
_CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")


@dataclass(frozen=True, slots=True)
class BucketAnswer:
    admitted: bool
    level: float
    retry_after_seconds: float


class GatewayState(Protocol):
    async def admit(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer: ...
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
        self._buckets: dict[str, tuple[float, float]] = {}
        self._values: dict[str, tuple[float | None, str]] = {}
        self.api_keys: dict[str, dict[str, str]] = {}

    async def admit(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer:
        now = time.monotonic()
        level, at = self._buckets.get(client, (0.0, now))
        level = max(0.0, level - (now - at) * per_second)
        if level + cost > capacity:
            return BucketAnswer(False, level, (level + cost - capacity) / per_second)
        self._buckets[client] = (level + cost, now)
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


class RedisState:
    """The Redis backend; every read-modify-write is one Lua script."""

    def __init__(self, client: _Client) -> None:
        self.client = client
        source = files("gateway").joinpath("lua/leaky_bucket.lua").read_text(encoding="utf-8")
        self._bucket = client.register_script(source)

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

    async def admit(
        self, client: str, cost: int, *, capacity: int, per_second: float
    ) -> BucketAnswer:
        admitted, level, retry_ms = await self._bucket(
            keys=[f"gw:bucket:{{{client}}}"], args=[cost, capacity, per_second]
        )
        return BucketAnswer(bool(admitted), int(level) / 1000, int(retry_ms) / 1000)

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
