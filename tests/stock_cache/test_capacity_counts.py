"""Orders per node read by two gateway processes on one Redis: what one keeps never hides
what the other changed, nor a hold that expired; on a standalone server, a read that finds
nothing changed costs one GET."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from stock_cache import Reserved, StockStore, store_from_url
from stock_cache.base import NodeCapacity, ReserveRequest
from stock_cache.capacity_counts import CapacityCounts
from tests.redis_cluster import RedisClusterNodes
from tests.redis_server import RedisServer
from tests.stock_cache.redis_costs import Cost, CostMeter
from tests.stock_cache.support import LYON, MARSEILLE, RULES, STOREFRONT, TABLE, FakeClock, hold

DAY = "2026-01-01"
BOTH = (MARSEILLE, LYON)


@pytest.fixture(
    params=[pytest.param(name, marks=pytest.mark.redis) for name in ("redis", "cluster")]
)
def ports(request: pytest.FixtureRequest) -> tuple[str, tuple[int, ...]]:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return server.url(), (server.port,)
    cluster: RedisClusterNodes = request.getfixturevalue("redis_cluster")
    return cluster.url(), cluster.ports


@pytest.fixture
async def gateways(
    ports: tuple[str, tuple[int, ...]],
) -> AsyncIterator[tuple[StockStore, StockStore, FakeClock]]:
    """Two stores on the same keys, as two gateway processes, on one clock."""
    clock, prefix = FakeClock(), f"test-{uuid.uuid4().hex}"
    one, other = (
        store_from_url(ports[0], rules=RULES, clock=clock, key_prefix=prefix) for _ in range(2)
    )
    await one.set_levels(MARSEILLE, {TABLE: 10})
    await one.set_levels(LYON, {TABLE: 10})
    yield one, other, clock
    await one.close()
    await other.close()


def order(node: str, limit: int, **kwargs: object) -> ReserveRequest:
    request = hold((node, TABLE, 1), **kwargs)  # type: ignore[arg-type]
    return dataclasses.replace(request, capacity=(NodeCapacity(node, DAY, limit),))


async def reserved_id(store: StockStore, request: ReserveRequest) -> str:
    outcome = await store.reserve(request)
    assert isinstance(outcome, Reserved), outcome
    return outcome.allocation.id


async def test_orders_another_process_takes_and_gives_back_count_at_once(
    gateways: tuple[StockStore, StockStore, FakeClock],
) -> None:
    one, other, _ = gateways
    assert await one.capacity_used(BOTH, DAY) == {MARSEILLE: 0, LYON: 0}

    taken = await reserved_id(other, order(MARSEILLE, 3))
    assert await one.capacity_used(BOTH, DAY) == {MARSEILLE: 1, LYON: 0}
    assert await one.capacity_used([LYON, MARSEILLE, LYON], DAY) == {LYON: 0, MARSEILLE: 1}

    await other.release(STOREFRONT, taken)
    assert await one.capacity_used(BOTH, DAY) == {MARSEILLE: 0, LYON: 0}


async def test_an_order_read_while_held_stops_counting_the_moment_its_hold_expires(
    gateways: tuple[StockStore, StockStore, FakeClock],
) -> None:
    one, other, clock = gateways
    await reserved_id(other, order(LYON, 3, ttl_seconds=60))
    await reserved_id(other, order(MARSEILLE, 3, ttl_seconds=120))
    assert await one.capacity_used(BOTH, DAY) == {MARSEILLE: 1, LYON: 1}

    clock.advance(59.999)
    assert await one.capacity_used(BOTH, DAY) == {MARSEILLE: 1, LYON: 1}
    clock.advance(0.001)
    assert await one.capacity_used(BOTH, DAY) == {MARSEILLE: 1, LYON: 0}
    assert await other.capacity_used([MARSEILLE], DAY) == {MARSEILLE: 1}
    clock.advance(60)
    assert await one.capacity_used([MARSEILLE], DAY) == {MARSEILLE: 0}


async def test_a_full_node_refusing_an_order_after_a_sweep_is_seen_with_its_order_freed(
    gateways: tuple[StockStore, StockStore, FakeClock],
) -> None:
    one, other, clock = gateways
    await reserved_id(other, order(LYON, 1, ttl_seconds=60))
    assert await one.capacity_used([LYON], DAY) == {LYON: 1}
    clock.advance(60)

    # The other process's hold sweeps the expired one and takes its place.
    await reserved_id(other, order(LYON, 1))

    assert await one.capacity_used([LYON], DAY) == {LYON: 1}


async def test_a_read_that_finds_nothing_changed_costs_one_get_on_a_single_server(
    gateways: tuple[StockStore, StockStore, FakeClock],
    ports: tuple[str, tuple[int, ...]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, other, _ = gateways
    await reserved_id(other, order(LYON, 3))
    nodes = [LYON, MARSEILLE, *(f"TOWN-{n:03}" for n in range(30))]
    await one.capacity_used(nodes, DAY)
    meter = CostMeter(ports[1], monkeypatch)

    used, cost = await meter.measure(one.capacity_used(nodes, DAY))

    assert used[LYON] == 1
    assert sum(used.values()) == 1
    if len(ports[1]) == 1:
        assert cost == Cost(1, Counter({"fcall": 1, "get": 1}))
    else:
        # A cluster reads each node's orders where they live, one round trip per server.
        assert cost.round_trips == len(ports[1])
        assert cost.commands["hget"] == len(nodes)


async def test_a_server_that_lost_the_node_lists_it_was_sent_is_sent_them_again(
    gateways: tuple[StockStore, StockStore, FakeClock],
    ports: tuple[str, tuple[int, ...]],
) -> None:
    one, other, _ = gateways
    nodes = [LYON, MARSEILLE, *(f"TOWN-{n:03}" for n in range(30))]
    assert sum((await one.capacity_used(nodes, DAY)).values()) == 0
    # Sent by now: the next reads name the list, which the server keeps.
    assert sum((await one.capacity_used(nodes, DAY)).values()) == 0
    taken = await reserved_id(other, order(LYON, 3))
    assert (await one.capacity_used(nodes, DAY))[LYON] == 1
    if len(ports[1]) == 1:
        # A restart or a reload takes what the library kept: the next read that needs the
        # list (another process changed the orders) gets it sent again.
        async with redis.asyncio.Redis(port=ports[1][0]) as client:
            await client.function_flush()
    await other.release(STOREFRONT, taken)
    assert (await one.capacity_used(nodes, DAY))[LYON] == 0
    await reserved_id(other, order(MARSEILLE, 3))
    used = await one.capacity_used(nodes, DAY)
    assert (used[LYON], used[MARSEILLE], sum(used.values())) == (0, 1, 1)


def test_kept_counts_go_when_the_epoch_moves_or_their_first_hold_expires() -> None:
    counts = CapacityCounts()
    counts.learn("7", 5_000, {LYON: 2}, DAY, now=1_000)
    counts.learn("7", -1, {MARSEILLE: 0}, DAY, now=2_000)

    assert counts.known((LYON, MARSEILLE), DAY, 4_999) == {LYON: 2, MARSEILLE: 0}
    assert counts.known((LYON,), DAY, 5_000) is None
    assert counts.known((LYON,), "2026-01-02", 2_000) is None
    counts.learn("8", -1, {MARSEILLE: 1}, DAY, now=2_000)
    assert counts.known((LYON,), DAY, 2_000) is None
    assert counts.known((MARSEILLE,), DAY, 9_999_999) == {MARSEILLE: 1}


def test_a_node_list_asked_again_gets_its_counts_in_a_dict_of_its_own() -> None:
    counts = CapacityCounts()
    counts.learn("7", -1, {LYON: 2, MARSEILLE: 0}, DAY, now=1_000)
    first = counts.known((MARSEILLE, LYON), DAY, 2_000)
    assert first == {MARSEILLE: 0, LYON: 2}
    assert first is not None
    first[LYON] = 40

    assert counts.known((MARSEILLE, LYON), DAY, 3_000) == {MARSEILLE: 0, LYON: 2}
    counts.learn("7", -1, {LYON: 3}, DAY, now=3_000)
    assert counts.known((MARSEILLE, LYON), DAY, 3_000) == {MARSEILLE: 0, LYON: 3}
