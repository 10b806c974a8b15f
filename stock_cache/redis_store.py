"""The Redis store (`redis://`, `rediss://`, `unix://`), shared by every gateway process."""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import redis.exceptions
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.typing import EncodableT

from stock_cache._rules import (
    IDEMPOTENCY_TTL_MS,
    RECORD_RETENTION_MS,
    current_status,
    new_allocation_id,
    now_ms,
    units_of,
)
from stock_cache.base import (
    Allocation,
    AllocationStatus,
    InsufficientStock,
    Reserved,
    ReserveOutcome,
    ReserveRequest,
    Shortage,
    StockLine,
)
from stock_cache.errors import (
    AllocationNotFound,
    AllocationStateError,
    IdempotencyConflict,
    StoreUnavailable,
)
from stock_cache.redis_keys import RedisKeys

# Fail fast: a caller at checkout would rather get StoreUnavailable in about a second than wait.
_TIMEOUT_SECONDS = 1.0
# Per process; a URL's ?max_connections= wins over it.
_MAX_CONNECTIONS = 50
# A snapshot racing other snapshots of the same node retries with the SKUs they added.
_SET_LEVELS_ATTEMPTS = 5

_Call = tuple[list[str], list[EncodableT]]


@functools.cache
def _script_source(name: str) -> str:
    """A script of the package's `lua/` folder, preceded by the helpers every script shares."""
    folder = resources.files("stock_cache") / "lua"
    common = (folder / "_common.lua").read_text(encoding="utf-8")
    return common + "\n" + (folder / f"{name}.lua").read_text(encoding="utf-8")


def _where(url: str) -> str:
    """The server a URL names, without its credentials, for error messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix:{parts.path}"
    return f"{parts.hostname}:{parts.port or 6379}"


@contextlib.contextmanager
def _unavailable_if_unreachable(where: str) -> Iterator[None]:
    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        raise StoreUnavailable(f"Redis at {where} did not answer: {exc}") from exc


def _encode_lines(lines: Sequence[StockLine]) -> str:
    return json.dumps([[line.node_id, line.sku, line.quantity] for line in lines])


def _decode_lines(text: str) -> tuple[StockLine, ...]:
    return tuple(StockLine(node, sku, int(qty)) for node, sku, qty in json.loads(text))


def _allocation(allocation_id: str, fields: Mapping[str, str], at_ms: int) -> Allocation:
    """An allocation from its record's fields, with its status as of `at_ms`."""
    expires = fields.get("expires_at_ms")
    expires_at_ms = None if expires is None else int(expires)
    return Allocation(
        id=allocation_id,
        client_id=fields["client_id"],
        status=current_status(AllocationStatus(fields["status"]), expires_at_ms, at_ms),
        lines=_decode_lines(fields["lines"]),
        created_at_ms=int(fields["created_at_ms"]),
        expires_at_ms=expires_at_ms,
        order_reference=fields.get("order_reference"),
        payload=fields["payload"],
    )


