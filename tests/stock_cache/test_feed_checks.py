"""Feeds name only the network's nodes and SKUs, and the store knows which nodes it holds the
stock of (readiness), on every backend."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import pytest

from stock_cache import FeedResult, FeedStatus, StockStore, store_from_url
from stock_cache.base import EventKind
from tests.stock_cache.conftest import BACKENDS, Backend
from tests.stock_cache.support import (
    CHAIR,
    LYON,
    MARSEILLE,
    PARIS,
    RULES,
    SOFA,
    TABLE,
    FakeClock,
    event,
)

NETWORK_RULES = dataclasses.replace(
    RULES,
    known_nodes=frozenset({LYON, PARIS, MARSEILLE}),
    known_skus=frozenset({TABLE, SOFA, CHAIR}),
)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StockStore]:
    """A fresh store that knows the network's nodes and SKUs."""
    backend: Backend = request.param
    url = backend.url or str(request.getfixturevalue(backend.url_fixture))
    opened = store_from_url(
        url, rules=NETWORK_RULES, clock=FakeClock(), key_prefix=f"test-{uuid.uuid4().hex}"
    )
    yield opened
    await opened.close()


@pytest.mark.parametrize(
    ("node", "sku", "reason"),
    [
        ("NO-SUCH-NODE", TABLE, "nodeId 'NO-SUCH-NODE' is not a node of the network"),
        (LYON, "NO-SUCH-SKU", "sku 'NO-SUCH-SKU' is not a SKU of the network"),
        (LYON, "OAK-TABLE\x00120", "sku must not contain NUL or line breaks"),
        ("LYON\nPART-DIEU", TABLE, "nodeId must not contain NUL or line breaks"),
    ],
)
async def test_an_event_naming_what_the_network_does_not_have_is_rejected_with_the_reason(
    store: StockStore, node: str, sku: str, reason: str
) -> None:
    await store.set_levels(LYON, {TABLE: 5})

    [result, applied] = await store.apply_events(
        [
            event("e-1", 1, EventKind.ADJUSTMENT, 3, node=node, sku=sku),
            event("e-2", 2, EventKind.ADJUSTMENT, 1),
        ]
    )

    assert result.status is FeedStatus.REJECTED
    assert result.reason.startswith(reason)
    assert applied == FeedResult(FeedStatus.APPLIED)
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 6}}


async def test_a_snapshot_of_an_unknown_node_is_rejected(store: StockStore) -> None:
    result = await store.replace_node_stock("NO-SUCH-NODE", [{TABLE: 5}], watermark=1)

    assert result == FeedResult(
        FeedStatus.REJECTED, "nodeId 'NO-SUCH-NODE' is not a node of the network"
    )
    assert await store.missing_nodes(["NO-SUCH-NODE"]) == ["NO-SUCH-NODE"]


async def test_a_snapshot_naming_an_unknown_sku_is_rejected_whole(store: StockStore) -> None:
    await store.replace_node_stock(LYON, [{TABLE: 5}], watermark=1)

    result = await store.replace_node_stock(LYON, [{SOFA: 2}, {"NO-SUCH-SKU\x00": 1}], watermark=2)

    assert result.status is FeedStatus.REJECTED
    assert "sku must not contain NUL or line breaks" in result.reason
    assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 5}, SOFA: {LYON: 0}}


async def test_an_unknown_sku_in_a_message_is_cut_short(store: StockStore) -> None:
    [result] = await store.apply_events(
        [event("e-1", 1, EventKind.ADJUSTMENT, 3, sku="X" * 60_000)]
    )

    assert result.status is FeedStatus.REJECTED
    assert len(result.reason) < 200


async def test_the_store_names_the_nodes_whose_stock_it_does_not_hold(
    store: StockStore,
) -> None:
    network = [LYON, PARIS, MARSEILLE]
    assert await store.missing_nodes(network) == network

    await store.set_levels(LYON, {TABLE: 5})
    await store.replace_node_stock(PARIS, [{}], watermark=7)
    # An event says nothing of the node's other SKUs: it does not make the node's stock known.
    await store.apply_events([event("e-1", 1, EventKind.COUNT, 4, node=MARSEILLE)])

    assert await store.missing_nodes(network) == [MARSEILLE]
    await store.replace_node_stock(MARSEILLE, [{SOFA: 1}], watermark=2)
    assert await store.missing_nodes(network) == []
