"""Webhook endpoints over HTTP: an admin registers one for its client, events reach it signed,
and the delivery log shows them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.admission.api_keys import key_digest
from gateway.app import create_app
from gateway.ops.settings import Secret
from stock_cache import Reserved, ReserveRequest, StockLine
from tests.gateway.conftest import KEY_OF, api_keys_setting, demo_files, production_settings
from tests.gateway.graphql_client import JSON, GraphQLClient
from tests.gateway.webhook_receiver import Received, receiver
from tests.stock_cache.support import FakeClock

ORDERS_KEY = "key-order-system-0009"

REGISTER = """
mutation Register($input: RegisterWebhookEndpointInput!) {
  registerWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpointRegistered { endpoint { id url eventTypes secret } }
    ... on Problem { code field message }
  }
}
"""

DELIVERIES = """
query Log($endpointId: String) {
  webhookDeliveries(endpointId: $endpointId) {
    __typename
    ... on WebhookDeliveries { deliveries { eventType status attempts detail } }
  }
}
"""


@pytest.fixture
async def app(clock: FakeClock) -> AsyncIterator[Starlette]:
    orders = {"sha256": key_digest(ORDERS_KEY), "client": "order-system", "channel": "web-fr",
              "scopes": ["admin", "allocation:write"], "kind": "server"}  # fmt: skip
    keys = json.dumps([*json.loads(api_keys_setting()), orders])
    gateway = create_app(
        production_settings(api_keys=Secret(keys)), clock=clock, files=demo_files()
    )
    async with gateway.router.lifespan_context(gateway):
        yield gateway


async def register(client: GraphQLClient, url: str, types: list[str]) -> JSON:
    reply = await client.execute(REGISTER, {"input": {"url": url, "eventTypes": types}})
    assert reply.data is not None, reply.body
    result: JSON = reply.data["registerWebhookEndpoint"]
    return result


async def test_an_endpoint_gets_its_clients_allocation_events_signed_and_logged(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    orders = GraphQLClient(http, api_key=ORDERS_KEY)
    service = app.state.promise_service
    received = Received()
    with receiver(received) as url:
        found = await register(orders, url, ["ALLOCATION_HELD", "ALLOCATION_RELEASED"])
        assert found["__typename"] == "WebhookEndpointRegistered"
        endpoint = found["endpoint"]
        assert endpoint["secret"].startswith("whsec_")
        received.secret = endpoint["secret"]
        line = StockLine("DC-MIRAMAS", "OAK-TABLE-120", 1)
        for client in ("order-system", "storefront-fr"):  # the other client's stays its own
            reserved = await service.store.reserve(
                ReserveRequest(client, f"{client}-1", "cart", (line,), 900)
            )
            assert isinstance(reserved, Reserved)
        assert await service.webhooks.run_once() == 1
    assert [(e["type"], e["data"]["lines"]) for e in received.events] == [
        ("allocation.held", [{"nodeId": "DC-MIRAMAS", "sku": "OAK-TABLE-120", "quantity": 1}])
    ]
    log = await orders.execute(DELIVERIES, {"endpointId": endpoint["id"]})
    assert log.data is not None
    assert log.data["webhookDeliveries"]["deliveries"] == [
        {"eventType": "ALLOCATION_HELD", "status": "DELIVERED", "attempts": 1, "detail": ""}
    ]


async def test_a_bad_endpoint_is_refused_naming_the_field(http: httpx.AsyncClient) -> None:
    orders = GraphQLClient(http, api_key=ORDERS_KEY)
    bad = await register(orders, "ftp://example.test/hooks", ["ALLOCATION_HELD"])
    assert (bad["__typename"], bad["field"]) == ("InvalidInput", "input.url")
    none = await register(orders, "https://example.test/hooks", [])
    assert (none["__typename"], none["field"]) == ("InvalidInput", "input.eventTypes")


async def test_registering_an_endpoint_needs_the_admin_scope(http: httpx.AsyncClient) -> None:
    storefront = GraphQLClient(http, api_key=KEY_OF["storefront-fr"])
    reply = await storefront.execute(
        REGISTER, {"input": {"url": "https://example.test/h", "eventTypes": ["ALLOCATION_HELD"]}}
    )
    assert reply.status_code == 403
    assert reply.errors[0]["extensions"]["scope"] == "admin"
