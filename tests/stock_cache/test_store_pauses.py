"""A Redis that stops answering mid-call (SIGSTOP) and comes back (SIGCONT): every answer says
"nothing changed" only when that is known, and nothing stays held that no allocation holds.

Standalone: a redis-server of the test's own. Cluster: the test session's own cluster, whose
one master is paused for about a second (below its node timeout) and always resumed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
import redis.exceptions
from redis.asyncio.cluster import RedisCluster
from redis.typing import EncodableT

from stock_cache import Reserved, store_from_url
from stock_cache.base import AllocationStatus
from stock_cache.errors import StoreOutcomeUnknown, StoreUnavailable
from stock_cache.redis_reserve import CLAIM_DEADLINE_MS
from stock_cache.redis_store import RedisStore
from tests.redis_server import restartable_redis
from tests.stock_cache.support import LYON, STOREFRONT, TABLE, FakeClock, hold

Calls = Sequence[tuple[str, list[str], list[EncodableT]]]


def server_pid(port: int) -> int:
    """The process id a redis-server of the tests reports (INFO server), over a raw socket."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"INFO server\r\n")
        reply = sock.makefile("rb")
        size = int(reply.readline()[1:])
        text = reply.read(size).decode()
    return int(text.split("process_id:", 1)[1].split()[0])


@contextlib.contextmanager
def resumed_at_exit(pids: list[int]) -> Iterator[list[int]]:
    """Paused servers (pids appended by the test) are resumed whatever happens."""
    try:
        yield pids
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture(params=["redis", "cluster"])
async def setting(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[str, FakeClock]]:
    """A URL (a server of this test's own, or the session's cluster) and a clock."""
    if request.param == "cluster":
        yield str(request.getfixturevalue("redis_cluster_url")), FakeClock()
        return
    with restartable_redis() as server:
        yield server.url(), FakeClock()


@pytest.fixture
async def stores(setting: tuple[str, FakeClock]) -> AsyncIterator[list[RedisStore]]:
    """Two processes' stores over the same keys and clock; closed at the end."""
    url, clock = setting
    prefix = f"test-{uuid.uuid4().hex}"
    opened = [store_from_url(url, clock=clock, key_prefix=prefix) for _ in range(2)]
    assert all(isinstance(store, RedisStore) for store in opened)
    yield [store for store in opened if isinstance(store, RedisStore)]
    for store in opened:
        await store.close()


def port_of(store: RedisStore, key: str) -> int:
    client = store._client
    if isinstance(client, RedisCluster):
        node = client.get_node_from_key(key)
        assert node is not None
        return int(node.port)
    port: int = client.connection_pool.connection_kwargs["port"]
    return port


def pausing_at(
    store: RedisStore, monkeypatch: pytest.MonkeyPatch, script: str, paused: list[int]
) -> None:
    """Pause the server of `script`'s first key right before the call that runs it."""
    real_run = store._run

    async def run(calls: Calls, *, atomic: bool = False) -> Any:
        if calls and calls[0][0] == script and not paused:
            pid = server_pid(port_of(store, calls[0][1][0]))
            os.kill(pid, signal.SIGSTOP)
            paused.append(pid)
        return await real_run(calls, atomic=atomic)

    monkeypatch.setattr(store, "_run", run)


