"""Stock feeds, held by every backend: delta events, snapshots, returns, inbound stock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping

from stock_cache import Reserved, StockStore
from stock_cache.base import EventKind, FeedResult, FeedStatus, Inbound, NodeStock
from tests.stock_cache.support import (
    CHAIR,
    LYON,
    MARSEILLE,
    PARIS,
    SOFA,
    STOREFRONT,
    TABLE,
    event,
    hold,
)

ADJ, COUNT, RETURN = EventKind.ADJUSTMENT, EventKind.COUNT, EventKind.RETURN
APPLIED = FeedResult(FeedStatus.APPLIED)


async def on_lyon(store: StockStore, sku: str = TABLE) -> int:
    return (await store.atp([sku], [LYON]))[sku][LYON]


def statuses(results: list[FeedResult]) -> list[FeedStatus]:
    return [result.status for result in results]


class TestDeltaEvents:
    async def test_adjustments_and_counts_move_on_hand(self, store: StockStore) -> None:
        results = await store.apply_events(
            [event("e1", 1, COUNT, 10), event("e2", 2, ADJ, -3), event("e3", 3, ADJ, 5)]
        )

        assert results == [APPLIED, APPLIED, APPLIED]
        assert await on_lyon(store) == 12

    async def test_a_duplicate_event_id_changes_nothing_and_says_so(
        self, store: StockStore
    ) -> None:
        await store.apply_events([event("e1", 1, ADJ, 4)])

        (again,) = await store.apply_events([event("e1", 1, ADJ, 4)])

        assert again.status is FeedStatus.DUPLICATE
        assert "e1" in again.reason
        assert await on_lyon(store) == 4

    async def test_an_event_older_than_the_last_count_is_stale(self, store: StockStore) -> None:
        await store.apply_events([event("count-7", 7, COUNT, 10)])

        results = await store.apply_events(
            [event("adj-5", 5, ADJ, 3), event("count-6", 6, COUNT, 1)]
        )

        assert statuses(results) == [FeedStatus.STALE, FeedStatus.STALE]
        assert "covered by a count or snapshot at 7" in results[0].reason
        assert await on_lyon(store) == 10

    async def test_a_late_adjustment_newer_than_the_count_still_counts(
        self, store: StockStore
    ) -> None:
        await store.apply_events([event("count-1", 1, COUNT, 10), event("adj-3", 3, ADJ, 2)])

        (late,) = await store.apply_events([event("adj-2", 2, ADJ, -4)])

        assert late == APPLIED
        assert await on_lyon(store) == 8

    async def test_a_late_count_keeps_the_adjustments_that_came_after_it(
        self, store: StockStore
    ) -> None:
        await store.apply_events([event("adj-5", 5, ADJ, 2), event("adj-3", 3, ADJ, 100)])

        (count,) = await store.apply_events([event("count-4", 4, COUNT, 10)])

        assert count == APPLIED
        assert await on_lyon(store) == 12

    async def test_a_resellable_return_is_available_at_once(self, store: StockStore) -> None:
        await store.apply_events([event("count-1", 1, COUNT, 1)])

        await store.apply_events([event("rma-77", 2, RETURN, 2)])

        assert await on_lyon(store) == 3
        assert isinstance(await store.reserve(hold((LYON, TABLE, 3))), Reserved)

    async def test_a_return_not_fit_for_sale_is_taken_but_adds_nothing(
        self, store: StockStore
    ) -> None:
        await store.apply_events([event("count-1", 1, COUNT, 1)])

        results = await store.apply_events([event("rma-78", 2, RETURN, 2, resellable=False)])

        assert results == [APPLIED]
        assert await on_lyon(store) == 1

    async def test_malformed_events_are_rejected_naming_the_field(self, store: StockStore) -> None:
        results = await store.apply_events(
            [
                event("", 1, ADJ, 1),
                event("neg-seq", -1, ADJ, 1),
                event("neg-count", 2, COUNT, -1),
                event("zero-return", 3, RETURN, 0),
                event("fine", 4, ADJ, 1),
            ]
        )

        assert statuses(results) == [FeedStatus.REJECTED] * 4 + [FeedStatus.APPLIED]
        assert [r.reason.split()[0] for r in results[:4]] == [
            "eventId",
            "sequence",
            "quantity",
            "quantity",
        ]
        assert await on_lyon(store) == 1

    async def test_events_of_one_sku_at_two_nodes_are_ordered_apart(
        self, store: StockStore
    ) -> None:
        await store.apply_events(
            [event("a", 9, COUNT, 10, node=LYON), event("b", 1, COUNT, 5, node=PARIS)]
        )

        assert await store.atp([TABLE], [LYON, PARIS]) == {TABLE: {LYON: 10, PARIS: 3}}


class TestSnapshots:
    async def test_a_snapshot_replaces_the_node_and_zeroes_what_it_leaves_out(
        self, store: StockStore
    ) -> None:
        await store.apply_events([event("c1", 1, COUNT, 10), event("c2", 1, COUNT, 4, sku=SOFA)])

        result = await store.replace_node_stock(LYON, [{SOFA: 6}, {CHAIR: 12}], watermark=5)

        assert result == APPLIED
        assert await store.atp([TABLE, SOFA, CHAIR], [LYON]) == {
            TABLE: {LYON: 0},
            SOFA: {LYON: 6},
            CHAIR: {LYON: 12},
        }

    async def test_a_snapshot_not_newer_than_the_last_one_is_stale(self, store: StockStore) -> None:
        await store.replace_node_stock(LYON, [{TABLE: 10}], watermark=20)

        result = await store.replace_node_stock(LYON, [{TABLE: 1}], watermark=20)

        assert result.status is FeedStatus.STALE
        assert await on_lyon(store) == 10

    async def test_events_at_or_below_the_watermark_are_stale(self, store: StockStore) -> None:
        await store.replace_node_stock(LYON, [{TABLE: 10}], watermark=20)

        results = await store.apply_events(
            [event("old", 20, ADJ, 5), event("new-sku-old", 3, ADJ, 5, sku=CHAIR)]
        )

        assert statuses(results) == [FeedStatus.STALE, FeedStatus.STALE]
        assert await store.atp([TABLE, CHAIR], [LYON]) == {TABLE: {LYON: 10}, CHAIR: {LYON: 0}}

    async def test_a_late_snapshot_never_erases_newer_deltas(self, store: StockStore) -> None:
        await store.apply_events(
            [event("adj-31", 31, ADJ, 4), event("count-40", 40, COUNT, 7, sku=SOFA)]
        )

        result = await store.replace_node_stock(LYON, [{TABLE: 10, SOFA: 50}], watermark=30)

        assert result == APPLIED
        assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 14}, SOFA: {LYON: 7}}

    async def test_a_late_snapshot_never_erases_a_reservation(self, store: StockStore) -> None:
        await store.replace_node_stock(LYON, [{TABLE: 10}], watermark=1)
        outcome = await store.reserve(hold((LYON, TABLE, 4)))
        assert isinstance(outcome, Reserved)

        await store.replace_node_stock(LYON, [{TABLE: 9}], watermark=2)

        assert await on_lyon(store) == 5
        allocation = await store.get_allocation(STOREFRONT, outcome.allocation.id)
        assert allocation is not None
        assert allocation.lines == outcome.allocation.lines

    async def test_one_read_of_many_skus_sees_each_ledger_as_its_feeds_left_it(
        self, store: StockStore
    ) -> None:
        # At Lyon an operator's levels alone, at Marseille a snapshot alone, at Paris a
        # snapshot then later deltas and a late snapshot under them: one read of every SKU at
        # the three, the same ledgers met twice.
        await store.set_levels(LYON, {TABLE: 5, CHAIR: 5, SOFA: 7})
        await store.replace_node_stock(MARSEILLE, [{TABLE: 6, SOFA: 2}], watermark=10)
        await store.replace_node_stock(PARIS, [{TABLE: 3, CHAIR: 5}], watermark=10)
        await store.apply_events(
            [
                event("paris-adj-12", 12, ADJ, 2, node=PARIS, sku=CHAIR),
                event("paris-count-14", 14, COUNT, 9, node=PARIS, sku=SOFA),
            ]
        )
        await store.replace_node_stock(PARIS, [{TABLE: 4, CHAIR: 1, SOFA: 1}], watermark=11)

        levels = await store.atp([TABLE, CHAIR, SOFA, TABLE], [LYON, PARIS, MARSEILLE])

        # Paris keeps 2 units of all but chairs; the late snapshot's levels stand under the
        # deltas newer than its watermark (the chairs' adjustment, the sofas' count).
        assert levels == {
            TABLE: {LYON: 5, PARIS: 4 - 2, MARSEILLE: 6},
            CHAIR: {LYON: 5, PARIS: 1 + 2, MARSEILLE: 0},
            SOFA: {LYON: 7, PARIS: 9 - 2, MARSEILLE: 2},
        }

    async def test_a_snapshot_with_a_bad_level_changes_nothing(self, store: StockStore) -> None:
        await store.replace_node_stock(LYON, [{TABLE: 10}], watermark=1)

        result = await store.replace_node_stock(LYON, [{SOFA: 3}, {TABLE: -2}], watermark=2)

        assert result.status is FeedStatus.REJECTED
        assert "-2" in result.reason
        assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 10}, SOFA: {LYON: 0}}

    async def test_an_operator_level_covers_every_event_seen(self, store: StockStore) -> None:
        await store.apply_events([event("adj-8", 8, ADJ, 5)])
        await store.set_levels(LYON, {TABLE: 3})

        results = await store.apply_events([event("adj-7", 7, ADJ, 1), event("adj-9", 9, ADJ, 1)])

        assert statuses(results) == [FeedStatus.STALE, FeedStatus.APPLIED]
        assert await on_lyon(store) == 4

    async def test_a_reader_never_sees_a_mix_of_two_snapshots(self, store: StockStore) -> None:
        skus = [f"PINE-SHELF-{n:03}" for n in range(60)]
        await store.replace_node_stock(LYON, [dict.fromkeys(skus, 1)], watermark=1)
        seen: list[set[int]] = []
        writing = True

        def chunks() -> Iterator[Mapping[str, int]]:
            for start in range(0, len(skus), 10):
                yield dict.fromkeys(skus[start : start + 10], 2)

        async def read_while_writing() -> None:
            while writing:
                levels = await store.atp(skus, [LYON])
                seen.append({levels[sku][LYON] for sku in skus})
                await asyncio.sleep(0)

        readers = [asyncio.create_task(read_while_writing()) for _ in range(3)]
        await asyncio.sleep(0)
        assert await store.replace_node_stock(LYON, chunks(), watermark=2) == APPLIED
        writing = False
        await asyncio.gather(*readers)

        assert seen
        assert all(levels in ({1}, {2}) for levels in seen), seen
        assert {frozenset(levels) for levels in seen} <= {frozenset({1}), frozenset({2})}


class TestFulfilment:
    async def test_fulfilled_units_leave_on_hand_until_the_next_count(
        self, store: StockStore
    ) -> None:
        await store.apply_events([event("count-1", 1, COUNT, 10)])
        allocation = await store.reserve(hold((LYON, TABLE, 3)))
        assert isinstance(allocation, Reserved)
        await store.confirm(STOREFRONT, allocation.allocation.id, "ORDER-1001")

        fulfilled = await store.fulfil(STOREFRONT, allocation.allocation.id)

        assert fulfilled.status.value == "FULFILLED"
        assert await on_lyon(store) == 7
        await store.apply_events([event("count-2", 2, COUNT, 7)])
        assert await on_lyon(store) == 7


class TestFutureStock:
    async def test_inbound_stock_is_read_with_atp_where_the_node_allows_it(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 4})
        await store.set_inbound(LYON, TABLE, [Inbound(20, 1_800_000_000_000)])
        await store.set_inbound(PARIS, TABLE, [Inbound(9, 1_800_000_000_000)])

        stock = await store.stock([TABLE], [LYON, PARIS])

        assert stock == {
            TABLE: {
                LYON: NodeStock(4, (Inbound(20, 1_800_000_000_000),)),
                PARIS: NodeStock(0, ()),
            }
        }

    async def test_inbound_stock_is_not_on_hand(self, store: StockStore) -> None:
        await store.set_inbound(LYON, TABLE, [Inbound(20, 1_800_000_000_000)])

        assert await on_lyon(store) == 0
        await store.set_inbound(LYON, TABLE, [])
        assert (await store.stock([TABLE], [LYON]))[TABLE][LYON] == NodeStock(0, ())
