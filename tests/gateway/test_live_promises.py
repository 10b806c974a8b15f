"""Live promises over a real WebSocket: the gateway served by uvicorn on a loopback port (the
app built in process on a FakeClock the tests move), a `gql` client speaking
graphql-transport-ws, and a second client committing over HTTP.

Nothing waits for a deadline: each test moves the clock or commits, then waits for the client
to receive the push (bounded by `PUSH_TIMEOUT_SECONDS`, which only a failure reaches).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from starlette.applications import Starlette
from websockets.exceptions import ConnectionClosed

from gateway.admission.api_keys import key_digest
from gateway.app import create_app
from gateway.ops.settings import Secret
from tests.gateway.conftest import (
    GRAPHQL_RESPONSE,
    KEY_OF,
    LYON_CART,
    STOREFRONT,
    TEST_KEYS,
    demo_files,
    production_settings,
)
from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.gateway.http_support import served_by_uvicorn
from tests.stock_cache.support import FakeClock

PUSH_TIMEOUT_SECONDS = 10.0
# The start loads the postcode table (seconds; more on a loaded machine).
START_TIMEOUT_SECONDS = 120.0
APPLY = """
mutation Apply($input: ApplyStockEventsInput!) {
  applyStockEvents(input: $input) { __typename ... on StockEventsApplied { results { status } } }
}
"""
LYON_3RD = {"postcode": {"postcode": "69003"}}
# Another checkout of the same shop (its own client id, the same channel).
OTHER_KEY = "key-other-checkout-0007"
OTHER_CLIENT = "other-checkout"

PROMISE_CHANGED = """
subscription Live($input: DeliveryOptionsInput!) {
  promiseChanged(input: $input) {
    __typename
    ... on DeliveryOptions {
      options {
        kind promisedDate orderBy priceCents quoteToken
        shipments { node { id } lines { sku quantity } }
      }
    }
    ... on Problem { code field }
  }
}"""
ALLOCATION_CHANGED = """
subscription Held($id: ID!) {
  allocationChanged(id: $id) {
    __typename
    ... on Allocation { id status orderReference }
    ... on Problem { code field }
  }
}"""


def api_keys() -> str:
    entries = [
        {"sha256": key_digest(key), "client": client, "channel": channel, "scopes": scopes}
        | {"kind": kind}
        for key, client, channel, scopes, kind in TEST_KEYS
    ]
    entries.append(
        {
            "sha256": key_digest(OTHER_KEY),
            "client": OTHER_CLIENT,
            "channel": "web-fr",
            "scopes": ["promise:read", "allocation:write"],
            "kind": "server",
        }
    )
    return json.dumps(entries)


@dataclass
class Served:
    app: Starlette
    port: int
    clock: FakeClock

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def served(clock: FakeClock) -> AsyncIterator[Served]:
    """The gateway on a loopback port, in this test's event loop, following changes every
    20 ms and publishing every 20 ms; a subscription never looks again by itself within a
    test (LIVE_FALLBACK_MS beyond PUSH_TIMEOUT_SECONDS): every push here is a wake."""
    settings = production_settings(
        api_keys=Secret(api_keys()),
        live_every_seconds=0.02,
        live_fallback_seconds=60.0,
        max_subscriptions_per_connection=2,
        publish_every_seconds=0.02,
    )
    app = create_app(settings, clock=clock, files=demo_files())
    options = {"lifespan": "on"}
    async with served_by_uvicorn(app, options=options, bound=START_TIMEOUT_SECONDS) as port:
        yield Served(app, port, clock)


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=served.http_url, headers={"accept": GRAPHQL_RESPONSE}, timeout=10
    ) as client:
        yield client


def live_client(served: Served, init: dict[str, Any]) -> Client:
    transport = WebsocketsTransport(url=served.ws_url, init_payload=init, ping_interval=None)
    return Client(transport=transport, fetch_schema_from_transport=False)


def bearer(key: str) -> dict[str, Any]:
    return {"authorization": f"Bearer {key}"}


def cart(quantities: tuple[tuple[str, int], ...] = LYON_CART) -> list[JSON]:
    return [line(sku, quantity) for sku, quantity in quantities]


async def next_push(pushes: AsyncIterator[dict[str, Any]]) -> JSON:
    async with asyncio.timeout(PUSH_TIMEOUT_SECONDS):
        pushed: JSON = await anext(pushes)
        return pushed


def of_kind(answer: JSON, kind: str) -> JSON:
    found: list[JSON] = [o for o in answer["options"] if o["kind"] == kind]
    assert len(found) == 1, answer
    return found[0]


async def test_a_live_promise_is_pushed_again_when_its_order_by_passes(served: Served) -> None:
    variables = {"input": {"lines": cart(), "destination": LYON_3RD}}
    async with (
        live_client(served, bearer(KEY_OF[STOREFRONT])) as session,
        aclosing(
            session.subscribe(GraphQLRequest(PROMISE_CHANGED, variable_values=variables))
        ) as pushes,
    ):
        first = (await next_push(pushes))["promiseChanged"]
        same_day = of_kind(first, "SAME_DAY")
        assert same_day["promisedDate"] == "2026-11-23"
        order_by = datetime.fromisoformat(same_day["orderBy"])

        served.clock.now = order_by.timestamp() + 1
        second = (await next_push(pushes))["promiseChanged"]

    assert second["__typename"] == "DeliveryOptions"
    later = [o for o in second["options"] if o["kind"] == "SAME_DAY"]
    assert all(o["promisedDate"] > "2026-11-23" for o in later), later
    assert all(datetime.fromisoformat(o["orderBy"]) > order_by for o in second["options"])


def shipped_from(option: JSON) -> list[str]:
    return [shipment["node"]["id"] for shipment in option["shipments"]]


async def test_a_live_promise_is_pushed_again_when_another_client_takes_the_last_unit(
    served: Served, http: httpx.AsyncClient
) -> None:
    other = GraphQLClient(http, api_key=OTHER_KEY)
    # The other checkout holds all but one OAK-CHAIR of the Lyon store (4 beyond its safety
    # stock, stock.csv), so that the shopper's chair is the store's last one.
    three = of_kind(await other.delivery_options(cart((("OAK-CHAIR", 3),)), LYON_3RD), "SAME_DAY")
    assert shipped_from(three) == ["LYON-PART-DIEU"]
    assert (await other.commit(three["quoteToken"], "other-order-1"))["status"] == "HELD"
    variables = {"input": {"lines": cart((("OAK-CHAIR", 1),)), "destination": LYON_3RD}}
    request = GraphQLRequest(PROMISE_CHANGED, variable_values=variables)
    async with (
        live_client(served, bearer(KEY_OF[STOREFRONT])) as session,
        aclosing(session.subscribe(request)) as pushes,
    ):
        first = (await next_push(pushes))["promiseChanged"]
        assert shipped_from(of_kind(first, "SAME_DAY")) == ["LYON-PART-DIEU"]
        last = of_kind(
            await other.delivery_options(cart((("OAK-CHAIR", 1),)), LYON_3RD), "SAME_DAY"
        )
        assert (await other.commit(last["quoteToken"], "other-order-2"))["status"] == "HELD"

        second = (await next_push(pushes))["promiseChanged"]

    assert second["__typename"] in ("DeliveryOptions", "NothingInStock"), second
    remaining = second.get("options", [])
    assert all("LYON-PART-DIEU" not in shipped_from(o) for o in remaining), remaining
    assert "SAME_DAY" not in [o["kind"] for o in remaining]


async def same_day_token(storefront: GraphQLClient) -> str:
    """The quote token of the same-day option for the default cart to Lyon 3rd."""
    option = of_kind(await storefront.delivery_options(cart(), LYON_3RD), "SAME_DAY")
    return str(option["quoteToken"])


@asynccontextmanager
async def allocation_pushes(
    served: Served, allocation_id: str
) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """The storefront's `allocationChanged` pushes of one allocation, over a websocket."""
    request = GraphQLRequest(ALLOCATION_CHANGED, variable_values={"id": allocation_id})
    async with (
        live_client(served, bearer(KEY_OF[STOREFRONT])) as session,
        aclosing(session.subscribe(request)) as pushes,
    ):
        yield pushes


