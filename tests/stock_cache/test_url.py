"""Choosing a store from its URL."""

from __future__ import annotations

import pytest

from stock_cache import store_from_url
from stock_cache.errors import UnknownStoreScheme
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
