"""What a product page costs Redis on the demo network: counted, never timed.

The demo's `web-fr` profile filters on daily capacity, so a product page reads the orders its
capacity-bound candidates took today beside their stock. Those reads must not grow with the
candidates: one script for them all on a single server (sent in the same round trip as the
stock read), one per hash slot on a cluster, in one round trip per cluster node.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from gateway.app import create_app, seed_stock
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from network_loader.network_files import load_network, load_stock_levels
from network_loader.stock_rules import load_stock_rules
from stock_cache.url import store_from_url
from tests.gateway.conftest import MONDAY_10_PARIS, STOREFRONT, production_settings
from tests.gateway.http_support import auth
from tests.redis_cluster import RedisClusterNodes
from tests.redis_server import RedisServer
from tests.stock_cache.redis_costs import Cost, CostMeter
from tests.stock_cache.support import FakeClock

PDP = """query Pdp($sku: String!, $pc: String!) {
  availability(skus: [$sku], near: {postcode: {country: "FR", postcode: $pc}}, first: 5) {
    ... on Availability { items { sku total nodes { node { id } atp distanceKm } } } }
  deliveryOptions(input: {lines: [{sku: $sku, quantity: 1}], kinds: [HOME_STANDARD],
    orderTime: "2026-11-23T10:00:00+01:00",
    destination: {postcode: {country: "FR", postcode: $pc}}}) {
    ... on DeliveryOptions { options { kind promisedDate priceCents } }
    ... on Problem { code } } }"""
PAGES = [("OAK-TABLE-120", "69003"), ("LINEN-DUVET-220", "75011"), ("OAK-CHAIR", "13001")]


@dataclass(frozen=True, slots=True)
class Backend:
    store_url: str
    # The gateway's own state (API keys, rate-limit buckets): on Redis for the single server.
    state_url: str
    ports: tuple[int, ...]


@pytest.fixture(params=["redis", "cluster"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "redis":
        url: str = request.getfixturevalue("fresh_redis_url")
        server: RedisServer = request.getfixturevalue("redis_server")
        return Backend(url, url, (server.port,))
    cluster: RedisClusterNodes = request.getfixturevalue("redis_cluster")
    return Backend(cluster.url(), "memory://", cluster.ports)


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway on the demo network, its stock on `backend` under a key prefix of its own."""
    network = load_network(DEFAULT_NETWORK_DIR)
    store = store_from_url(
        backend.store_url,
        rules=load_stock_rules(DEFAULT_NETWORK_DIR, network).rules,
        key_prefix=f"pdp-{uuid.uuid4().hex[:8]}",
    )
    await seed_stock(store, load_stock_levels(DEFAULT_NETWORK_DIR, network=network))
    clock = FakeClock(MONDAY_10_PARIS.timestamp())
    # Publication's start-up refresh of every SKU is background work, not the page's: off
    # here; the live follower and the watches look once at start-up, then not in the test.
    settings = production_settings(
        store_url=backend.state_url, publish_every_seconds=0.0, live_every_seconds=3600.0
    )
    app = create_app(settings, clock=clock, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw.test") as client,
    ):
        yield client
    await store.close()


async def page(http: httpx.AsyncClient, sku: str, postcode: str) -> None:
    response = await http.post(
        "/graphql",
        json={"query": PDP, "variables": {"sku": sku, "pc": postcode}},
        headers=auth(STOREFRONT),
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "errors" not in answer, answer
    assert answer["data"]["deliveryOptions"]["options"], answer


async def test_a_product_page_costs_round_trips_that_do_not_grow_with_the_candidates(
    backend: Backend, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    meter = CostMeter(backend.ports, monkeypatch)
    # Scripts loaded, the cluster's slots learnt, the bucket's lease taken: the steady state.
    for sku, postcode in PAGES:
        await page(http, sku, postcode)

    costs: list[Cost] = []
    for sku, postcode in PAGES:
        _, cost = await meter.measure(page(http, sku, postcode))
        costs.append(cost)

    single = len(backend.ports) == 1
    for cost in costs:
        # A rate-limit lease (the shopper's bucket, the client's: one script each, which asks
        # Redis for its TIME) runs once per lease, not per request: test_rate_leases.py counts
        # them. What is left is the request's reads of stock and capacity.
        leases = cost.commands.get("time", 0)
        trips = cost.round_trips - leases
        scripts = cost.commands.get("fcall", 0) + cost.commands.get("evalsha", 0) - leases
        assert trips >= 1, cost  # the page's own reads are counted
        if single:
            # Stock and capacity: one script each (28 capacity scripts before), started in
            # one step and so sent in one round trip (two before: the page's two root fields).
            assert trips <= 1, cost
            assert scripts <= 2, cost
        else:
            # The generations, the stock script, and the capacity scripts (each node's keys
            # hold a slot of their own) in one round trip per cluster node: never one per
            # candidate.
            assert trips <= 2 + len(backend.ports), cost
