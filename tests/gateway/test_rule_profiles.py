"""Rule profiles end to end: profiles.toml checked at load, two channels answering the same
cart differently, `explain: true`, shopper reasons, and a commit the stock no longer allows
answered with fresh options.

Orders are placed on Monday 23 November 2026 at 10:00 in Paris, on the demo network.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.app import create_app
from gateway.ops.settings import DEFAULT_NETWORK_DIR, Secret, Settings, SettingsError
from network_loader.network_files import load_network
from promise.errors import NetworkDataError
from promise.network import NodeType
from promise.profiles import Criterion
from tests.gateway.conftest import (
    KEY_OF,
    LYON_CART,
    STOREFRONT,
    demo_files,
    monday_clock,
    production_settings,
)
from tests.gateway.graphql_client import JSON, GraphQLClient, line

QUERY = """query($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  ... on DeliveryOptions {
    options { kind serviceCode labels shipments { node { id } }
      explanation { profile profileVersion networkVersion objective consideredNodeIds
        rejected { nodeId filter } compared { nodeIds shipments values chosen } exact } }
    unavailable { kind serviceCode reason { code text } } }
  ... on Problem { code field message } } }"""
LYON_3RD = {"postcode": {"postcode": "69003"}}
MONDAY_10 = "2026-11-23T10:00:00+01:00"


@pytest.fixture
async def gateway() -> AsyncIterator[Any]:
    app = create_app(
        Settings(store_url="memory://", dev_mode=True), clock=monday_clock(), files=demo_files()
    )
    async with app.router.lifespan_context(app):
        yield app.state.promise_service


async def ask(service: Any, channel: str, *, explain: bool = False) -> JSON:
    context = Context(service=service, client_id="profiles-test", channel=channel)
    request = {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in LYON_CART],
        "destination": LYON_3RD,
        "orderTime": MONDAY_10,
        "explain": explain,
    }
    result = await schema.execute(QUERY, variable_values={"input": request}, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    answer: JSON = result.data["deliveryOptions"]
    return answer


def by_kind(answer: JSON) -> dict[str, JSON]:
    return {option["kind"]: option for option in answer["options"]}


# The demo's two channels.


def test_the_demo_network_has_a_profile_for_each_of_its_two_channels() -> None:
    network = load_network(DEFAULT_NETWORK_DIR)

    web, marketplace = network.profiles["web-fr"], network.profiles["marketplace-x"]

    assert web.objective[:3] == (
        Criterion.DELIVERY_DATE,
        Criterion.FEWEST_SHIPMENTS,
        Criterion.CO2E,
    )
    assert web.filters.ship_from_store
    assert marketplace.objective[0] is Criterion.COST
    assert not marketplace.filters.ship_from_store
    assert marketplace.max_shipments == 2
    assert marketplace.handling_cents[NodeType.STORE] == 350
    assert network.daily_capacity["LYON-PART-DIEU"] == 60
    assert network.daily_capacity["LYON-CONFLUENCE"] == 40


async def test_the_same_cart_ships_from_a_store_on_the_web_and_from_a_dc_on_the_marketplace(
    gateway: Any,
) -> None:
    web = by_kind(await ask(gateway, "web-fr"))
    marketplace = await ask(gateway, "marketplace-x")

    assert [s["node"]["id"] for s in web["SAME_DAY"]["shipments"]] == ["LYON-PART-DIEU"]
    assert "RECOMMENDED" in web["SAME_DAY"]["labels"]
    assert "SAME_DAY" not in by_kind(marketplace)
    assert {"kind": "SAME_DAY", "serviceCode": "COURIER-SAME-DAY"}.items() <= (
        marketplace["unavailable"][0].items()
    )
    assert marketplace["unavailable"][0]["reason"]["code"] == "EXCLUDED_BY_RULES"
    standard = by_kind(marketplace)["HOME_STANDARD"]
    assert [s["node"]["id"] for s in standard["shipments"]] == ["DC-SAINT-QUENTIN-FALLAVIER"]
    assert "RECOMMENDED" in standard["labels"]


async def test_explain_returns_the_trace_of_each_option(gateway: Any) -> None:
    plain = by_kind(await ask(gateway, "marketplace-x"))
    explained = by_kind(await ask(gateway, "marketplace-x", explain=True))

    assert plain["HOME_STANDARD"]["explanation"] is None
    trace = explained["HOME_STANDARD"]["explanation"]
    assert (trace["profile"], trace["profileVersion"]) == ("marketplace-x", "demo-profiles-2025.1")
    assert trace["networkVersion"] == "demo-2025.1"
    assert trace["objective"][:2] == ["COST", "CO2E"]
    assert {"nodeId": "LYON-PART-DIEU", "filter": "SHIP_FROM_STORE"} in trace["rejected"]
    assert "LYON-PART-DIEU" not in trace["consideredNodeIds"]
    chosen = [plan for plan in trace["compared"] if plan["chosen"]]
    assert chosen[0]["nodeIds"] == ["DC-SAINT-QUENTIN-FALLAVIER"]
    assert len(chosen[0]["values"]) == len(trace["objective"])
    assert trace["compared"] == sorted(trace["compared"], key=lambda plan: plan["values"])


# profiles.toml is checked at load.


def broken(tmp_path: Path, old: str, new: str) -> str:
    for source in DEFAULT_NETWORK_DIR.iterdir():
        if source.is_file():
            shutil.copy(source, tmp_path / source.name)
    path = tmp_path / "profiles.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(NetworkDataError) as caught:
        load_network(tmp_path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ('"CO2E", "COST"', '"CARBON", "COST"', "[profiles.web-fr] key objective: 'CARBON'"),
        ("max_shipments = 2", "max_shipments = 0", "[profiles.marketplace-x] key max_shipments"),
        ("[profiles.web-fr]", "[profiles.web-de]", "key web-de: 'web-de' is not a channel"),
        (
            "excluded_nodes = []",
            'excluded_nodes = ["LYON-NOWHERE"]',
            "[profiles.marketplace-x.filters] key excluded_nodes: 'LYON-NOWHERE'",
        ),
        (
            'node_types = ["DC", "STORE"]',
            'node_types = ["DC", "KIOSK"]',
            "[profiles.web-fr.filters] key node_types: 'KIOSK' is not a node type",
        ),
        ("ship_from_store = true", 'ship_from_store = "yes"', "key ship_from_store"),
        ("STORE = 40", "SHOP = 40", "[daily_capacity] key SHOP"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_profile_and_the_key(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    message = broken(tmp_path, old, new)

    assert "profiles.toml" in message
    assert named in message


# The promise changed at commit.

COMMIT = """mutation($input: CommitAllocationInput!) { commitAllocation(input: $input) {
  __typename
  ... on StockChanged { code message shortLines { nodeId sku available }
    options { kind shipments { node { id } lines { sku quantity } } quoteToken } }
  ... on Allocation { id } } }"""


async def test_a_commit_the_stock_no_longer_allows_answers_with_fresh_options(
    storefront: GraphQLClient, marketplace: GraphQLClient, monday_10: str
) -> None:
    # LYON-PART-DIEU can sell one OAK-TABLE-120; the marketplace takes it first.
    store = {"storeId": "LYON-PART-DIEU"}
    cart = [line("OAK-TABLE-120", 1), line("OAK-CHAIR", 1)]
    [mine] = (await storefront.delivery_options(cart, store, order_time=monday_10))["options"]
    [theirs] = (
        await marketplace.delivery_options([line("OAK-TABLE-120", 1)], store, order_time=monday_10)
    )["options"]
    await marketplace.commit(theirs["quoteToken"], "basket-78")

    answer = await storefront.execute(
        COMMIT, {"input": {"quoteToken": mine["quoteToken"], "idempotencyKey": "order-1010"}}
    )
    changed = answer.result("commitAllocation")

    assert changed["__typename"] == "StockChanged"
    assert changed["shortLines"] == [
        {"nodeId": "LYON-PART-DIEU", "sku": "OAK-TABLE-120", "available": 0}
    ]
    [fresh] = changed["options"]
    assert fresh["kind"] == "CLICK_AND_COLLECT"
    tables = [
        s["node"]["id"]
        for s in fresh["shipments"]
        for fresh_line in s["lines"]
        if fresh_line["sku"] == "OAK-TABLE-120"
    ]
    assert tables != ["LYON-PART-DIEU"]  # the table now comes from a DC, by transfer
    again = await storefront.execute(
        COMMIT, {"input": {"quoteToken": fresh["quoteToken"], "idempotencyKey": "order-1010-b"}}
    )
    assert again.result("commitAllocation")["__typename"] == "Allocation"


# The grace period of a retired signing key.


def test_a_retired_key_is_read_with_the_instant_its_grace_period_ends() -> None:
    settings = Settings(
        quote_keys=Secret("k2:second-secret-0123456789,k1:first-secret-0123456789"),
        quote_keys_retire_by="k1=2026-12-01T00:00:00+01:00",
    )

    grace_ends = datetime(2026, 12, 1, tzinfo=ZoneInfo("Europe/Paris"))
    assert settings.retired_keys() == {"k1": grace_ends.timestamp()}


@pytest.mark.parametrize(
    ("retire_by", "message"),
    [
        ("k1=tomorrow", "entry 1 must be 'key-id=ISO instant"),
        ("k1=2026-12-01T00:00:00", "entry 1 must be 'key-id=ISO instant"),
        ("k2=2026-12-01T00:00:00+01:00", "names 'k2'"),
        ("k9=2026-12-01T00:00:00+01:00", "names 'k9'"),
    ],
)
def test_a_bad_retirement_is_refused_naming_the_variable(retire_by: str, message: str) -> None:
    settings = Settings(
        quote_keys=Secret("k2:second-secret-0123456789,k1:first-secret-0123456789"),
        quote_keys_retire_by=retire_by,
    )

    with pytest.raises(SettingsError, match="QUOTE_KEYS_RETIRE_BY") as caught:
        settings.retired_keys()
    assert message in str(caught.value)


# Daily capacity, consumed by commits.


@pytest.fixture
async def one_order_a_day_at_part_dieu(tmp_path: Path, clock: Any) -> AsyncIterator[GraphQLClient]:
    """The demo network with room for one order a day at LYON-PART-DIEU; the storefront."""
    for source in DEFAULT_NETWORK_DIR.iterdir():
        if source.is_file():
            shutil.copy(source, tmp_path / source.name)
    path = tmp_path / "profiles.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("LYON-PART-DIEU = 60", "LYON-PART-DIEU = 1"),
        encoding="utf-8",
    )
    app = create_app(production_settings(store_url="memory://", network_dir=tmp_path), clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://gateway.test"
        ) as http,
    ):
        yield GraphQLClient(http, api_key=KEY_OF[STOREFRONT])


async def explained(client: GraphQLClient) -> JSON:
    request = {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in LYON_CART],
        "destination": LYON_3RD,
        "orderTime": MONDAY_10,
        "explain": True,
    }
    document = QUERY.replace("options { kind", "options { kind quoteToken")
    answer: JSON = (await client.execute(document, {"input": request})).result("deliveryOptions")
    return answer


def shipped_from(option: JSON) -> list[str]:
    return [s["node"]["id"] for s in option["shipments"]]


async def test_once_a_stores_capacity_is_used_up_its_ship_from_store_option_moves(
    one_order_a_day_at_part_dieu: GraphQLClient,
) -> None:
    client = one_order_a_day_at_part_dieu
    same_day = by_kind(await explained(client))["SAME_DAY"]
    # Another shopper's quote of the same plan, taken before the first commit.
    other = by_kind(await explained(client))["SAME_DAY"]
    assert shipped_from(same_day) == shipped_from(other) == ["LYON-PART-DIEU"]
    allocation = await client.commit(same_day["quoteToken"], "order-capacity-1")
    assert allocation["__typename"] == "Allocation", allocation

    after = await explained(client)

    options = by_kind(after)
    # No same-day courier without the store; the standard delivery's trace says why.
    assert "SAME_DAY" not in options
    assert [u["kind"] for u in after["unavailable"]] == ["SAME_DAY"]
    assert {"nodeId": "LYON-PART-DIEU", "filter": "CAPACITY"} in (
        options["HOME_STANDARD"]["explanation"]["rejected"]
    )
    for kind, option in options.items():
        if kind != "CLICK_AND_COLLECT":
            assert "LYON-PART-DIEU" not in shipped_from(option), kind
    # Collecting from the store's own shelves ships nothing: its capacity does not apply.
    assert shipped_from(options["CLICK_AND_COLLECT"]) == ["LYON-PART-DIEU"]
    # The other quote can't take a second order there: refused, nothing held.
    again = await client.execute(
        COMMIT,
        {"input": {"quoteToken": other["quoteToken"], "idempotencyKey": "order-capacity-2"}},
    )
    refused = again.result("commitAllocation")
    assert refused["__typename"] == "StockChanged"
    assert refused["shortLines"] == []
    assert refused["message"].startswith("LYON-PART-DIEU took every order it can today")
    # Released, the order is given back: the store ships the same day again.
    await client.release(allocation["id"])
    assert shipped_from(by_kind(await explained(client))["SAME_DAY"]) == ["LYON-PART-DIEU"]
