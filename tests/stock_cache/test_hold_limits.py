"""Caps of held units per holder (a client, a shopper): counted from live HELD allocations, on
every backend; confirmed, released and expired ones free the cap."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from stock_cache import Reserved, StockStore
from stock_cache.base import HoldLimit, ReserveRequest
from stock_cache.errors import HoldLimitReached
from tests.stock_cache.support import LYON, SOFA, TABLE, FakeClock, hold

CLIENT_CAP = HoldLimit("client:storefront-fr", 10)
SHOPPER_CAP = HoldLimit("shopper:storefront-fr:ann", 4)


def capped(*lines: tuple[str, str, int], key: str | None = None) -> ReserveRequest:
    return dataclasses.replace(hold(*lines, key=key), limits=(CLIENT_CAP, SHOPPER_CAP))


async def held(store: StockStore, request: ReserveRequest) -> Reserved:
    outcome = await store.reserve(request)
    assert isinstance(outcome, Reserved), outcome
    return outcome


async def test_a_shopper_holds_up_to_the_cap_and_no_unit_more(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 50, SOFA: 50})
    await held(store, capped((LYON, TABLE, 3)))

    with pytest.raises(HoldLimitReached) as refused:
        await store.reserve(capped((LYON, TABLE, 1), (LYON, SOFA, 1)))

    assert (refused.value.holder, refused.value.limit) == (SHOPPER_CAP.holder, 4)
    assert (refused.value.held, refused.value.asked) == (3, 2)
    assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 47}, SOFA: {LYON: 50}}
    await held(store, capped((LYON, SOFA, 1)))


async def test_racing_commits_never_pass_the_cap(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 50})

    answers = await asyncio.gather(
        *(store.reserve(capped((LYON, TABLE, 1))) for _ in range(30)), return_exceptions=True
    )

    assert sum(isinstance(a, Reserved) for a in answers) == 4
    assert all(isinstance(a, Reserved | HoldLimitReached) for a in answers), answers
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 46}}


@pytest.mark.parametrize("ending", ["confirm", "release", "expire"])
async def test_a_hold_no_longer_held_frees_the_cap(
    store: StockStore, clock: FakeClock, ending: str
) -> None:
    await store.set_levels(LYON, {TABLE: 50})
    first = await held(store, capped((LYON, TABLE, 4)))
    with pytest.raises(HoldLimitReached):
        await store.reserve(capped((LYON, TABLE, 1)))

    if ending == "confirm":
        await store.confirm("storefront-fr", first.allocation.id, "ORDER-77")
    elif ending == "release":
        await store.release("storefront-fr", first.allocation.id)
    else:
        clock.advance(900)

    await held(store, capped((LYON, TABLE, 4)))


async def test_the_client_cap_counts_every_shopper_of_the_client(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 50})
    for shopper in ("ann", "bob"):
        request = hold((LYON, TABLE, 4))
        limits = (CLIENT_CAP, HoldLimit(f"shopper:storefront-fr:{shopper}", 4))
        await held(store, dataclasses.replace(request, limits=limits))
    carl = dataclasses.replace(
        hold((LYON, TABLE, 3)), limits=(CLIENT_CAP, HoldLimit("shopper:storefront-fr:carl", 4))
    )

    with pytest.raises(HoldLimitReached) as refused:
        await store.reserve(carl)

    assert (refused.value.holder, refused.value.held) == (CLIENT_CAP.holder, 8)


async def test_a_holder_is_named_within_its_client(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 50})
    shared = HoldLimit("shopper:ann", 4)
    await held(store, dataclasses.replace(hold((LYON, TABLE, 4)), limits=(shared,)))

    other = dataclasses.replace(hold((LYON, TABLE, 4), client="app-de"), limits=(shared,))
    await held(store, other)

    with pytest.raises(HoldLimitReached) as refused:
        await store.reserve(dataclasses.replace(hold((LYON, TABLE, 1)), limits=(shared,)))
    assert (refused.value.holder, refused.value.held, refused.value.asked) == ("shopper:ann", 4, 1)
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 42}}


async def test_a_refusal_names_the_cap_it_passes_wherever_the_request_lists_it(
    store: StockStore,
) -> None:
    await store.set_levels(LYON, {TABLE: 50})
    await held(store, capped((LYON, TABLE, 4)))
    bob = HoldLimit("shopper:storefront-fr:bob", 7)

    with pytest.raises(HoldLimitReached) as refused:
        await store.reserve(dataclasses.replace(hold((LYON, TABLE, 7)), limits=(bob, CLIENT_CAP)))

    assert (refused.value.holder, refused.value.limit) == (CLIENT_CAP.holder, 10)
    assert (refused.value.held, refused.value.asked) == (4, 7)
    # Nothing of the refused request counts: bob's own cap still takes 6 (4 + 6 = 10).
    await held(store, dataclasses.replace(hold((LYON, TABLE, 6)), limits=(bob, CLIENT_CAP)))
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 40}}
