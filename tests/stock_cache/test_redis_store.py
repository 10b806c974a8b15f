"""What only the Redis store has to prove: processes, keys, reachability, its scripts."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any, Protocol

import pytest
import redis.exceptions
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.crc import key_slot
from redis.typing import EncodableT

from stock_cache import (
    AllocationStatus,
    InsufficientStock,
    Reserved,
    StockStore,
    store_from_url,
)
from stock_cache.errors import AllocationStateError, StoreOutcomeUnknown, StoreUnavailable
from stock_cache.redis_keys import RedisKeys, bucket_of_key
from stock_cache.redis_store import RedisStore
from tests.redis_server import RedisServer, free_port, restartable_redis
from tests.stock_cache.support import CHAIR, LYON, PARIS, SOFA, STOREFRONT, TABLE, FakeClock, hold

PROCESSES = 4
ATTEMPTS_PER_PROCESS = 250


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex}"


class StoreOpener(Protocol):
    def __call__(
        self, url: str, *, key_prefix: str = "pg", clock: Callable[[], float] = time.time
    ) -> StockStore: ...


@pytest.fixture
async def open_store() -> AsyncIterator[StoreOpener]:
    """store_from_url, with every store it opened closed at the end, pass or fail."""
    opened: list[StockStore] = []

    def open_(
        url: str, *, key_prefix: str = "pg", clock: Callable[[], float] = time.time
    ) -> StockStore:
        opened.append(store_from_url(url, key_prefix=key_prefix, clock=clock))
        return opened[-1]

    yield open_
    for store in opened:
        await store.close()


@pytest.fixture
def connection_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt any Redis client makes to connect from now on, by host and port."""
    attempts: list[str] = []
    real_attempt = AbstractConnection.connect_check_health

    async def attempt(self: AbstractConnection, *args: Any, **kwargs: Any) -> None:
        attempts.append(self._host_error())
        await real_attempt(self, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "connect_check_health", attempt)
    return attempts


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[Redis]:
    """A plain client to the test server, to look at keys behind the store's back."""
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


def _race(url: str, prefix: str, start: Barrier, results: Queue[int]) -> None:
    """In a child process: wait for the others, then try single-unit reserves all at once."""
    start.wait(timeout=30)
    results.put(asyncio.run(_reserve_concurrently(url, prefix)))


async def _reserve_concurrently(url: str, prefix: str) -> int:
    store = store_from_url(url, key_prefix=prefix)
    try:
        outcomes = await asyncio.gather(
            *(store.reserve(hold((LYON, TABLE, 1))) for _ in range(ATTEMPTS_PER_PROCESS))
        )
    finally:
        await store.close()
    return sum(isinstance(outcome, Reserved) for outcome in outcomes)


