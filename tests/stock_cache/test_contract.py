"""The StockStore contract, held by every backend (see BACKENDS in conftest.py)."""

from __future__ import annotations

import asyncio

import pytest

from stock_cache import (
    Allocation,
    AllocationStatus,
    InsufficientStock,
    Reserved,
    Shortage,
    StockStore,
)
from stock_cache.base import ReserveOutcome
from stock_cache.errors import AllocationNotFound, AllocationStateError, IdempotencyConflict
from tests.stock_cache.support import (
    CHAIR,
    LYON,
    MARKETPLACE,
    MARSEILLE,
    PARIS,
    SOFA,
    STOREFRONT,
    TABLE,
    FakeClock,
    hold,
)

HOLD_SECONDS = 900


def held(outcome: ReserveOutcome) -> Allocation:
    """The allocation of a reserve that must have succeeded."""
    assert isinstance(outcome, Reserved), outcome
    return outcome.allocation


async def an_expired_hold(store: StockStore, clock: FakeClock, *, after_seconds: int) -> Allocation:
    """A hold of 1 of Lyon's 10 tables for 60 s, `after_seconds` after it was taken."""
    await store.set_levels(LYON, {TABLE: 10})
    allocation = held(await store.reserve(hold((LYON, TABLE, 1), ttl_seconds=60)))
    clock.advance(after_seconds)
    return allocation


async def table_atp(store: StockStore, node: str = LYON) -> int:
    return (await store.atp([TABLE], [node]))[TABLE][node]