def reply_lost_at(store: RedisStore, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """The call that runs `script` runs, then its reply is lost (the server stopped)."""
    real_run = store._run

    async def run(calls: Calls, *, atomic: bool = False) -> Any:
        replies = await real_run(calls, atomic=atomic)
        if calls and any(name == script for name, _, _ in calls):
            raise redis.exceptions.TimeoutError("Timeout reading from socket")
        return replies

    monkeypatch.setattr(store, "_run", run)


def resume(paused: list[int]) -> None:
    while paused:
        os.kill(paused.pop(), signal.SIGCONT)


async def test_a_commit_sent_into_a_pause_is_unknown_and_its_key_settles_it(
    stores: list[RedisStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stores
    await store.set_levels(LYON, {TABLE: 5})
    request = hold((LYON, TABLE, 2), key="checkout-9")

    with resumed_at_exit([]) as paused, monkeypatch.context() as patched:
        pausing_at(store, patched, "commit", paused)
        with pytest.raises(StoreOutcomeUnknown):
            await store.reserve(request)
        resume(paused)

    # Whether or not the commit ran, the same key answers one allocation holding its units
    # once, and nothing else is held.
    again = await store.reserve(request)
    assert isinstance(again, Reserved)
    assert again.allocation.status is AllocationStatus.HELD
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}
    assert [entry.allocation_id for entry in await store.read_outbox()] == [again.allocation.id]


async def test_a_commit_whose_reply_is_lost_is_unknown_and_its_key_finds_it(
    stores: list[RedisStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stores
    await store.set_levels(LYON, {TABLE: 5})
    request = hold((LYON, TABLE, 2), key="checkout-14")

    with monkeypatch.context() as patched:
        reply_lost_at(store, patched, "commit")
        with pytest.raises(StoreOutcomeUnknown):
            await store.reserve(request)

    again = await store.reserve(request)
    assert isinstance(again, Reserved)
    assert again.replayed
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}
    assert [entry.allocation_id for entry in await store.read_outbox()] == [again.allocation.id]


async def test_holds_sent_into_a_pause_go_back_as_soon_as_redis_answers_again(
    stores: list[RedisStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stores
    await store.set_levels(LYON, {TABLE: 5})
    request = hold((LYON, TABLE, 2), key="checkout-10")

    with resumed_at_exit([]) as paused, monkeypatch.context() as patched:
        pausing_at(store, patched, "hold", paused)
        with pytest.raises(StoreUnavailable) as refused:
            await store.reserve(request)
        assert not isinstance(refused.value, StoreOutcomeUnknown)
        resume(paused)

    # No time passes on the store's clock: the holds did not lapse, they were given back.
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 5}}
    assert await store.read_outbox() == []
    again = await store.reserve(request)
    assert isinstance(again, Reserved)
    assert not again.replayed
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}


async def test_holds_of_a_process_that_died_mid_reserve_go_back_once_its_claim_is_due(
    stores: list[RedisStore], setting: tuple[str, FakeClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    dead, other = stores
    _, clock = setting
    await other.set_levels(LYON, {TABLE: 5})
    request = hold((LYON, TABLE, 2), key="checkout-11")

    with monkeypatch.context() as patched:
        reply_lost_at(dead, patched, "hold")
        with pytest.raises(StoreUnavailable):
            await dead.reserve(request)
    # That process says nothing more: its holds stay, its claim is left.
    assert await other.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}

    clock.advance(CLAIM_DEADLINE_MS / 1000)
    assert await other.repair() == 1
    assert await other.atp([TABLE], [LYON]) == {TABLE: {LYON: 5}}
    again = await other.reserve(request)
    assert isinstance(again, Reserved)
    assert not again.replayed
    assert await other.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}


async def test_a_retry_takes_over_the_claim_of_a_process_that_died(
    stores: list[RedisStore], setting: tuple[str, FakeClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    dead, other = stores
    _, clock = setting
    await other.set_levels(LYON, {TABLE: 5})
    request = hold((LYON, TABLE, 2), key="checkout-12")

    with monkeypatch.context() as patched:
        reply_lost_at(dead, patched, "hold")
        with pytest.raises(StoreUnavailable):
            await dead.reserve(request)

    assert await other.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}
    clock.advance(CLAIM_DEADLINE_MS / 1000)
    again = await other.reserve(request)
    assert isinstance(again, Reserved)
    assert not again.replayed
    # The dead call's holds went back before the retry held its own.
    assert await other.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}


async def test_a_confirm_lost_in_a_pause_is_unknown_and_settled_by_confirming_again(
    stores: list[RedisStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stores
    await store.set_levels(LYON, {TABLE: 5})
    outcome = await store.reserve(hold((LYON, TABLE, 1), key="checkout-13"))
    assert isinstance(outcome, Reserved)

    with resumed_at_exit([]) as paused, monkeypatch.context() as patched:
        pausing_at(store, patched, "change", paused)
        with pytest.raises(StoreOutcomeUnknown):
            await store.confirm(STOREFRONT, outcome.allocation.id, "ORDER-2001")
        resume(paused)

    confirmed = await store.confirm(STOREFRONT, outcome.allocation.id, "ORDER-2001")
    assert confirmed.status is AllocationStatus.CONFIRMED
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 4}}