def _race_in_processes(url: str, prefix: str) -> list[int]:
    # spawn, not fork: the parent runs an event loop and threads that a fork would copy.
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results: Queue[int] = context.Queue()
    workers = [
        context.Process(target=_race, args=(url, prefix, start, results)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        return [results.get(timeout=60) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
        results.close()
        results.join_thread()


@pytest.mark.parametrize("url_fixture", ["redis_url", "redis_cluster_url"])
async def test_1000_commits_from_four_processes_against_10_units_hold_exactly_10(
    url_fixture: str, request: pytest.FixtureRequest, prefix: str, open_store: StoreOpener
) -> None:
    url = str(request.getfixturevalue(url_fixture))
    store = open_store(url, key_prefix=prefix)
    await store.set_levels(LYON, {TABLE: 10})

    held_per_process = await asyncio.to_thread(_race_in_processes, url, prefix)

    assert sum(held_per_process) == 10
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 0}}


async def test_keys_carry_hash_tags_and_outlive_what_they_promise(
    redis_url: str, prefix: str, raw: Redis, open_store: StoreOpener
) -> None:
    store = open_store(redis_url, key_prefix=prefix)
    await store.set_levels(LYON, {TABLE: 10})
    outcome = await store.reserve(hold((LYON, TABLE, 2), key="checkout-1", ttl_seconds=900))
    assert isinstance(outcome, Reserved)
    allocation_id = outcome.allocation.id
    bucket = bucket_of_key(STOREFRONT, "checkout-1")

    keys = {key async for key in raw.scan_iter(match=f"{prefix}:*")}

    sku = f"{prefix}:{{s:{TABLE}}}"
    order = f"{prefix}:{{o:{bucket}}}"
    idempotency = f"{order}:idem:{STOREFRONT}:checkout-1"
    record = f"{order}:alloc:{allocation_id}"
    assert allocation_id.startswith(f"{bucket:x}")
    assert keys == {
        f"{sku}:stock",
        f"{sku}:reserved",
        f"{sku}:allocs",
        f"{sku}:holds",
        f"{prefix}:{{n:{LYON}}}:skus",
        f"{prefix}:{{gens}}",
        f"{prefix}:{{gens}}:next",
        record,
        idempotency,
        f"{order}:outbox",
        f"{order}:held",
    }
    assert await raw.pttl(idempotency) > (24 * 3600 - 60) * 1000
    assert await raw.pttl(record) > (7 * 24 * 3600 + 900 - 60) * 1000


def test_a_key_with_braces_or_colons_cannot_move_the_hash_tag(prefix: str) -> None:
    keys = RedisKeys(prefix)

    assert keys.stock("ODD}:SKU{") == f"{prefix}:{{s:ODD%7D%3ASKU%7B}}:stock"
    assert keys.idempotency("a}:idem:b", "c") != keys.idempotency("a", "b}:idem:c")


async def test_a_hold_swept_by_a_process_whose_clock_runs_ahead_cannot_be_confirmed(
    redis_url: str, prefix: str, open_store: StoreOpener
) -> None:
    behind, ahead = FakeClock(), FakeClock()
    slow = open_store(redis_url, key_prefix=prefix, clock=behind)
    fast = open_store(redis_url, key_prefix=prefix, clock=ahead)
    await slow.set_levels(LYON, {TABLE: 5, SOFA: 5})
    outcome = await slow.reserve(hold((LYON, TABLE, 1), (LYON, SOFA, 2), ttl_seconds=60))
    assert isinstance(outcome, Reserved)
    ahead.advance(61)
    # Only the table is swept by the process that thinks the hold has expired.
    assert await fast.atp([TABLE], [LYON]) == {TABLE: {LYON: 5}}

    with pytest.raises(AllocationStateError, match="is EXPIRED"):
        await slow.confirm(STOREFRONT, outcome.allocation.id, "ORDER-1001")

    # The refusal gave back the sofas too, and the record now says EXPIRED on every clock.
    assert await slow.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 5}, SOFA: {LYON: 5}}
    allocation = await slow.get_allocation(STOREFRONT, outcome.allocation.id)
    assert allocation is not None
    assert allocation.status is AllocationStatus.EXPIRED


# Two SKUs go as a pipeline of two scripts, one SKU as a single call: both recover.
@pytest.mark.parametrize(
    ("skus", "expected"),
    [([TABLE, SOFA], {TABLE: {LYON: 3}, SOFA: {LYON: 0}}), ([TABLE], {TABLE: {LYON: 3}})],
)
async def test_atp_reloads_its_script_after_the_server_forgets_it(
    redis_url: str,
    prefix: str,
    raw: Redis,
    open_store: StoreOpener,
    skus: list[str],
    expected: dict[str, dict[str, int]],
) -> None:
    store = open_store(redis_url, key_prefix=prefix)
    await store.set_levels(LYON, {TABLE: 3})
    assert await store.atp(skus, [LYON]) == expected
    await raw.script_flush()
    await raw.function_flush()

    assert await store.atp(skus, [LYON]) == expected


async def test_a_unix_socket_url_reaches_the_same_server(
    redis_server: RedisServer, prefix: str, open_store: StoreOpener
) -> None:
    over_tcp = open_store(redis_server.url(), key_prefix=prefix)
    over_unix = open_store(redis_server.unix_url(), key_prefix=prefix)
    await over_tcp.set_levels(LYON, {TABLE: 4})

    await over_unix.ping()
    assert await over_unix.atp([TABLE], [LYON]) == {TABLE: {LYON: 4}}


Operation = Callable[[StockStore], Awaitable[None]]


async def _ping(store: StockStore) -> None:
    await store.ping()


async def _set_levels(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 1})


async def _atp(store: StockStore) -> None:
    await store.atp([TABLE], [LYON])


async def _reserve(store: StockStore) -> None:
    await store.reserve(hold((LYON, TABLE, 1)))


async def _confirm(store: StockStore) -> None:
    await store.confirm(STOREFRONT, "0" * 32, "ORDER-1001")


async def _release(store: StockStore) -> None:
    await store.release(STOREFRONT, "0" * 32)


async def _get_allocation(store: StockStore) -> None:
    await store.get_allocation(STOREFRONT, "0" * 32)


