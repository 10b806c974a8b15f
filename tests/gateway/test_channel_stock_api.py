"""channelStock over HTTP: a connector reads the changes of its channel's quantities."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.admission.api_keys import key_digest
from gateway.app import create_app
from gateway.ops.settings import Secret
from gateway.service.bounded_store import unbounded
from stock_cache.publishing_store import PublishingStore
from tests.gateway.conftest import KEY_OF, api_keys_setting, demo_files, production_settings
from tests.gateway.graphql_client import JSON, GraphQLClient
from tests.stock_cache.support import FakeClock

CONNECTOR_KEY = "key-marketplace-x-0007"
OPS_KEY = "key-ops-reader-0008"

CHANNEL_STOCK = """
query Feed($channel: String!, $after: String, $first: Int! = 100) {
  channelStock(channel: $channel, after: $after, first: $first) {
    __typename
    ... on ChannelStockPage { channel cursor changes { sku quantity changedAt } }
    ... on Problem { code field message }
  }
}
"""

APPLY = """
mutation Apply($input: ApplyStockEventsInput!) {
  applyStockEvents(input: $input) { __typename ... on StockEventsApplied { results { status } } }
}
"""


def keys() -> str:
    extra = [
        {"sha256": key_digest(CONNECTOR_KEY), "client": "marketplace-x-connector",
         "channel": "marketplace-x", "scopes": ["promise:read"], "kind": "server"},
        {"sha256": key_digest(OPS_KEY), "client": "ops-reader", "channel": "web-fr",
         "scopes": ["promise:read", "admin"], "kind": "server"},
    ]  # fmt: skip
    return json.dumps(json.loads(api_keys_setting()) + extra)


@pytest.fixture
async def app(clock: FakeClock) -> AsyncIterator[Starlette]:
    settings = production_settings(api_keys=Secret(keys()))
    gateway = create_app(settings, clock=clock, files=demo_files())
    async with gateway.router.lifespan_context(gateway):
        yield gateway


async def publishing(app: Starlette) -> PublishingStore:
    """The app's store, every SKU published (as the background task does at start)."""
    store = unbounded(app.state.promise_service.store)
    assert isinstance(store, PublishingStore)
    await store.publish()
    assert await store.published()
    return store


async def page(client: GraphQLClient, channel: str, after: str | None, first: int = 100) -> JSON:
    reply = await client.execute(
        CHANNEL_STOCK, {"channel": channel, "after": after, "first": first}
    )
    assert reply.data is not None, reply.body
    result: JSON = reply.data["channelStock"]
    return result


async def test_a_connector_follows_its_channel_after_the_export_cursor(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    store = await publishing(app)
    connector = GraphQLClient(http, api_key=CONNECTOR_KEY)
    feed = GraphQLClient(http, api_key=KEY_OF["stock-feed"])
    cursor = await store.publisher.feed.head("marketplace-x")
    before = {c.sku: c.quantity async for chunk in store.publisher.feed.quantities("marketplace-x")
              for c in chunk}  # fmt: skip
    event = {"eventId": "miramas-1", "nodeId": "DC-MIRAMAS", "sku": "OAK-TABLE-120",
             "sequence": 1, "kind": "ADJUSTMENT", "quantity": -3}  # fmt: skip
    await feed.execute(APPLY, {"input": {"events": [event]}})
    await store.publish()
    found = await page(connector, "marketplace-x", cursor)
    assert found["__typename"] == "ChannelStockPage"
    assert [(c["sku"], c["quantity"]) for c in found["changes"]] == [
        ("OAK-TABLE-120", before["OAK-TABLE-120"] - 3)
    ]
    assert found["changes"][0]["changedAt"] == "2026-11-23T09:00:00+00:00"
    assert (await page(connector, "marketplace-x", found["cursor"]))["changes"] == []


async def test_collect_only_stores_count_on_no_channel_publication(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    await publishing(app)
    storefront = GraphQLClient(http, api_key=KEY_OF["storefront-fr"])
    web = await page(storefront, "web-fr", None, first=500)
    published = {c["sku"]: c["quantity"] for c in web["changes"]}
    availability = await storefront.availability(["OAK-TABLE-120"], first=1)
    total = availability["items"][0]["total"]
    assert 0 < published["OAK-TABLE-120"] < total
    assert len(published) == len(app.state.promise_service.network.skus)


async def test_a_caller_reads_its_own_channel_unless_it_is_an_admin(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    await publishing(app)
    storefront = GraphQLClient(http, api_key=KEY_OF["storefront-fr"])
    refused = await page(storefront, "marketplace-x", None)
    assert refused == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "channel",
        "message": "this API key reads the channel 'web-fr' only",
    }
    ops = GraphQLClient(http, api_key=OPS_KEY)
    assert (await page(ops, "marketplace-x", None, first=1))["__typename"] == "ChannelStockPage"
    bad = await page(ops, "marketplace-x", "yesterday")
    assert (bad["code"], bad["field"]) == ("INVALID_INPUT", "after")
    over = await page(ops, "marketplace-x", None, first=501)
    assert (over["code"], over["field"]) == ("INVALID_INPUT", "first")
