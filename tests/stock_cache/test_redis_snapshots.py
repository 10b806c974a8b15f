"""A snapshot on Redis flips in the {gens} slot, then prunes the node's index in its own slot:
a crash before, or between, those steps leaves levels readers may trust."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import redis.exceptions
from redis.typing import EncodableT

from stock_cache import StockStore, store_from_url
from stock_cache.errors import StoreOutcomeUnknown
from stock_cache.redis_store import RedisStore
from tests.stock_cache.support import CHAIR, LYON, SOFA, TABLE

URLS = pytest.mark.parametrize("url_fixture", ["redis_url", "redis_cluster_url"])


@pytest.fixture
async def store(url_fixture: str, request: pytest.FixtureRequest) -> AsyncIterator[RedisStore]:
    url = str(request.getfixturevalue(url_fixture))
    opened = store_from_url(url, key_prefix=f"test-{uuid.uuid4().hex}")
    assert isinstance(opened, RedisStore)
    yield opened
    await opened.close()


def dying_at(store: RedisStore, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """From now on the process dies when it is about to run `script`."""
    real_run = store._run

    async def run(
        calls: Sequence[tuple[str, list[str], list[EncodableT]]], *, atomic: bool = False
    ) -> Any:
        if calls and calls[0][0] == script:
            raise redis.exceptions.ConnectionError("the gateway died here")
        return await real_run(calls, atomic=atomic)

    monkeypatch.setattr(store, "_run", run)


async def lyon(store: StockStore) -> dict[str, int]:
    found = await store.atp([TABLE, SOFA, CHAIR], [LYON])
    return {sku: by_node[LYON] for sku, by_node in found.items()}


@URLS
async def test_a_snapshot_that_dies_before_its_flip_is_never_seen_and_can_be_sent_again(
    store: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.replace_node_stock(LYON, [{TABLE: 5, SOFA: 2}], watermark=1)

    with monkeypatch.context() as patched:
        dying_at(store, patched, "snapshot_commit")
        with pytest.raises(StoreOutcomeUnknown):
            await store.replace_node_stock(LYON, [{CHAIR: 7}], watermark=2)
        assert await lyon(store) == {TABLE: 5, SOFA: 2, CHAIR: 0}

    await store.replace_node_stock(LYON, [{CHAIR: 7}], watermark=2)
    assert await lyon(store) == {TABLE: 0, SOFA: 0, CHAIR: 7}


@URLS
async def test_a_snapshot_that_dies_between_its_flip_and_the_index_is_seen_whole(
    store: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.replace_node_stock(LYON, [{TABLE: 5, SOFA: 2}], watermark=1)
    index = store._keys.node_skus(LYON)

    with monkeypatch.context() as patched:
        dying_at(store, patched, "snapshot_index")
        with pytest.raises(StoreOutcomeUnknown):
            await store.replace_node_stock(LYON, [{SOFA: 3}], watermark=2)

    # Flipped: the new set, the table zeroed, though the index still names it.
    assert await lyon(store) == {TABLE: 0, SOFA: 3, CHAIR: 0}
    assert await store._client.smembers(index) == {TABLE, SOFA}
    # The next snapshot zeroes what it leaves out, the table again, and prunes them both.
    await store.replace_node_stock(LYON, [{CHAIR: 1}], watermark=3)
    assert await lyon(store) == {TABLE: 0, SOFA: 0, CHAIR: 1}
    assert await store._client.smembers(index) == {CHAIR}
