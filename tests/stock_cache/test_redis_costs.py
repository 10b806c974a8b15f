"""What reads and commits cost Redis, standalone and on a cluster: counted, not timed."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio

import stock_cache
from stock_cache import Reserved, SkuAvailability, StockStore, store_from_url
from stock_cache._script_args import SECTIONS, section_of
from stock_cache.redis_keys import RedisKeys
from stock_cache.redis_scripts import Call
from stock_cache.redis_store import RedisStore
from tests.redis_cluster import RedisClusterNodes
from tests.redis_server import RedisServer
from tests.stock_cache.redis_costs import Cost, CostMeter, node_names
from tests.stock_cache.support import CHAIR, LYON, MARSEILLE, NEAR, PARIS, RULES, SOFA, TABLE, hold


@pytest.fixture(
    params=[pytest.param(name, marks=pytest.mark.redis) for name in ("redis", "cluster")]
)
def ports(request: pytest.FixtureRequest) -> tuple[str, tuple[int, ...]]:
    """The URL of a backend and the ports of its servers."""
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return server.url(), (server.port,)
    cluster: RedisClusterNodes = request.getfixturevalue("redis_cluster")
    return cluster.url(), cluster.ports


@pytest.fixture
async def store(ports: tuple[str, tuple[int, ...]]) -> AsyncIterator[StockStore]:
    opened = store_from_url(ports[0], rules=RULES, key_prefix=f"test-{uuid.uuid4().hex}")
    await opened.set_levels(LYON, {TABLE: 10, SOFA: 1, CHAIR: 1})
    await opened.set_levels(PARIS, {TABLE: 6})
    # Scripts loaded and, on a cluster, its slots learnt: what follows is the steady state.
    await opened.availability([CHAIR], NEAR, network=(LYON,))
    await opened.atp([CHAIR], NEAR)
    await opened.atp([CHAIR, SOFA], NEAR)
    await opened.reserve(hold((LYON, CHAIR, 1)))
    yield opened
    await opened.close()


@pytest.fixture
def meter(ports: tuple[str, tuple[int, ...]], monkeypatch: pytest.MonkeyPatch) -> CostMeter:
    return CostMeter(ports[1], monkeypatch)


@pytest.fixture
def standalone(ports: tuple[str, tuple[int, ...]]) -> bool:
    """A single server: a read's scripts read the generations themselves, in one MULTI/EXEC.
    A cluster reads them first (their hash lives in a slot of its own)."""
    return len(ports[1]) == 1


def reads(*, reserved: bool) -> Counter[str]:
    """A script's read of the nodes asked: one HMGET of their levels, one EXISTS of the SKU's
    reservations and, only if it has some, one HMGET of them."""
    return Counter({"hmget": 2 if reserved else 1, "exists": 1})


def hit_cost(standalone: bool, *, reserved: bool = False) -> Cost:
    """A cached total: the generations (one HMGET), then one script: its sweep, its reads of
    the nodes asked, and the cached total. On a standalone Redis, one round trip: the script
    checks the epoch (HGET) of the generations this process read before and sends, and uses
    them."""
    if standalone:
        return Cost(
            1, Counter({"fcall": 1, "hget": 2, "zrangebyscore": 1}) + reads(reserved=reserved)
        )
    return Cost(
        2,
        Counter({"fcall": 1, "hget": 1, "hmget": 1, "zrangebyscore": 1}) + reads(reserved=reserved),
    )


# A miss on a standalone Redis first costs the one-trip read that found no cached total, at
# the generations of the nodes asked that the store's warm-up read returned; a cluster's
# first round trips cost the generations, then the read: as a hit does.
def read_first(standalone: bool, *, reserved: bool = False) -> Counter[str]:
    return Counter(hit_cost(standalone, reserved=reserved).commands)


@pytest.mark.parametrize("size", [40, 2_500])
async def test_a_cached_total_costs_the_same_few_commands_whatever_the_networks_size(
    store: StockStore, meter: CostMeter, size: int, standalone: bool
) -> None:
    network = (LYON, PARIS, MARSEILLE, *node_names(size - 3))

    first, miss = await meter.measure(store.availability([TABLE], NEAR, network=network))
    again, hit = await meter.measure(store.availability([TABLE], NEAR, network=network))

    assert first == again == {TABLE: SkuAvailability(14, {MARSEILLE: 0, LYON: 10})}
    assert hit == hit_cost(standalone)
    # The first read finds neither the total nor a subtotal of any section (one HMGET of
    # theirs). The fill reads every node's generation (one HMGET) and the levels and
    # reservations of every node: for a few nodes with one HMGET each; for more nodes than
    # those hashes have fields, each hash whole (HLEN, then HGETALL), never a thousand fields
    # per HMGET; then caches a subtotal per section and the total. On a standalone Redis it
    # comes after the one-trip read (3 round trips); on a cluster after the generations of
    # the nodes asked and the read (4).
    # No reservation: the fill reads the levels alone, after one EXISTS.
    levels = {"hmget": 1} if size < 64 else {"hgetall": 1, "hlen": 1}
    first_trips = read_first(standalone)
    sections = len({section_of(node) for node in network})
    assert sections == min(size, SECTIONS) or size < 64
    assert miss.round_trips == (3 if standalone else 4)
    assert miss.commands == first_trips + Counter(
        {"fcall": 1, "hmget": 2, "exists": 1, "hset": sections + 1, "pexpire": 1}
    ) + Counter({"zrangebyscore": 1, **levels})


async def test_a_change_costs_the_next_reader_one_fill_then_hits_again(
    store: StockStore, meter: CostMeter, standalone: bool
) -> None:
    network = (LYON, PARIS, MARSEILLE, *node_names(200))
    await store.availability([TABLE], NEAR, network=network)
    assert isinstance(await store.reserve(hold((PARIS, TABLE, 1))), Reserved)

    after, refill = await meter.measure(store.availability([TABLE], NEAR, network=network))
    _, hit = await meter.measure(store.availability([TABLE], NEAR, network=network))

    assert after[TABLE].total == 13
    # The hold forgot the total and the subtotal of Paris's section only: the read finds the
    # others (one HMGET) and asks for that one. No snapshot flipped since the last fill read
    # every node's generation at this epoch: the refill uses them again and skips that HMGET
    # (one round trip less), and so does the one-trip read of a standalone Redis. The refill
    # reads the levels and reservations of the section's few nodes and the two asked (one
    # HMGET each), not the whole network's hashes, and sums the 32 subtotals (one HMGET).
    # The table now has a reservation: each read finds it (EXISTS) and reads it (HMGET).
    first_trips = read_first(standalone, reserved=True)
    fill = Counter({"fcall": 1, "hmget": 1 + 2 + 1, "exists": 1, "hset": 2, "pexpire": 1})
    trips = 2 if standalone else 3
    assert refill == Cost(trips, first_trips + fill + Counter({"zrangebyscore": 1}))
    assert hit == hit_cost(standalone, reserved=True)


async def test_after_a_flip_the_next_fill_reads_the_changed_section_at_the_new_epoch(
    store: StockStore, meter: CostMeter, standalone: bool
) -> None:
    network = (LYON, PARIS, MARSEILLE, *node_names(200))
    await store.availability([TABLE], NEAR, network=network)
    # Paris is not asked: only the generations of the whole network show its flip.
    await store.replace_node_stock(PARIS, [{TABLE: 20}], watermark=1)

    after, refill = await meter.measure(store.availability([TABLE], NEAR, network=network))
    other, fill = await meter.measure(store.availability([SOFA], NEAR, network=network))

    assert after[TABLE] == SkuAvailability(28, {MARSEILLE: 0, LYON: 10})  # Paris keeps 2
    # Standalone: the one-trip read sent generations of the old epoch, so reads them itself
    # (its 3 HMGETs: generations, levels, subtotals); cluster: the generations asked, then
    # the read's 2. Then the generations of the nodes asked and of Paris's section at the
    # new epoch, and the fill of that section alone (levels, subtotals: 2 HMGETs, no HGETALL
    # of the whole hashes). No table is reserved: each script's EXISTS spares that HMGET.
    assert (refill.round_trips, refill.commands["hmget"]) == ((3, 6) if standalone else (4, 6))
    assert refill.commands["exists"] == 2
    assert "hgetall" not in refill.commands
    # SOFA has no subtotal yet: its fill reads every section, whose generations at this
    # epoch were not all read before (only those of Paris's section and the nodes asked):
    # every node's levels, whole (sofas are reserved nowhere: no reservations to read).
    assert other[SOFA] == SkuAvailability(1, {MARSEILLE: 0, LYON: 1})
    assert fill.round_trips == (3 if standalone else 4)
    assert fill.commands["hgetall"] == 1


async def test_a_flip_that_leaves_a_sku_alone_costs_its_next_reader_no_fill(
    store: StockStore, meter: CostMeter, standalone: bool
) -> None:
    towns = list(node_names(200))
    network = (LYON, PARIS, MARSEILLE, *towns)
    await store.availability([TABLE], NEAR, network=network)
    # A town of the network, holding no table, flips to its first snapshot: sofas only.
    await store.replace_node_stock(towns[7], [{SOFA: 3}], watermark=1)

    after, cost = await meter.measure(store.availability([TABLE], NEAR, network=network))
    sofas = await store.availability([SOFA], NEAR, network=network)

    assert after == {TABLE: SkuAvailability(14, {MARSEILLE: 0, LYON: 10})}
    assert sofas[SOFA].total == 1 + 3
    # The table's total, cached before the flip, is still the answer: no node of the
    # network held a newer snapshot of tables than the fill read, so no flip could change
    # it. On a standalone Redis the read sent generations of the old epoch: it reads the
    # two asked itself (one HMGET more), as it would for a cached total of this epoch.
    hit = hit_cost(standalone)
    if standalone:
        assert cost == Cost(1, Counter(hit.commands) + Counter({"hmget": 1}))
    else:
        assert cost == hit


async def test_near_a_store_whose_snapshot_is_being_written_a_flip_elsewhere_costs_one_section(
    store: StockStore, meter: CostMeter, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(store, RedisStore)
    towns = list(node_names(200))
    network = (LYON, PARIS, MARSEILLE, *towns)
    await store.availability([TABLE], NEAR, network=network)
    real_run = store._run
    measured: list[tuple[dict[str, SkuAvailability], Cost]] = []

    async def meanwhile(calls: Sequence[Call], *, atomic: bool = False) -> Any:
        if calls and calls[0][0] == "snapshot_commit" and calls[0][2][0] == MARSEILLE:
            # Marseille's tables are staged, not yet flipped: a read near it caches what its
            # section holds under this epoch only; then a town elsewhere flips.
            await store.availability([TABLE], NEAR, network=network)
            await store.replace_node_stock(towns[7], [{SOFA: 3}], watermark=1)
            measured.append(await meter.measure(store.availability([TABLE], NEAR, network=network)))
        return await real_run(calls, atomic=atomic)

    monkeypatch.setattr(store, "_run", meanwhile)
    await store.replace_node_stock(MARSEILLE, [{TABLE: 5}], watermark=1)

    [(during, cost)] = measured
    assert during == {TABLE: SkuAvailability(14, {MARSEILLE: 0, LYON: 10})}
    # The epoch moved: the read refills Marseille's section, whose subtotal was of the old
    # epoch (one HMGET of levels and one of reservations for its few nodes), and takes the
    # other sections' from the cache; no HGETALL of the whole network's hashes.
    assert "hgetall" not in cost.commands
    assert cost.commands["hset"] == 2  # the section's subtotal and the total
    assert await store.availability([TABLE], NEAR, network=network) == {
        TABLE: SkuAvailability(19, {MARSEILLE: 5, LYON: 10})
    }


async def test_reading_atp_at_40_nodes_reads_their_generations_with_one_command(
    store: StockStore, meter: CostMeter, standalone: bool
) -> None:
    nodes = [LYON, PARIS, *node_names(38)]

    found, cost = await meter.measure(store.atp([TABLE, SOFA], nodes))
    again, second = await meter.measure(store.atp([TABLE, SOFA], nodes))

    assert (found[TABLE][LYON], found[TABLE][PARIS], found[SOFA][LYON]) == (10, 4, 1)
    assert again == found
    if standalone:
        # One round trip, one script for both SKUs: it checks the epoch (HGET), finds no
        # generations sent and reads the 40 with one HMGET for the block both SKUs share; the
        # next read sends those and reads none. Neither SKU has a hold or a reservation: one
        # EXISTS of each kind for both, and only their levels are read.
        scripts = Counter({"fcall": 1, "exists": 2, "hget": 1})
        assert cost == Cost(1, scripts + Counter({"hmget": 1 + 2}))
        assert second == Cost(1, scripts + Counter({"hmget": 2}))
    else:
        # One HMGET for both SKUs' generations, then the scripts (sent to their servers):
        # each reads its levels, and finds no reservation to read (EXISTS).
        assert cost.commands == {"fcall": 2, "hmget": 1 + 2, "exists": 2, "zrangebyscore": 2}


async def test_a_read_of_skus_one_of_which_is_held_reads_every_skus_holds_and_reservations(
    store: StockStore, meter: CostMeter, standalone: bool
) -> None:
    # The store holds one of Lyon's chairs (its only one) for a checkout. A first read
    # learns the nodes' generations.
    await store.atp([TABLE, CHAIR, SOFA], [LYON, PARIS])
    found, cost = await meter.measure(store.atp([TABLE, CHAIR, SOFA], [LYON, PARIS]))

    assert found == {
        TABLE: {LYON: 10, PARIS: 4},
        CHAIR: {LYON: 0, PARIS: 0},
        SOFA: {LYON: 1, PARIS: 0},
    }
    if standalone:
        # One EXISTS finds a hold among the three SKUs, another a reservation: each SKU's
        # holds are swept and its reservations read beside its levels.
        assert cost.commands["exists"] == 2
        assert cost.commands["zrangebyscore"] == 3
        assert cost.commands["hmget"] == 2 * 3


async def test_a_flip_of_a_node_asked_makes_the_generations_sent_stale(
    store: StockStore, meter: CostMeter, standalone: bool
) -> None:
    nodes = [LYON, PARIS]
    assert await store.atp([TABLE], nodes) == {TABLE: {LYON: 10, PARIS: 4}}
    await store.replace_node_stock(PARIS, [{TABLE: 20}], watermark=1)

    after, stale = await meter.measure(store.atp([TABLE], nodes))
    again, fresh = await meter.measure(store.atp([TABLE], nodes))

    # Paris keeps 2 of its new 20 (RULES): its new snapshot is seen at once, whatever
    # generations the reader sent.
    assert after == again == {TABLE: {LYON: 10, PARIS: 18}}
    if standalone:
        # The epoch sent is older than the hash's: the script reads the generations (one
        # HMGET more) and returns them; the next read sends those and they hold. The table
        # has no reservation: its levels alone are read.
        assert (stale.round_trips, stale.commands["hmget"]) == (1, 2)
        assert (fresh.round_trips, fresh.commands["hmget"]) == (1, 1)
    else:
        # The generations, then the table's levels (its reservations: one EXISTS finds none).
        assert (stale.round_trips, stale.commands["hmget"]) == (2, 2)


async def test_a_commit_takes_at_most_one_round_trip_per_hash_slot(
    store: StockStore, meter: CostMeter, ports: tuple[str, tuple[int, ...]]
) -> None:
    request = hold((LYON, TABLE, 1), (LYON, SOFA, 1), (PARIS, TABLE, 2))

    outcome, cost = await meter.measure(store.reserve(request))

    assert isinstance(outcome, Reserved)
    # Three steps: the claim of the idempotency key and the generations (the order bucket
    # and {gens}), then the holds (two SKUs), then the commit with the bucket's two sweeps
    # (dead confirms, dead claims). One server takes each step in
    # one round trip; a cluster sends each step to the servers of its slots at once, at most
    # one round trip per slot of the step.
    if len(ports[1]) == 1:
        assert cost.round_trips == 3
    assert cost.round_trips <= 2 + 2 + 1
    assert cost.commands["fcall"] == 6
    assert cost.commands["hmget"] == 3


@pytest.mark.parametrize(("nodes", "encoding"), [(64, "listpack"), (65, "hashtable")])
async def test_a_sku_held_at_more_than_64_nodes_is_kept_a_hash_table_and_reads_the_same(
    redis_server: RedisServer, nodes: int, encoding: str
) -> None:
    # Below hash-max-listpack-entries (512 by default), Redis keeps a hash as one list that
    # HMGET scans once per field asked: past 64 nodes the store makes it a table instead.
    prefix = f"test-{uuid.uuid4().hex}"
    opened = store_from_url(redis_server.url(), key_prefix=prefix)
    names = list(node_names(nodes))
    try:
        for units, node in enumerate(names, start=1):
            await opened.set_levels(node, {TABLE: units})
        client = redis.asyncio.Redis(port=redis_server.port)
        found = await client.object("ENCODING", RedisKeys(prefix).stock(TABLE))
        await client.aclose()

        assert found == encoding.encode()
        assert await opened.atp([TABLE], names[-3:]) == {
            TABLE: {names[-3]: nodes - 2, names[-2]: nodes - 1, names[-1]: nodes}
        }
        # The field that makes the table reads as a node holding nothing.
        assert await opened.atp([TABLE], ["~layout"]) == {TABLE: {"~layout": 0}}
        asked = await opened.availability([TABLE], names[:2], network=names)
        assert asked == {
            TABLE: SkuAvailability(nodes * (nodes + 1) // 2, {names[0]: 1, names[1]: 2})
        }
    finally:
        await opened.close()


async def test_scripts_split_nodes_into_sections_as_the_client_does(
    ports: tuple[str, tuple[int, ...]],
) -> None:
    """A change at a node forgets the subtotal of the section its script computes; the fill
    that comes next reads the section the client computes: they must be the same."""
    nodes = [LYON, PARIS, MARSEILLE, *node_names(300), "ÉVRY-2", ""]
    client = redis.asyncio.Redis(port=ports[1][0], decode_responses=True)
    common = (Path(stock_cache.__file__).parent / "lua" / "_common.lua").read_text("utf-8")
    body = "local out = {} for i = 1, #ARGV do out[i] = section_of(ARGV[i]) end return out"
    try:
        found = await client.eval(f"{common}\n{body}", 0, *nodes)
    finally:
        await client.aclose()
    assert found == [section_of(node) for node in nodes]
    assert set(found) == set(range(SECTIONS))
