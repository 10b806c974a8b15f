"""The scripts run as function libraries named by the package and their content: a process
deletes the package's libraries its version does not load, and nothing else on the server."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio
import redis.exceptions
from redis.asyncio.cluster import RedisCluster

from stock_cache import store_from_url
from stock_cache.base import Reserved
from stock_cache.redis_functions import (
    LIBRARY_PREFIX,
    current_libraries,
    library_source,
    script_of,
)
from tests.redis_server import running_redis
from tests.stock_cache.support import LYON, TABLE, hold

STALE = f"{LIBRARY_PREFIX}availability_0123456789abcdef"
FOREIGN = "another_application_lib"


def _library(name: str) -> str:
    return f"#!lua name={name}\nredis.register_function('{name}_f', function() return 1 end)\n"


async def _libraries(client: redis.asyncio.Redis | RedisCluster) -> set[str]:
    listed = await client.execute_command("FUNCTION", "LIST")
    parts = listed.values() if isinstance(listed, dict) else [listed]
    names: set[str] = set()
    for part in parts:
        for library in part:
            pairs = library if isinstance(library, dict) else _pairs(library)
            name = pairs.get(b"library_name", pairs.get("library_name"))
            names.add(name.decode() if isinstance(name, bytes) else str(name))
    return names


def _pairs(flat: list[object]) -> dict[object, object]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


@pytest.mark.parametrize("url_fixture", ["redis_url", "redis_cluster_url"])
async def test_a_new_process_deletes_the_libraries_of_other_versions_only(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(url_fixture)
    raw: redis.asyncio.Redis | RedisCluster = (
        RedisCluster.from_url(url.replace("redis+cluster://", "redis://"))
        if url_fixture == "redis_cluster_url"
        else redis.asyncio.from_url(url)
    )
    try:
        await raw.function_load(_library(STALE), replace=True)
        await raw.function_load(_library(FOREIGN), replace=True)
        store = store_from_url(url, key_prefix=f"test-{uuid.uuid4().hex}")
        try:
            await store.set_levels(LYON, {TABLE: 3})
            assert (await store.atp([TABLE], [LYON]))[TABLE][LYON] == 3
        finally:
            await store.close()
        present = await _libraries(raw)
        assert STALE not in present
        assert FOREIGN in present
        assert library_source("availability")[0] in current_libraries()
        assert {name for name in present if name.startswith(LIBRARY_PREFIX)} <= current_libraries()
    finally:
        await raw.execute_command("FUNCTION", "DELETE", FOREIGN)
        await raw.aclose()


def test_a_function_names_its_script_and_another_name_none() -> None:
    function, library = library_source("atp_skus")
    assert script_of(function) == "atp_skus"
    assert library.startswith(f"#!lua name={function}\n")
    assert script_of("availability_0123") == ""


async def test_a_full_server_still_answers_reads_and_refuses_holds() -> None:
    # A server of its own: its memory limit would refuse every other test's writes.
    with running_redis() as server:
        store = store_from_url(server.url(), key_prefix="full")
        raw = redis.asyncio.from_url(server.url())
        try:
            # The steady state: the scripts loaded, a total cached, then forgotten by a write.
            await store.set_levels(LYON, {TABLE: 3})
            await store.availability([TABLE], [LYON], network=[LYON])
            assert await store.capacity_used([LYON], "2026-12-07") == {LYON: 0}
            await store.set_levels(LYON, {TABLE: 4})
            await raw.config_set("maxmemory-policy", "noeviction")
            await raw.config_set("maxmemory", 1)

            # The read caches the total again (a write) though the server is full.
            found = await store.availability([TABLE], [LYON], network=[LYON])
            assert (found[TABLE].atp[LYON], found[TABLE].total) == (4, 4)
            assert (await store.atp([TABLE], [LYON]))[TABLE][LYON] == 4
            assert await store.capacity_used([LYON], "2026-12-07") == {LYON: 0}
            with pytest.raises(redis.exceptions.OutOfMemoryError):
                await store.reserve(hold((LYON, TABLE, 1)))
            # A process starting now cannot load functions: it reads by EVALSHA.
            started = store_from_url(server.url(), key_prefix="full")
            try:
                assert (await started.atp([TABLE], [LYON]))[TABLE][LYON] == 4
            finally:
                await started.close()
            await raw.config_set("maxmemory", 0)
            assert isinstance(await store.reserve(hold((LYON, TABLE, 1))), Reserved)
        finally:
            await store.close()
            await raw.aclose()
