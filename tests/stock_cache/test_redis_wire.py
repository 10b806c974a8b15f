"""The store's own connection for single script calls (redis_wire.py), on a real Redis: each
caller its own reply or error, cancellation, a server killed or silent, and closing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import hiredis
import pytest
import redis.asyncio
import redis.exceptions

from stock_cache import store_from_url
from stock_cache.errors import StoreUnavailable
from stock_cache.redis_connection import open_client
from stock_cache.redis_wire import Wire, lean_wire
from tests.redis_server import RedisServer, restartable_redis
from tests.stock_cache.support import LYON, RULES, TABLE

# A script that keeps the server busy for a second of its own clock.
BUSY_FOR_A_SECOND = """
local start = redis.call('TIME')
repeat
    local now = redis.call('TIME')
until (now[1] - start[1]) * 1000000 + (now[2] - start[2]) > 1000000
return 1
"""


def packed(*command: Any) -> bytes:
    return hiredis.pack_command(command)  # type: ignore[no-any-return]


async def opened_wire(url: str) -> tuple[Wire, Any]:
    client = open_client(url)
    wire = lean_wire(client.connection_pool)  # type: ignore[union-attr]
    assert wire is not None
    return wire, client


@pytest.fixture
async def wire(redis_server: RedisServer) -> AsyncIterator[Wire]:
    opened, client = await opened_wire(redis_server.url())
    yield opened
    await opened.aclose()
    await client.aclose()


@pytest.fixture
async def other(redis_server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    """A client of the test's own, beside the wire."""
    client = redis.asyncio.Redis(port=redis_server.port, decode_responses=True)
    yield client
    await client.aclose()


async def test_concurrent_callers_each_get_their_own_reply_or_error(
    wire: Wire, other: redis.asyncio.Redis
) -> None:
    key = f"wire-{uuid.uuid4().hex}"
    await other.set(key, "text")
    calls = [packed("INCR", key) if n % 3 == 0 else packed("ECHO", f"reply {n}") for n in range(30)]

    replies = await asyncio.gather(*(wire.call(c) for c in calls), return_exceptions=True)

    for n, reply in enumerate(replies):
        if n % 3 == 0:
            assert isinstance(reply, redis.exceptions.ResponseError)
            assert "not an integer" in str(reply)
        else:
            assert reply == f"reply {n}"
    assert await wire.call(packed("ECHO", "after")) == "after"


async def test_a_caller_cancelled_while_its_command_runs_leaves_the_others_in_step(
    wire: Wire, other: redis.asyncio.Redis
) -> None:
    key = f"wire-{uuid.uuid4().hex}"
    blocked = asyncio.ensure_future(wire.call(packed("BLPOP", key, 0)))
    behind = asyncio.ensure_future(wire.call(packed("ECHO", "behind")))
    # Sent, and blocking the connection on the server: the command is in flight.
    while int((await other.info("clients"))["blocked_clients"]) == 0:
        pass
    blocked.cancel()
    await other.lpush(key, "unblocks")  # its reply comes, and is nobody's

    assert await behind == "behind"
    assert blocked.cancelled()
    assert await wire.call(packed("ECHO", "next")) == "next"
    assert await other.llen(key) == 0  # the cancelled command did run


async def test_a_server_that_stops_answering_fails_every_call_out_within_the_timeout(
    redis_server: RedisServer, other: redis.asyncio.Redis
) -> None:
    wire, client = await opened_wire(redis_server.url() + "?socket_timeout=0.2")
    try:
        assert await wire.call(packed("ECHO", "warm")) == "warm"
        # The server sleeps past the timeout while two calls wait on it: the loop's deadline
        # fails both, with redis-py's error for a read that timed out.
        sleeping = asyncio.ensure_future(wire.call(packed("EVAL", BUSY_FOR_A_SECOND, 0)))
        waiting = asyncio.ensure_future(wire.call(packed("ECHO", "waiting")))
        for call in (sleeping, waiting):
            with pytest.raises(redis.exceptions.TimeoutError, match="Timeout reading from"):
                await call
        await other.ping()  # returns once the server is awake

        assert await wire.call(packed("ECHO", "again")) == "again"  # on a new connection
    finally:
        await wire.aclose()
        await client.aclose()


async def test_redis_killed_fails_the_calls_and_the_store_reconnects_when_it_is_back() -> None:
    with restartable_redis() as server:
        store = store_from_url(server.url(), rules=RULES, key_prefix=f"test-{uuid.uuid4().hex}")
        try:
            await store.set_levels(LYON, {TABLE: 5})
            assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 5}}

            server.stop()
            with pytest.raises(StoreUnavailable):
                await store.atp([TABLE], [LYON])
            server.start()  # empty, and without the store's scripts

            await store.set_levels(LYON, {TABLE: 3})
            assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}
        finally:
            await store.close()


async def test_calls_after_a_close_fail_as_a_connection_error(wire: Wire) -> None:
    assert await wire.call(packed("ECHO", "open")) == "open"
    await wire.aclose()

    with pytest.raises(redis.exceptions.ConnectionError):
        await wire.call(packed("ECHO", "closed"))


@pytest.mark.parametrize("unix", [False, True], ids=["tcp", "unix"])
async def test_the_wire_honours_the_urls_database_and_client_name(
    redis_server: RedisServer, other: redis.asyncio.Redis, unix: bool
) -> None:
    key = f"wire-{uuid.uuid4().hex}"
    url = redis_server.unix_url(db=3) if unix else redis_server.url(db=3)
    wire, client = await opened_wire(url + ("&" if unix else "?") + "client_name=wired")
    try:
        await wire.call(packed("SET", key, "in three"))
        assert await wire.call(packed("CLIENT", "GETNAME")) == "wired"
        assert await other.get(key) is None
        await other.select(3)
        assert await other.get(key) == "in three"
    finally:
        await wire.aclose()
        await client.aclose()


def test_a_url_with_health_checks_keeps_redis_pys_path(redis_server: RedisServer) -> None:
    client = open_client(redis_server.url() + "?health_check_interval=5")

    assert lean_wire(client.connection_pool) is None  # type: ignore[union-attr]
