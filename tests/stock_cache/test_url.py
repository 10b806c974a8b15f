"""Choosing a store from its URL."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from stock_cache import store_from_url
from stock_cache.errors import InvalidStoreUrl, UnknownStoreScheme
from stock_cache.memory import MemoryStore
from stock_cache.redis_store import RedisStore
from tests.redis_server import free_port


def test_an_unknown_scheme_is_refused_naming_it_and_the_known_ones() -> None:
    with pytest.raises(UnknownStoreScheme) as refused:
        store_from_url("mongodb://db.example/stock")

    assert str(refused.value) == (
        "unknown stock store scheme 'mongodb'; known schemes: memory://, redis://, rediss://,"
        " unix://, redis+cluster://, rediss+cluster://"
    )


def test_the_unknown_scheme_error_does_not_repeat_the_password() -> None:
    with pytest.raises(UnknownStoreScheme) as refused:
        store_from_url("mongodb://stock:s3cret@db.example/stock")

    assert "s3cret" not in str(refused.value)


def test_memory_urls_open_the_embedded_store() -> None:
    assert isinstance(store_from_url("memory://"), MemoryStore)


@pytest.mark.parametrize("scheme", ["redis", "rediss", "redis+cluster"])
async def test_redis_urls_open_a_store_without_connecting(scheme: str) -> None:
    # Nothing listens on the port: opening must not try to reach it.
    store = store_from_url(f"{scheme}://127.0.0.1:{free_port()}/0")

    assert isinstance(store, RedisStore)
    await store.close()


@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
async def test_the_urls_timeouts_reach_the_connections(scheme: str) -> None:
    store = store_from_url(
        f"{scheme}://127.0.0.1:{free_port()}/0?socket_timeout=3.5&socket_connect_timeout=0.5"
    )
    assert isinstance(store, RedisStore)
    client = store._client
    # A single server's pool, or the cluster client, hands these to every connection it opens.
    options = (
        client.connection_kwargs
        if isinstance(client, RedisCluster)
        else client.connection_pool.connection_kwargs
    )
    try:
        assert options["socket_timeout"] == 3.5
        assert options["socket_connect_timeout"] == 0.5
    finally:
        await store.close()


async def test_without_options_a_redis_call_waits_a_second_at_most() -> None:
    store = store_from_url(f"redis://127.0.0.1:{free_port()}/0")
    assert isinstance(store, RedisStore)
    assert isinstance(store._client, Redis)
    options = store._client.connection_pool.connection_kwargs
    try:
        assert (options["socket_timeout"], options["socket_connect_timeout"]) == (1.0, 1.0)
    finally:
        await store.close()


@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
def test_an_option_of_the_url_with_an_unusable_value_is_refused_naming_it(scheme: str) -> None:
    with pytest.raises(InvalidStoreUrl) as refused:
        store_from_url(f"{scheme}://127.0.0.1:{free_port()}/0?socket_timeout=soon")

    assert "socket_timeout" in str(refused.value)
