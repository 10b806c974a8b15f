"""`availability`: ATP at some nodes and the exact total over a network, on every backend.

Each test reads once before the change (on Redis that caches the total), changes one thing,
and checks the total against concrete figures and against the sum of `atp` over the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence

import pytest

from stock_cache import Inbound, Reserved, SkuAvailability, StockStore
from stock_cache.base import EventKind
from stock_cache.errors import UnknownChannel
from tests.stock_cache.support import (
    BORDEAUX,
    LYON,
    MARKETPLACE_X,
    MARSEILLE,
    NEAR,
    NETWORK,
    PARIS,
    SOFA,
    STOREFRONT,
    TABLE,
    WEB,
    FakeClock,
    event,
    hold,
)


async def total(
    store: StockStore,
    sku: str = TABLE,
    *,
    network: Sequence[str] = NETWORK,
    channel: str | None = None,
) -> int:
    """The total `availability` gives, after checking it against the sum of `atp`."""
    found = (await store.availability([sku], NEAR, network=network, channel=channel))[sku]
    levels = (await store.atp([sku], network, channel=channel))[sku]
    assert found.total == sum(levels[node] for node in dict.fromkeys(network))
    assert found.atp == (await store.atp([sku], NEAR, channel=channel))[sku]
    return found.total


@pytest.fixture
async def stocked(store: StockStore) -> StockStore:
    """ATP of the table: Lyon 10, Paris 4 (6 less 2 kept), Marseille 3, Bordeaux 8 (10 less
    20%): 25 in all. A first read before each change (on Redis, it fills the cache)."""
    await store.set_levels(LYON, {TABLE: 10})
    await store.set_levels(PARIS, {TABLE: 6})
    await store.set_levels(MARSEILLE, {TABLE: 3})
    await store.set_levels(BORDEAUX, {TABLE: 10, SOFA: 10})
    assert await total(store) == 25
    return store


class TestTheTotalFollowsEveryChange:
    async def test_it_counts_the_network_and_gives_atp_at_the_nodes_asked(
        self, stocked: StockStore
    ) -> None:
        found = await stocked.availability([TABLE], NEAR, network=NETWORK)

        assert found == {TABLE: SkuAvailability(total=25, atp={MARSEILLE: 3, LYON: 10})}

    async def test_a_snapshot_raising_a_level(self, stocked: StockStore) -> None:
        await stocked.replace_node_stock(MARSEILLE, [{TABLE: 13}], watermark=1)

        assert await total(stocked) == 35

    async def test_a_snapshot_that_zeroes_a_sku_it_leaves_out(self, stocked: StockStore) -> None:
        await stocked.replace_node_stock(PARIS, [{SOFA: 1}], watermark=5)

        assert await total(stocked) == 21
        assert await total(stocked, SOFA) == 5

    async def test_a_snapshot_refused_as_stale_changes_nothing(self, stocked: StockStore) -> None:
        await stocked.replace_node_stock(LYON, [{TABLE: 1}], watermark=9)
        assert await total(stocked) == 16

        await stocked.replace_node_stock(LYON, [{TABLE: 50}], watermark=9)

        assert await total(stocked) == 16

    async def test_delta_events(self, stocked: StockStore) -> None:
        await stocked.apply_events([event("adj-1", 1, EventKind.ADJUSTMENT, -4)])
        assert await total(stocked) == 21

        await stocked.apply_events([event("count-2", 2, EventKind.COUNT, 20, node=BORDEAUX)])

        assert await total(stocked) == 29

    async def test_a_duplicate_event_changes_nothing(self, stocked: StockStore) -> None:
        await stocked.apply_events([event("adj-1", 1, EventKind.ADJUSTMENT, 5)])
        assert await total(stocked) == 30

        await stocked.apply_events([event("adj-1", 1, EventKind.ADJUSTMENT, 5)])

        assert await total(stocked) == 30

    async def test_a_hold_and_its_release(self, stocked: StockStore) -> None:
        outcome = await stocked.reserve(hold((LYON, TABLE, 3), (PARIS, TABLE, 1)))
        assert isinstance(outcome, Reserved)
        assert await total(stocked) == 21

        await stocked.release(STOREFRONT, outcome.allocation.id)

        assert await total(stocked) == 25

    async def test_a_short_cart_holds_nothing(self, stocked: StockStore) -> None:
        await stocked.reserve(hold((LYON, TABLE, 3), (MARSEILLE, TABLE, 4)))

        assert await total(stocked) == 25

    async def test_a_hold_expiring_by_the_clock_with_no_write_in_between(
        self, stocked: StockStore, clock: FakeClock
    ) -> None:
        assert isinstance(await stocked.reserve(hold((LYON, TABLE, 3), ttl_seconds=60)), Reserved)
        clock.advance(59.999)
        assert await total(stocked) == 22

        clock.advance(0.001)

        found = await stocked.availability([TABLE], NEAR, network=NETWORK)
        assert found[TABLE] == SkuAvailability(total=25, atp={MARSEILLE: 3, LYON: 10})

    async def test_confirm_then_fulfil(self, stocked: StockStore) -> None:
        # At Bordeaux 20% of on hand is kept: 10 on hand, 5 held -> 3; once the 5 shipped,
        # 5 on hand, 1 kept -> 4.
        outcome = await stocked.reserve(hold((BORDEAUX, TABLE, 5), ttl_seconds=60))
        assert isinstance(outcome, Reserved)
        assert await total(stocked) == 20

        await stocked.confirm(STOREFRONT, outcome.allocation.id, "ORDER-1001")
        assert await total(stocked) == 20

        await stocked.fulfil(STOREFRONT, outcome.allocation.id)
        assert await total(stocked) == 21

    async def test_inbound_stock_is_not_counted(self, stocked: StockStore) -> None:
        await stocked.set_inbound(LYON, TABLE, [Inbound(40, 1_800_000_000_000)])

        assert await total(stocked) == 25


class TestSnapshotsAndReaders:
    async def test_a_reader_never_sees_a_mix_of_two_snapshots(self, store: StockStore) -> None:
        skus = [f"PINE-SHELF-{n:03}" for n in range(60)]
        await store.replace_node_stock(LYON, [dict.fromkeys(skus, 1)], watermark=1)
        await store.set_levels(PARIS, dict.fromkeys(skus, 10))  # Paris keeps 2: 8 each
        # Some totals cached, some not, when the snapshot starts.
        await store.availability(skus[::2], [LYON], network=(LYON, PARIS))
        seen: list[set[tuple[int, int]]] = []
        writing = True

        def chunks() -> Iterator[Mapping[str, int]]:
            for start in range(0, len(skus), 10):
                yield dict.fromkeys(skus[start : start + 10], 2)

        async def read_while_writing() -> None:
            while writing:
                found = await store.availability(skus, [LYON], network=(LYON, PARIS))
                seen.append({(level.total, level.atp[LYON]) for level in found.values()})
                await asyncio.sleep(0)

        readers = [asyncio.create_task(read_while_writing()) for _ in range(3)]
        await asyncio.sleep(0)
        assert (await store.replace_node_stock(LYON, chunks(), watermark=2)).status.value == (
            "APPLIED"
        )
        writing = False
        await asyncio.gather(*readers)

        assert seen
        assert all(levels in ({(9, 1)}, {(10, 2)}) for levels in seen), seen
        found = await store.availability(skus, [LYON], network=(LYON, PARIS))
        assert {(level.total, level.atp[LYON]) for level in found.values()} == {(10, 2)}


class TestWhatTheTotalIsOf:
    async def test_each_channel_has_its_own_total(self, stocked: StockStore) -> None:
        # marketplace-x sells from Lyon and Paris only, at most 5 at Paris.
        assert await total(stocked, channel=MARKETPLACE_X) == 14
        assert await total(stocked, channel=WEB) == 25

        await stocked.set_levels(PARIS, {TABLE: 20})

        assert await total(stocked, channel=MARKETPLACE_X) == 15
        assert await total(stocked, channel=WEB) == 39
        assert await total(stocked) == 39

    async def test_a_sku_rule_at_a_node_applies_to_that_sku_only(self, stocked: StockStore) -> None:
        # Bordeaux keeps 5 sofas, where the store rule would keep 2 of 10.
        assert await total(stocked, SOFA) == 5
        await stocked.set_levels(BORDEAUX, {TABLE: 10, SOFA: 12})

        assert await total(stocked, SOFA) == 7
        assert await total(stocked) == 25

    async def test_each_network_has_its_own_total(self, stocked: StockStore) -> None:
        assert await total(stocked, network=(LYON, PARIS)) == 14
        assert await total(stocked, network=(PARIS, LYON, LYON)) == 14
        assert await total(stocked, network=(BORDEAUX,)) == 8
        assert await total(stocked, network=()) == 0

        held = await stocked.reserve(hold((PARIS, TABLE, 4)))
        assert isinstance(held, Reserved)

        assert await total(stocked, network=(LYON, PARIS)) == 10
        assert await total(stocked, network=(BORDEAUX,)) == 8
        assert await total(stocked) == 21

    async def test_nodes_asked_outside_the_network_are_answered_not_counted(
        self, stocked: StockStore
    ) -> None:
        found = await stocked.availability([TABLE], [BORDEAUX, LYON], network=(LYON, PARIS))

        assert found == {TABLE: SkuAvailability(total=14, atp={BORDEAUX: 8, LYON: 10})}

    async def test_asking_every_node_of_the_network(self, stocked: StockStore) -> None:
        found = await stocked.availability([TABLE, SOFA], NETWORK, network=NETWORK)

        assert found == {
            TABLE: SkuAvailability(25, {LYON: 10, PARIS: 4, MARSEILLE: 3, BORDEAUX: 8}),
            SOFA: SkuAvailability(5, {LYON: 0, PARIS: 0, MARSEILLE: 0, BORDEAUX: 5}),
        }

    async def test_several_skus_some_read_before_and_some_not(self, stocked: StockStore) -> None:
        found = await stocked.availability(
            [SOFA, TABLE, "GHOST-LAMP", TABLE], NEAR, network=NETWORK
        )

        assert found == {
            SOFA: SkuAvailability(5, {MARSEILLE: 0, LYON: 0}),
            TABLE: SkuAvailability(25, {MARSEILLE: 3, LYON: 10}),
            "GHOST-LAMP": SkuAvailability(0, {MARSEILLE: 0, LYON: 0}),
        }

    async def test_no_sku_no_answer_and_an_unknown_channel_is_refused(
        self, store: StockStore
    ) -> None:
        assert await store.availability([], NEAR, network=NETWORK) == {}
        assert await store.availability([TABLE], [], network=NETWORK) == {
            TABLE: SkuAvailability(0, {})
        }
        with pytest.raises(UnknownChannel):
            await store.availability([TABLE], NEAR, network=NETWORK, channel="no-such-channel")


async def test_atp_is_stocks_atp_once_per_sku_and_node_in_the_order_asked(
    stocked: StockStore,
) -> None:
    skus = [SOFA, TABLE, SOFA]
    nodes = [PARIS, BORDEAUX, PARIS, LYON]
    await stocked.set_inbound(LYON, SOFA, [Inbound(5, 1_900_000_000_000)])

    levels = await stocked.atp(skus, nodes)
    full = await stocked.stock(skus, nodes)

    assert levels == {
        SOFA: {PARIS: 0, BORDEAUX: 5, LYON: 0},
        TABLE: {PARIS: 4, BORDEAUX: 8, LYON: 10},
    }
    assert [list(by_node) for by_node in levels.values()] == [[PARIS, BORDEAUX, LYON]] * 2
    assert levels == {sku: {n: s.atp for n, s in by_node.items()} for sku, by_node in full.items()}
    assert full[SOFA][LYON].inbound == (Inbound(5, 1_900_000_000_000),)
