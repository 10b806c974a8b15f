"""Committing a quoted option through the API: reserve, replay, confirm, release, never oversell.

Every test runs twice: on the embedded store and on a real Redis (a fresh database of the test
session's own redis-server, seeded with the demo stock), the app opening each from its URL.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.gateway.conftest import LYON_CART
from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.stock_cache.support import FakeClock

LYON_3RD = {"postcode": {"postcode": "69003"}}
HOLD_SECONDS = 900  # network.toml reservation_ttl_seconds
CART_SKUS = [sku for sku, _ in LYON_CART]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Overrides the memory-only store of conftest: this module runs on both stores."""
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("seeded_redis_url"))


async def the_option(storefront: GraphQLClient, cart: list[JSON], kind: str, when: str) -> JSON:
    result = await storefront.delivery_options(cart, LYON_3RD, order_time=when)
    assert result["__typename"] == "DeliveryOptions", result
    options: list[JSON] = [o for o in result["options"] if o["kind"] == kind]
    assert len(options) == 1, f"{len(options)} {kind} options"
    return options[0]


def units(option: JSON) -> Counter[str]:
    return Counter(
        {item["sku"]: item["quantity"] for s in option["shipments"] for item in s["lines"]}
    )


def minus(levels: dict[str, int], taken: Counter[str]) -> dict[str, int]:
    return {sku: atp - taken[sku] for sku, atp in levels.items()}


