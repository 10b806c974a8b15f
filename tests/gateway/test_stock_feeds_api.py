"""The stock feed mutations over HTTP: per-item results, bounds, and what they change."""

from __future__ import annotations

import httpx
import pytest

from tests.gateway.conftest import KEY_OF, STOREFRONT
from tests.gateway.graphql_client import JSON, GraphQLClient
from tests.gateway.http_support import auth

APPLY = """
mutation Apply($input: ApplyStockEventsInput!) {
  applyStockEvents(input: $input) {
    __typename
    ... on StockEventsApplied { results { index status reason } }
    ... on Problem { code field message }
  }
}
"""

REPLACE = """
mutation Replace($input: ReplaceNodeStockInput!) {
  replaceNodeStock(input: $input) {
    __typename
    ... on NodeStockReplaced { nodeId status reason }
    ... on Problem { code field message }
  }
}
"""

NODE = "DC-MIRAMAS"
SKU = "OAK-TABLE-120"


@pytest.fixture
def feed(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, api_key=KEY_OF["stock-feed"])


def stock_event(event_id: str, sequence: int, kind: str, quantity: int) -> JSON:
    return {
        "eventId": event_id,
        "nodeId": NODE,
        "sku": SKU,
        "sequence": sequence,
        "kind": kind,
        "quantity": quantity,
    }


async def miramas_atp(storefront: GraphQLClient) -> int:
    availability = await storefront.availability([SKU], first=20)
    assert "items" in availability, availability
    nodes = availability["items"][0]["nodes"]
    return next((n["atp"] for n in nodes if n["node"]["id"] == NODE), 0)


async def test_events_get_one_result_each_in_order(
    feed: GraphQLClient, storefront: GraphQLClient
) -> None:
    events = [
        stock_event("wms-1", 1, "COUNT", 40),
        stock_event("wms-2", 2, "ADJUSTMENT", -5),
        stock_event("wms-2", 2, "ADJUSTMENT", -5),
        stock_event("wms-0", 1, "ADJUSTMENT", 9),
        stock_event("wms-3", 3, "COUNT", -1),
    ]

    result = (await feed.execute(APPLY, {"input": {"events": events}})).result("applyStockEvents")

    assert result["__typename"] == "StockEventsApplied"
    assert [(r["index"], r["status"]) for r in result["results"]] == [
        (0, "APPLIED"),
        (1, "APPLIED"),
        (2, "DUPLICATE"),
        (3, "STALE"),
        (4, "REJECTED"),
    ]
    assert "quantity" in result["results"][4]["reason"]
    assert await miramas_atp(storefront) == 35
    metrics = (await feed.http.get("/metrics", headers=auth("ops-admin"))).text
    assert 'gateway_stock_events_total{outcome="applied"} 2.0' in metrics
    assert 'gateway_stock_events_total{outcome="skipped"} 2.0' in metrics
    assert 'gateway_stock_events_total{outcome="rejected"} 1.0' in metrics


async def test_a_batch_over_the_bound_is_refused_whole(feed: GraphQLClient) -> None:
    events = [stock_event(f"wms-{n}", n, "ADJUSTMENT", 1) for n in range(501)]

    result = (await feed.execute(APPLY, {"input": {"events": events}})).result("applyStockEvents")

    assert result["code"] == "INVALID_INPUT"
    assert result["field"] == "input.events"


async def test_a_snapshot_replaces_the_node_and_a_late_one_is_stale(
    feed: GraphQLClient, storefront: GraphQLClient
) -> None:
    levels = [{"sku": SKU, "onHand": 12}]
    first = {"nodeId": NODE, "watermark": 100, "levels": levels}
    late = {"nodeId": NODE, "watermark": 90, "levels": [{"sku": SKU, "onHand": 99}]}

    replaced = (await feed.execute(REPLACE, {"input": first})).result("replaceNodeStock")
    stale = (await feed.execute(REPLACE, {"input": late})).result("replaceNodeStock")

    assert replaced == {
        "__typename": "NodeStockReplaced",
        "nodeId": NODE,
        "status": "APPLIED",
        "reason": None,
    }
    assert stale["status"] == "STALE"
    assert await miramas_atp(storefront) == 12


async def test_a_snapshot_of_an_unknown_node_names_the_field(feed: GraphQLClient) -> None:
    snapshot = {"nodeId": "ATLANTIS-DC", "levels": []}

    result = (await feed.execute(REPLACE, {"input": snapshot})).result("replaceNodeStock")

    assert (result["code"], result["field"]) == ("INVALID_INPUT", "input.nodeId")


async def test_a_checkout_key_may_not_feed_stock(http: httpx.AsyncClient) -> None:
    storefront = GraphQLClient(http, api_key=KEY_OF[STOREFRONT])

    response = await storefront.execute(APPLY, {"input": {"events": []}})

    assert response.data is None or response.data.get("applyStockEvents") is None
    assert "stock:write" in response.body


async def test_events_naming_an_unknown_node_or_sku_are_rejected_and_counted(
    feed: GraphQLClient,
) -> None:
    events = [
        {**stock_event("wms-1", 1, "ADJUSTMENT", 3), "nodeId": "NO-SUCH-NODE"},
        {**stock_event("wms-2", 2, "ADJUSTMENT", 3), "sku": "NO-SUCH-SKU"},
        {**stock_event("wms-3", 3, "ADJUSTMENT", 3), "sku": "OAK-TABLE\u0000120"},
    ]

    result = (await feed.execute(APPLY, {"input": {"events": events}})).result("applyStockEvents")

    assert [(r["status"], r["reason"]) for r in result["results"]] == [
        ("REJECTED", "nodeId 'NO-SUCH-NODE' is not a node of the network"),
        ("REJECTED", "sku 'NO-SUCH-SKU' is not a SKU of the network"),
        ("REJECTED", "sku must not contain NUL or line breaks"),
    ]
    metrics = (await feed.http.get("/metrics", headers=auth("ops-admin"))).text
    assert 'gateway_stock_events_total{outcome="rejected"} 3.0' in metrics
