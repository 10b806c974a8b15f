"""The publisher's totals of every channel read together equal each channel's read alone."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from stock_cache import StockStore, store_from_url
from stock_cache.base import EventKind
from stock_cache.publication import NetworkTotals, Publisher
from stock_cache.publication_rules import PublishedChannel
from stock_cache.publishing_store import channel_feed
from stock_cache.redis_store import RedisStore
from tests.stock_cache.support import (
    CHAIR,
    LYON,
    MARSEILLE,
    PARIS,
    RULES,
    SOFA,
    TABLE,
    FakeClock,
    event,
    hold,
)
from tests.stock_cache.test_publication import PUBLICATION, publishing

SKUS = [TABLE, SOFA, CHAIR]
CHANNELS = list(PUBLICATION.channels.values())


async def each_alone(store: StockStore, channels: list[PublishedChannel]) -> list[dict[str, int]]:
    """What the publisher read before: one `availability` per channel."""
    totals = []
    for channel in channels:
        found = await store.availability(SKUS, (), network=channel.nodes, channel=channel.name)
        totals.append({sku: found[sku].total for sku in SKUS})
    return totals


async def moved(store: StockStore) -> None:
    """Holds and stock events that forget cached totals at some nodes' sections."""
    await store.reserve(hold((LYON, TABLE, 3), (PARIS, TABLE, 2), key="a"))
    await store.reserve(hold((LYON, SOFA, 1), key="b"))
    await store.apply_events([event("e1", 1, EventKind.ADJUSTMENT, 5, node=MARSEILLE)])


async def test_the_totals_of_every_channel_read_together_equal_each_read_alone(
    store: StockStore, clock: FakeClock
) -> None:
    wrapped = await publishing(store, clock)
    await moved(wrapped)
    # Read together first, with the caches the moves forgot still cold, then alone.
    together = await wrapped.publisher._totals(SKUS, CHANNELS)
    assert together == await each_alone(store, CHANNELS)
    assert together[0] == {TABLE: 12, SOFA: 2, CHAIR: 0}, together


async def test_the_quantities_published_equal_those_of_the_per_channel_read(
    store: StockStore, clock: FakeClock
) -> None:
    wrapped = await publishing(store, clock)
    await moved(wrapped)
    expected = [
        {sku: max(0, total - channel.buffer) for sku, total in found.items()}
        for channel, found in zip(CHANNELS, await each_alone(store, CHANNELS), strict=True)
    ]
    # Every SKU again, from its own new versions: the quantities stay those read alone.
    publisher = Publisher(store, channel_feed(store), PUBLICATION, clock=clock)
    await publisher.refresh(SKUS)
    for channel, quantities in zip(CHANNELS, expected, strict=True):
        published: dict[str, int] = {}
        async for chunk in publisher.feed.quantities(channel.name):
            published |= {change.sku: change.quantity for change in chunk}
        assert published == quantities


async def test_the_redis_stores_read_every_channel_together(store: StockStore) -> None:
    assert isinstance(store, NetworkTotals) == isinstance(store, RedisStore)


async def test_totals_read_together_survive_a_server_that_forgot_its_scripts(
    redis_url: str, clock: FakeClock
) -> None:
    # On a server of its own (the standalone one the set-up started), so the flush forgets
    # only this suite's scripts.
    store = store_from_url(
        redis_url, rules=RULES, clock=clock, key_prefix=f"test-{uuid.uuid4().hex}"
    )
    assert isinstance(store, RedisStore)
    try:
        wrapped = await publishing(store, clock)
        await moved(wrapped)
        raw = Redis.from_url(redis_url)
        try:
            await raw.script_flush()
            await raw.function_flush()
        finally:
            await raw.aclose()
        networks = [(channel.name, channel.nodes) for channel in CHANNELS]
        assert await store.network_totals(SKUS, networks) == await each_alone(store, CHANNELS)
    finally:
        await store.close()
