"""Disclosed quantities: storefront keys see stock capped at their channel's cap, server keys
see it exact, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from tests.gateway.conftest import KEY_OF, STOREFRONT, monday_clock, production_settings
from tests.gateway.graphql_client import JSON, GraphQLClient

BONNEUIL = {"coordinates": {"latitude": 48.7814, "longitude": 2.4939}}
LEVELS = """
query Levels($skus: [String!]!, $near: DestinationInput) {
  availability(skus: $skus, near: $near, first: 3) {
    ... on Availability {
      items { sku total totalCapped nodes { node { id } atp atpCapped } }
    }
  }
}
"""


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """Production keys; dev mode only lets the storefront key send a document of its own."""
    app = create_app(
        production_settings(store_url="memory://", dev_mode=True), clock=monday_clock()
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://gateway.test"
        ) as client,
    ):
        yield client


async def levels(http: httpx.AsyncClient, client: str) -> JSON:
    answer = await GraphQLClient(http, api_key=KEY_OF[client]).execute(
        LEVELS, {"skus": ["STONEWARE-MUG", "OAK-SHELF-60"], "near": BONNEUIL}
    )
    items = answer.result("availability")["items"]
    return {item["sku"]: item for item in items}


async def test_a_storefront_key_sees_figures_above_the_cap_as_the_cap(
    http: httpx.AsyncClient,
) -> None:
    mugs = (await levels(http, "browser-shop"))["STONEWARE-MUG"]
    # DC-BONNEUIL holds 313 mugs: web-fr's storefront keys are shown 50, flagged.
    assert (mugs["total"], mugs["totalCapped"]) == (50, True)
    bonneuil = next(n for n in mugs["nodes"] if n["node"]["id"] == "DC-BONNEUIL")
    assert (bonneuil["atp"], bonneuil["atpCapped"]) == (50, True)
    assert all(n["atp"] <= 50 for n in mugs["nodes"])


async def test_a_server_key_sees_exact_figures(http: httpx.AsyncClient) -> None:
    mugs = (await levels(http, STOREFRONT))["STONEWARE-MUG"]
    bonneuil = next(n for n in mugs["nodes"] if n["node"]["id"] == "DC-BONNEUIL")
    assert (bonneuil["atp"], bonneuil["atpCapped"]) == (313, False)
    assert mugs["total"] > 313
    assert mugs["totalCapped"] is False


async def test_figures_under_the_cap_are_shown_exact_to_a_storefront_key(
    http: httpx.AsyncClient,
) -> None:
    storefront = (await levels(http, "browser-shop"))["OAK-SHELF-60"]
    server = (await levels(http, STOREFRONT))["OAK-SHELF-60"]
    small = [n for n in server["nodes"] if n["atp"] <= 50]
    assert small, server
    shown = {n["node"]["id"]: n for n in storefront["nodes"]}
    for node in small:
        assert shown[node["node"]["id"]] == {**node, "atpCapped": False}
