"""A quote commits only for the present, only before its order-by, and only once.

Every test runs on the embedded store and on a real Redis (see test_api_allocations.py), the
app on the tests' clock, Monday 23 November 2026, 10:00 in Paris, until a test moves it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.gateway.conftest import LYON_CART, MONDAY_10_PARIS
from tests.gateway.graphql_client import JSON, GraphQLClient
from tests.stock_cache.support import FakeClock

LYON_3RD = {"postcode": {"postcode": "69003"}}
CART_SKUS = [sku for sku, _ in LYON_CART]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("seeded_redis_url"))


async def same_day(storefront: GraphQLClient, cart: list[JSON], when: str | None = None) -> JSON:
    result = await storefront.delivery_options(cart, LYON_3RD, order_time=when)
    assert result["__typename"] == "DeliveryOptions", result
    options: list[JSON] = [o for o in result["options"] if o["kind"] == "SAME_DAY"]
    assert len(options) == 1, result
    return options[0]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_quote_taken_a_minute_before_the_cut_off_commits_before_it(
    storefront: GraphQLClient, lyon_cart: list[JSON], clock: FakeClock
) -> None:
    order_by = instant((await same_day(storefront, lyon_cart))["orderBy"])
    clock.now = (order_by - timedelta(minutes=1)).timestamp()
    option = await same_day(storefront, lyon_cart)
    assert instant(option["orderBy"]) == order_by

    clock.advance(59)
    held = await storefront.commit(option["quoteToken"], "order-2001")

    assert (held["__typename"], held["status"]) == ("Allocation", "HELD")
    assert held["shipments"][0]["promisedDate"] == "2026-11-23"


async def test_a_quote_taken_at_14_59_is_refused_after_the_cut_off_with_fresh_options(
    storefront: GraphQLClient, lyon_cart: list[JSON], clock: FakeClock
) -> None:
    order_by = instant((await same_day(storefront, lyon_cart))["orderBy"])
    clock.now = (order_by - timedelta(minutes=1)).timestamp()
    option = await same_day(storefront, lyon_cart)
    before = await storefront.total_atp(CART_SKUS)

    clock.advance(60)
    refused = await storefront.commit(option["quoteToken"], "order-2002")

    assert refused["__typename"] == "QuoteOrderByPassed", refused
    assert (refused["code"], refused["field"]) == ("QUOTE_ORDER_BY_PASSED", "input.quoteToken")
    assert instant(refused["orderBy"]) == order_by
    assert refused["options"], "fresh options for the same cart"
    assert all(instant(o["orderBy"]) > order_by for o in refused["options"])
    assert "SAME_DAY" not in {o["kind"] for o in refused["options"]}
    assert await storefront.total_atp(CART_SKUS) == before


@pytest.mark.parametrize(
    "when",
    [MONDAY_10_PARIS + timedelta(days=190), MONDAY_10_PARIS - timedelta(hours=3)],
    ids=["next June", "three hours ago"],
)
async def test_a_quote_for_another_instant_says_so_and_is_never_held(
    storefront: GraphQLClient, lyon_cart: list[JSON], when: datetime
) -> None:
    result = await storefront.delivery_options(lyon_cart, LYON_3RD, order_time=when.isoformat())
    assert result["__typename"] == "DeliveryOptions", result
    option = result["options"][0]
    before = await storefront.total_atp(CART_SKUS)

    refused = await storefront.commit(option["quoteToken"], "order-2003")

    assert all(o["committable"] is False for o in result["options"])
    assert refused["__typename"] == "QuoteNotCommittable", refused
    assert (refused["code"], refused["field"]) == ("QUOTE_NOT_COMMITTABLE", "input.quoteToken")
    assert await storefront.total_atp(CART_SKUS) == before


async def test_a_quote_for_the_clock_within_two_minutes_is_for_now(
    storefront: GraphQLClient, lyon_cart: list[JSON]
) -> None:
    when = (MONDAY_10_PARIS + timedelta(seconds=90)).isoformat()
    option = await same_day(storefront, lyon_cart, when)

    held = await storefront.commit(option["quoteToken"], "order-2004")

    assert option["committable"] is True
    assert (held["__typename"], held["status"]) == ("Allocation", "HELD")


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59+14:00",
        "0001-01-01T00:00:00+00:00",
        (MONDAY_10_PARIS + timedelta(days=367)).isoformat(),
        (MONDAY_10_PARIS - timedelta(days=1, seconds=1)).isoformat(),
    ],
    ids=["year 9999", "year 1", "beyond a year", "beyond a day ago"],
)
async def test_an_order_time_out_of_the_window_is_refused_naming_the_field(
    storefront: GraphQLClient, lyon_cart: list[JSON], when: str
) -> None:
    refused = await storefront.delivery_options(lyon_cart, LYON_3RD, order_time=when)

    assert refused["__typename"] == "InvalidInput", refused
    assert refused["field"] == "input.orderTime"
    assert "1 day before now to 366 days after it" in refused["message"]


async def test_one_quote_holds_once_and_a_second_key_is_told_which_allocation_it_made(
    storefront: GraphQLClient, lyon_cart: list[JSON]
) -> None:
    option = await same_day(storefront, lyon_cart)
    held = await storefront.commit(option["quoteToken"], "order-2005")
    after = await storefront.total_atp(CART_SKUS)

    again = await storefront.commit(option["quoteToken"], "order-2005-script")
    replayed = await storefront.commit(option["quoteToken"], "order-2005")

    assert again["__typename"] == "QuoteAlreadyCommitted", again
    assert (again["code"], again["field"]) == ("QUOTE_ALREADY_COMMITTED", "input.quoteToken")
    assert again["allocationId"] == held["id"]
    assert (replayed["id"], replayed["replayed"]) == (held["id"], True)
    assert await storefront.total_atp(CART_SKUS) == after
