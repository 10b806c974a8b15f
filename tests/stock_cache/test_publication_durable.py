"""The publication survives its publisher: what a process noted or the outbox holds is
published by the next pass, whoever runs it; one process at a time publishes, and a start
with nothing changed recomputes nothing. On every backend."""

from __future__ import annotations

from stock_cache import StockStore
from stock_cache.base import EventKind
from stock_cache.publication import Publisher
from stock_cache.publication_rules import ChannelChange, PublicationRules, PublishedChannel
from stock_cache.publishing_store import (
    LEASE_MS,
    PublicationPass,
    PublishingStore,
    channel_feed,
)
from tests.stock_cache.support import (
    CHAIR,
    LYON,
    MARKETPLACE_X,
    PARIS,
    SOFA,
    TABLE,
    WEB,
    FakeClock,
    event,
    hold,
)
from tests.stock_cache.test_publication import PUBLICATION

SKUS = (TABLE, SOFA, CHAIR)


def process(
    store: StockStore,
    clock: FakeClock,
    name: str,
    *,
    rules: PublicationRules = PUBLICATION,
) -> PublishingStore:
    """One gateway process's publishing store over the shared store (its state is all there)."""
    publisher = Publisher(store, channel_feed(store), rules, clock=clock)
    return PublishingStore(publisher, skus=SKUS, worker=name)


async def seeded(store: StockStore, clock: FakeClock) -> PublishingStore:
    """A first process that seeded Lyon (10 tables, 3 sofas) and Paris Rivoli (12 tables) and
    published every SKU; it still holds the publisher's lease."""
    first = process(store, clock, "first")
    await first.set_levels(LYON, {TABLE: 10, SOFA: 3})
    await first.set_levels(PARIS, {TABLE: 12})
    assert await first.publish() == PublicationPass(recomputed=3, moved=6)
    return first


async def test_a_stock_event_whose_process_died_before_publishing_is_published_by_the_next(
    store: StockStore, clock: FakeClock
) -> None:
    first = await seeded(store, clock)
    cursor = await first.feed.head(MARKETPLACE_X)
    # The first process writes a count, then dies before its next pass, its lease held.
    await first.apply_events([event("lyon-count-1", 5, EventKind.COUNT, 7, sku=SOFA)])
    second = process(store, clock, "second")

    assert await second.publish() is None  # the first one's lease still runs
    clock.advance(LEASE_MS / 1000)
    assert await second.publish() == PublicationPass(recomputed=1, moved=2)

    page = await second.publisher.changes(MARKETPLACE_X, cursor, 10)
    assert page.changes == (ChannelChange(SOFA, 5, clock.now_ms),)  # 7 less the buffer of 2
    assert await second.publish() == PublicationPass(recomputed=0, moved=0)


async def test_a_hold_and_its_expiry_are_published_though_the_process_that_held_it_died(
    store: StockStore, clock: FakeClock
) -> None:
    first = await seeded(store, clock)
    cursor = await first.feed.head(WEB)
    await first.reserve(hold((LYON, TABLE, 4), ttl_seconds=60))
    clock.advance(LEASE_MS / 1000)
    second = process(store, clock, "second")

    assert await second.publish() == PublicationPass(recomputed=1, moved=2)
    page = await second.publisher.changes(WEB, cursor, 10)
    assert page.changes == (ChannelChange(TABLE, 16, clock.now_ms),)  # Lyon 6 + Paris 10

    clock.advance(61)
    assert await second.publish() == PublicationPass(recomputed=1, moved=2)
    page = await second.publisher.changes(WEB, page.cursor, 10)
    assert page.changes == (ChannelChange(TABLE, 20, clock.now_ms),)


async def test_a_snapshot_publishes_the_skus_it_brings_to_its_node(
    store: StockStore, clock: FakeClock
) -> None:
    first = await seeded(store, clock)
    await first.replace_node_stock(LYON, [{TABLE: 10}, {CHAIR: 6}], watermark=100)
    await first.publish()
    _, quantities = await exported(first, WEB)
    assert (quantities[CHAIR], quantities[SOFA]) == (6, 0)


async def exported(wrapped: PublishingStore, channel: str) -> tuple[str, dict[str, int]]:
    cursor = await wrapped.feed.head(channel)
    quantities: dict[str, int] = {}
    async for chunk in wrapped.feed.quantities(channel):
        quantities |= {change.sku: change.quantity for change in chunk}
    return cursor, quantities


async def test_one_process_publishes_every_sku_at_start_and_a_restart_recomputes_nothing(
    store: StockStore, clock: FakeClock
) -> None:
    # Stock written by a seed that went round the publisher: nothing published yet.
    await store.set_levels(LYON, {TABLE: 10, SOFA: 3})
    first, second = process(store, clock, "first"), process(store, clock, "second")
    assert not await second.published()

    assert await first.publish() == PublicationPass(recomputed=3, moved=6)
    assert await second.publish() is None
    assert await second.published()

    await first.feed.let_go("first")  # the first process stops
    restarted = process(store, clock, "restarted")
    assert await restarted.publish() == PublicationPass(recomputed=0, moved=0)


async def test_a_start_on_other_publication_rules_publishes_every_sku_again(
    store: StockStore, clock: FakeClock
) -> None:
    first = await seeded(store, clock)
    await first.feed.let_go("first")
    wider = PublicationRules(
        {**PUBLICATION.channels, MARKETPLACE_X: PublishedChannel(MARKETPLACE_X, (LYON, PARIS))}
    )
    restarted = process(store, clock, "restarted", rules=wider)
    assert not await restarted.published()
    # marketplace-x's buffer of 2 is gone: its table and sofa move.
    assert await restarted.publish() == PublicationPass(recomputed=3, moved=2)


async def test_a_member_noted_again_while_it_is_recomputed_stays_noted(
    store: StockStore,
) -> None:
    feed = channel_feed(store)
    await feed.note(["s:" + TABLE, "s:" + SOFA])
    read = await feed.noted(10)
    await feed.note(["s:" + TABLE])
    await feed.settle(read)
    assert [member for member, _ in await feed.noted(10)] == ["s:" + TABLE]


async def test_a_lapsed_publisher_cannot_save_its_marks_over_the_next_one(
    store: StockStore, clock: FakeClock
) -> None:
    feed = channel_feed(store)
    assert await feed.claim("first", LEASE_MS)
    clock.advance(LEASE_MS / 1000)
    assert await feed.claim("second", LEASE_MS)
    assert not await feed.save_marks("first", {"o0": "7"})
    assert await feed.save_marks("second", {"o0": "9"})
    assert (await feed.marks())["o0"] == "9"


async def test_every_sku_recomputed_is_on_the_touched_stream_in_order(
    store: StockStore, clock: FakeClock
) -> None:
    first = await seeded(store, clock)
    head = await first.feed.touched_head()
    await first.apply_events([event("lyon-adjust-1", 5, EventKind.ADJUSTMENT, -1, sku=SOFA)])
    await first.reserve(hold((LYON, TABLE, 1)))
    await first.publish()
    touched = await first.feed.touched_after(head, 10)
    assert [skus for _, skus in touched] == [[SOFA], [TABLE]]
    assert await first.feed.touched_after(touched[-1][0], 10) == []
