"""One quote, one allocation: a quote's id is claimed with the reserve, on every backend."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from stock_cache import InsufficientStock, Reserved, StockStore
from stock_cache.base import ReserveRequest
from stock_cache.errors import QuoteAlreadyCommitted
from tests.stock_cache.support import LYON, MARKETPLACE, STOREFRONT, TABLE, hold


def quoted(quote_id: str, key: str, quantity: int = 1, client: str = STOREFRONT) -> ReserveRequest:
    """A commit of quote `quote_id` (one table at Lyon) under idempotency key `key`."""
    request = hold((LYON, TABLE, quantity), key=key, client=client, fingerprint=f"q-{quote_id}")
    return dataclasses.replace(request, quote_id=quote_id)


async def test_a_second_key_for_one_quote_is_refused_naming_the_first_allocation(
    store: StockStore,
) -> None:
    await store.set_levels(LYON, {TABLE: 10})
    first = await store.reserve(quoted("quote-oak-1", "checkout-1"))
    assert isinstance(first, Reserved)

    with pytest.raises(QuoteAlreadyCommitted) as refused:
        await store.reserve(quoted("quote-oak-1", "checkout-2"))

    assert refused.value.allocation_id == first.allocation.id
    assert refused.value.key == "checkout-1"
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 9}}


async def test_the_same_key_replays_the_quote_s_allocation(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 10})
    first = await store.reserve(quoted("quote-oak-2", "checkout-3"))

    again = await store.reserve(quoted("quote-oak-2", "checkout-3"))

    assert isinstance(first, Reserved)
    assert isinstance(again, Reserved)
    assert (again.allocation.id, again.replayed) == (first.allocation.id, True)
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 9}}


async def test_a_hundred_keys_racing_for_one_quote_hold_once(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 100})

    answers = await asyncio.gather(
        *(store.reserve(quoted("quote-oak-3", f"script-{n}")) for n in range(100)),
        return_exceptions=True,
    )

    held = [a for a in answers if isinstance(a, Reserved)]
    assert len(held) == 1
    assert all(isinstance(a, QuoteAlreadyCommitted) for a in answers if a not in held), answers
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 99}}


async def test_a_quote_that_came_up_short_may_be_committed_under_another_key(
    store: StockStore,
) -> None:
    await store.set_levels(LYON, {TABLE: 1})
    short = await store.reserve(quoted("quote-oak-4", "checkout-5", quantity=2))
    assert isinstance(short, InsufficientStock)
    await store.set_levels(LYON, {TABLE: 2})

    held = await store.reserve(quoted("quote-oak-4", "checkout-6", quantity=2))

    assert isinstance(held, Reserved)


async def test_quotes_of_different_clients_never_meet(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 10})

    mine = await store.reserve(quoted("quote-oak-5", "checkout-7"))
    theirs = await store.reserve(quoted("quote-oak-5", "checkout-7", client=MARKETPLACE))

    assert isinstance(mine, Reserved)
    assert isinstance(theirs, Reserved)
    assert mine.allocation.id != theirs.allocation.id
