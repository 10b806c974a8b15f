"""A confirm that dies between confirming the record and unpinning its holds loses nothing.

Confirm pins each SKU's hold a day past its expiry, confirms the record (which also enters
the allocation in its bucket's `pinned` set), then takes the holds out of the expiry sets.
Should the process die before that last step, the pinned holds would lapse a day later and
the units of a CONFIRMED order be sold again; every call in the bucket finishes it first.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence

import pytest
import redis.exceptions

from stock_cache import AllocationStatus, Reserved, store_from_url
from stock_cache.base import NodeCapacity
from stock_cache.errors import StoreOutcomeUnknown
from stock_cache.redis_keys import bucket_of_allocation, bucket_of_key
from stock_cache.redis_store import RedisStore
from tests.stock_cache.support import CHAIR, LYON, SOFA, STOREFRONT, TABLE, FakeClock, hold

HOLD_SECONDS = 60
# Past the hold's expiry and the confirm's day of grace: a pinned hold has lapsed by then.
PAST_THE_PIN = HOLD_SECONDS + 24 * 3600 + 1
URLS = pytest.mark.parametrize("url_fixture", ["redis_url", "redis_cluster_url"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(
    url_fixture: str, request: pytest.FixtureRequest, clock: FakeClock
) -> AsyncIterator[RedisStore]:
    url = str(request.getfixturevalue(url_fixture))
    opened = store_from_url(url, clock=clock, key_prefix=f"test-{uuid.uuid4().hex}")
    assert isinstance(opened, RedisStore)
    yield opened
    await opened.close()


def keys_in_the_bucket_of(key: str) -> Iterator[str]:
    """Other idempotency keys whose allocations land in the same order bucket as `key`."""
    bucket = bucket_of_key(STOREFRONT, key)
    for n in itertools.count():
        if f"{key}-{n}" != key and bucket_of_key(STOREFRONT, f"{key}-{n}") == bucket:
            yield f"{key}-{n}"


async def in_pinned(store: RedisStore, allocation_id: str) -> bool:
    pinned = store._keys.pinned(bucket_of_allocation(allocation_id))
    return await store._client.zscore(pinned, allocation_id) is not None


async def confirm_that_dies_before_unpinning(
    store: RedisStore, monkeypatch: pytest.MonkeyPatch, allocation_id: str
) -> None:
    """Steps 1 (pin) and 2 (confirm the record) of a confirm, then the process dies."""

    async def die(confirmed: Sequence[tuple[str, Sequence[str]]]) -> None:
        raise redis.exceptions.ConnectionError("the gateway died here")

    with monkeypatch.context() as patched:
        patched.setattr(store, "_unpin", die)
        with pytest.raises(StoreOutcomeUnknown):
            await store.confirm(STOREFRONT, allocation_id, "ORDER-1001")


Operation = Callable[[RedisStore, str, str], Awaitable[object]]


async def reserve_other_stock(store: RedisStore, allocation_id: str, other_key: str) -> object:
    return await store.reserve(hold((LYON, CHAIR, 1), key=other_key, ttl_seconds=HOLD_SECONDS))


async def release_another_allocation(store: RedisStore, allocation_id: str, other: str) -> object:
    return await store.release(STOREFRONT, other)


async def read_outbox(store: RedisStore, allocation_id: str, other: str) -> object:
    return await store.read_outbox()


async def get_allocation(store: RedisStore, allocation_id: str, other: str) -> object:
    return await store.get_allocation(STOREFRONT, allocation_id)


async def confirm_again(store: RedisStore, allocation_id: str, other: str) -> object:
    return await store.confirm(STOREFRONT, allocation_id, "ORDER-1001")


async def repair(store: RedisStore, allocation_id: str, other: str) -> object:
    return await store.repair()


@URLS
@pytest.mark.parametrize(
    "operation",
    [
        reserve_other_stock,
        release_another_allocation,
        read_outbox,
        get_allocation,
        confirm_again,
        repair,
    ],
    ids=lambda operation: operation.__name__,
)
@pytest.mark.parametrize("repaired", [True, False], ids=["repaired", "without-repair"])
async def test_one_call_in_the_bucket_keeps_a_half_confirmed_order_reserved_past_the_pin(
    store: RedisStore,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    operation: Operation,
    repaired: bool,
) -> None:
    await store.set_levels(LYON, {TABLE: 5, SOFA: 5, CHAIR: 5})
    same_bucket = keys_in_the_bucket_of("checkout-1")
    outcome = await store.reserve(
        hold((LYON, TABLE, 2), (LYON, SOFA, 1), key="checkout-1", ttl_seconds=HOLD_SECONDS)
    )
    assert isinstance(outcome, Reserved)
    allocation_id = outcome.allocation.id
    # Another allocation of the same bucket, of other stock, still HELD a day later.
    other = await store.reserve(
        hold((LYON, CHAIR, 1), key=next(same_bucket), ttl_seconds=3 * 86400)
    )
    assert isinstance(other, Reserved)
    assert bucket_of_allocation(other.allocation.id) == bucket_of_allocation(allocation_id)
    await confirm_that_dies_before_unpinning(store, monkeypatch, allocation_id)
    assert await in_pinned(store, allocation_id)
    assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 3}, SOFA: {LYON: 4}}

    clock.advance(PAST_THE_PIN)
    other_id = other.allocation.id if operation is release_another_allocation else next(same_bucket)
    with monkeypatch.context() as patched:
        if not repaired:
            # Skip the repair path: what the old code did.
            async def skip(confirmed: Sequence[tuple[str, Sequence[str]]]) -> None:
                return None

            patched.setattr(store, "_unpin", skip)
        await operation(store, allocation_id, other_id)

    if repaired:
        assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 3}, SOFA: {LYON: 4}}
        assert not await in_pinned(store, allocation_id)
    else:
        # The hole: the pinned holds lapsed, the units are for sale again.
        assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 5}, SOFA: {LYON: 5}}
    allocation = await store.get_allocation(STOREFRONT, allocation_id)
    assert allocation is not None
    assert allocation.status is AllocationStatus.CONFIRMED


@URLS
async def test_a_half_confirmed_order_is_finished_a_minute_later_and_not_before(
    store: RedisStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.set_levels(LYON, {TABLE: 5, CHAIR: 5})
    same_bucket = keys_in_the_bucket_of("checkout-1")
    outcome = await store.reserve(hold((LYON, TABLE, 2), key="checkout-1", ttl_seconds=900))
    assert isinstance(outcome, Reserved)
    await confirm_that_dies_before_unpinning(store, monkeypatch, outcome.allocation.id)

    # A confirm still running may be just about to finish: it is left alone for a minute.
    assert await store.reserve(hold((LYON, CHAIR, 1), key=next(same_bucket)))
    assert await in_pinned(store, outcome.allocation.id)
    clock.advance(61)
    # The next call in the bucket, whatever its stock, finishes it.
    assert await store.reserve(hold((LYON, CHAIR, 1), key=next(same_bucket)))
    assert not await in_pinned(store, outcome.allocation.id)

    clock.advance(PAST_THE_PIN)
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 3}}
    assert await store.repair() == 0


@URLS
async def test_a_confirm_that_ends_leaves_nothing_to_repair(store: RedisStore) -> None:
    await store.set_levels(LYON, {TABLE: 5, SOFA: 5})
    outcome = await store.reserve(hold((LYON, TABLE, 2), (LYON, SOFA, 1)))
    assert isinstance(outcome, Reserved)

    await store.confirm(STOREFRONT, outcome.allocation.id, "ORDER-1001")

    assert not await in_pinned(store, outcome.allocation.id)
    for sku in (TABLE, SOFA):
        holds = store._keys.reservations(sku)[2]
        assert await store._client.zcard(holds) == 0
    assert await store.repair() == 0
    assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 3}, SOFA: {LYON: 4}}


@URLS
async def test_a_half_confirmed_order_keeps_its_daily_capacity_once_repaired(
    store: RedisStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.set_levels(LYON, {TABLE: 5})
    request = dataclasses.replace(
        hold((LYON, TABLE, 1), key="checkout-cap", ttl_seconds=HOLD_SECONDS),
        capacity=(NodeCapacity(LYON, "2026-01-01", 1),),
    )
    outcome = await store.reserve(request)
    assert isinstance(outcome, Reserved)
    await confirm_that_dies_before_unpinning(store, monkeypatch, outcome.allocation.id)

    assert await store.repair() == 0  # not due yet
    clock.advance(PAST_THE_PIN)
    await store.repair()

    assert await store.capacity_used([LYON], "2026-01-01") == {LYON: 1}
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 4}}
