"""Leased rate-limit points: most requests skip Redis, and the shared bucket still holds.

Script calls are counted on a redis-server of this module's own (`INFO commandstats` deltas
of EVALSHA), never timed. The workers' leases lapse on a clock the tests move; the shared
bucket leaks on Redis's own clock, so the tests that would notice its leak make it negligible.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis

from gateway.ops.state import BucketAnswer, RedisState
from tests.redis_server import RedisServer, running_redis
from tests.stock_cache.redis_costs import CostMeter
from tests.stock_cache.support import FakeClock

# The production defaults (gateway/ops/settings.py): a lease of 12.5 points.
CAPACITY = 1000
PER_SECOND = 50.0
SHOPPER = "storefront-fr"

Opener = Callable[..., RedisState]


@pytest.fixture(scope="module")
def own_redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """The workers' clock, on which their leases lapse."""
    return FakeClock()


@pytest.fixture
async def open_state(own_redis: RedisServer, clock: FakeClock) -> AsyncIterator[Opener]:
    """Opens RedisState objects (one per gateway worker) on an empty Redis; closes them."""
    opened: list[RedisState] = []

    def opener(**lease: Any) -> RedisState:
        client = Redis.from_url(own_redis.url(), decode_responses=True)
        opened.append(RedisState(client, clock=clock, **lease))
        return opened[-1]

    flusher = Redis.from_url(own_redis.url())
    await flusher.flushdb()
    yield opener
    for state in opened:
        await state.close()
    await flusher.flushdb()
    await flusher.aclose()


@pytest.fixture
def script_calls(
    own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Awaitable[Any]], Awaitable[int]]:
    """Awaits a call and answers how many times Redis ran a script meanwhile."""
    meter = CostMeter([own_redis.port], monkeypatch)

    async def count(call: Awaitable[Any]) -> int:
        _, cost = await meter.measure(call)
        return cost.commands.get("evalsha", 0) + cost.commands.get("eval", 0)

    return count


async def warmed(state: RedisState) -> RedisState:
    """The state with its script loaded, so that no NOSCRIPT retry blurs the counts."""
    await state.admit("warm-up", 1, capacity=CAPACITY, per_second=PER_SECOND)
    return state


async def admit_many(
    state: RedisState,
    count: int,
    cost: int = 1,
    *,
    capacity: int = CAPACITY,
    per_second: float = PER_SECOND,
    client: str = SHOPPER,
) -> list[BucketAnswer]:
    return [
        await state.admit(client, cost, capacity=capacity, per_second=per_second)
        for _ in range(count)
    ]


async def test_a_hundred_requests_of_one_client_make_a_few_script_calls(
    open_state: Opener, script_calls: Callable[[Awaitable[Any]], Awaitable[int]]
) -> None:
    unleased = await warmed(open_state(lease_fraction=0.0))  # every lease is the cost
    leased = await warmed(open_state())

    before = await script_calls(admit_many(unleased, 100, client="marketplace-eu"))
    after = await script_calls(admit_many(leased, 100))
    roomy = await script_calls(
        admit_many(leased, 100, 11, capacity=100_000, per_second=10_000, client="ops-admin")
    )

    assert before == 100
    assert after == 8  # leases of 12.5 points, none lapsing: the clock stands still
    assert roomy == 1  # one lease of 2,500 points covers the 1,100 the requests cost


async def test_the_level_served_from_credit_adds_what_the_worker_spent(
    open_state: Opener,
) -> None:
    state = open_state(lease_seconds=1000.0)  # a lease of 100 points that outlives the test

    answers = await admit_many(state, 5, 3, per_second=0.4)

    assert all(answer.admitted for answer in answers)
    assert [round(answer.level) for answer in answers] == [3, 6, 9, 12, 15]


async def test_two_workers_never_admit_more_than_the_shared_bucket_holds(
    open_state: Opener,
) -> None:
    # Leases of 100 points that never lapse here; Redis leaks one point in 10,000 s.
    per_second, lease_seconds = 0.0001, 1_000_000.0
    workers = [open_state(lease_seconds=lease_seconds) for _ in range(2)]
    lease = workers[0].lease_points(1, capacity=CAPACITY, per_second=per_second)
    admitted = 0
    for turn in range(600):
        cost = 1 + turn % 7
        answer = await workers[turn % 2].admit(
            SHOPPER, cost, capacity=CAPACITY, per_second=per_second
        )
        admitted += cost if answer.admitted else 0

    assert lease == 100
    assert admitted <= CAPACITY
    # Each worker strands at most one lease's credit, and a refused cost is at most 7.
    assert admitted >= CAPACITY - 2 * lease - 7


async def test_concurrent_tasks_of_two_workers_never_overspend_their_leases(
    open_state: Opener,
) -> None:
    per_second = 0.0001  # one point leaked in 10,000 s
    workers = [open_state(lease_seconds=1_000_000.0) for _ in range(2)]  # leases of 100
    costs = [1 + n % 5 for n in range(800)]  # 2,400 points asked of 1,000

    answers: list[BucketAnswer] = []
    for wave in range(0, len(costs), 50):  # within redis-py's 100 connections per pool
        answers += await asyncio.gather(
            *(
                workers[n % 2].admit(SHOPPER, costs[n], capacity=CAPACITY, per_second=per_second)
                for n in range(wave, wave + 50)
            )
        )

    admitted = sum(cost for cost, answer in zip(costs, answers, strict=True) if answer.admitted)
    assert admitted <= CAPACITY
    assert admitted >= CAPACITY - 2 * 100 - 5  # a lease of 100 stranded per worker at most


