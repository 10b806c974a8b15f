"""Single script calls made at once go to a standalone Redis in one pipeline, each answered
as if alone: counted on a real server (its `total_reads_processed`), not timed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio

from stock_cache import StockStore, store_from_url
from stock_cache.outbox_reader import START, outbox_reader
from stock_cache.redis_keys import ORDER_BUCKETS, RedisKeys
from tests.redis_server import RedisServer
from tests.stock_cache.support import CHAIR, LYON, MARSEILLE, PARIS, RULES, SOFA, TABLE

NEAR = (LYON, PARIS, MARSEILLE)
SKUS = (TABLE, SOFA, CHAIR)


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[StockStore]:
    opened = store_from_url(redis_server.url(), rules=RULES, key_prefix=f"test-{uuid.uuid4().hex}")
    await opened.set_levels(LYON, {TABLE: 10, SOFA: 1, CHAIR: 4})
    await opened.set_levels(PARIS, {TABLE: 6, CHAIR: 2})
    for sku in SKUS:  # scripts loaded: what follows is the steady state
        await opened.atp([sku], NEAR)
    yield opened
    await opened.close()


async def reads_processed(server: RedisServer) -> int:
    client = redis.asyncio.Redis(port=server.port)
    try:
        stats: dict[str, Any] = await client.info("stats")
        return int(stats["total_reads_processed"])
    finally:
        await client.aclose()


async def test_reads_made_at_once_share_a_pipeline_and_answer_as_one_by_one(
    store: StockStore, redis_server: RedisServer
) -> None:
    asked = [SKUS[i % 3] for i in range(24)]
    alone = [await store.atp([sku], NEAR) for sku in asked]
    start = await reads_processed(redis_server)
    for sku in asked:
        await store.atp([sku], NEAR)
    one_by_one = await reads_processed(redis_server) - start

    start = await reads_processed(redis_server)
    together = await asyncio.gather(*(store.atp([sku], NEAR) for sku in asked))
    at_once = await reads_processed(redis_server) - start

    assert together == alone
    assert alone[0][TABLE] == {LYON: 10, PARIS: 4, MARSEILLE: 0}  # Paris keeps 2 for walk-ins
    # At least one read of the server per call one by one (30 seen), against a few for all
    # of them at once (6 to 7 seen: the info call's own read and the generations' reads).
    assert one_by_one >= 24
    assert at_once <= one_by_one // 3


async def test_a_caller_cancelled_before_the_pipeline_leaves_does_not_stop_the_others(
    store: StockStore,
) -> None:
    expected = await store.atp([CHAIR], NEAR)
    tasks = [asyncio.ensure_future(store.atp([CHAIR], NEAR)) for _ in range(6)]
    await asyncio.sleep(0)  # every task has made its call; none has been sent
    tasks[0].cancel()
    tasks[3].cancel()

    done = await asyncio.gather(*tasks, return_exceptions=True)

    assert [isinstance(d, asyncio.CancelledError) for d in done] == [
        True, False, False, True, False, False,
    ]  # fmt: skip
    assert [d for d in done if not isinstance(d, BaseException)] == [expected] * 4


async def test_a_batch_after_the_server_lost_its_scripts_loads_them_and_answers(
    store: StockStore, redis_server: RedisServer
) -> None:
    expected = [await store.atp([sku], NEAR) for sku in SKUS]
    client = redis.asyncio.Redis(port=redis_server.port)
    await client.script_flush()
    await client.function_flush()
    await client.aclose()

    assert list(await asyncio.gather(*(store.atp([sku], NEAR) for sku in SKUS))) == expected


async def test_an_error_reply_in_a_batch_reaches_its_caller_only(
    redis_server: RedisServer,
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    opened = store_from_url(redis_server.url(), rules=RULES, key_prefix=prefix)
    await opened.set_levels(LYON, {TABLE: 10, SOFA: 1, CHAIR: 4})
    expected = {sku: await opened.atp([sku], NEAR) for sku in (TABLE, CHAIR)}
    client = redis.asyncio.Redis(port=redis_server.port)
    # The sofa's stock hash turned into a string: its script's HMGET fails on the server.
    await client.delete(RedisKeys(prefix).stock(SOFA))
    await client.set(RedisKeys(prefix).stock(SOFA), "not a hash")
    await client.aclose()
    try:
        asked = [TABLE, SOFA, CHAIR, SOFA, TABLE]
        done = await asyncio.gather(
            *(opened.atp([sku], NEAR) for sku in asked), return_exceptions=True
        )

        assert [type(d).__name__ for d in done if isinstance(d, BaseException)] == [
            "ResponseError", "ResponseError",
        ]  # fmt: skip
        assert "WRONGTYPE" in str(done[1])
        assert [done[0], done[2], done[4]] == [expected[TABLE], expected[CHAIR], expected[TABLE]]
        # Every reply of the batch was read: the connection answers the next caller rightly.
        assert await opened.atp([CHAIR], NEAR) == expected[CHAIR]
    finally:
        await opened.close()


async def script_loads(server: RedisServer) -> int:
    client = redis.asyncio.Redis(port=server.port)
    try:
        stats: dict[str, Any] = await client.info("commandstats")
        return sum(
            int(stats.get(f"cmdstat_{command}|load", {}).get("calls", 0))
            for command in ("script", "function")
        )
    finally:
        await client.aclose()


async def test_calls_needing_one_unloaded_script_at_once_load_it_once(
    redis_server: RedisServer,
) -> None:
    opened = store_from_url(redis_server.url(), rules=RULES, key_prefix=f"test-{uuid.uuid4().hex}")
    reader = outbox_reader(opened)
    try:
        before = await script_loads(redis_server)
        # Every partition read together, as a follower does: each runs the same script.
        read = await asyncio.gather(*(reader.after(p, START, 10) for p in range(ORDER_BUCKETS)))

        assert read == [[]] * ORDER_BUCKETS
        assert await script_loads(redis_server) - before == 1
    finally:
        await opened.close()


async def test_a_call_alone_carries_accented_names_and_numbers_intact(store: StockStore) -> None:
    # A call alone is packed by hiredis, not redis-py's encoder: the same bytes.
    await store.set_levels(PARIS, {"CHAISE-ÉTÉ": 7, TABLE: 7})

    found = await store.atp(["CHAISE-ÉTÉ"], [PARIS])

    # 7 on hand, 2 held back at a store.
    assert found == {"CHAISE-ÉTÉ": {PARIS: 5}}
    assert found["CHAISE-ÉTÉ"] == (await store.atp([TABLE], [PARIS]))[TABLE]


async def test_a_server_without_functions_runs_the_scripts_by_sha(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    current = store_from_url(redis_server.url(), rules=RULES, key_prefix=prefix)
    await current.set_levels(LYON, {TABLE: 10, SOFA: 1, CHAIR: 4})
    expected = [await current.atp([sku], NEAR) for sku in SKUS]
    await current.close()

    async def refused(*_: object, **__: object) -> None:
        # What a server before Redis 7 answers.
        raise redis.exceptions.ResponseError("unknown command 'FUNCTION', with args beginning")

    monkeypatch.setattr(redis.asyncio.Redis, "function_load", refused)
    older = store_from_url(redis_server.url(), rules=RULES, key_prefix=prefix)
    try:
        before = await script_loads(redis_server)
        assert list(await asyncio.gather(*(older.atp([sku], NEAR) for sku in SKUS))) == expected
        assert [await older.atp([sku], NEAR) for sku in SKUS] == expected
        assert await script_loads(redis_server) - before == 1
    finally:
        await older.close()
