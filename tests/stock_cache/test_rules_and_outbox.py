"""Safety rules, channels, the allocation outbox and heavy concurrency, on every backend."""

from __future__ import annotations

import asyncio
import random

import pytest

from stock_cache import AllocationStatus, InsufficientStock, Reserved, Shortage, StockStore
from stock_cache.base import ReserveRequest, StockLine
from stock_cache.errors import UnknownChannel
from tests.stock_cache.support import (
    BORDEAUX,
    CHAIR,
    LYON,
    MARKETPLACE_X,
    MARSEILLE,
    PARIS,
    SOFA,
    STOREFRONT,
    TABLE,
    WEB,
    FakeClock,
    hold,
)


def via(channel: str, *lines: tuple[str, str, int]) -> ReserveRequest:
    request = hold(*lines)
    return ReserveRequest(
        client_id=request.client_id,
        idempotency_key=request.idempotency_key,
        fingerprint=request.fingerprint,
        lines=request.lines,
        ttl_seconds=request.ttl_seconds,
        channel=channel,
    )


class TestSafetyRules:
    async def test_the_most_specific_safety_rule_wins(self, store: StockStore) -> None:
        await store.set_levels(BORDEAUX, {TABLE: 10, SOFA: 10})
        await store.set_levels(PARIS, {TABLE: 10, CHAIR: 10})
        await store.set_levels(MARSEILLE, {TABLE: 10})

        assert await store.atp([TABLE, SOFA, CHAIR], [BORDEAUX, PARIS, MARSEILLE]) == {
            # the store rule: 20% of on hand; BORDEAUX's sofas: 5 units
            TABLE: {BORDEAUX: 8, PARIS: 8, MARSEILLE: 10},
            SOFA: {BORDEAUX: 5, PARIS: 0, MARSEILLE: 0},
            CHAIR: {BORDEAUX: 0, PARIS: 10, MARSEILLE: 0},
        }

    async def test_a_share_of_on_hand_is_rounded_up(self, store: StockStore) -> None:
        await store.set_levels(BORDEAUX, {TABLE: 11})

        assert await store.atp([TABLE], [BORDEAUX]) == {TABLE: {BORDEAUX: 8}}


class TestChannels:
    async def test_a_channel_sees_only_its_pool_and_at_most_its_cap(
        self, store: StockStore
    ) -> None:
        for node in (LYON, PARIS, MARSEILLE):
            await store.set_levels(node, {TABLE: 20})

        assert await store.atp([TABLE], [LYON, PARIS, MARSEILLE], channel=MARKETPLACE_X) == {
            TABLE: {LYON: 20, PARIS: 5, MARSEILLE: 0}
        }
        assert await store.atp([TABLE], [LYON, PARIS, MARSEILLE], channel=WEB) == {
            TABLE: {LYON: 20, PARIS: 18, MARSEILLE: 20}
        }

    async def test_a_channel_cannot_reserve_beyond_what_it_sees(self, store: StockStore) -> None:
        await store.set_levels(PARIS, {TABLE: 20})
        await store.set_levels(MARSEILLE, {TABLE: 20})

        outcome = await store.reserve(via(MARKETPLACE_X, (PARIS, TABLE, 6), (MARSEILLE, TABLE, 1)))

        assert outcome == InsufficientStock(
            (
                Shortage(PARIS, TABLE, requested=6, available=5),
                Shortage(MARSEILLE, TABLE, requested=1, available=0),
            )
        )

    async def test_a_unit_is_never_counted_twice_across_channels(self, store: StockStore) -> None:
        await store.set_levels(PARIS, {TABLE: 10})
        assert isinstance(await store.reserve(via(WEB, (PARIS, TABLE, 5))), Reserved)

        assert await store.atp([TABLE], [PARIS], channel=MARKETPLACE_X) == {TABLE: {PARIS: 3}}
        assert isinstance(await store.reserve(via(MARKETPLACE_X, (PARIS, TABLE, 3))), Reserved)
        assert await store.atp([TABLE], [PARIS], channel=WEB) == {TABLE: {PARIS: 0}}

    async def test_an_unknown_channel_is_refused_by_name(self, store: StockStore) -> None:
        with pytest.raises(UnknownChannel, match="wholesale-de"):
            await store.atp([TABLE], [LYON], channel="wholesale-de")


