"""promise.changed webhooks: an admin watches a cart's promise at a destination for one of its
endpoints, and a real receiver on loopback gets a signed event, in order, each time what a
shopper would see changes (the last units committed by another client, an order-by passed),
and none when nothing did. On the embedded store and on Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.admission.api_keys import key_digest
from gateway.app import create_app
from gateway.ops.settings import Secret
from gateway.service.promise_watches import MAX_WATCHES_PER_CLIENT
from stock_cache import Reserved, ReserveRequest, StockLine
from tests.gateway.conftest import api_keys_setting, production_settings
from tests.gateway.graphql_client import JSON, GraphQLClient
from tests.gateway.webhook_receiver import Received, receiver
from tests.stock_cache.support import FakeClock

ORDERS_KEY = "key-order-system-0009"
LYON_3RD = {"postcode": {"postcode": "69003", "country": "FR"}}
ONE_CHAIR = [{"sku": "OAK-CHAIR", "quantity": 1}]

REGISTER = """
mutation Register($input: RegisterWebhookEndpointInput!) {
  registerWebhookEndpoint(input: $input) {
    ... on WebhookEndpointRegistered { endpoint { id secret } }
  }
}"""
WATCH = """
mutation Watch($input: WatchPromiseInput!) {
  watchPromise(input: $input) {
    __typename
    ... on PromiseWatchRegistered { watch { id endpointId skus } }
    ... on Problem { code field message }
  }
}"""
UNWATCH = """
mutation Unwatch($id: String!) {
  unwatchPromise(id: $id) { __typename ... on Problem { code field } }
}"""


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("seeded_redis_url"))


@pytest.fixture
async def app(store_url: str, clock: FakeClock) -> AsyncIterator[Starlette]:
    orders = {"sha256": key_digest(ORDERS_KEY), "client": "order-system", "channel": "web-fr",
              "scopes": ["admin", "allocation:write"], "kind": "server"}  # fmt: skip
    keys = json.dumps([*json.loads(api_keys_setting()), orders])
    # The watches are evaluated by the test's own passes: the background one sleeps. A
    # registration computes the promise twice (its typed check, then what the watch saw):
    # on a machine others load, more than one request's usual 2 s.
    settings = production_settings(
        api_keys=Secret(keys),
        store_url=store_url,
        live_every_seconds=3600.0,
        request_timeout_seconds=10.0,
    )
    gateway = create_app(settings, clock=clock)
    async with gateway.router.lifespan_context(gateway):
        yield gateway


@pytest.fixture
def orders(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, api_key=ORDERS_KEY)


async def endpoint(orders: GraphQLClient, url: str, types: list[str]) -> dict[str, str]:
    reply = await orders.execute(REGISTER, {"input": {"url": url, "eventTypes": types}})
    assert reply.data is not None, reply.body
    found: dict[str, str] = reply.data["registerWebhookEndpoint"]["endpoint"]
    return found


async def watch(orders: GraphQLClient, endpoint_id: str, lines: list[JSON] = ONE_CHAIR) -> JSON:
    asked = {"endpointId": endpoint_id, "lines": lines, "destination": LYON_3RD}
    reply = await orders.execute(WATCH, {"input": asked})
    assert reply.data is not None, reply.body
    found: JSON = reply.data["watchPromise"]
    return found


def nodes(answer: dict[str, Any]) -> set[str]:
    return {s["node"]["id"] for o in answer.get("options", ()) for s in o["shipments"]}


async def take_lyons_last_chairs(app: Starlette) -> None:
    """Another client holds the 4 chairs Lyon Part-Dieu may sell (6 on hand, 2 kept back)."""
    line = StockLine("LYON-PART-DIEU", "OAK-CHAIR", 4)
    request = ReserveRequest("storefront-fr", "other-cart-1", "cart", (line,), 900)
    assert isinstance(await app.state.promise_service.store.reserve(request), Reserved)


async def test_a_watched_promise_is_pushed_signed_when_another_client_takes_the_last_units(
    app: Starlette, orders: GraphQLClient
) -> None:
    sender = app.state.promise_service.webhooks
    received = Received()
    with receiver(received) as url:
        hook = await endpoint(orders, url, ["PROMISE_CHANGED"])
        received.secret = hook["secret"]
        watched = await watch(orders, hook["id"])
        assert watched["__typename"] == "PromiseWatchRegistered", watched
        assert await sender.run_once() == 0  # nothing changed yet

        await take_lyons_last_chairs(app)
        assert await sender.run_once() == 1
        assert await sender.run_once() == 0

    assert received.bad_signatures == 0
    [event] = received.events
    assert event["type"] == "promise.changed"
    assert event["data"]["watchId"] == watched["watch"]["id"]
    assert event["data"]["lines"] == ONE_CHAIR
    assert "LYON-PART-DIEU" not in nodes(event["data"]["answer"])
    assert [key.startswith("prm_") for key in received.taken] == [True]


async def test_watched_promises_are_pushed_in_order_as_the_order_by_passes(
    app: Starlette, orders: GraphQLClient, clock: FakeClock
) -> None:
    sender = app.state.promise_service.webhooks
    received = Received()
    with receiver(received) as url:
        hook = await endpoint(orders, url, ["PROMISE_CHANGED"])
        received.secret = hook["secret"]
        assert (await watch(orders, hook["id"]))["__typename"] == "PromiseWatchRegistered"
        await take_lyons_last_chairs(app)
        await sender.run_once()
        first = received.events[-1]["data"]["answer"]
        order_by = min(datetime.fromisoformat(o["orderBy"]) for o in first["options"])

        clock.now = order_by.timestamp() + 1
        assert await sender.run_once() == 1

    first_seen, second_seen = (e["data"]["answer"] for e in received.events)
    assert first_seen == first
    assert all(datetime.fromisoformat(o["orderBy"]) > order_by for o in second_seen["options"])


async def test_a_watch_is_refused_naming_the_field_and_nothing_is_kept(
    app: Starlette, orders: GraphQLClient
) -> None:
    sender = app.state.promise_service.webhooks
    with receiver(Received()) as url:
        held_only = await endpoint(orders, url, ["ALLOCATION_HELD"])
        promised = await endpoint(orders, url, ["PROMISE_CHANGED"])
    unknown = await watch(orders, "ep_not-mine")
    assert (unknown["__typename"], unknown["field"]) == ("InvalidInput", "input.endpointId")
    deaf = await watch(orders, held_only["id"])
    assert (deaf["__typename"], deaf["field"]) == ("InvalidInput", "input.endpointId")
    bad_sku = await watch(orders, promised["id"], [{"sku": "NO-SUCH-SKU", "quantity": 1}])
    assert (bad_sku["__typename"], bad_sku["field"]) == ("UnknownSku", "input.lines[0].sku")
    assert await sender.state.watches() == []


async def test_a_client_holds_a_bounded_number_of_watches(
    app: Starlette, orders: GraphQLClient
) -> None:
    with receiver(Received()) as url:
        hook = await endpoint(orders, url, ["PROMISE_CHANGED"])
    kept = [await watch(orders, hook["id"]) for _ in range(MAX_WATCHES_PER_CLIENT)]
    assert {w["__typename"] for w in kept} == {"PromiseWatchRegistered"}
    refused = await watch(orders, hook["id"])
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", "input")
    assert "at most 100" in refused["message"]

    gone = await orders.execute(UNWATCH, {"id": kept[0]["watch"]["id"]})
    assert gone.data == {"unwatchPromise": {"__typename": "PromiseWatchRemoved"}}
    assert (await watch(orders, hook["id"]))["__typename"] == "PromiseWatchRegistered"
    again = await orders.execute(UNWATCH, {"id": kept[0]["watch"]["id"]})
    assert again.data == {"unwatchPromise": {"__typename": "InvalidInput", "code": "INVALID_INPUT",
                                             "field": "id"}}  # fmt: skip