class TestAvailableToPromise:
    async def test_atp_is_on_hand_less_safety_stock_less_reservations(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10, SOFA: 4})
        await store.set_levels(PARIS, {TABLE: 5})
        held(await store.reserve(hold((LYON, TABLE, 3), (PARIS, TABLE, 1))))

        assert await store.atp([TABLE, SOFA], [LYON, PARIS]) == {
            TABLE: {LYON: 7, PARIS: 2},
            SOFA: {LYON: 4, PARIS: 0},
        }

    async def test_atp_never_goes_below_zero_when_safety_stock_exceeds_on_hand(
        self, store: StockStore
    ) -> None:
        await store.set_levels(PARIS, {TABLE: 1})

        assert await table_atp(store, PARIS) == 0

    async def test_unknown_skus_and_nodes_have_zero_atp(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})

        assert await store.atp([TABLE, "GHOST-LAMP"], [LYON, "NOWHERE-NODE"]) == {
            TABLE: {LYON: 10, "NOWHERE-NODE": 0},
            "GHOST-LAMP": {LYON: 0, "NOWHERE-NODE": 0},
        }

    async def test_set_levels_replaces_the_node_and_zeroes_the_skus_left_out(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10, SOFA: 4})
        await store.set_levels(LYON, {SOFA: 6, CHAIR: 12})

        assert await store.atp([TABLE, SOFA, CHAIR], [LYON]) == {
            TABLE: {LYON: 0},
            SOFA: {LYON: 6},
            CHAIR: {LYON: 12},
        }

    async def test_set_levels_leaves_other_nodes_alone(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        await store.set_levels(MARSEILLE, {TABLE: 3})
        await store.set_levels(LYON, {})

        assert await store.atp([TABLE], [LYON, MARSEILLE]) == {TABLE: {LYON: 0, MARSEILLE: 3}}

    async def test_set_levels_keeps_the_reservations(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        held(await store.reserve(hold((LYON, TABLE, 4))))

        await store.set_levels(LYON, {TABLE: 6})

        assert await table_atp(store) == 2

    async def test_an_empty_question_gets_an_empty_answer(self, store: StockStore) -> None:
        assert await store.atp([], [LYON]) == {}
        assert await store.atp([TABLE], []) == {TABLE: {}}


class TestReserve:
    async def test_reserve_holds_every_line_and_describes_the_new_allocation(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10, SOFA: 4})
        request = hold((LYON, TABLE, 2), (LYON, SOFA, 1), payload='{"plan": "home-standard"}')

        outcome = await store.reserve(request)

        assert isinstance(outcome, Reserved)
        assert not outcome.replayed
        allocation = outcome.allocation
        assert len(allocation.id) == 32
        assert int(allocation.id, 16) >= 0
        assert allocation.client_id == STOREFRONT
        assert allocation.status is AllocationStatus.HELD
        assert allocation.lines == request.lines
        assert allocation.created_at_ms == clock.now_ms
        assert allocation.expires_at_ms == clock.now_ms + HOLD_SECONDS * 1000
        assert allocation.order_reference is None
        assert allocation.payload == '{"plan": "home-standard"}'
        assert await store.get_allocation(STOREFRONT, allocation.id) == allocation
        assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 8}, SOFA: {LYON: 3}}

    async def test_reserve_takes_nothing_when_one_line_is_short(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10, SOFA: 1})

        outcome = await store.reserve(hold((LYON, TABLE, 2), (LYON, SOFA, 3)))

        assert outcome == InsufficientStock((Shortage(LYON, SOFA, requested=3, available=1),))
        assert await store.atp([TABLE, SOFA], [LYON]) == {TABLE: {LYON: 10}, SOFA: {LYON: 1}}

    async def test_every_short_line_is_listed_with_what_is_available(
        self, store: StockStore
    ) -> None:
        await store.set_levels(PARIS, {TABLE: 3, SOFA: 9})

        outcome = await store.reserve(
            hold((PARIS, TABLE, 2), (PARIS, SOFA, 1), (MARSEILLE, CHAIR, 4))
        )

        assert outcome == InsufficientStock(
            (
                Shortage(PARIS, TABLE, requested=2, available=1),
                Shortage(MARSEILLE, CHAIR, requested=4, available=0),
            )
        )

    async def test_lines_naming_the_same_node_and_sku_add_up_before_the_check(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 3})

        outcome = await store.reserve(hold((LYON, TABLE, 2), (LYON, TABLE, 2)))

        assert outcome == InsufficientStock((Shortage(LYON, TABLE, requested=4, available=3),))
        held(await store.reserve(hold((LYON, TABLE, 1), (LYON, TABLE, 2))))
        assert await table_atp(store) == 0

    async def test_a_line_of_quantity_zero_is_refused_by_name(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 3, SOFA: 3})

        with pytest.raises(ValueError, match=r"lines\[1\] \(LINEN-SOFA-3P at LYON-PART-DIEU\)"):
            await store.reserve(hold((LYON, TABLE, 1), (LYON, SOFA, 0)))

        assert await table_atp(store) == 3

    async def test_safety_stock_is_never_reserved(self, store: StockStore) -> None:
        await store.set_levels(PARIS, {TABLE: 5})

        held(await store.reserve(hold((PARIS, TABLE, 3))))
        outcome = await store.reserve(hold((PARIS, TABLE, 1)))

        assert outcome == InsufficientStock((Shortage(PARIS, TABLE, requested=1, available=0),))

    async def test_200_concurrent_single_unit_reserves_of_10_units_hold_exactly_10(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})

        outcomes = await asyncio.gather(
            *(store.reserve(hold((LYON, TABLE, 1))) for _ in range(200))
        )

        assert sum(isinstance(outcome, Reserved) for outcome in outcomes) == 10
        assert await table_atp(store) == 0


