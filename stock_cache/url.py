"""Choose and open a stock store from a URL."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from stock_cache.base import StockStore
from stock_cache.errors import UnknownStoreScheme
from stock_cache.memory import MemoryStore
from stock_cache.redis_store import CLUSTER_SCHEMES, RedisStore
from stock_cache.rules import StockRules

_REDIS_SCHEMES = ("redis", "rediss", "unix", *CLUSTER_SCHEMES)
KNOWN_SCHEMES = ("memory", *_REDIS_SCHEMES)


def store_from_url(
    url: str,
    *,
    safety_by_node: Mapping[str, int] | None = None,
    rules: StockRules | None = None,
    clock: Callable[[], float] = time.time,
    key_prefix: str = "pg",
) -> StockStore:
    """The store a URL names: `memory://`, Redis at `redis://`, `rediss://` or `unix://`, or a
    Redis Cluster at `redis+cluster://HOST:PORT` (any node; `rediss+cluster://` for TLS).

    `rules` (safety stock, channels, future stock) win over the older `safety_by_node`.

    No network I/O happens here, so a store can be opened inside an app's lifespan; call
    `ping()` to check that it answers. `key_prefix` only matters to Redis.
    """
    scheme = urlsplit(url).scheme
    rules = rules or StockRules.from_safety_by_node(safety_by_node)
    if scheme == "memory":
        return MemoryStore(rules=rules, clock=clock)
    if scheme in _REDIS_SCHEMES:
        return RedisStore.from_url(url, rules=rules, clock=clock, key_prefix=key_prefix)
    # Name the scheme only: the rest of the URL may carry a password.
    raise UnknownStoreScheme(
        f"unknown stock store scheme {scheme!r}; known schemes: "
        + ", ".join(f"{known}://" for known in KNOWN_SCHEMES)
    )