@pytest.mark.parametrize(
    "operation",
    [_ping, _set_levels, _atp, _reserve, _confirm, _release, _get_allocation],
    ids=lambda operation: operation.__name__.strip("_"),
)
async def test_every_call_to_a_dead_server_fails_at_its_first_attempt_as_unavailable(
    operation: Operation, open_store: StoreOpener, connection_attempts: list[str]
) -> None:
    port = free_port()
    store = open_store(f"redis://127.0.0.1:{port}/0")

    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
        await operation(store)

    assert connection_attempts == [f"127.0.0.1:{port}"]  # no retry, no backoff


async def test_a_server_that_never_answers_times_out_as_unavailable(
    open_store: StoreOpener, connection_attempts: list[str]
) -> None:
    # The kernel accepts the connection into the backlog; nothing ever reads or replies.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        store = open_store(f"redis://127.0.0.1:{port}/0")

        with pytest.raises(StoreUnavailable, match="Timeout"):
            await store.reserve(hold((LYON, TABLE, 1)))

        assert connection_attempts == [f"127.0.0.1:{port}"]  # timed out once, not retried


async def test_a_cart_spanning_slots_whose_commit_is_lost_is_settled_by_the_next_call(
    redis_cluster_url: str, prefix: str, open_store: StoreOpener, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    store = open_store(redis_cluster_url, key_prefix=prefix, clock=clock)
    assert isinstance(store, RedisStore)
    keys = RedisKeys(prefix)
    assert key_slot(keys.stock(TABLE).encode()) != key_slot(keys.stock(SOFA).encode())
    await store.set_levels(LYON, {TABLE: 5, SOFA: 5})
    real_run = store._run

    async def lost_at_commit(
        calls: Sequence[tuple[str, list[str], list[EncodableT]]], *, atomic: bool = False
    ) -> Any:
        if calls and calls[0][0] == "commit":
            raise redis.exceptions.ConnectionError("the connection broke here")
        return await real_run(calls, atomic=atomic)

    monkeypatch.setattr(store, "_run", lost_at_commit)
    with pytest.raises(StoreOutcomeUnknown):
        await store.reserve(hold((LYON, TABLE, 2), (LYON, SOFA, 3), ttl_seconds=60))
    monkeypatch.undo()

    # The commit never ran: the next call lets go of the claim and gives the holds back at
    # once, well before their expiry.
    assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 5}, SOFA: {LYON: 5}}
    assert await store.read_outbox() == []


async def test_a_short_line_in_one_slot_gives_back_what_other_slots_held(
    redis_cluster_url: str, prefix: str, open_store: StoreOpener
) -> None:
    store = open_store(redis_cluster_url, key_prefix=prefix)
    await store.set_levels(LYON, {TABLE: 5, SOFA: 1, CHAIR: 5})

    outcome = await store.reserve(hold((LYON, TABLE, 2), (LYON, SOFA, 3), (LYON, CHAIR, 1)))

    assert isinstance(outcome, InsufficientStock)
    assert await store.atp([TABLE, SOFA, CHAIR], [LYON]) == {
        TABLE: {LYON: 5},
        SOFA: {LYON: 1},
        CHAIR: {LYON: 5},
    }


async def test_the_store_recovers_by_itself_when_redis_comes_back(
    prefix: str, open_store: StoreOpener, connection_attempts: list[str]
) -> None:
    with restartable_redis() as server:
        store = open_store(server.url(), key_prefix=prefix)
        await store.set_levels(LYON, {TABLE: 5})
        assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 5}}

        server.stop()
        connection_attempts.clear()
        with pytest.raises(StoreUnavailable):
            await store.reserve(hold((LYON, TABLE, 1)))
        with pytest.raises(StoreUnavailable):
            await store.atp([TABLE], [LYON])
        assert len(connection_attempts) == 2  # one attempt a call, no retry

        # The server comes back empty (no persistence) and without the store's scripts.
        server.start()
        await store.set_levels(LYON, {TABLE: 3})
        outcome = await store.reserve(hold((LYON, TABLE, 1)))

        assert isinstance(outcome, Reserved)
        assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 2}}


async def test_after_a_restart_without_persistence_the_store_knows_its_stock_is_missing(
    prefix: str, open_store: StoreOpener
) -> None:
    with restartable_redis() as server:
        store = open_store(server.url(), key_prefix=prefix)
        await store.set_levels(LYON, {TABLE: 5})
        await store.set_levels(PARIS, {TABLE: 2})
        assert await store.missing_nodes([LYON, PARIS]) == []

        server.stop()
        with pytest.raises(StoreUnavailable):
            await store.missing_nodes([LYON, PARIS])
        server.start()

        assert await store.missing_nodes([LYON, PARIS]) == [LYON, PARIS]
        await store.set_levels(LYON, {TABLE: 5})
        assert await store.missing_nodes([LYON, PARIS]) == [PARIS]