async def test_an_allocation_is_pushed_held_then_confirmed_then_released_and_ends(
    served: Served, http: httpx.AsyncClient
) -> None:
    storefront = GraphQLClient(http, api_key=KEY_OF[STOREFRONT])
    held = await storefront.commit(await same_day_token(storefront), "order-live-1")
    async with allocation_pushes(served, held["id"]) as pushes:
        first = (await next_push(pushes))["allocationChanged"]
        assert (first["id"], first["status"]) == (held["id"], "HELD")
        await storefront.confirm(held["id"], "ORDER-77")
        second = (await next_push(pushes))["allocationChanged"]
        assert (second["status"], second["orderReference"]) == ("CONFIRMED", "ORDER-77")
        await storefront.release(held["id"])
        third = (await next_push(pushes))["allocationChanged"]
        assert third["status"] == "RELEASED"
        with pytest.raises(StopAsyncIteration):
            await next_push(pushes)


async def test_a_live_promise_is_pushed_again_when_a_stock_event_empties_its_node(
    served: Served, http: httpx.AsyncClient
) -> None:
    feed = GraphQLClient(http, api_key=KEY_OF["stock-feed"])
    variables = {"input": {"lines": cart((("OAK-CHAIR", 1),)), "destination": LYON_3RD}}
    request = GraphQLRequest(PROMISE_CHANGED, variable_values=variables)
    async with (
        live_client(served, bearer(KEY_OF[STOREFRONT])) as session,
        aclosing(session.subscribe(request)) as pushes,
    ):
        first = (await next_push(pushes))["promiseChanged"]
        assert shipped_from(of_kind(first, "SAME_DAY")) == ["LYON-PART-DIEU"]
        # The store's count: none of its 6 chairs left.
        count = {"eventId": "lyon-count-1", "nodeId": "LYON-PART-DIEU", "sku": "OAK-CHAIR",
                 "sequence": 1, "kind": "COUNT", "quantity": 0}  # fmt: skip
        applied = await feed.execute(APPLY, {"input": {"events": [count]}})
        assert applied.data is not None, applied.body

        second = (await next_push(pushes))["promiseChanged"]

    remaining = second.get("options", [])
    assert all("LYON-PART-DIEU" not in shipped_from(o) for o in remaining), remaining


