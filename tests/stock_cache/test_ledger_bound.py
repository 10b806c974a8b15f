"""A ledger fed adjustments only stays bounded: older adjustments fold into its base, on hand
unchanged, on every backend; on Redis the keys and entries stay flat over a simulated month."""

from __future__ import annotations

import json

from stock_cache import StockStore
from stock_cache._ledger import MAX_ADJUSTMENTS, Ledger
from stock_cache.base import EventKind, FeedStatus
from stock_cache.memory import MemoryStore
from stock_cache.redis_store import RedisStore
from tests.stock_cache.support import LYON, TABLE, FakeClock, event

ADJUSTMENTS_A_DAY = 60


async def ledger_entries(store: StockStore) -> int:
    """Adjustments and fulfilments the ledger of TABLE at LYON keeps."""
    if isinstance(store, RedisStore):
        raw = await store._client.hget(store._keys.stock(TABLE), LYON)
        assert raw is not None
        ledger = json.loads(raw)
        return len(ledger.get("a", [])) + len(ledger.get("f", []))
    assert isinstance(store, MemoryStore)
    kept = store._ledgers[LYON, TABLE]
    return len(kept.adjustments) + len(kept.fulfilments)


async def store_keys(store: StockStore) -> int:
    """Keys under the store's prefix in Redis, with the entries of its sorted sets; 0 in memory."""
    if not isinstance(store, RedisStore):
        return 0
    found = 0
    async for key in store._client.scan_iter(match=f"{store._keys._prefix}:*", count=1_000):
        found += 1
        if await store._client.type(key) in (b"zset", "zset"):
            found += int(await store._client.zcard(key))
    return found


async def test_a_month_of_adjustments_keeps_the_ledger_and_the_keys_bounded(
    store: StockStore, clock: FakeClock
) -> None:
    [counted] = await store.apply_events([event("count-0", 1, EventKind.COUNT, 500)])
    assert counted.status is FeedStatus.APPLIED
    sequence, entries, keys = 1, [], []
    for day in range(30):
        batch = []
        for n in range(ADJUSTMENTS_A_DAY):
            sequence += 1
            quantity = 3 if n % 2 == 0 else -2
            batch.append(event(f"adj-{day}-{n}", sequence, EventKind.ADJUSTMENT, quantity))
        results = await store.apply_events(batch)
        assert {r.status for r in results} == {FeedStatus.APPLIED}
        assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 500 + 30 * (day + 1)}}
        entries.append(await ledger_entries(store))
        keys.append(await store_keys(store))
        clock.advance(86_400)

    assert max(entries) <= MAX_ADJUSTMENTS
    assert keys[-1] == keys[2]
    # Folded: an adjustment older than the fold point now comes too late.
    [late] = await store.apply_events([event("adj-late", 5, EventKind.ADJUSTMENT, 7)])
    assert late.status is FeedStatus.STALE
    assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 1_400}}


def test_folding_keeps_on_hand_with_fulfilments_before_and_after_the_fold() -> None:
    ledger = Ledger(base=40, base_sequence=10)
    ledger.adjust(11, 5)
    ledger.fulfil(3)  # after sequence 11
    for sequence in range(12, 12 + MAX_ADJUSTMENTS):
        ledger.adjust(sequence, 1 if sequence % 2 else -1)
        if sequence == 100:
            ledger.fulfil(2)
    on_hand = 40 + 5 - 3 - 2 + sum(1 if s % 2 else -1 for s in range(12, 12 + MAX_ADJUSTMENTS))

    assert ledger.on_hand == on_hand
    assert len(ledger.adjustments) <= MAX_ADJUSTMENTS
    assert ledger.base_sequence > 10
