"""Publication per channel and its change feed, on every backend."""

from __future__ import annotations

import gc
import weakref

import pytest

from stock_cache import StockStore
from stock_cache.base import EventKind
from stock_cache.errors import BadCursor, NotPublished
from stock_cache.memory import MemoryStore
from stock_cache.outbox_reader import START, outbox_reader
from stock_cache.publication import Publisher
from stock_cache.publication_rules import ChannelChange, PublicationRules, PublishedChannel
from stock_cache.publishing_store import PublishingStore, channel_feed
from tests.stock_cache.support import (
    BORDEAUX,
    CHAIR,
    LYON,
    MARKETPLACE_X,
    MARSEILLE,
    PARIS,
    SOFA,
    TABLE,
    WEB,
    FakeClock,
    event,
    hold,
)

# marketplace-x ships from Lyon and Paris Rivoli (at most 5 a store), 2 units held back.
PUBLICATION = PublicationRules(
    {
        MARKETPLACE_X: PublishedChannel(MARKETPLACE_X, (LYON, PARIS), buffer=2),
        WEB: PublishedChannel(WEB, (LYON, PARIS, MARSEILLE, BORDEAUX)),
    }
)


async def publishing(store: StockStore, clock: FakeClock) -> PublishingStore:
    """The store wrapped to publish at once, seeded: Lyon 10 tables and 3 sofas, Paris Rivoli
    12 tables (2 kept back), Marseille 4 tables, Bordeaux 10 tables (20% kept back)."""
    wrapped = PublishingStore(
        Publisher(store, channel_feed(store), PUBLICATION, clock=clock), eager=True
    )
    await wrapped.set_levels(LYON, {TABLE: 10, SOFA: 3})
    await wrapped.set_levels(PARIS, {TABLE: 12})
    await wrapped.set_levels(MARSEILLE, {TABLE: 4})
    await wrapped.set_levels(BORDEAUX, {TABLE: 10})
    return wrapped


async def exported(wrapped: PublishingStore, channel: str) -> tuple[str, dict[str, int]]:
    feed = wrapped.publisher.feed
    cursor = await feed.head(channel)
    quantities: dict[str, int] = {}
    async for chunk in feed.quantities(channel, chunk=1):
        quantities |= {change.sku: change.quantity for change in chunk}
    return cursor, quantities


async def test_each_channel_publishes_what_it_may_sell_by_its_own_rules(
    store: StockStore, clock: FakeClock
) -> None:
    wrapped = await publishing(store, clock)
    # Lyon 10 + Paris min(5, 12 - 2) = 15, less the buffer of 2.
    assert (await exported(wrapped, MARKETPLACE_X))[1] == {TABLE: 13, SOFA: 1}
    # Lyon 10 + Paris 10 + Marseille 4 + Bordeaux 8, no buffer.
    assert (await exported(wrapped, WEB))[1] == {TABLE: 32, SOFA: 3}
    assert await wrapped.publisher.feed.count(MARKETPLACE_X) == 2


async def test_the_feed_after_an_export_gives_a_stock_event_a_hold_and_its_expiry(
    store: StockStore, clock: FakeClock
) -> None:
    wrapped = await publishing(store, clock)
    cursor, _ = await exported(wrapped, MARKETPLACE_X)

    clock.advance(1)
    await wrapped.apply_events([event("lyon-count-1", 5, EventKind.COUNT, 7, sku=SOFA)])
    page = await wrapped.publisher.changes(MARKETPLACE_X, cursor, 10)
    assert page.changes == (ChannelChange(SOFA, 5, clock.now_ms),)

    clock.advance(1)
    await wrapped.reserve(hold((LYON, TABLE, 4), ttl_seconds=60))
    page = await wrapped.publisher.changes(MARKETPLACE_X, page.cursor, 10)
    assert page.changes == (ChannelChange(TABLE, 9, clock.now_ms),)

    clock.advance(61)
    passed = await wrapped.publish()
    assert passed is not None
    assert passed.moved == 2  # marketplace-x and web-fr
    page = await wrapped.publisher.changes(MARKETPLACE_X, page.cursor, 10)
    assert page.changes == (ChannelChange(TABLE, 13, clock.now_ms),)
    assert (await wrapped.publisher.changes(MARKETPLACE_X, page.cursor, 10)).changes == ()


