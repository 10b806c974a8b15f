"""Webhook delivery to a real receiver on loopback, on the embedded store and on Redis."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.service.webhooks import WebhookSender
from stock_cache import Reserved, StockStore, store_from_url
from stock_cache.outbox_reader import outbox_reader
from stock_cache.publishing_store import channel_feed
from stock_cache.webhook_redis import webhook_state
from stock_cache.webhook_state import DeliveryStatus, EventType
from tests.gateway.webhook_receiver import Received, receiver, statuses_by_allocation
from tests.stock_cache.support import LYON, RULES, SOFA, STOREFRONT, TABLE, FakeClock, hold

ALLOCATION_EVENTS = [t for t in EventType if t.value.startswith("allocation.")]


@pytest.fixture(params=["memory", "redis"])
def store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
async def store(store_url: str, prefix: str, clock: FakeClock) -> AsyncIterator[StockStore]:
    opened = store_from_url(store_url, rules=RULES, clock=clock, key_prefix=prefix)
    await opened.set_levels(LYON, {TABLE: 10, SOFA: 5})
    yield opened
    await opened.close()


def sender(
    store: StockStore, http: httpx.AsyncClient, clock: FakeClock, seed: int
) -> WebhookSender:
    return WebhookSender(
        webhook_state(store, clock=clock),
        outbox_reader(store),
        channel_feed(store),
        http,
        clock=clock,
        rng=random.Random(seed),
    )


async def allocations(store: StockStore, clock: FakeClock) -> list[str]:
    """Three allocations: one held then confirmed and fulfilled, one released, one expired."""
    kept = await store.reserve(hold((LYON, TABLE, 2)))
    dropped = await store.reserve(hold((LYON, SOFA, 1)))
    lapsed = await store.reserve(hold((LYON, TABLE, 1), ttl_seconds=60))
    assert isinstance(kept, Reserved)
    assert isinstance(dropped, Reserved)
    assert isinstance(lapsed, Reserved)
    await store.confirm(STOREFRONT, kept.allocation.id, "ORDER-1")
    await store.release(STOREFRONT, dropped.allocation.id)
    await store.fulfil(STOREFRONT, kept.allocation.id)
    clock.advance(61)
    return [kept.allocation.id, dropped.allocation.id, lapsed.allocation.id]


async def test_a_receiver_down_for_ten_minutes_gets_every_event_in_order_once_back(
    store: StockStore, clock: FakeClock
) -> None:
    back_at = clock.now + 600
    received = Received(down=lambda: clock.now < back_at)
    async with httpx.AsyncClient() as http:
        worker = sender(store, http, clock, seed=1)
        with receiver(received) as url:
            endpoint = await worker.register(STOREFRONT, "web-fr", url, ALLOCATION_EVENTS)
            received.secret = endpoint.secret
            kept, dropped, lapsed = await allocations(store, clock)
            for _ in range(60):  # 30 minutes, a pass every 30 s
                await worker.run_once()
                clock.advance(30)
        log = await worker.state.log(endpoint.id, 1000)
    assert statuses_by_allocation(received.events) == {
        kept: ["HELD", "CONFIRMED", "FULFILLED"],
        dropped: ["HELD", "RELEASED"],
        lapsed: ["HELD", "EXPIRED"],
    }
    assert set(received.taken.values()) == {1}
    assert received.bad_signatures == 0
    assert received.refused > 0
    delivered = [r for r in log if r.status is DeliveryStatus.DELIVERED]
    assert len(delivered) == 7
    assert all(r.at_ms >= back_at * 1000 for r in delivered)
    assert {r.status for r in log} == {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}


async def test_an_event_refused_for_a_day_is_parked_and_the_lane_goes_on(
    store: StockStore, clock: FakeClock
) -> None:
    received = Received(down=lambda: True)
    async with httpx.AsyncClient() as http:
        worker = sender(store, http, clock, seed=2)
        with receiver(received) as url:
            endpoint = await worker.register(STOREFRONT, "web-fr", url, [EventType.ALLOCATION_HELD])
            await store.reserve(hold((LYON, TABLE, 1)))
            for _ in range(30):  # a day and a bit, a pass every hour
                await worker.run_once()
                clock.advance(3600)
        log = await worker.state.log(endpoint.id, 1000)
    assert log[0].status is DeliveryStatus.PARKED
    assert log[0].event_type is EventType.ALLOCATION_HELD
    assert [r.status for r in log[1:]] == [DeliveryStatus.FAILED] * (len(log) - 1)
    assert received.taken == {}


async def test_two_workers_deliver_each_event_exactly_once(
    redis_url: str, prefix: str, clock: FakeClock
) -> None:
    # Two gateway workers: their own store clients on the same Redis and key prefix.
    first = store_from_url(redis_url, rules=RULES, clock=clock, key_prefix=prefix)
    second = store_from_url(redis_url, rules=RULES, clock=clock, key_prefix=prefix)
    received = Received()
    try:
        await first.set_levels(LYON, {TABLE: 100})
        async with httpx.AsyncClient() as one, httpx.AsyncClient() as two:
            workers = [sender(first, one, clock, seed=3), sender(second, two, clock, seed=4)]
            with receiver(received) as url:
                endpoint = await workers[0].register(STOREFRONT, "web-fr", url, ALLOCATION_EVENTS)
                received.secret = endpoint.secret
                for round_ in range(10):
                    for _ in range(3):
                        await (first, second)[round_ % 2].reserve(hold((LYON, TABLE, 1)))
                    await asyncio.gather(*(worker.run_once() for worker in workers))
                await asyncio.gather(*(worker.run_once() for worker in workers))
    finally:
        await first.close()
        await second.close()
    assert len(received.taken) == 30
    assert set(received.taken.values()) == {1}


async def test_a_pass_claims_only_the_lanes_with_something_new(
    store: StockStore, clock: FakeClock
) -> None:
    received = Received()
    async with httpx.AsyncClient() as http:
        worker = sender(store, http, clock, seed=5)
        claimed: list[str] = []
        claim = worker.state.claim

        async def counted(lane: str, owner: str, ttl_ms: int) -> bool:
            claimed.append(lane)
            return await claim(lane, owner, ttl_ms)

        worker.state.claim = counted  # type: ignore[method-assign,assignment]
        with receiver(received) as url:
            endpoint = await worker.register(STOREFRONT, "web-fr", url, ALLOCATION_EVENTS)
            received.secret = endpoint.secret
            partitions = outbox_reader(store).partitions
            await worker.run_once()
            assert len(claimed) == partitions  # each lane once, to learn where it stands

            claimed.clear()
            assert await worker.run_once() == 0
            assert claimed == []

            lapsing = await store.reserve(hold((LYON, TABLE, 1), ttl_seconds=60))
            assert isinstance(lapsing, Reserved)
            assert await worker.run_once() == 1
            assert len(claimed) == 1
            # An expiry appends its event while every lane is quiet: the quiet read finds it.
            clock.advance(61)
            claimed.clear()
            assert await worker.run_once() == 1
            assert len(claimed) == 1
    assert statuses_by_allocation(received.events) == {lapsing.allocation.id: ["HELD", "EXPIRED"]}