class TestIdempotency:
    async def test_a_replay_returns_the_first_allocation_and_reserves_nothing_more(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        first = held(await store.reserve(hold((LYON, TABLE, 2), key="checkout-1")))

        replay = await store.reserve(hold((LYON, TABLE, 2), key="checkout-1"))

        assert replay == Reserved(first, replayed=True)
        assert await table_atp(store) == 8

    async def test_a_replay_succeeds_even_when_the_stock_is_gone_since(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 2})
        first = held(await store.reserve(hold((LYON, TABLE, 2), key="checkout-1")))
        await store.set_levels(LYON, {})

        replay = await store.reserve(hold((LYON, TABLE, 2), key="checkout-1"))

        assert replay == Reserved(first, replayed=True)

    async def test_a_replay_shows_the_allocation_as_it_is_now(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 2})
        first = held(await store.reserve(hold((LYON, TABLE, 1), key="checkout-1")))
        confirmed = await store.confirm(STOREFRONT, first.id, "ORDER-1001")

        replay = await store.reserve(hold((LYON, TABLE, 1), key="checkout-1"))

        assert replay == Reserved(confirmed, replayed=True)

    async def test_the_same_key_with_another_fingerprint_is_a_conflict(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        held(await store.reserve(hold((LYON, TABLE, 2), key="checkout-1")))

        with pytest.raises(IdempotencyConflict, match="checkout-1"):
            await store.reserve(hold((LYON, TABLE, 3), key="checkout-1", fingerprint="cart-v2"))

        assert await table_atp(store) == 8

    async def test_idempotency_keys_are_scoped_per_client(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        ours = held(await store.reserve(hold((LYON, TABLE, 2), key="checkout-1")))

        theirs = await store.reserve(
            hold((LYON, TABLE, 3), key="checkout-1", client=MARKETPLACE, fingerprint="other")
        )

        assert held(theirs).id != ours.id
        assert await table_atp(store) == 5

    async def test_a_failed_reserve_does_not_burn_its_key(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 1})
        short = await store.reserve(hold((LYON, TABLE, 2), key="checkout-1"))
        assert isinstance(short, InsufficientStock)
        await store.set_levels(LYON, {TABLE: 5})

        retry = await store.reserve(hold((LYON, TABLE, 2), key="checkout-1"))

        assert isinstance(retry, Reserved)
        assert not retry.replayed

    async def test_a_key_is_remembered_for_24_hours(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        first = held(await store.reserve(hold((LYON, TABLE, 2), key="checkout-1")))
        clock.advance(24 * 3600 - 1)

        replay = await store.reserve(hold((LYON, TABLE, 2), key="checkout-1"))

        assert isinstance(replay, Reserved)
        assert replay.replayed
        assert replay.allocation.id == first.id
        assert replay.allocation.status is AllocationStatus.EXPIRED


class TestExpiry:
    async def test_an_expired_hold_gives_its_units_back_without_any_sweep(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        held(await store.reserve(hold((LYON, TABLE, 4), ttl_seconds=60)))

        clock.advance(59.999)
        assert await table_atp(store) == 6
        clock.advance(0.001)
        assert await table_atp(store) == 10

    async def test_units_of_an_expired_hold_can_be_reserved_again(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(LYON, {TABLE: 3})
        held(await store.reserve(hold((LYON, TABLE, 3), ttl_seconds=60)))
        clock.advance(61)

        held(await store.reserve(hold((LYON, TABLE, 3))))

        assert await table_atp(store) == 0

    async def test_an_expired_hold_reads_as_expired(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        allocation = await an_expired_hold(store, clock, after_seconds=60)

        now = await store.get_allocation(STOREFRONT, allocation.id)

        assert now is not None
        assert now.status is AllocationStatus.EXPIRED

    async def test_an_expired_hold_cannot_be_confirmed(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        allocation = await an_expired_hold(store, clock, after_seconds=120)

        with pytest.raises(AllocationStateError) as refused:
            await store.confirm(STOREFRONT, allocation.id, "ORDER-1001")

        assert (refused.value.status, refused.value.wanted) == ("EXPIRED", "confirmed")
        assert await table_atp(store) == 10

    async def test_an_expired_hold_cannot_be_released(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        allocation = await an_expired_hold(store, clock, after_seconds=120)

        with pytest.raises(AllocationStateError) as refused:
            await store.release(STOREFRONT, allocation.id)

        assert (refused.value.status, refused.value.wanted) == ("EXPIRED", "released")

    async def test_a_confirmed_allocation_never_expires(
        self, store: StockStore, clock: FakeClock
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 4), ttl_seconds=60)))
        await store.confirm(STOREFRONT, allocation.id, "ORDER-1001")
        clock.advance(30 * 24 * 3600)

        now = await store.get_allocation(STOREFRONT, allocation.id)

        assert now is not None
        assert now.status is AllocationStatus.CONFIRMED
        assert await table_atp(store) == 6


class TestConfirmAndRelease:
    async def test_confirm_attaches_the_order_and_ends_the_expiry(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2))))

        confirmed = await store.confirm(STOREFRONT, allocation.id, "ORDER-1001")

        assert confirmed.status is AllocationStatus.CONFIRMED
        assert confirmed.order_reference == "ORDER-1001"
        assert confirmed.expires_at_ms is None
        assert (confirmed.lines, confirmed.created_at_ms) == (
            allocation.lines,
            allocation.created_at_ms,
        )
        assert await store.get_allocation(STOREFRONT, allocation.id) == confirmed
        assert await table_atp(store) == 8

    async def test_confirming_again_with_the_same_order_changes_nothing(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2))))
        confirmed = await store.confirm(STOREFRONT, allocation.id, "ORDER-1001")

        assert await store.confirm(STOREFRONT, allocation.id, "ORDER-1001") == confirmed
        assert await table_atp(store) == 8

    async def test_confirming_again_with_another_order_is_refused(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2))))
        await store.confirm(STOREFRONT, allocation.id, "ORDER-1001")

        with pytest.raises(AllocationStateError, match="is CONFIRMED; it cannot be confirmed"):
            await store.confirm(STOREFRONT, allocation.id, "ORDER-2002")

    async def test_releasing_a_hold_gives_its_units_back(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2), (LYON, TABLE, 1))))

        released = await store.release(STOREFRONT, allocation.id)

        assert released.status is AllocationStatus.RELEASED
        assert await store.get_allocation(STOREFRONT, allocation.id) == released
        assert await table_atp(store) == 10

    async def test_releasing_a_confirmed_allocation_gives_its_units_back(
        self, store: StockStore
    ) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        await store.set_levels(PARIS, {SOFA: 5})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2), (PARIS, SOFA, 3))))
        await store.confirm(STOREFRONT, allocation.id, "ORDER-1001")

        released = await store.release(STOREFRONT, allocation.id)

        assert released.status is AllocationStatus.RELEASED
        assert released.order_reference == "ORDER-1001"
        assert await store.atp([TABLE, SOFA], [LYON, PARIS]) == {
            TABLE: {LYON: 10, PARIS: 0},
            SOFA: {LYON: 0, PARIS: 3},
        }

    async def test_releasing_twice_changes_nothing(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2))))
        released = await store.release(STOREFRONT, allocation.id)
        held(await store.reserve(hold((LYON, TABLE, 9))))

        assert await store.release(STOREFRONT, allocation.id) == released
        assert await table_atp(store) == 1

    async def test_a_released_allocation_cannot_be_confirmed(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2))))
        await store.release(STOREFRONT, allocation.id)

        with pytest.raises(AllocationStateError, match="is RELEASED; it cannot be confirmed"):
            await store.confirm(STOREFRONT, allocation.id, "ORDER-1001")

    async def test_another_clients_allocation_is_not_found(self, store: StockStore) -> None:
        await store.set_levels(LYON, {TABLE: 10})
        allocation = held(await store.reserve(hold((LYON, TABLE, 2))))

        assert await store.get_allocation(MARKETPLACE, allocation.id) is None
        with pytest.raises(AllocationNotFound):
            await store.confirm(MARKETPLACE, allocation.id, "ORDER-1001")
        with pytest.raises(AllocationNotFound):
            await store.release(MARKETPLACE, allocation.id)
        assert await table_atp(store) == 8

    async def test_an_unknown_allocation_is_not_found(self, store: StockStore) -> None:
        assert await store.get_allocation(STOREFRONT, "no-such-allocation") is None
        with pytest.raises(AllocationNotFound, match="no-such-allocation"):
            await store.confirm(STOREFRONT, "no-such-allocation", "ORDER-1001")
        with pytest.raises(AllocationNotFound, match="no-such-allocation"):
            await store.release(STOREFRONT, "no-such-allocation")

    async def test_a_reachable_store_answers_ping(self, store: StockStore) -> None:
        await store.ping()
