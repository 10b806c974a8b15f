"""Daily order capacity per node, held with the stock of a reserve: on every backend."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

import pytest

from stock_cache import AllocationStatus, InsufficientStock, Reserved, StockStore
from stock_cache.base import CapacityShortage, NodeCapacity, ReserveRequest, Shortage
from stock_cache.errors import AllocationStateError
from stock_cache.memory import MemoryStore
from stock_cache.redis_store import RedisStore
from tests.stock_cache.support import (
    LYON,
    MARSEILLE,
    SOFA,
    STOREFRONT,
    TABLE,
    FakeClock,
    hold,
)

DAY = "2026-01-01"
NEXT_DAY = "2026-01-02"


def order(
    *lines: tuple[str, str, int], limits: dict[str, int | None], day: str = DAY, **kwargs: object
) -> ReserveRequest:
    """A reserve request taking one order of each node of `limits` on `day`."""
    request = hold(*lines, **kwargs)  # type: ignore[arg-type]
    capacity = tuple(NodeCapacity(node, day, limit) for node, limit in limits.items())
    return dataclasses.replace(request, capacity=capacity)


async def used(store: StockStore, *nodes: str, day: str = DAY) -> dict[str, int]:
    return await store.capacity_used(list(nodes), day)


async def reserved_id(store: StockStore, request: ReserveRequest) -> str:
    outcome = await store.reserve(request)
    assert isinstance(outcome, Reserved), outcome
    return outcome.allocation.id


class TestDailyCapacity:
    async def test_a_commit_takes_one_order_per_node_on_its_day(self, store: StockStore) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 10, SOFA: 10})
        await store.set_levels(LYON, {TABLE: 10})
        await reserved_id(
            store,
            order(
                (MARSEILLE, TABLE, 2),
                (MARSEILLE, SOFA, 1),
                (LYON, TABLE, 1),
                limits={MARSEILLE: 3, LYON: None},
            ),
        )

        assert await used(store, MARSEILLE, LYON) == {MARSEILLE: 1, LYON: 1}
        assert await used(store, MARSEILLE, LYON, day=NEXT_DAY) == {MARSEILLE: 0, LYON: 0}
        assert await store.capacity_used([], DAY) == {}

    async def test_release_gives_the_order_back(self, store: StockStore) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 10})
        held = await reserved_id(store, order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 1}))
        confirmed = await reserved_id(store, order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 2}))
        await store.confirm(STOREFRONT, confirmed, "ORDER-1")

        await store.release(STOREFRONT, held)
        assert await used(store, MARSEILLE) == {MARSEILLE: 1}
        await store.release(STOREFRONT, confirmed)
        await store.release(STOREFRONT, confirmed)
        assert await used(store, MARSEILLE) == {MARSEILLE: 0}

    async def test_confirm_and_fulfil_keep_the_order(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 10})
        allocation = await reserved_id(store, order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 1}))
        await store.confirm(STOREFRONT, allocation, "ORDER-1")
        clock.advance(2 * 24 * 3600)
        assert await used(store, MARSEILLE) == {MARSEILLE: 1}

        fulfilled = await store.fulfil(STOREFRONT, allocation)

        assert fulfilled.status is AllocationStatus.FULFILLED
        assert await used(store, MARSEILLE) == {MARSEILLE: 1}
        refused = await store.reserve(order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 1}))
        assert refused == InsufficientStock((), (CapacityShortage(MARSEILLE, DAY, 1, 1),))

    async def test_an_expired_hold_frees_the_order(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 10})
        allocation = await reserved_id(
            store, order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 1}, ttl_seconds=60)
        )
        clock.advance(60)

        assert await used(store, MARSEILLE) == {MARSEILLE: 0}
        await reserved_id(store, order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 1}))
        with pytest.raises(AllocationStateError, match="EXPIRED"):
            await store.confirm(STOREFRONT, allocation, "ORDER-1")
        assert await used(store, MARSEILLE) == {MARSEILLE: 1}

    async def test_a_full_node_refuses_the_whole_reserve_and_holds_nothing(
        self, store: StockStore
    ) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 10})
        await store.set_levels(LYON, {TABLE: 10})
        await reserved_id(store, order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 1}))

        outcome = await store.reserve(
            order((LYON, TABLE, 3), (MARSEILLE, TABLE, 1), limits={LYON: 5, MARSEILLE: 1})
        )

        assert outcome == InsufficientStock((), (CapacityShortage(MARSEILLE, DAY, 1, 1),))
        assert await used(store, MARSEILLE, LYON) == {MARSEILLE: 1, LYON: 0}
        assert await store.atp([TABLE], [LYON, MARSEILLE]) == {TABLE: {LYON: 10, MARSEILLE: 9}}

    async def test_a_stock_shortage_gives_the_capacity_back(self, store: StockStore) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 1})

        outcome = await store.reserve(order((MARSEILLE, TABLE, 2), limits={MARSEILLE: 5}))

        assert outcome == InsufficientStock((Shortage(MARSEILLE, TABLE, 2, 1),))
        assert await used(store, MARSEILLE) == {MARSEILLE: 0}

    async def test_a_zero_limit_refuses_every_order(self, store: StockStore) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 1})

        outcome = await store.reserve(order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 0}))

        assert outcome == InsufficientStock((), (CapacityShortage(MARSEILLE, DAY, 0, 0),))

    async def test_a_replay_takes_no_second_order(self, store: StockStore) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 10})
        request = order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 1}, key="cart-1")
        first = await reserved_id(store, request)

        replay = await store.reserve(request)

        assert isinstance(replay, Reserved)
        assert replay.replayed
        assert replay.allocation.id == first
        assert await used(store, MARSEILLE) == {MARSEILLE: 1}

    async def test_bad_capacity_entries_are_refused_by_name(self, store: StockStore) -> None:
        request = order((MARSEILLE, TABLE, 1), limits={MARSEILLE: -1})
        with pytest.raises(ValueError, match=r"capacity\[0\]"):
            await store.reserve(request)
        twice = dataclasses.replace(request, capacity=(NodeCapacity(LYON, DAY, 1),) * 2)
        with pytest.raises(ValueError, match="twice"):
            await store.reserve(twice)

    async def test_50_concurrent_carts_at_a_node_of_capacity_5_take_exactly_5(
        self, store: StockStore
    ) -> None:
        await store.set_levels(MARSEILLE, {TABLE: 100})

        outcomes = await asyncio.gather(
            *(store.reserve(order((MARSEILLE, TABLE, 1), limits={MARSEILLE: 5})) for _ in range(50))
        )

        won = [o for o in outcomes if isinstance(o, Reserved)]
        assert len(won) == 5
        assert all(
            o == InsufficientStock((), (CapacityShortage(MARSEILLE, DAY, 5, 5),))
            for o in outcomes
            if not isinstance(o, Reserved)
        )
        assert await used(store, MARSEILLE) == {MARSEILLE: 5}
        assert await store.atp([TABLE], [MARSEILLE]) == {TABLE: {MARSEILLE: 95}}


async def capacity_days_kept(store: StockStore, node: str) -> int:
    """How many days of `node`'s capacity the store keeps a counter of."""
    if isinstance(store, RedisStore):
        return int(await store._client.hlen(store._keys.capacity(node)[0]))
    assert isinstance(store, MemoryStore)
    return sum(1 for at, _ in store._orders if at == node)


async def node_keys(store: StockStore) -> int:
    """Keys of the nodes' slots (snapshot staging, capacity) in Redis; 0 in memory."""
    if not isinstance(store, RedisStore):
        return 0
    pattern = store._keys.node("*", "*").replace("%2A", "*")
    return len([key async for key in store._client.scan_iter(match=pattern, count=1_000)])


async def test_capacity_counters_of_past_days_are_forgotten_over_a_month(
    store: StockStore, clock: FakeClock
) -> None:
    await store.set_levels(LYON, {TABLE: 1_000})
    kept: list[int] = []
    keys: list[int] = []
    for day in range(30):
        today = (datetime.date(2026, 1, 1) + datetime.timedelta(days=day)).isoformat()
        for n in range(2):
            # One order fulfilled (counted for good that day), one left to expire.
            allocation = await reserved_id(
                store, order((LYON, TABLE, 1), limits={LYON: 5}, day=today, ttl_seconds=60)
            )
            if n == 0:
                await store.confirm(STOREFRONT, allocation, f"ORDER-{day}")
                await store.fulfil(STOREFRONT, allocation)
        assert await used(store, LYON, day=today) == {LYON: 2}
        kept.append(await capacity_days_kept(store, LYON))
        keys.append(await node_keys(store))
        clock.advance(86_400)

    # Today, yesterday and the day before: never more, whatever the month's length.
    assert max(kept) == 3
    assert kept[-1] == 3
    assert keys[-1] == keys[3]
    assert await used(store, LYON, day="2026-01-01") == {LYON: 0}
