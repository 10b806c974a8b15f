"""The process's follower of changes that live answers wait on, on every backend: a look
wakes the listeners whose SKUs an allocation or the publication touched, whose allocation
moved, or whose deadline the clock passed, and no other."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from gateway.service.live_changes import Listener, LiveChanges
from stock_cache import Reserved, StockStore, store_from_url
from stock_cache.base import EventKind
from stock_cache.outbox_reader import outbox_reader
from stock_cache.publication import Publisher
from stock_cache.publishing_store import PublishingStore, channel_feed
from tests.stock_cache.support import (
    LYON,
    RULES,
    SOFA,
    STOREFRONT,
    TABLE,
    FakeClock,
    event,
    hold,
)
from tests.stock_cache.test_publication import PUBLICATION


@pytest.fixture(params=["memory", "redis", "cluster"])
async def store(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[StockStore]:
    named = {"redis": "redis_url", "cluster": "redis_cluster_url"}.get(request.param)
    url = "memory://" if named is None else str(request.getfixturevalue(named))
    opened = store_from_url(url, rules=RULES, clock=clock, key_prefix=f"test-{uuid.uuid4().hex}")
    await opened.set_levels(LYON, {TABLE: 10, SOFA: 5})
    yield opened
    await opened.close()


def follower(store: StockStore, clock: FakeClock) -> LiveChanges:
    return LiveChanges(outbox_reader(store), channel_feed(store), clock=clock)


def woken(listener: Listener) -> bool:
    return listener.woken.is_set()


async def test_a_hold_wakes_the_listeners_of_its_sku_and_no_other(
    store: StockStore, clock: FakeClock
) -> None:
    live = follower(store, clock)
    tables, sofas = await live.listen(skus=[TABLE]), await live.listen(skus=[SOFA])
    await store.reserve(hold((LYON, TABLE, 1)))
    assert await live.look() == 1
    assert (woken(tables), woken(sofas)) == (True, False)


async def test_a_listener_wakes_when_the_clock_passes_its_deadline(
    store: StockStore, clock: FakeClock
) -> None:
    live = follower(store, clock)
    cut_off = await live.listen(skus=[TABLE])
    cut_off.deadline = clock.now + 60
    assert await live.look() == 0
    clock.advance(60)
    assert await live.look() == 1
    assert woken(cut_off)
    assert cut_off.deadline is None  # woken once for it


async def test_an_allocation_listener_wakes_when_its_hold_lapses(
    store: StockStore, clock: FakeClock
) -> None:
    reserved = await store.reserve(hold((LYON, TABLE, 1), ttl_seconds=60))
    assert isinstance(reserved, Reserved)
    live = follower(store, clock)
    mine = await live.listen(allocation=reserved.allocation.id)
    other = await live.listen(allocation="alloc-of-someone-else")
    clock.advance(61)
    assert await live.look() == 1
    assert (woken(mine), woken(other)) == (True, False)
    found = await store.get_allocation(STOREFRONT, reserved.allocation.id)
    assert found is not None
    assert found.status.value == "EXPIRED"


async def test_a_stock_event_reaches_listeners_once_the_publication_recomputes_it(
    store: StockStore, clock: FakeClock
) -> None:
    publishing = PublishingStore(Publisher(store, channel_feed(store), PUBLICATION, clock=clock))
    live = follower(store, clock)
    sofas = await live.listen(skus=[SOFA])
    await publishing.apply_events([event("lyon-count-1", 5, EventKind.COUNT, 1, sku=SOFA)])
    assert await live.look() == 0  # noted, not yet recomputed
    await publishing.publish()
    assert await live.look() == 1
    assert woken(sofas)


async def test_changes_made_while_nobody_listened_wake_no_later_listener(
    store: StockStore, clock: FakeClock
) -> None:
    live = follower(store, clock)
    gone = await live.listen(skus=[TABLE])
    live.drop(gone)
    assert await live.look() == 0
    await store.reserve(hold((LYON, TABLE, 1)))
    later = await live.listen(skus=[TABLE])
    assert await live.look() == 0
    assert not woken(later)
