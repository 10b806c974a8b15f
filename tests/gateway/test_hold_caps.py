"""Caps of held units per client and per shopper (X-Shopper-Id), set per channel in
channels.toml, over the API on the embedded store and on a real Redis."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from tests.gateway.conftest import KEY_OF, STOREFRONT, production_settings
from tests.gateway.graphql_client import COMMIT, DELIVERY_OPTIONS, JSON
from tests.stock_cache.support import FakeClock

LYON_3RD = {"postcode": {"postcode": "69003"}}
# Six units a cart (see conftest's LYON_CART): one cart a shopper, two a client.
CART = [
    {"sku": "OAK-CHAIR", "quantity": 1},
    {"sku": "LINEN-DUVET-220", "quantity": 2},
    {"sku": "DOWN-PILLOW-65", "quantity": 3},
]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("seeded_redis_url"))


@pytest.fixture
async def http(
    tmp_path: Path, store_url: str, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The demo network, its web channel capped at 6 held units a shopper, 12 a client."""
    for source in DEFAULT_NETWORK_DIR.iterdir():
        if source.is_file():
            shutil.copy(source, tmp_path / source.name)
    path = tmp_path / "channels.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[channels.web-fr]")
    end = text.index("\n\n", start)
    web = '[channels.web-fr]\nnodes = "*"\nheld_units_per_client = 12\nheld_units_per_shopper = 6'
    path.write_text(text[:start] + web + text[end:], encoding="utf-8")
    app = create_app(production_settings(store_url=store_url, network_dir=tmp_path), clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw.test") as client,
    ):
        yield client


async def call(
    http: httpx.AsyncClient, document: str, variables: JSON, shopper: str | None
) -> JSON:
    headers = {"authorization": f"Bearer {KEY_OF[STOREFRONT]}"}
    if shopper is not None:
        headers["x-shopper-id"] = shopper
    response = await http.post(
        "/graphql", json={"query": document, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    data: JSON = response.json()["data"]
    return data


async def commit_a_cart(http: httpx.AsyncClient, shopper: str | None, key: str) -> JSON:
    options = await call(
        http, DELIVERY_OPTIONS, {"input": {"lines": CART, "destination": LYON_3RD}}, shopper
    )
    token = options["deliveryOptions"]["options"][0]["quoteToken"]
    answer = await call(
        http, COMMIT, {"input": {"quoteToken": token, "idempotencyKey": key}}, shopper
    )
    result: JSON = answer["commitAllocation"]
    return result


async def test_a_shopper_holds_one_cart_and_is_told_the_cap_at_the_second(
    http: httpx.AsyncClient,
) -> None:
    first = await commit_a_cart(http, "shopper-ann", "ann-1")

    second = await commit_a_cart(http, "shopper-ann", "ann-2")

    assert (first["__typename"], first["status"]) == ("Allocation", "HELD")
    assert second["__typename"] == "HoldLimitReached", second
    assert (second["code"], second["field"]) == ("HOLD_LIMIT_REACHED", "input.quoteToken")
    assert "the shopper holds 6 units of at most 6" in second["message"]


async def test_the_client_cap_counts_every_shopper_and_a_release_frees_it(
    http: httpx.AsyncClient,
) -> None:
    ann = await commit_a_cart(http, "shopper-ann", "ann-3")
    bob = await commit_a_cart(http, "shopper-bob", "bob-1")

    carl = await commit_a_cart(http, "shopper-carl", "carl-1")
    released = await call(
        http,
        "mutation R($id: ID!) { releaseAllocation(input: {allocationId: $id}) { __typename } }",
        {"id": ann["id"]},
        "shopper-ann",
    )
    carl_again = await commit_a_cart(http, "shopper-carl", "carl-2")

    assert (ann["__typename"], bob["__typename"]) == ("Allocation", "Allocation")
    assert carl["__typename"] == "HoldLimitReached", carl
    assert "this client holds 12 units of at most 12" in carl["message"]
    assert released["releaseAllocation"]["__typename"] == "Allocation"
    assert carl_again["__typename"] == "Allocation", carl_again


async def test_without_a_shopper_id_only_the_client_cap_counts(http: httpx.AsyncClient) -> None:
    # No X-Shopper-Id: the shopper is the caller's address, shared by every shopper behind a
    # storefront's server, so no shopper cap applies to it.
    answers = [await commit_a_cart(http, None, f"anonymous-{n}") for n in range(3)]

    assert [a["__typename"] for a in answers] == ["Allocation", "Allocation", "HoldLimitReached"]
    assert "this client holds 12 units of at most 12" in answers[2]["message"]