async def test_a_commit_holds_exactly_the_quoted_units_at_the_quoted_node(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    option = await the_option(storefront, lyon_cart, "SAME_DAY", monday_10)
    node = option["shipments"][0]["node"]
    total_before = await storefront.total_atp(CART_SKUS)
    at_node_before = await storefront.atp_at(node, CART_SKUS)

    committed = await storefront.commit(option["quoteToken"], "order-1001-attempt")

    assert committed["__typename"] == "Allocation", committed
    assert committed["status"] == "HELD"
    assert committed["replayed"] is False
    assert committed["serviceCode"] == "COURIER-SAME-DAY"
    assert committed["priceCents"] == option["priceCents"]
    assert [s["node"]["id"] for s in committed["shipments"]] == ["LYON-PART-DIEU"]
    assert committed["shipments"][0]["promisedDate"] == "2026-11-23"
    assert units(committed) == units(option) == Counter(dict(LYON_CART))
    assert await storefront.total_atp(CART_SKUS) == minus(total_before, units(option))
    assert await storefront.atp_at(node, CART_SKUS) == minus(at_node_before, units(option))


async def test_a_replayed_commit_answers_the_same_allocation_and_holds_nothing_more(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    option = await the_option(storefront, lyon_cart, "SAME_DAY", monday_10)
    first = await storefront.commit(option["quoteToken"], "order-1002-attempt")
    after_first = await storefront.total_atp(CART_SKUS)

    again = await storefront.commit(option["quoteToken"], "order-1002-attempt")

    assert again["__typename"] == "Allocation", again
    assert again["id"] == first["id"]
    assert again["replayed"] is True
    assert again["status"] == "HELD"
    assert await storefront.total_atp(CART_SKUS) == after_first


async def test_the_same_key_with_another_option_is_an_idempotency_conflict(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    same_day = await the_option(storefront, lyon_cart, "SAME_DAY", monday_10)
    express = await the_option(storefront, lyon_cart, "HOME_EXPRESS", monday_10)
    await storefront.commit(same_day["quoteToken"], "order-1003-attempt")
    after_first = await storefront.total_atp(CART_SKUS)

    conflict = await storefront.commit(express["quoteToken"], "order-1003-attempt")

    assert conflict["__typename"] == "IdempotencyConflict", conflict
    assert conflict["code"] == "IDEMPOTENCY_CONFLICT"
    assert conflict["field"] == "input.idempotencyKey"
    assert await storefront.total_atp(CART_SKUS) == after_first


async def test_a_confirmed_then_released_allocation_gives_every_unit_back(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    option = await the_option(storefront, lyon_cart, "HOME_EXPRESS", monday_10)
    node = option["shipments"][0]["node"]
    total_before = await storefront.total_atp(CART_SKUS)
    at_node_before = await storefront.atp_at(node, CART_SKUS)
    held = await storefront.commit(option["quoteToken"], "order-1004-attempt")
    assert held["__typename"] == "Allocation", held
    assert await storefront.atp_at(node, CART_SKUS) == minus(at_node_before, units(option))

    confirmed = await storefront.confirm(held["id"], "ORDER-1004")

    assert confirmed["__typename"] == "Allocation", confirmed
    assert (confirmed["id"], confirmed["status"]) == (held["id"], "CONFIRMED")
    assert confirmed["orderReference"] == "ORDER-1004"
    assert await storefront.total_atp(CART_SKUS) == minus(total_before, units(option))

    released = await storefront.release(held["id"])

    assert released["__typename"] == "Allocation", released
    assert (released["id"], released["status"]) == (held["id"], "RELEASED")
    assert await storefront.total_atp(CART_SKUS) == total_before
    assert await storefront.atp_at(node, CART_SKUS) == at_node_before


async def test_a_fulfilled_allocation_keeps_its_units_gone_and_cannot_be_released(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    option = await the_option(storefront, lyon_cart, "HOME_EXPRESS", monday_10)
    total_before = await storefront.total_atp(CART_SKUS)
    held = await storefront.commit(option["quoteToken"], "order-1005-attempt")
    assert held["__typename"] == "Allocation", held

    too_early = await storefront.fulfil(held["id"])
    assert too_early["__typename"] == "AllocationStateConflict", too_early
    assert too_early["status"] == "HELD"

    await storefront.confirm(held["id"], "ORDER-1005")
    fulfilled = await storefront.fulfil(held["id"])

    assert fulfilled["__typename"] == "Allocation", fulfilled
    assert fulfilled["status"] == "FULFILLED"
    assert await storefront.total_atp(CART_SKUS) == minus(total_before, units(option))
    refused = await storefront.release(held["id"])
    assert refused["__typename"] == "AllocationStateConflict", refused
    assert refused["status"] == "FULFILLED"
    assert await storefront.total_atp(CART_SKUS) == minus(total_before, units(option))


async def test_a_client_reads_its_allocation_and_no_other_client_can(
    storefront: GraphQLClient,
    marketplace: GraphQLClient,
    lyon_cart: list[JSON],
    monday_10: str,
) -> None:
    option = await the_option(storefront, lyon_cart, "SAME_DAY", monday_10)
    held = await storefront.commit(option["quoteToken"], "order-1005-attempt")
    before = await storefront.total_atp(CART_SKUS)

    mine = await storefront.allocation(held["id"])
    theirs = await marketplace.allocation(held["id"])
    released_by_them = await marketplace.release(held["id"])
    confirmed_by_them = await marketplace.confirm(held["id"], "ORDER-THEIRS")

    assert mine["__typename"] == "Allocation", mine
    assert (mine["id"], mine["status"], mine["replayed"]) == (held["id"], "HELD", False)
    assert units(mine) == units(option)
    assert (theirs["__typename"], theirs["code"], theirs["field"]) == (
        "AllocationNotFound",
        "ALLOCATION_NOT_FOUND",
        "id",
    )
    for refused in (released_by_them, confirmed_by_them):
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "AllocationNotFound",
            "ALLOCATION_NOT_FOUND",
            "input.allocationId",
        )
    assert (await storefront.allocation(held["id"]))["status"] == "HELD"
    assert await storefront.total_atp(CART_SKUS) == before


async def test_a_released_allocation_cannot_be_confirmed_and_a_second_release_gives_nothing(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    option = await the_option(storefront, lyon_cart, "SAME_DAY", monday_10)
    held = await storefront.commit(option["quoteToken"], "order-1006-attempt")
    await storefront.release(held["id"])
    before = await storefront.total_atp(CART_SKUS)

    refused = await storefront.confirm(held["id"], "ORDER-1006")
    released_again = await storefront.release(held["id"])

    assert refused["__typename"] == "AllocationStateConflict", refused
    assert (refused["code"], refused["field"], refused["status"]) == (
        "ALLOCATION_STATE_CONFLICT",
        "input.allocationId",
        "RELEASED",
    )
    assert (released_again["__typename"], released_again["status"]) == ("Allocation", "RELEASED")
    assert await storefront.total_atp(CART_SKUS) == before


async def test_a_hold_nobody_confirms_lapses_after_fifteen_minutes_and_frees_its_units(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str, clock: FakeClock
) -> None:
    option = await the_option(storefront, lyon_cart, "SAME_DAY", monday_10)
    before = await storefront.total_atp(CART_SKUS)
    held = await storefront.commit(option["quoteToken"], "order-1008-attempt")
    clock.advance(HOLD_SECONDS - 1)
    assert (await storefront.allocation(held["id"]))["status"] == "HELD"
    assert await storefront.total_atp(CART_SKUS) == minus(before, units(option))

    clock.advance(1)

    assert (await storefront.allocation(held["id"]))["status"] == "EXPIRED"
    assert await storefront.total_atp(CART_SKUS) == before
    refused = await storefront.confirm(held["id"], "ORDER-1008")
    assert (refused["__typename"], refused["status"]) == ("AllocationStateConflict", "EXPIRED")


async def test_a_confirmed_allocation_outlives_the_hold_time(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str, clock: FakeClock
) -> None:
    option = await the_option(storefront, lyon_cart, "SAME_DAY", monday_10)
    before = await storefront.total_atp(CART_SKUS)
    held = await storefront.commit(option["quoteToken"], "order-1009-attempt")
    confirmed = await storefront.confirm(held["id"], "ORDER-1009")

    clock.advance(24 * 3600)

    assert confirmed["expiresAt"] is None
    assert (await storefront.allocation(held["id"]))["status"] == "CONFIRMED"
    assert await storefront.total_atp(CART_SKUS) == minus(before, units(option))


async def test_the_last_table_goes_to_the_first_commit_and_the_other_cart_is_told_why(
    storefront: GraphQLClient,
    marketplace: GraphQLClient,
    monday_10: str,
) -> None:
    # LYON-PART-DIEU has 3 OAK-TABLE-120 on hand and keeps 2 back: one can be sold.
    store = {"storeId": "LYON-PART-DIEU"}
    cart = [line("OAK-TABLE-120", 1), line("OAK-CHAIR", 1)]
    mine = await storefront.delivery_options(cart, store, order_time=monday_10)
    theirs = await marketplace.delivery_options(
        [line("OAK-TABLE-120", 1)], store, order_time=monday_10
    )
    [my_option] = mine["options"]
    [their_option] = theirs["options"]
    assert [s["node"]["id"] for s in my_option["shipments"]] == ["LYON-PART-DIEU"]
    node = my_option["shipments"][0]["node"]
    assert await storefront.atp_at(node, ["OAK-TABLE-120"]) == {"OAK-TABLE-120": 1}
    chairs_before = await storefront.atp_at(node, ["OAK-CHAIR"])

    taken = await marketplace.commit(their_option["quoteToken"], "basket-77")
    refused = await storefront.commit(my_option["quoteToken"], "order-1007-attempt")

    assert taken["__typename"] == "Allocation", taken
    assert refused["__typename"] == "StockChanged", refused
    assert (refused["code"], refused["field"]) == ("STOCK_CHANGED", "input.quoteToken")
    assert refused["shortLines"] == [
        {"nodeId": "LYON-PART-DIEU", "sku": "OAK-TABLE-120", "requested": 1, "available": 0}
    ]
    # All lines or none: the chair the refused cart also named is still there.
    assert await storefront.atp_at(node, ["OAK-CHAIR"]) == chairs_before
    assert await storefront.atp_at(node, ["OAK-TABLE-120"]) == {"OAK-TABLE-120": 0}