async def test_a_burst_of_tasks_in_one_worker_takes_one_lease_not_one_each(
    open_state: Opener,
    own_redis: RedisServer,
    script_calls: Callable[[Awaitable[Any]], Awaitable[int]],
) -> None:
    state = open_state(lease_seconds=1_000_000.0)  # leases of 100 points, a negligible refill
    raw = Redis.from_url(own_redis.url(), decode_responses=True)

    burst = await asyncio.gather(
        *(state.admit(SHOPPER, 1, capacity=CAPACITY, per_second=0.0001) for _ in range(50))
    )
    stored = float(await raw.hget(f"gw:bucket:{{{SHOPPER}}}", "level") or 0)
    await raw.aclose()
    after = await script_calls(admit_many(state, 99, per_second=0.0001))

    assert all(answer.admitted for answer in burst)
    # The first task leased 100 points; the 49 that came while it waited took 1 point each.
    assert stored == pytest.approx(149, abs=0.01)
    assert after == 0  # the lease's 99 points left cover the next 99 requests


async def test_a_refusal_comes_from_redis_with_a_retry_after(
    open_state: Opener, script_calls: Callable[[Awaitable[Any]], Awaitable[int]]
) -> None:
    # A refill of 0.0001 point/s is negligible; leases of 100 points that never lapse here.
    state = await warmed(open_state(lease_seconds=1_000_000.0))
    per_second = 0.0001
    await admit_many(state, 1, 950, per_second=per_second)
    spent = await admit_many(state, 50, per_second=per_second)  # one lease of the last 50

    refusals: list[BucketAnswer] = []
    calls = await script_calls(_collect(refusals, admit_many(state, 1, 2, per_second=per_second)))

    assert all(answer.admitted for answer in spent)
    assert calls == 1
    (refused,) = refusals
    assert not refused.admitted
    assert refused.retry_after_seconds > 0
    assert refused.level > CAPACITY - 2


async def _collect(into: list[BucketAnswer], call: Awaitable[list[BucketAnswer]]) -> None:
    into.extend(await call)


async def test_credit_expires_and_the_next_request_asks_redis_again(
    open_state: Opener, clock: FakeClock, script_calls: Callable[[Awaitable[Any]], Awaitable[int]]
) -> None:
    # A lease of min(100 x 0.5, 1000 x 0.1) = 50 points, for half a second.
    state = await warmed(open_state(lease_seconds=0.5))
    per_second = 100.0

    first = await script_calls(admit_many(state, 1, per_second=per_second))
    clock.advance(0.49)
    from_credit = await script_calls(admit_many(state, 1, per_second=per_second))
    clock.advance(0.02)
    expired = await script_calls(admit_many(state, 1, per_second=per_second))

    assert (first, from_credit, expired) == (1, 0, 1)


async def test_a_cost_above_the_lease_is_taken_exactly_and_leaves_no_credit(
    open_state: Opener,
    own_redis: RedisServer,
    script_calls: Callable[[Awaitable[Any]], Awaitable[int]],
) -> None:
    # Leases of 100 points (a tenth of the capacity), a negligible refill.
    state = await warmed(open_state(lease_seconds=1_000_000.0))
    raw = Redis.from_url(own_redis.url(), decode_responses=True)
    key = f"gw:bucket:{{{SHOPPER}}}"

    calls = await script_calls(admit_many(state, 2, 150, per_second=0.0001))
    exact = float(await raw.hget(key, "level") or 0)
    await admit_many(state, 1, 1, per_second=0.0001)
    leased = float(await raw.hget(key, "level") or 0)
    await raw.aclose()

    assert calls == 2  # the first one left no credit for the second
    assert exact == pytest.approx(300, abs=0.01)
    assert leased == pytest.approx(400, abs=0.01)


async def test_a_lease_takes_no_more_than_the_bucket_has_left(
    open_state: Opener, own_redis: RedisServer
) -> None:
    # Capacity 10, leases of 6 points, a negligible refill.
    first, second = (open_state(lease_seconds=1e6, lease_fraction=0.6) for _ in range(2))
    raw = Redis.from_url(own_redis.url(), decode_responses=True)

    a = await first.admit(SHOPPER, 4, capacity=10, per_second=0.00001)  # takes 6, keeps 2
    b = await second.admit(SHOPPER, 3, capacity=10, per_second=0.00001)  # takes the last 4
    stored = float(await raw.hget(f"gw:bucket:{{{SHOPPER}}}", "level") or 0)
    c = await second.admit(SHOPPER, 1, capacity=10, per_second=0.00001)  # from its credit
    d = await second.admit(SHOPPER, 1, capacity=10, per_second=0.00001)  # Redis: full
    await raw.aclose()

    assert (a.admitted, b.admitted, c.admitted, d.admitted) == (True, True, True, False)
    assert stored == pytest.approx(10, abs=0.01)
    assert round(b.level) == 9  # the bucket's 10 less the point the worker still holds
    assert round(c.level) == 10
