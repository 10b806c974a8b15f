"""Reading every outbox partition at once gives what reading them one by one gives."""

from __future__ import annotations

from stock_cache import StockStore
from stock_cache.base import AllocationStatus, Reserved
from stock_cache.outbox_reader import START, Positioned, outbox_reader, skus_read
from tests.stock_cache.support import LYON, SOFA, STOREFRONT, TABLE, FakeClock, hold


async def allocations_in_several_partitions(store: StockStore, clock: FakeClock) -> list[str]:
    """Eight holds of one or two tables at Lyon, two of them released, and a sofa's hold
    let expire."""
    await store.set_levels(LYON, {TABLE: 20, SOFA: 3})
    ids: list[str] = []
    for i in range(8):
        reserved = await store.reserve(hold((LYON, TABLE, 1 + i % 2), ttl_seconds=60))
        assert isinstance(reserved, Reserved)
        ids.append(reserved.allocation.id)
    await store.release(STOREFRONT, ids[1])
    await store.release(STOREFRONT, ids[6])
    clock.advance(30)
    late = await store.reserve(hold((LYON, SOFA, 2), ttl_seconds=10))
    assert isinstance(late, Reserved)
    ids.append(late.allocation.id)
    clock.advance(11)
    return ids


def described(read: dict[int, list[Positioned]]) -> list[tuple[str, str, int]]:
    return sorted(
        (
            item.entry.allocation_id,
            item.entry.status.value,
            sum(x.quantity for x in item.entry.lines),
        )
        for items in read.values()
        for item in items
    )


async def test_every_partition_read_together_gives_each_partitions_own_entries(
    store: StockStore, clock: FakeClock
) -> None:
    ids = await allocations_in_several_partitions(store, clock)
    reader = outbox_reader(store)
    starts = dict.fromkeys(range(reader.partitions), START)

    together = await reader.after_each(starts, 100)

    one_by_one = {p: await reader.after(p, START, 100) for p in range(reader.partitions)}
    assert together == one_by_one
    # The store's own read of its whole outbox, a path of its own, holds the same entries.
    entries = [item.entry for items in together.values() for item in items]
    assert sorted(entries, key=repr) == sorted(await store.read_outbox(), key=repr)
    assert sorted(together) == list(range(reader.partitions))
    # Nine holds, two releases, and the sofa's hold past its instant marked expired.
    assert described(together) == sorted(
        [(a, "HELD", 1 + i % 2) for i, a in enumerate(ids[:8])]
        + [(ids[1], "RELEASED", 2), (ids[6], "RELEASED", 1)]
        + [(ids[8], "HELD", 2), (ids[8], "EXPIRED", 2)]
    )
    if reader.partitions > 1:
        assert sum(1 for items in together.values() if items) > 1
    for partition, items in together.items():
        assert all(item.partition == partition for item in items)
        # The events of one allocation keep their order within its partition.
        statuses = [(i.entry.allocation_id, i.entry.status.value) for i in items]
        for allocation_id in ids:
            mine = [status for a, status in statuses if a == allocation_id]
            assert mine in ([], ["HELD"], ["HELD", "RELEASED"], ["HELD", "EXPIRED"])


async def test_partitions_read_together_go_on_from_each_ones_own_position_and_count(
    store: StockStore, clock: FakeClock
) -> None:
    await allocations_in_several_partitions(store, clock)
    reader = outbox_reader(store)
    first = await reader.after_each(dict.fromkeys(range(reader.partitions), START), 1)
    assert all(len(items) <= 1 for items in first.values())
    positions = {p: items[0].position for p, items in first.items() if items}

    rest = await reader.after_each(positions, 100)

    assert sorted(rest) == sorted(positions)
    for partition, items in rest.items():
        assert items == (await reader.after(partition, START, 100))[1:]
    last = {p: items[-1].position if items else positions[p] for p, items in rest.items()}
    assert await reader.after_each(last, 100) == {p: [] for p in last}


async def test_reading_only_skus_keeps_those_of_the_statuses_asked_and_the_positions(
    store: StockStore, clock: FakeClock
) -> None:
    await allocations_in_several_partitions(store, clock)
    reader = outbox_reader(store)
    starts = dict.fromkeys(range(reader.partitions), START)
    gone = {AllocationStatus.RELEASED, AllocationStatus.EXPIRED}

    read = await reader.skus_after_each(starts, 100, gone)

    whole = await reader.after_each(starts, 100)
    assert read == {p: skus_read(items, gone) for p, items in whole.items()}
    # Two tables released, one sofa's hold expired; every entry counted, the last's position.
    assert sorted(sku for r in read.values() for sku in r.skus) == [SOFA, TABLE, TABLE]
    assert sum(r.count for r in read.values()) == 12
    assert {p: r.last for p, r in read.items()} == {
        p: items[-1].position if items else None for p, items in whole.items()
    }
    one = await reader.skus_after_each(starts, 1, {AllocationStatus.HELD})
    assert all(r.count <= 1 for r in one.values())
