"""`collectStores`: the store picker's stores, their shelves, hours and a quote each, over HTTP."""

from __future__ import annotations

from datetime import datetime

from tests.gateway.conftest import PARIS
from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.stock_cache.support import FakeClock

PARIS_11TH = {"postcode": {"postcode": "75011"}}
# LINEN-DUVET-220 and STONEWARE-MUG are on the shelves of PARIS-LES-HALLES (4 and 10 on hand,
# 2 held back); OAK-TABLE-120 is in no Paris store, so every store gets it by transfer.
PARIS_CART = [line("LINEN-DUVET-220", 2), line("STONEWARE-MUG", 4), line("OAK-TABLE-120", 1)]

COLLECT_STORES = """
query Stores($lines: [CartLineInput!]!, $near: DestinationInput!, $first: Int) {
  collectStores(lines: $lines, near: $near, first: $first) {
    __typename
    ... on CollectStores {
      stores {
        store {
          id address postcode city
          openingHours { weekday day opens closes }
          openingHoursThisWeek { date day open opens closes holiday }
        }
        distanceKm shelves
        lines { sku requested onShelf onShelfCapped covered }
        openToday { date open opens closes }
        fromShelves
        option {
          kind readyAt promisedDate likelyDate orderBy quoteToken
          shipments { node { id } serviceCode lines { sku quantity } }
        }
      }
    }
    ... on Problem { code message field }
  }
}
"""

STORE_OPTIONS = """
query Options($input: DeliveryOptionsInput!) {
  deliveryOptions(input: $input) {
    ... on DeliveryOptions {
      options {
        kind readyAt promisedDate likelyDate orderBy
        shipments { node { id } serviceCode lines { sku quantity } }
      }
    }
  }
}
"""


async def collect_stores(
    client: GraphQLClient, lines: list[JSON], near: JSON, first: int | None = None
) -> JSON:
    variables: JSON = {"lines": lines, "near": near}
    if first is not None:
        variables["first"] = first
    return (await client.execute(COLLECT_STORES, variables)).result("collectStores")


async def test_the_stores_of_a_paris_cart_come_nearest_first_with_addresses_and_shelves(
    storefront: GraphQLClient,
) -> None:
    found = await collect_stores(storefront, PARIS_CART, PARIS_11TH, first=5)
    assert found["__typename"] == "CollectStores", found
    stores = found["stores"]
    assert len(stores) == 5
    distances = [s["distanceKm"] for s in stores]
    assert distances == sorted(distances)
    assert all(s["store"]["city"] in {"Paris", "Puteaux"} for s in stores)
    halles = next(s for s in stores if s["store"]["id"] == "PARIS-LES-HALLES")
    assert halles["store"]["address"] == "101 Porte Berger, Forum des Halles"
    assert halles["store"]["postcode"] == "75001"
    assert halles["shelves"] == "SOME"
    assert halles["lines"] == [
        {"sku": "LINEN-DUVET-220", "requested": 2, "onShelf": 2, "onShelfCapped": False,
         "covered": True},
        {"sku": "STONEWARE-MUG", "requested": 4, "onShelf": 8, "onShelfCapped": False,
         "covered": True},
        {"sku": "OAK-TABLE-120", "requested": 1, "onShelf": 0, "onShelfCapped": False,
         "covered": False},
    ]  # fmt: skip
    # The table comes by transfer from the DC: the order is ready Thursday at opening + 1 h.
    assert halles["fromShelves"] is False
    assert halles["option"]["readyAt"] == "2026-11-26T11:00:00+01:00"
    assert {s["node"]["id"] for s in halles["option"]["shipments"]} >= {"DC-BONNEUIL"}


async def test_a_store_holding_the_whole_cart_is_ready_today_from_its_shelves(
    storefront: GraphQLClient,
) -> None:
    cart = [line("LINEN-DUVET-220", 2), line("STONEWARE-MUG", 4)]
    found = await collect_stores(storefront, cart, PARIS_11TH, first=10)
    halles = next(s for s in found["stores"] if s["store"]["id"] == "PARIS-LES-HALLES")
    assert halles["shelves"] == "ALL"
    assert halles["fromShelves"] is True
    # Monday 10:00 and an hour's preparation.
    assert halles["option"]["readyAt"] == "2026-11-23T11:00:00+01:00"
    assert halles["openToday"] == {
        "date": "2026-11-23", "open": True, "opens": "10:00", "closes": "19:30"
    }  # fmt: skip


async def test_each_store_option_is_the_collect_option_delivery_options_gives_at_that_store(
    storefront: GraphQLClient,
) -> None:
    found = await collect_stores(storefront, PARIS_CART, PARIS_11TH, first=4)
    for store in found["stores"]:
        answer = await storefront.execute(
            STORE_OPTIONS,
            {"input": {"lines": PARIS_CART, "destination": {"storeId": store["store"]["id"]}}},
        )
        best = answer.result("deliveryOptions")["options"][0]
        mine = {k: v for k, v in store["option"].items() if k != "quoteToken"}
        assert mine == best, store["store"]["id"]


async def test_a_collect_stores_quote_commits_unchanged(storefront: GraphQLClient) -> None:
    found = await collect_stores(storefront, PARIS_CART, PARIS_11TH, first=2)
    token = found["stores"][0]["option"]["quoteToken"]
    committed = await storefront.commit(token, "collect-stores-commit-1")
    assert committed["__typename"] == "Allocation", committed
    assert committed["serviceCode"] == "CLICK-COLLECT"
    total = sum(q["quantity"] for s in committed["shipments"] for q in s["lines"])
    assert total == 7


async def test_first_is_bounded_and_named(storefront: GraphQLClient) -> None:
    for first in (0, 51):
        found = await collect_stores(storefront, PARIS_CART, PARIS_11TH, first=first)
        assert (found["__typename"], found["field"]) == ("InvalidInput", "first")


async def test_first_defaults_to_ten_stores(storefront: GraphQLClient) -> None:
    found = await collect_stores(storefront, [line("STONEWARE-MUG", 1)], PARIS_11TH)
    assert len(found["stores"]) == 10


async def test_an_unknown_sku_is_named_by_its_line(storefront: GraphQLClient) -> None:
    cart = [line("STONEWARE-MUG", 1), line("NOPE-404", 1)]
    found = await collect_stores(storefront, cart, PARIS_11TH)
    assert (found["__typename"], found["field"]) == ("UnknownSku", "lines[1].sku")


async def test_a_store_week_closes_on_a_public_holiday_and_names_it(
    storefront: GraphQLClient, clock: FakeClock
) -> None:
    # Monday 9 November 2026: Wednesday 11 is Armistice Day.
    clock.now = datetime(2026, 11, 9, 10, 0, tzinfo=PARIS).timestamp()
    found = await collect_stores(storefront, [line("STONEWARE-MUG", 1)], PARIS_11TH, first=1)
    store = found["stores"][0]["store"]
    week = store["openingHoursThisWeek"]
    assert [d["date"] for d in week] == [f"2026-11-{day:02}" for day in range(9, 16)]
    assert week[2] == {
        "date": "2026-11-11", "day": "Wed", "open": False, "opens": None, "closes": None,
        "holiday": "Armistice Day",
    }  # fmt: skip
    assert week[6]["open"] is False
    assert week[6]["holiday"] is None
    assert store["openingHours"][0] == {
        "weekday": 1, "day": "Mon", "opens": "10:00", "closes": "19:30"
    }  # fmt: skip
    assert store["openingHours"][6]["opens"] is None
