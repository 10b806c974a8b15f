"""One time budget per request: a Redis that stops answering (SIGSTOP) gets a typed answer from
the request's deadline, with the rate limiter and the store spending one budget in series.

The redis-server is the test's own (tests/redis_server.py), paused and always resumed. The
budget (0.5 s) is below the store's socket timeout (1 s), so the answer can only come from the
deadline: its message says so. Each wait is bounded, so a request that never answers fails
the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette

from gateway.app import safety_by_node, seed_stock
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from gateway.service.bounded_store import BoundedStore
from network_loader.network_files import load_network, load_stock_levels
from stock_cache.url import store_from_url
from tests.gateway.conftest import KEY_OF, LYON_CART, STOREFRONT, production_settings
from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.gateway.http_support import serving
from tests.redis_server import RestartableRedis, restartable_redis
from tests.stock_cache.support import FakeClock
from tests.stock_cache.test_store_pauses import server_pid

# A redis-server of the module's own: a process.
pytestmark = pytest.mark.subprocess

BUDGET_SECONDS = 0.5
# Far beyond the budget: only a request that never answers reaches it.
NEVER = 30.0
LYON_3RD = {"postcode": {"postcode": "69003"}}


@pytest.fixture
def redis_of_its_own() -> Iterator[RestartableRedis]:
    with restartable_redis() as server:
        yield server


@contextlib.contextmanager
def paused(server: RestartableRedis) -> Iterator[None]:
    pid = server_pid(server.port)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@pytest.fixture
async def app_and_storefront(
    redis_of_its_own: RestartableRedis, clock: FakeClock
) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    url = redis_of_its_own.url()
    network = load_network(DEFAULT_NETWORK_DIR)
    store = store_from_url(url, safety_by_node=safety_by_node(network))
    try:
        await seed_stock(store, load_stock_levels(DEFAULT_NETWORK_DIR, network=network))
    finally:
        await store.close()
    settings = production_settings(store_url=url, request_timeout_seconds=BUDGET_SECONDS)
    async with serving(settings, clock) as (app, http):
        yield app, GraphQLClient(http, api_key=KEY_OF[STOREFRONT])


def answered_at_deadline(app: Starlette) -> int:
    store = app.state.promise_service.store
    assert isinstance(store, BoundedStore)
    return store.past_deadline


async def an_option(storefront: GraphQLClient, when: str) -> JSON:
    cart = [line(sku, quantity) for sku, quantity in LYON_CART]
    result = await storefront.delivery_options(cart, LYON_3RD, order_time=when)
    assert result["__typename"] == "DeliveryOptions", result
    option: JSON = result["options"][0]
    return option


async def test_a_commit_into_a_paused_redis_is_unknown_within_the_budget_and_its_key_settles_it(
    app_and_storefront: tuple[Starlette, GraphQLClient],
    redis_of_its_own: RestartableRedis,
    monday_10: str,
) -> None:
    app, storefront = app_and_storefront
    option = await an_option(storefront, monday_10)
    skus = [sku for sku, _ in LYON_CART]
    before = await storefront.total_atp(skus)

    with paused(redis_of_its_own):
        answer = await asyncio.wait_for(
            storefront.commit(option["quoteToken"], "order-2301-attempt"), NEVER
        )

    assert answer["__typename"] == "TemporarilyUnavailable", answer
    assert answer["code"] == "OUTCOME_UNKNOWN"
    assert "within the request's time" in answer["message"]
    assert "same idempotency key" in answer["message"]
    assert answered_at_deadline(app) == 1
    # The same key, once Redis answers, settles it: one allocation, its units held once.
    again = await asyncio.wait_for(
        storefront.commit(option["quoteToken"], "order-2301-attempt"), NEVER
    )
    assert again["__typename"] == "Allocation", again
    held = {item["sku"]: item["quantity"] for s in again["shipments"] for item in s["lines"]}
    after = await storefront.total_atp(skus)
    assert {sku: before[sku] - after[sku] for sku in skus} == held


async def test_a_read_of_a_paused_redis_is_temporarily_unavailable_within_the_budget(
    app_and_storefront: tuple[Starlette, GraphQLClient], redis_of_its_own: RestartableRedis
) -> None:
    app, storefront = app_and_storefront
    with paused(redis_of_its_own):
        answer = await asyncio.wait_for(storefront.availability(["OAK-CHAIR"]), NEVER)

    assert answer["__typename"] == "TemporarilyUnavailable", answer
    assert answer["code"] == "TEMPORARILY_UNAVAILABLE"
    # The rate limiter (the same Redis) gave up on its share and admitted the request; the
    # store's read then answered at the deadline.
    assert answered_at_deadline(app) == 1
    assert (await storefront.total_atp(["OAK-CHAIR"]))["OAK-CHAIR"] > 0


async def test_delivery_options_of_a_paused_redis_are_temporarily_unavailable_within_the_budget(
    app_and_storefront: tuple[Starlette, GraphQLClient], redis_of_its_own: RestartableRedis
) -> None:
    # The storefront's profile filters on daily capacity: its stock and capacity reads are
    # both under way, each answered by the deadline (the capacity read started when asked).
    app, storefront = app_and_storefront
    cart = [line(sku, quantity) for sku, quantity in LYON_CART]
    with paused(redis_of_its_own):
        answer = await asyncio.wait_for(storefront.delivery_options(cart, LYON_3RD), NEVER)

    assert answer["__typename"] == "TemporarilyUnavailable", answer
    assert answer["code"] == "TEMPORARILY_UNAVAILABLE"
    assert answered_at_deadline(app) >= 1
    assert (await storefront.delivery_options(cart, LYON_3RD))["__typename"] == "DeliveryOptions"
