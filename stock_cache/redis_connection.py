"""Opening a Redis client for the store, and what a failed call to it means.

A call that failed before anything reached a server (no connection could be made or taken
from the pool, the cluster refused the slot) changed nothing: StoreUnavailable. A call that
failed after it was sent (the server stopped answering, the connection broke) may have run:
a write then raises StoreOutcomeUnknown, and the caller retries with the same idempotency key;
a read raises StoreUnavailable, since reading changes nothing either way.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import redis.exceptions
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from stock_cache.errors import (
    InvalidStoreUrl,
    StockStoreError,
    StoreOutcomeUnknown,
    StoreUnavailable,
)
from stock_cache.redis_scripts import Client

# Fail fast: a caller at checkout would rather get an answer in about a second than wait.
# The URL's ?socket_timeout=, ?socket_connect_timeout= and (a single server) ?timeout= (the
# wait for a pooled connection) win over it, as ?max_connections= wins over the pool size.
TIMEOUT_SECONDS = 1.0
# Per process.
MAX_CONNECTIONS = 50

CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")

UNREACHABLE = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.ClusterError,
    redis.exceptions.RedisClusterException,
    redis.exceptions.TryAgainError,
    OSError,
)
"""What a call may raise when Redis cannot be reached or stops answering."""

# Raised before a command leaves the process, or by a server that refused to run it.
_NEVER_SENT = (
    redis.exceptions.MaxConnectionsError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
    redis.exceptions.RedisClusterException,
    ConnectionRefusedError,
)
# redis-py's messages for a connection that could not be made, or taken from a full pool.
_NOT_CONNECTED = ("connecting to", "Timeout connecting", "No connection available")


def never_sent(error: BaseException) -> bool:
    """Whether a failed call certainly never reached a server (so it changed nothing)."""
    if isinstance(error, _NEVER_SENT):
        return True
    return isinstance(error, redis.exceptions.RedisError) and any(
        text in str(error) for text in _NOT_CONNECTED
    )


def store_error(error: BaseException, where: str, *, writes: bool) -> StockStoreError:
    """The store's error for a call that failed with `error` (one of UNREACHABLE)."""
    if writes and not never_sent(error):
        return StoreOutcomeUnknown(
            f"Redis at {where} stopped answering after a change was sent ({error});"
            " it may have been made: retry with the same idempotency key"
        )
    return StoreUnavailable(f"Redis at {where} did not answer: {error}")


def where(url: str) -> str:
    """The server a URL names, without its credentials, for error messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix:{parts.path}"
    return f"{parts.hostname}:{parts.port or 6379}"


def open_client(url: str) -> Client:
    """A client (decoding responses) over a bounded pool; nothing connects until used.

    Raises InvalidStoreUrl naming an option of the URL whose value can't be used."""
    try:
        return _open_client(url)
    except ValueError as error:
        # redis-py's own words name the option ("Invalid value for 'socket_timeout' ...").
        raise InvalidStoreUrl(f"the stock store URL: {error}") from None


def _open_client(url: str) -> Client:
    parts = urlsplit(url)
    if parts.scheme in CLUSTER_SCHEMES:
        plain = urlunsplit(parts._replace(scheme=parts.scheme.removesuffix("+cluster")))
        return RedisCluster.from_url(
            plain,
            decode_responses=True,
            socket_connect_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS,
            # No retries: a reply lost after a script ran would run it twice. The caller
            # retries instead, with the same idempotency key.
            retry=Retry(NoBackoff(), 0),
            max_connections=MAX_CONNECTIONS * 2,
        )
    pool = BlockingConnectionPool.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
        # A burst waits its turn for one of a bounded set of connections rather than
        # opening one per request (redis-py's default pool refuses past 100).
        max_connections=MAX_CONNECTIONS,
        timeout=TIMEOUT_SECONDS,
    )
    # from_pool: closing the client closes the pool it owns.
    return Redis.from_pool(pool)