class TestOutbox:
    async def test_every_state_change_is_published_in_order(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        shipped = await store.reserve(hold((LYON, TABLE, 2)))
        dropped = await store.reserve(hold((LYON, TABLE, 1)))
        lapsed = await store.reserve(hold((LYON, TABLE, 1), ttl_seconds=60))
        assert isinstance(shipped, Reserved)
        assert isinstance(dropped, Reserved)
        assert isinstance(lapsed, Reserved)
        await store.confirm(STOREFRONT, shipped.allocation.id, "ORDER-1001")
        await store.fulfil(STOREFRONT, shipped.allocation.id)
        await store.release(STOREFRONT, dropped.allocation.id)
        clock.advance(61)

        entries = await store.read_outbox()

        by_allocation: dict[str, list[AllocationStatus]] = {}
        for entry in entries:
            by_allocation.setdefault(entry.allocation_id, []).append(entry.status)
        assert by_allocation == {
            shipped.allocation.id: [
                AllocationStatus.HELD,
                AllocationStatus.CONFIRMED,
                AllocationStatus.FULFILLED,
            ],
            dropped.allocation.id: [AllocationStatus.HELD, AllocationStatus.RELEASED],
            lapsed.allocation.id: [AllocationStatus.HELD, AllocationStatus.EXPIRED],
        }
        confirmed = next(e for e in entries if e.status is AllocationStatus.CONFIRMED)
        assert confirmed.order_reference == "ORDER-1001"
        assert confirmed.lines == (StockLine(LYON, TABLE, 2),)

    async def test_a_failed_or_replayed_reserve_publishes_nothing(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 1})
        await store.reserve(hold((LYON, TABLE, 2)))
        await store.reserve(hold((LYON, TABLE, 1), key="checkout-1"))
        await store.reserve(hold((LYON, TABLE, 1), key="checkout-1"))

        assert [e.status for e in await store.read_outbox()] == [AllocationStatus.HELD]

    async def test_only_a_confirmed_allocation_can_be_fulfilled(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 1})
        outcome = await store.reserve(hold((LYON, TABLE, 1)))
        assert isinstance(outcome, Reserved)

        with pytest.raises(Exception, match="is HELD; it cannot be fulfilled"):
            await store.fulfil(STOREFRONT, outcome.allocation.id)


class TestConcurrency:
    async def test_1000_concurrent_single_unit_commits_against_10_units_hold_exactly_10(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})

        outcomes = await asyncio.gather(
            *(store.reserve(hold((LYON, TABLE, 1))) for _ in range(1000))
        )

        assert sum(isinstance(outcome, Reserved) for outcome in outcomes) == 10
        assert await store.atp([TABLE], [LYON]) == {TABLE: {LYON: 0}}

    async def test_500_carts_never_take_more_than_the_100_units_there_are(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 100})
        await store.set_levels(MARSEILLE, {SOFA: 1000})
        rng = random.Random(20261122)
        carts = []
        for _ in range(500):
            first = rng.randint(1, 4)
            second = rng.randint(1, 5 - first)
            # Two lines of the same SKU at the same node, and a line in another slot.
            carts.append(hold((LYON, TABLE, first), (MARSEILLE, SOFA, 1), (LYON, TABLE, second)))

        outcomes = await asyncio.gather(*(store.reserve(cart) for cart in carts))

        committed = sum(
            line.quantity
            for outcome in outcomes
            if isinstance(outcome, Reserved)
            for line in outcome.allocation.lines
            if line.sku == TABLE
        )
        carts_held = sum(isinstance(outcome, Reserved) for outcome in outcomes)
        assert 0 < committed <= 100
        assert await store.atp([TABLE, SOFA], [LYON, MARSEILLE]) == {
            TABLE: {LYON: 100 - committed, MARSEILLE: 0},
            SOFA: {LYON: 0, MARSEILLE: 1000 - carts_held},
        }
