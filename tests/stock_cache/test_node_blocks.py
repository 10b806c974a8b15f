"""Reads that reuse what they encoded of the nodes across calls, on every backend.

On Redis the nodes' rules are encoded once per (channel, nodes) and a network's generations
once per epoch (stock_cache/_node_blocks.py): these tests change what such a reuse could
miss, a snapshot flip, a (node, SKU) rule, a node id that needs escaping, and check figures.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from stock_cache import Reserved, SkuAvailability, StockStore, store_from_url
from stock_cache._node_blocks import NodeBlocks, generations_part, which_part
from stock_cache._script_args import ScriptArgs
from stock_cache.rules import Protection, StockRules
from tests.stock_cache.conftest import BACKENDS, Backend
from tests.stock_cache.support import (
    BORDEAUX,
    CHAIR,
    LYON,
    MARKETPLACE_X,
    MARSEILLE,
    NEAR,
    NETWORK,
    PARIS,
    SOFA,
    TABLE,
    FakeClock,
    hold,
)


@pytest.fixture
async def stocked(store: StockStore) -> StockStore:
    await store.set_levels(LYON, {TABLE: 10, CHAIR: 4})
    await store.set_levels(PARIS, {TABLE: 6, CHAIR: 6})
    await store.set_levels(MARSEILLE, {TABLE: 3})
    await store.set_levels(BORDEAUX, {TABLE: 10, SOFA: 10})
    return store


async def test_a_flip_at_a_node_not_asked_reaches_the_next_total(stocked: StockStore) -> None:
    assert (await stocked.availability([TABLE], NEAR, network=NETWORK))[TABLE].total == 25

    await stocked.replace_node_stock(PARIS, [{TABLE: 20}], watermark=1)

    # Paris keeps 2: 10 + 18 + 3 + 8.
    found = await stocked.availability([TABLE], NEAR, network=NETWORK)
    assert found[TABLE] == SkuAvailability(39, {MARSEILLE: 3, LYON: 10})
    again = await stocked.availability([SOFA, TABLE], NEAR, network=NETWORK)
    assert again[TABLE] == found[TABLE]


async def test_a_refill_sees_the_flipped_level_of_a_node_asked_outside_the_network(
    stocked: StockStore,
) -> None:
    await stocked.replace_node_stock(BORDEAUX, [{TABLE: 20}], watermark=1)
    await stocked.availability([TABLE], [LYON], network=(LYON, PARIS))
    # Forget the cached total without a flip: the next read refills at the same epoch.
    assert isinstance(await stocked.reserve(hold((PARIS, TABLE, 1))), Reserved)

    found = await stocked.availability([TABLE], [BORDEAUX, LYON], network=(LYON, PARIS))

    # Bordeaux keeps 20% of its new 20; Paris 2 of 6, less the one held.
    assert found[TABLE] == SkuAvailability(13, {BORDEAUX: 16, LYON: 10})


async def test_skus_read_together_each_keep_their_own_node_rules(stocked: StockStore) -> None:
    # Paris keeps 2 of everything but chairs, Bordeaux 20% of everything but 5 sofas.
    nodes = [PARIS, BORDEAUX, LYON]
    expected = {
        TABLE: {PARIS: 4, BORDEAUX: 8, LYON: 10},
        CHAIR: {PARIS: 6, BORDEAUX: 0, LYON: 4},
        SOFA: {PARIS: 0, BORDEAUX: 5, LYON: 0},
    }

    for _ in range(2):  # the second time from whatever the first one kept
        assert await stocked.atp([TABLE, CHAIR, SOFA, TABLE], nodes) == expected
        found = await stocked.availability([TABLE, CHAIR, SOFA], nodes, network=NETWORK)
        assert {sku: level.atp for sku, level in found.items()} == expected
        assert {sku: level.total for sku, level in found.items()} == {
            TABLE: 25,
            CHAIR: 10,
            SOFA: 5,
        }
    assert await stocked.atp([TABLE, CHAIR], [PARIS], channel=MARKETPLACE_X) == {
        TABLE: {PARIS: 4},
        CHAIR: {PARIS: 5},  # the channel's cap at Paris
    }


async def test_skus_sharing_one_block_of_nodes_each_get_their_own_levels(
    store: StockStore,
) -> None:
    # No (node, SKU) rule at Lyon or Marseille: the four SKUs share one block, sent once.
    lamp, stool = "BRASS-LAMP-E27", "ELM-STOOL"
    await store.set_levels(LYON, {TABLE: 10, CHAIR: 4, stool: 1})
    await store.set_levels(MARSEILLE, {TABLE: 3, lamp: 2})

    for _ in range(2):  # the second time with the generations the first one read
        assert await store.atp([lamp, TABLE, stool, CHAIR], [LYON, MARSEILLE]) == {
            lamp: {LYON: 0, MARSEILLE: 2},
            TABLE: {LYON: 10, MARSEILLE: 3},
            stool: {LYON: 1, MARSEILLE: 0},
            CHAIR: {LYON: 4, MARSEILLE: 0},
        }


async def test_node_ids_that_need_escaping_are_read_as_they_are(store: StockStore) -> None:
    odd = ['DÉPÔT "Nord", n°2', "back\\slash\ttab", "[1,2]"]
    for units, node in enumerate(odd, start=1):
        await store.set_levels(node, {TABLE: units})

    assert await store.atp([TABLE], odd) == {TABLE: {odd[0]: 1, odd[1]: 2, odd[2]: 3}}
    found = await store.availability([TABLE], odd[:2], network=(*odd, LYON))
    assert found[TABLE] == SkuAvailability(6, {odd[0]: 1, odd[1]: 2})


async def test_totals_over_many_nodes_whether_the_sku_is_at_fewer_or_more_of_them(
    store: StockStore,
) -> None:
    # On Redis a script reads a SKU's hashes whole when they have no more fields than nodes
    # asked, field by field otherwise: both ways give the same figures.
    towns = [f"TOWN-{n:03}" for n in range(150)]
    for n, town in enumerate(towns[:100]):
        await store.set_levels(town, {TABLE: n % 7})
    held = await store.reserve(hold(*((town, TABLE, 1) for town in towns[1:100:7])))
    assert isinstance(held, Reserved)
    atp = [n % 7 - (1 if n % 7 == 1 else 0) for n in range(100)] + [0] * 50

    for network in (towns[:80], towns, towns[20:]):
        found = await store.availability([TABLE], towns[:3], network=network)
        assert found[TABLE].total == sum(atp[towns.index(town)] for town in network)
        assert found[TABLE].atp == {towns[0]: 0, towns[1]: 0, towns[2]: 2}
    assert await store.atp([TABLE], towns[95:105]) == {
        TABLE: {town: atp[95 + k] for k, town in enumerate(towns[95:105])}
    }


def test_a_blocks_profiles_go_as_one_character_a_node_while_characters_can_name_them() -> None:
    assert which_part([1, 2, 1, 57]) == "#$#["
    assert which_part([]) == ""
    # Past what a character can name without JSON escaping it: the numbers themselves.
    assert which_part([1, 58, 2]) == [1, 58, 2]


# Seventy depots, each keeping back its own number of units: more rule profiles in one block
# than characters can name.
DEPOTS = [f"DEPOT-{n:02}" for n in range(70)]


@pytest.fixture(params=BACKENDS)
async def depots(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[StockStore]:
    backend: Backend = request.param
    url = backend.url or str(request.getfixturevalue(backend.url_fixture))
    rules = StockRules(by_node={depot: Protection(units=n) for n, depot in enumerate(DEPOTS)})
    opened = store_from_url(url, rules=rules, clock=clock, key_prefix=f"test-{uuid.uuid4().hex}")
    for depot in DEPOTS:
        await opened.set_levels(depot, {TABLE: 60, CHAIR: 3})
    yield opened
    await opened.close()


async def test_nodes_under_more_profiles_than_characters_each_keep_their_own_rule(
    depots: StockStore,
) -> None:
    tables = {depot: max(0, 60 - n) for n, depot in enumerate(DEPOTS)}
    chairs = {depot: max(0, 3 - n) for n, depot in enumerate(DEPOTS)}

    for nodes in (DEPOTS, DEPOTS[:50]):  # profiles numbered past, then within, the characters
        assert await depots.atp([TABLE, CHAIR], nodes) == {
            TABLE: {depot: tables[depot] for depot in nodes},
            CHAIR: {depot: chairs[depot] for depot in nodes},
        }
    found = await depots.availability([TABLE], DEPOTS[58:61], network=DEPOTS)
    assert found[TABLE] == SkuAvailability(
        sum(tables.values()), {depot: tables[depot] for depot in DEPOTS[58:61]}
    )


def test_a_named_block_is_made_once_per_rules_and_generations_and_named_by_its_bytes() -> None:
    rules = StockRules(by_node_sku={(LYON, SOFA): Protection(units=1)})
    blocks = NodeBlocks(ScriptArgs(rules), rules)
    nodes, old, new = (LYON, PARIS), generations_part(["3", "4"]), generations_part(["3", "5"])

    table, chair, sofa = blocks.named(None, nodes, [TABLE, CHAIR, SOFA], old)

    assert table is chair  # the same rules at these nodes: one block, sent once
    assert sofa.name != table.name  # a (node, SKU) rule of its own
    assert blocks.named(None, nodes, [TABLE], old) == [table]
    assert table.text == blocks.for_skus(None, nodes, [TABLE], old)[0]
    assert not table.sent
    flipped = blocks.named(None, nodes, [TABLE], new)[0]
    assert (flipped.name, flipped.text) != (table.name, table.text)
