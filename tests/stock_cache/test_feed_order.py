"""Property: events applied in any order, with duplicates, end where in-order events end."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stock_cache import StockStore, store_from_url
from stock_cache.base import EventKind, FeedStatus, StockEvent

EVENTS = 10_000
NODES = ("LYON-PART-DIEU", "PARIS-RIVOLI", "NANTES-ATLANTIS")
SKUS = tuple(f"BIRCH-STOOL-{n}" for n in range(8))
BATCH = 1_000


def stock_events(seed: int) -> list[StockEvent]:
    """EVENTS events over a few (node, SKU): mostly adjustments, some counts and returns."""
    rng = random.Random(seed)
    next_sequence: dict[tuple[str, str], int] = {}
    events = []
    for number in range(EVENTS):
        node, sku = rng.choice(NODES), rng.choice(SKUS)
        sequence = next_sequence.get((node, sku), 0) + rng.randint(1, 3)
        next_sequence[(node, sku)] = sequence
        roll = rng.random()
        if roll < 0.15:
            kind, quantity = EventKind.COUNT, rng.randint(0, 60)
        elif roll < 0.25:
            kind, quantity = EventKind.RETURN, rng.randint(1, 3)
        else:
            kind, quantity = EventKind.ADJUSTMENT, rng.randint(-3, 8)
        events.append(
            StockEvent(f"ev-{number}", node, sku, sequence, kind, quantity, rng.random() < 0.7)
        )
    return events


def shuffled_with_duplicates(events: list[StockEvent], seed: int) -> list[StockEvent]:
    rng = random.Random(seed)
    replayed = events + [rng.choice(events) for _ in range(len(events) // 10)]
    rng.shuffle(replayed)
    return replayed


async def end_state(url: str, events: list[StockEvent]) -> tuple[dict[str, dict[str, int]], int]:
    store: StockStore = store_from_url(url, key_prefix=f"test-{uuid.uuid4().hex}")
    try:
        skipped = 0
        for start in range(0, len(events), BATCH):
            results = await store.apply_events(events[start : start + BATCH])
            skipped += sum(result.status is not FeedStatus.APPLIED for result in results)
        return await store.atp(SKUS, NODES), skipped
    finally:
        await store.close()


@pytest.mark.parametrize("url_fixture", ["memory", "redis_url", "redis_cluster_url"])
def test_events_in_any_order_with_duplicates_end_as_in_order(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    url = "memory://" if url_fixture == "memory" else str(request.getfixturevalue(url_fixture))

    @settings(
        max_examples=3,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(events_seed=st.integers(0, 2**32), order_seed=st.integers(0, 2**32))
    def check(events_seed: int, order_seed: int) -> None:
        events = stock_events(events_seed)
        replay = shuffled_with_duplicates(events, order_seed)

        in_order, _ = asyncio.run(end_state(url, events))
        any_order, skipped = asyncio.run(end_state(url, replay))

        assert any_order == in_order
        # Every duplicate is skipped: as a duplicate, or as stale when a count covers it.
        assert skipped >= len(events) // 10
        assert any(atp > 0 for by_node in in_order.values() for atp in by_node.values())

    check()