class RedisStore:
    """A `StockStore` in Redis: every read-modify-write is one Lua script (lua/*.lua).

    The scripts are atomic on the server, so no two processes can both take the last unit.
    Expired holds are freed lazily by the scripts that read or reserve a SKU (see
    lua/_common.lua), with the instant taken from the injected clock. See RedisKeys for the
    key layout.
    """

    def __init__(
        self,
        client: Redis,
        *,
        where: str,
        safety_by_node: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.time,
        key_prefix: str = "pg",
    ) -> None:
        """Use `client`, which must decode responses; prefer `RedisStore.from_url`."""
        self._client = client
        self._where = where
        self._safety = dict(safety_by_node or {})
        self._clock = clock
        self._keys = RedisKeys(key_prefix)
        self._atp_script = client.register_script(_script_source("atp"))
        self._set_levels_script = client.register_script(_script_source("set_levels"))
        self._reserve_script = client.register_script(_script_source("reserve"))
        self._change_script = client.register_script(_script_source("change"))

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        safety_by_node: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.time,
        key_prefix: str = "pg",
    ) -> RedisStore:
        """A store over a connection pool for `url`; nothing connects until the first call."""
        pool = BlockingConnectionPool.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=_TIMEOUT_SECONDS,
            socket_timeout=_TIMEOUT_SECONDS,
            # No retries: a reply lost after a script ran would run it twice. The caller
            # retries instead, with the same idempotency key.
            retry=Retry(NoBackoff(), 0),
            # A burst waits its turn for one of a bounded set of connections rather than
            # opening one per request (redis-py's default pool refuses past 100).
            max_connections=_MAX_CONNECTIONS,
            timeout=_TIMEOUT_SECONDS,
        )
        # from_pool: closing the client closes the pool it owns.
        client = Redis.from_pool(pool)
        return cls(
            client,
            where=_where(url),
            safety_by_node=safety_by_node,
            clock=clock,
            key_prefix=key_prefix,
        )

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        """Replace the node's levels in one script.

        The script must be told every SKU the node has a level for, to clear those that the
        snapshot leaves out. It answers with the ones it was not told of (and changes nothing);
        they are added with level 0 and the script runs again.
        """
        named = dict(levels)
        index = self._keys.node_skus(node_id)
        with self._unavailable():
            for _ in range(_SET_LEVELS_ATTEMPTS):
                keys = [index, *(self._keys.on_hand(sku) for sku in named)]
                args: list[EncodableT] = [node_id]
                for sku, qty in named.items():
                    args += [sku, qty]
                missing: list[str] = await self._set_levels_script(keys=keys, args=args)
                if not missing:
                    return
                named.update(dict.fromkeys(missing, 0))
        raise StoreUnavailable(
            f"the levels of node {node_id!r} kept changing during {_SET_LEVELS_ATTEMPTS}"
            " attempts; retry"
        )

    async def atp(self, skus: Sequence[str], node_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """ATP in one round trip: a pipeline of one script call per SKU (one hash slot each)."""
        if not skus or not node_ids:
            return {sku: {} for sku in skus}
        args: list[EncodableT] = [now_ms(self._clock)]
        for node in node_ids:
            args += [node, self._safety.get(node, 0)]
        unique = list(dict.fromkeys(skus))
        calls: list[_Call] = [
            ([self._keys.on_hand(sku), *self._keys.reservations(sku)], args) for sku in unique
        ]
        with self._unavailable():
            replies = await self._pipelined(self._atp_script, calls)
        by_sku = {
            sku: dict(zip(node_ids, map(int, reply), strict=True))
            for sku, reply in zip(unique, replies, strict=True)
        }
        return {sku: dict(by_sku[sku]) for sku in skus}

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        units = units_of(request)
        now = now_ms(self._clock)
        # Each SKU's four keys appear once in KEYS; a unit names its SKU by 1-based position.
        group_of = {sku: group for group, sku in enumerate(dict.fromkeys(s for _, s in units), 1)}
        allocation_id = new_allocation_id()
        expires_at_ms = now + request.ttl_seconds * 1000
        keys = [
            self._keys.idempotency(request.client_id, request.idempotency_key),
            self._keys.allocation(allocation_id),
        ]
        for sku in group_of:
            keys += [self._keys.on_hand(sku), *self._keys.reservations(sku)]
        args: list[EncodableT] = [
            now,
            expires_at_ms,
            allocation_id,
            request.client_id,
            request.fingerprint,
            _encode_lines(request.lines),
            request.payload,
            IDEMPOTENCY_TTL_MS,
            request.ttl_seconds * 1000 + RECORD_RETENTION_MS,
        ]
        for (node, sku), qty in units.items():
            args += [group_of[sku], node, qty, self._safety.get(node, 0)]
        with self._unavailable():
            reply: list[Any] = await self._reserve_script(keys=keys, args=args)
            if reply[0] == "replay":
                first = await self._read(reply[1], now)
                if first is None:
                    raise AllocationNotFound(reply[1])
                return Reserved(first, replayed=True)
        if reply[0] == "conflict":
            raise IdempotencyConflict(request.idempotency_key)
        if reply[0] == "short":
            wanted = list(units.items())
            shortages = []
            for index, available in zip(reply[1::2], reply[2::2], strict=True):
                (node, sku), requested = wanted[index]
                shortages.append(Shortage(node, sku, requested, available))
            return InsufficientStock(tuple(shortages))
        allocation = Allocation(
            id=allocation_id,
            client_id=request.client_id,
            status=AllocationStatus.HELD,
            lines=request.lines,
            created_at_ms=now,
            expires_at_ms=expires_at_ms,
            order_reference=None,
            payload=request.payload,
        )
        return Reserved(allocation, replayed=False)

    async def confirm(self, client_id: str, allocation_id: str, order_reference: str) -> Allocation:
        return await self._change("confirm", client_id, allocation_id, order_reference)

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        return await self._change("release", client_id, allocation_id, "")

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None:
        with self._unavailable():
            allocation = await self._read(allocation_id, now_ms(self._clock))
        if allocation is None or allocation.client_id != client_id:
            return None
        return allocation

    async def ping(self) -> None:
        with self._unavailable():
            await self._client.ping()

    async def close(self) -> None:
        await self._client.aclose()

    def _unavailable(self) -> contextlib.AbstractContextManager[None]:
        return _unavailable_if_unreachable(self._where)

    async def _read(self, allocation_id: str, at_ms: int) -> Allocation | None:
        # The client decodes responses (see from_url), so every value is text.
        key = self._keys.allocation(allocation_id)
        fields = cast(dict[str, str], await self._client.hgetall(key))
        return _allocation(allocation_id, fields, at_ms) if fields else None

    async def _change(
        self,
        action: Literal["confirm", "release"],
        client_id: str,
        allocation_id: str,
        order_reference: str,
    ) -> Allocation:
        """Confirm or release: read which SKUs the allocation holds, then run change.lua.

        The SKUs are read first so that the script declares every key it touches; lines never
        change once written, and the script checks the status again atomically.
        """
        now = now_ms(self._clock)
        record_key = self._keys.allocation(allocation_id)
        with self._unavailable():
            owner, lines = cast(
                list[str | None], await self._client.hmget(record_key, ["client_id", "lines"])
            )
            if owner != client_id or lines is None:
                raise AllocationNotFound(allocation_id)
            keys = [record_key]
            for sku in dict.fromkeys(line.sku for line in _decode_lines(lines)):
                keys += self._keys.reservations(sku)
            args: list[EncodableT] = [
                action,
                client_id,
                allocation_id,
                now,
                RECORD_RETENTION_MS,
                order_reference,
            ]
            reply: list[Any] = await self._change_script(keys=keys, args=args)
        if reply[0] == "not_found":
            raise AllocationNotFound(allocation_id)
        if reply[0] == "refused":
            wanted = "confirmed" if action == "confirm" else "released"
            raise AllocationStateError(allocation_id, reply[1], wanted)
        return _allocation(allocation_id, dict(zip(reply[1::2], reply[2::2], strict=True)), now)

    async def _pipelined(self, script: AsyncScript, calls: list[_Call]) -> list[Any]:
        """Run `script` once per call, all in one round trip.

        redis-py's own pipelined scripts ask SCRIPT EXISTS first, a second round trip on every
        call. Instead send EVALSHA directly; only if the server answers NOSCRIPT (it restarted
        or flushed its scripts) load the script and send the batch again, which is safe for the
        read scripts used here: the only thing they write is the sweep of expired holds.
        """
        for _ in range(2):
            async with self._client.pipeline(transaction=False) as pipe:
                for keys, args in calls:
                    pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
                replies: list[Any] = await pipe.execute(raise_on_error=False)
            if not any(isinstance(reply, redis.exceptions.NoScriptError) for reply in replies):
                break
            script.sha = await self._client.script_load(script.script)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies
