"""Retries of one idempotency key, racing each other and other shoppers, on every backend."""

from __future__ import annotations

import asyncio

from stock_cache import InsufficientStock, Reserved, StockStore
from stock_cache.base import ReserveOutcome
from stock_cache.errors import ReserveInProgress
from tests.stock_cache.support import LYON, MARKETPLACE, STOREFRONT, TABLE, hold

RETRIES = 100


async def answer(store: StockStore, key: str) -> ReserveOutcome | ReserveInProgress:
    try:
        return await store.reserve(hold((LYON, TABLE, 1), key=key, client=STOREFRONT))
    except ReserveInProgress as busy:
        return busy


async def test_retries_of_one_key_hold_once_while_another_client_takes_the_rest(
    store: StockStore,
) -> None:
    await store.set_levels(LYON, {TABLE: 10})
    first = [asyncio.ensure_future(answer(store, "checkout-7")) for _ in range(RETRIES // 2)]
    # The other shopper's orders go out while the first retries are under way.
    for _ in range(3):
        await asyncio.sleep(0)
    theirs_running = [
        asyncio.ensure_future(
            store.reserve(hold((LYON, TABLE, 1), client=MARKETPLACE, key=f"marketplace-{n}"))
        )
        for n in range(9)
    ]
    later = [asyncio.ensure_future(answer(store, "checkout-7")) for _ in range(RETRIES // 2)]
    mine = await asyncio.gather(*first, *later)
    theirs = await asyncio.gather(*theirs_running)

    allocations = {a.allocation.id for a in mine if isinstance(a, Reserved)}
    assert len(allocations) == 1
    assert sum(isinstance(a, Reserved) and not a.replayed for a in mine) == 1
    assert not any(isinstance(a, InsufficientStock) for a in mine)
    assert all(isinstance(a, Reserved) for a in theirs), theirs
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 0}}


async def test_retries_of_one_key_that_comes_up_short_hold_nothing(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 3})
    request = hold((LYON, TABLE, 4), key="checkout-8")

    answers = await asyncio.gather(*(store.reserve(request) for _ in range(20)))

    assert all(isinstance(a, InsufficientStock) for a in answers)
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}
    # The key was never taken: once stock comes, the same key holds.
    await store.set_levels(LYON, {TABLE: 4})
    outcome = await store.reserve(request)
    assert isinstance(outcome, Reserved)
    assert not outcome.replayed
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 0}}