async def test_changes_to_one_sku_are_coalesced_to_the_latest(
    store: StockStore, clock: FakeClock
) -> None:
    wrapped = await publishing(store, clock)
    cursor, _ = await exported(wrapped, MARKETPLACE_X)
    first = await wrapped.reserve(hold((LYON, TABLE, 1)))
    await wrapped.reserve(hold((LYON, SOFA, 1)))
    await wrapped.reserve(hold((LYON, TABLE, 2)))
    assert first
    page = await wrapped.publisher.changes(MARKETPLACE_X, cursor, 10)
    assert [(c.sku, c.quantity) for c in page.changes] == [(SOFA, 0), (TABLE, 10)]


async def test_a_feed_is_read_page_by_page(store: StockStore, clock: FakeClock) -> None:
    wrapped = await publishing(store, clock)
    # The sofa last moved with Lyon's seed, the table with Bordeaux's, after it.
    page = await wrapped.publisher.changes(WEB, None, 1)
    assert [c.sku for c in page.changes] == [SOFA]
    page = await wrapped.publisher.changes(WEB, page.cursor, 1)
    assert [(c.sku, c.quantity) for c in page.changes] == [(TABLE, 32)]
    last = await wrapped.publisher.changes(WEB, page.cursor, 1)
    assert last.changes == ()
    assert last.cursor == page.cursor


async def test_a_snapshot_that_leaves_a_sku_out_publishes_it_at_zero(
    store: StockStore, clock: FakeClock
) -> None:
    wrapped = await publishing(store, clock)
    await wrapped.replace_node_stock(LYON, [{TABLE: 10}], watermark=100)
    assert (await exported(wrapped, WEB))[1][SOFA] == 0


async def test_an_older_recomputation_never_overwrites_a_newer_one(
    store: StockStore, clock: FakeClock
) -> None:
    feed = channel_feed(store)
    older = await feed.stamp([CHAIR])
    newer = await feed.stamp([CHAIR])
    assert await feed.publish(WEB, [(CHAIR, 5, newer[CHAIR])], clock.now_ms) == 1
    assert await feed.publish(WEB, [(CHAIR, 7, older[CHAIR])], clock.now_ms) == 0
    assert (await feed.changes(WEB, None, 10)).changes == (ChannelChange(CHAIR, 5, clock.now_ms),)


async def test_a_cursor_the_feed_never_gave_is_refused_by_name(
    store: StockStore, clock: FakeClock
) -> None:
    wrapped = await publishing(store, clock)
    with pytest.raises(BadCursor, match="after 'not-a-cursor'"):
        await wrapped.publisher.changes(WEB, "not-a-cursor", 10)
    with pytest.raises(NotPublished, match="'storefront-de'"):
        await wrapped.publisher.changes("storefront-de", None, 10)
    with pytest.raises(ValueError, match="first must be between 1 and 500, got 0"):
        await wrapped.publisher.changes(WEB, None, 0)


async def test_the_outbox_is_read_on_from_a_position(store: StockStore, clock: FakeClock) -> None:
    wrapped = await publishing(store, clock)
    reader = outbox_reader(store)
    reserved = await wrapped.reserve(hold((LYON, TABLE, 1), ttl_seconds=30))
    clock.advance(31)
    read = [
        item
        for partition in range(reader.partitions)
        for item in await reader.after(partition, START, 10)
    ]
    assert [(i.entry.status.value, i.entry.allocation_id) for i in read] == [
        ("HELD", reserved.allocation.id),  # type: ignore[union-attr]
        ("EXPIRED", reserved.allocation.id),  # type: ignore[union-attr]
    ]
    assert read[0].event_id != read[1].event_id
    assert await reader.after(read[1].partition, read[1].position, 10) == []


def test_an_embedded_store_and_its_feed_are_freed_once_nothing_holds_them() -> None:
    store = MemoryStore()
    assert channel_feed(store) is channel_feed(store)
    freed = weakref.ref(store)
    del store
    gc.collect()
    assert freed() is None
