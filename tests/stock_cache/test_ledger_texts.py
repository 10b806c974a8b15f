"""The Redis readers read every form a stored ledger may take as the whole decoding would.

The scripts read the common ledger texts by their layout, not with cjson, and anything else
decoded whole: these ledgers are written by hand into the stock hash, as another version of
the scripts or cjson could have written them, and read through every reading script.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.typing import EncodableT

from stock_cache import store_from_url
from stock_cache.redis_keys import gen_field
from stock_cache.redis_store import RedisStore
from tests.stock_cache.support import (
    BORDEAUX,
    CHAIR,
    LYON,
    MARSEILLE,
    NETWORK,
    PARIS,
    RULES,
    SOFA,
    TABLE,
)

URLS = pytest.mark.parametrize("url_fixture", ["redis_url", "redis_cluster_url"])

# Every node is at snapshot generation 2; Lyon's text holds an entry of generation 3, staged
# and not yet flipped, which no reader sees.
COMMITTED = 2
LEDGERS = {
    # A snapshot level and nothing else (the common text): its 17 units.
    MARSEILLE: '{"s":-1,"b":0,"g":[[2,17,-1,1]]}',
    # A snapshot of the next generation, not flipped: the count base (none) holds.
    LYON: '{"s":-1,"b":0,"g":[[3,17,-1,1]]}',
    # A count of 9 at sequence 5 and a snapshot of 4 at watermark 7: the newer wins.
    PARIS: '{"s":5,"b":9,"g":[[2,4,7,0]]}',
    # Another key order, an exponent and adjustments: decoded whole, 20 + 3 after the base.
    BORDEAUX: '{"b":2e1,"s":3,"a":[[4,3],[2,5]]}',
}
# Lyon (no safety stock) 0; Marseille (none) 17; Paris keeps 2 of 4; Bordeaux 20% of 23.
ATP = {LYON: 0, MARSEILLE: 17, PARIS: 2, BORDEAUX: 18}


@pytest.fixture
async def store(url_fixture: str, request: pytest.FixtureRequest) -> AsyncIterator[RedisStore]:
    url = str(request.getfixturevalue(url_fixture))
    opened = store_from_url(url, rules=RULES, key_prefix=f"test-{uuid.uuid4().hex}")
    assert isinstance(opened, RedisStore)
    keys = opened._keys
    ledgers: dict[EncodableT, EncodableT] = {}
    ledgers.update(LEDGERS)
    gens: dict[EncodableT, EncodableT] = {"epoch": 1}
    gens.update((gen_field(node), COMMITTED) for node in NETWORK)
    await opened._client.hset(keys.stock(TABLE), mapping=ledgers)
    # The same texts for another SKU, and for a third at some nodes only (none at the others).
    await opened._client.hset(keys.stock(SOFA), mapping=ledgers)
    await opened._client.hset(
        keys.stock(CHAIR), mapping={LYON: LEDGERS[LYON], PARIS: LEDGERS[PARIS]}
    )
    await opened._client.hset(keys.gens(), mapping=gens)
    yield opened
    await opened.close()


@URLS
async def test_atp_reads_every_ledger_text_as_its_decoding(store: RedisStore) -> None:
    assert await store.atp([TABLE], NETWORK) == {TABLE: ATP}
    # Again, with the generations this process kept from the first read.
    assert await store.atp([TABLE], NETWORK) == {TABLE: ATP}


@URLS
async def test_a_read_of_many_skus_reads_each_text_again_as_its_decoding(store: RedisStore) -> None:
    # A standalone Redis reads every SKU in one script, which keeps each text's reading when
    # the SKUs are many.
    more = [f"SKU-{n}" for n in range(10)]
    ledgers: dict[EncodableT, EncodableT] = {}
    ledgers.update(LEDGERS)
    for sku in more:
        await store._client.hset(store._keys.stock(sku), mapping=ledgers)
    expected = dict.fromkeys([TABLE, SOFA, *more], ATP)
    expected[CHAIR] = {LYON: 0, PARIS: 4, MARSEILLE: 0, BORDEAUX: 0}
    for skus in ([TABLE, CHAIR, SOFA], [TABLE, CHAIR, SOFA, *more]):
        assert await store.atp(skus, NETWORK) == {sku: expected[sku] for sku in skus}
        assert await store.atp(skus, NETWORK) == {sku: expected[sku] for sku in skus}
    # Units held at a node with no ledger leave it none, as at a node with none on hand.
    await store._client.hset(store._keys.reservations(CHAIR)[0], MARSEILLE, 1)
    skus = [SOFA, CHAIR, *more]
    assert await store.atp(skus, NETWORK) == {sku: expected[sku] for sku in skus}


@URLS
async def test_stock_reads_every_ledger_text_as_its_decoding(store: RedisStore) -> None:
    found = await store.stock([TABLE], NETWORK)
    assert {node: level.atp for node, level in found[TABLE].items()} == ATP


@URLS
async def test_availability_reads_every_ledger_text_as_its_decoding(store: RedisStore) -> None:
    near = await store.availability([TABLE], [MARSEILLE, PARIS], network=NETWORK)
    assert near[TABLE].total == sum(ATP.values())
    assert near[TABLE].atp == {MARSEILLE: 17, PARIS: 2}
    # From the cached total, now.
    again = await store.availability([TABLE], [LYON, BORDEAUX], network=NETWORK)
    assert again[TABLE].total == sum(ATP.values())
    assert again[TABLE].atp == {LYON: 0, BORDEAUX: 18}
