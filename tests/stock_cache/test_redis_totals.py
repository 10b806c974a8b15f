"""Cached totals on Redis: what their field and epoch guard against, standalone and cluster."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
import redis.asyncio
from redis.typing import EncodableT

from stock_cache import Reserved, SkuAvailability, StockRules, StockStore, store_from_url
from stock_cache.redis_functions import library_source
from stock_cache.redis_store import RedisStore
from tests.stock_cache.support import (
    BORDEAUX,
    CHAIR,
    LYON,
    MARSEILLE,
    NEAR,
    NETWORK,
    PARIS,
    RULES,
    STOREFRONT,
    TABLE,
    FakeClock,
    hold,
)

URLS = pytest.mark.parametrize("url_fixture", ["redis_url", "redis_cluster_url"])

Opener = Callable[[StockRules], RedisStore]


@pytest.fixture
async def opener(url_fixture: str, request: pytest.FixtureRequest) -> AsyncIterator[Opener]:
    """Stores under one key prefix (processes sharing one Redis), each with its rules."""
    url = str(request.getfixturevalue(url_fixture))
    prefix = f"test-{uuid.uuid4().hex}"
    opened: list[StockStore] = []

    def open_(rules: StockRules) -> RedisStore:
        opened.append(store_from_url(url, rules=rules, key_prefix=prefix))
        assert isinstance(opened[-1], RedisStore)
        return opened[-1]

    yield open_
    for store in opened:
        await store.close()


async def stock_up(store: StockStore) -> None:
    await store.set_levels(LYON, {TABLE: 10})
    await store.set_levels(PARIS, {TABLE: 6})
    await store.set_levels(MARSEILLE, {TABLE: 3})
    await store.set_levels(BORDEAUX, {TABLE: 10})


async def table_total(store: StockStore) -> int:
    return (await store.availability([TABLE], NEAR, network=NETWORK))[TABLE].total


@URLS
async def test_processes_with_other_safety_rules_keep_totals_of_their_own(opener: Opener) -> None:
    ours, theirs = opener(RULES), opener(StockRules())
    await stock_up(ours)

    assert await table_total(ours) == 25  # Paris keeps 2, Bordeaux 20%
    assert await table_total(theirs) == 29  # nothing kept anywhere
    assert await table_total(ours) == 25
    assert await table_total(theirs) == 29


@URLS
async def test_a_total_read_while_a_snapshot_is_staged_is_not_used_after_its_flip(
    opener: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = opener(RULES), opener(RULES)
    await stock_up(writer)
    before_the_flip: list[dict[str, SkuAvailability]] = []
    real_run = writer._run

    async def read_just_before_the_flip(
        calls: Sequence[tuple[str, list[str], list[EncodableT]]], *, atomic: bool = False
    ) -> Any:
        # The levels are staged (each stage forgot the cached totals): this read fills the
        # cache with the committed set, which the flip is about to replace.
        if calls and calls[0][0] == "snapshot_commit":
            before_the_flip.append(await reader.availability([TABLE], NEAR, network=NETWORK))
        return await real_run(calls, atomic=atomic)

    monkeypatch.setattr(writer, "_run", read_just_before_the_flip)
    await writer.replace_node_stock(MARSEILLE, [{TABLE: 13}], watermark=1)

    assert before_the_flip == [{TABLE: SkuAvailability(25, {MARSEILLE: 3, LYON: 10})}]
    assert await reader.availability([TABLE], NEAR, network=NETWORK) == {
        TABLE: SkuAvailability(35, {MARSEILLE: 13, LYON: 10})
    }


@URLS
async def test_a_total_holds_through_flips_that_leave_its_sku_alone(opener: Opener) -> None:
    store, other = opener(RULES), opener(RULES)
    await store.set_levels(LYON, {TABLE: 10})
    await store.set_levels(PARIS, {TABLE: 6})
    await store.set_levels(MARSEILLE, {TABLE: 3})
    assert await table_total(store) == 17  # Paris keeps 2; Bordeaux holds no table

    # Bordeaux's snapshots of chairs flip twice: no table level changes anywhere.
    await store.replace_node_stock(BORDEAUX, [{CHAIR: 5}], watermark=1)
    await other.replace_node_stock(BORDEAUX, [{CHAIR: 4}], watermark=2)
    assert await table_total(store) == await table_total(other) == 17
    assert (await store.availability([CHAIR], NEAR, network=NETWORK))[CHAIR].total == 3

    # Then its tables: every reader sees them at once (20% of 10 held back).
    await other.replace_node_stock(BORDEAUX, [{TABLE: 10}], watermark=3)
    assert await table_total(store) == await table_total(other) == 25
    assert (await store.availability([CHAIR], NEAR, network=NETWORK))[CHAIR].total == 0


@URLS
async def test_a_reader_of_older_generations_never_pairs_them_with_a_newer_total(
    opener: Opener, url_fixture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader, third = opener(RULES), opener(RULES), opener(RULES)
    await stock_up(writer)
    assert await reader.availability([TABLE], NEAR, network=NETWORK) == {
        TABLE: SkuAvailability(25, {MARSEILLE: 3, LYON: 10})
    }
    real_run = reader._run
    flipped: list[bool] = []

    async def flip_before_the_read(
        calls: Sequence[tuple[str, list[str], list[EncodableT]]], *, atomic: bool = False
    ) -> Any:
        # The reader holds Marseille's old generation (sent from what it read before, or
        # read just now on a cluster); meanwhile Marseille flips and a third process caches
        # the total of its new snapshot.
        if calls and calls[0][0] == "availability" and not flipped:
            flipped.append(True)
            await writer.replace_node_stock(MARSEILLE, [{TABLE: 13}], watermark=1)
            assert await table_total(third) == 35
        return await real_run(calls, atomic=atomic)

    monkeypatch.setattr(reader, "_run", flip_before_the_read)
    found = await reader.availability([TABLE], NEAR, network=NETWORK)

    assert flipped
    if url_fixture == "redis_url":
        # The one-trip script finds the epoch moved and reads the generations itself.
        assert found == {TABLE: SkuAvailability(35, {MARSEILLE: 13, LYON: 10})}
    else:
        # Generations come first on a cluster: the answer is all of the snapshot before the
        # flip, as of that read (paired with the newer total, Marseille would show 3 of 35).
        assert found == {TABLE: SkuAvailability(25, {MARSEILLE: 3, LYON: 10})}


@URLS
async def test_totals_match_a_recount_through_changes_flips_and_expiries(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    """Two processes on one Redis against the in-process store (which sums every node on
    every read), through seeded changes at nodes of many sections of a 68-node network."""
    url = str(request.getfixturevalue(url_fixture))
    rng = random.Random(20261204)
    clock = FakeClock()
    prefix = f"test-{uuid.uuid4().hex}"
    ours, theirs = (
        store_from_url(url, rules=RULES, clock=clock, key_prefix=prefix) for _ in range(2)
    )
    recount = store_from_url("memory://", rules=RULES, clock=clock)
    network = (*NETWORK, *(f"TOWN-{n:03}" for n in range(64)))
    skus = (TABLE, CHAIR)
    # Live holds: allocation ids (Redis's, the recount's) and when they expire.
    held: list[tuple[str, str, float]] = []
    stocked: list[tuple[str, str]] = []
    taken = 0
    try:
        for step in range(160):
            node, sku, redis_store = (
                rng.choice(network),
                rng.choice(skus),
                rng.choice([ours, theirs]),
            )
            what = rng.choice(["level", "level", "hold", "release", "snapshot", "time"])
            if what == "level":
                level = rng.randint(0, 12)
                for store in (redis_store, recount):
                    await store.set_levels(node, {sku: level})
                stocked.append((node, sku))
            elif what == "hold" and stocked:
                # Mostly where some stock was set, so that most holds are taken.
                node, sku = rng.choice(stocked)
                quantity, key = rng.randint(1, 3), uuid.uuid4().hex
                found = [
                    await store.reserve(hold((node, sku, quantity), key=key, ttl_seconds=60))
                    for store in (redis_store, recount)
                ]
                assert [type(outcome) for outcome in found] == [type(found[1])] * 2, step
                if isinstance(found[0], Reserved) and isinstance(found[1], Reserved):
                    ids = (found[0].allocation.id, found[1].allocation.id)
                    held.append((*ids, clock.now + 60))
                    taken += 1
            elif what == "release" and held:
                in_redis, in_recount, _ = held.pop(rng.randrange(len(held)))
                await redis_store.release(STOREFRONT, in_redis)
                await recount.release(STOREFRONT, in_recount)
            elif what == "snapshot":
                levels = {s: rng.randint(0, 12) for s in rng.sample(skus, rng.randint(0, 2))}
                for store in (redis_store, recount):
                    await store.replace_node_stock(node, [levels], watermark=None)
            else:
                clock.advance(rng.choice([20, 45]))  # holds last 60 s
                held = [live for live in held if live[2] > clock.now]
            near = tuple(rng.sample(network, 2))
            expected = await recount.availability(skus, near, network=network)
            for reader in (ours, theirs):
                assert await reader.availability(skus, near, network=network) == expected, step
        assert taken >= 10  # the changes did take holds, which then expired or were released
    finally:
        for store in (ours, theirs, recount):
            await store.close()


@pytest.mark.parametrize("lost_by", ["flush", "reload"])
async def test_a_server_that_lost_the_blocks_it_was_sent_is_sent_them_again(
    redis_url: str, lost_by: str
) -> None:
    """A read sends its block of nodes once, then its name: the library keeps the block until
    the server loses it (a restart, a flush, another process loading the library again)."""
    store = store_from_url(redis_url, rules=RULES, key_prefix=f"test-{uuid.uuid4().hex}")
    try:
        await stock_up(store)
        assert await table_total(store) == 25
        # Sent by now: this read names the block (a hold changes no generation, nor it).
        assert isinstance(await store.reserve(hold((LYON, TABLE, 1))), Reserved)
        assert await table_total(store) == 24
        async with redis.asyncio.Redis.from_url(redis_url) as client:
            if lost_by == "flush":
                await client.function_flush()
            else:
                await client.function_load(library_source("availability")[1], replace=True)
        read = await store.availability([TABLE, CHAIR], NEAR, network=NETWORK)
        assert (read[TABLE].total, read[TABLE].atp[LYON], read[CHAIR].total) == (24, 9, 0)
        assert await table_total(store) == 24
    finally:
        await store.close()