async def test_an_allocation_is_pushed_expired_when_its_hold_lapses(
    served: Served, http: httpx.AsyncClient
) -> None:
    storefront = GraphQLClient(http, api_key=KEY_OF[STOREFRONT])
    held = await storefront.commit(await same_day_token(storefront), "order-live-2")
    async with allocation_pushes(served, held["id"]) as pushes:
        assert (await next_push(pushes))["allocationChanged"]["status"] == "HELD"
        served.clock.advance(served.app.state.promise_service.network.reservation_ttl_seconds)
        assert (await next_push(pushes))["allocationChanged"]["status"] == "EXPIRED"
        with pytest.raises(StopAsyncIteration):
            await next_push(pushes)


def refusal_code(error: TransportQueryError) -> str:
    assert error.errors, error
    return str(error.errors[0]["extensions"]["code"])


async def test_an_unknown_key_is_refused_at_connection_init(served: Served) -> None:
    with pytest.raises(TransportConnectionFailed) as refused:
        async with live_client(served, bearer("not-a-key")):
            pass
    closed = refused.value.__cause__
    assert isinstance(closed, ConnectionClosed), refused.value
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (4403, "Forbidden")


async def test_a_subscription_needs_its_scope(served: Served) -> None:
    request = GraphQLRequest(ALLOCATION_CHANGED, variable_values={"id": "alloc-1"})
    async with live_client(served, {"apiKey": KEY_OF["stock-feed"]}) as session:
        with pytest.raises(TransportQueryError) as refused:
            async with aclosing(session.subscribe(request)) as pushes:
                await next_push(pushes)
    assert refusal_code(refused.value) == "FORBIDDEN"


async def test_only_subscriptions_are_served_over_websocket(served: Served) -> None:
    request = GraphQLRequest('query { availability(skus: ["OAK-CHAIR"]) { __typename } }')
    async with live_client(served, bearer(KEY_OF[STOREFRONT])) as session:
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(request)
    assert refusal_code(refused.value) == "BAD_REQUEST"
    assert "only subscriptions" in str(refused.value)


async def test_a_connection_holds_a_bounded_number_of_subscriptions(served: Served) -> None:
    variables = {"input": {"lines": cart(), "destination": LYON_3RD}}
    request = GraphQLRequest(PROMISE_CHANGED, variable_values=variables)
    async with (
        live_client(served, bearer(KEY_OF[STOREFRONT])) as session,
        aclosing(session.subscribe(request)) as one,
        aclosing(session.subscribe(request)) as two,
    ):
        assert (await next_push(one))["promiseChanged"]["__typename"] == "DeliveryOptions"
        assert (await next_push(two))["promiseChanged"]["__typename"] == "DeliveryOptions"
        with pytest.raises(TransportQueryError) as refused:
            async with aclosing(session.subscribe(request)) as three:
                await next_push(three)
    assert refusal_code(refused.value) == "SUBSCRIPTION_LIMIT_EXCEEDED"
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["maximum"] == 2


async def test_http_still_refuses_subscriptions_and_names_the_websocket(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": ALLOCATION_CHANGED, "variables": {"id": "alloc-1"}},
        headers={"authorization": f"Bearer {KEY_OF[STOREFRONT]}"},
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["extensions"]["code"], error["message"]) == (
        "BAD_REQUEST",
        "subscriptions are not served over HTTP: open a WebSocket on /graphql",
    )
