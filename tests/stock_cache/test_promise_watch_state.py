"""Promise watches' state beside every store: a bounded number of watches a client, what each
saw, and the promise stream the endpoints' lanes read in order."""

from __future__ import annotations

from stock_cache import StockStore
from stock_cache.webhook_redis import webhook_state
from stock_cache.webhook_state import START, PromiseWatch, WatchSeen
from tests.stock_cache.support import MARKETPLACE, STOREFRONT, TABLE, FakeClock


def chair_watch(number: int, client: str = STOREFRONT) -> PromiseWatch:
    return PromiseWatch(
        id=f"pw_{client}_{number}",
        endpoint_id=f"ep_{client}",
        client_id=client,
        channel="web-fr",
        skus=(TABLE,),
        request='{"lines": [], "destination": {"storeId": "LYON-PART-DIEU"}}',
        created_at_ms=number,
    )


async def test_a_client_keeps_at_most_its_bound_of_watches_and_others_are_not_counted(
    store: StockStore, clock: FakeClock
) -> None:
    state = webhook_state(store, clock=clock)
    assert [await state.add_watch(chair_watch(n), 2) for n in range(3)] == [True, True, False]
    assert await state.add_watch(chair_watch(0, MARKETPLACE), 2)
    assert not await state.remove_watch(MARKETPLACE, chair_watch(0).id)  # not its own
    assert await state.remove_watch(STOREFRONT, chair_watch(0).id)
    assert await state.add_watch(chair_watch(3), 2)
    assert [w.id for w in await state.watches()] == [
        chair_watch(0, MARKETPLACE).id,
        chair_watch(1).id,
        chair_watch(3).id,
    ]
    assert (await state.watches())[1] == chair_watch(1)


async def test_what_a_watch_saw_is_kept_and_goes_with_it(
    store: StockStore, clock: FakeClock
) -> None:
    state = webhook_state(store, clock=clock)
    await state.add_watch(chair_watch(1), 5)
    await state.save_seen(chair_watch(1).id, WatchSeen("digest-1", 1_767_229_200_000))
    assert await state.seen() == {chair_watch(1).id: WatchSeen("digest-1", 1_767_229_200_000)}
    await state.remove_watch(STOREFRONT, chair_watch(1).id)
    assert await state.seen() == {}


async def test_the_promise_stream_is_read_in_order_from_a_position(
    store: StockStore, clock: FakeClock
) -> None:
    state = webhook_state(store, clock=clock)
    assert await state.promise_head() == START
    first = await state.append_promise("ep_a", clock.now_ms, '{"n": 1}')
    second = await state.append_promise("ep_b", clock.now_ms, '{"n": 2}')
    assert await state.promise_head() == second
    read = await state.promise_after(START, 10)
    assert [(e.position, e.endpoint_id, e.data) for e in read] == [
        (first, "ep_a", '{"n": 1}'),
        (second, "ep_b", '{"n": 2}'),
    ]
    assert [e.endpoint_id for e in await state.promise_after(first, 10)] == ["ep_b"]
    assert await state.promise_after(second, 10) == []
