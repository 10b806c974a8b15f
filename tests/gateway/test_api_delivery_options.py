"""Delivery options for a Lyon cart, through the GraphQL API, with dates worked out by hand.

The order is placed on Monday 23 November 2026 at 10:00 in Paris. From services.toml (the
first test checks that these facts still hold, so that a data change points here):
- same-day courier: cut-off 14:00, delivered the same evening, 18:00-22:00;
- express (from a DC): cut-off 13:00, so it leaves on Monday; D+1 is the likely day
  (Tuesday 24) but 95% is only reached on D+2 (Wednesday 25);
- standard: cut-off 15:00, leaves on Monday; up to 300 km D+1 is likely (Tuesday 24) and 95%
  is reached on D+3 (Thursday 26);
- click & collect at LYON-PART-DIEU: the store opens at 10:00 and prepares in 60 minutes.
"""

from __future__ import annotations

import csv
import tomllib
from collections import Counter
from datetime import datetime, time, timedelta

from gateway.ops.settings import DEFAULT_NETWORK_DIR
from tests.gateway.conftest import LYON_CART, MONDAY_10_PARIS, PARIS
from tests.gateway.graphql_client import JSON, GraphQLClient

LYON_3RD = {"postcode": {"postcode": "69003"}}
HOME_KINDS = {"HOME_STANDARD", "HOME_EXPRESS", "SAME_DAY"}
LABELS = ("FASTEST", "CHEAPEST", "GREENEST", "RECOMMENDED")


def the_option(options: list[JSON], kind: str) -> JSON:
    found = [option for option in options if option["kind"] == kind]
    assert len(found) == 1, f"{len(found)} {kind} options in {[o['kind'] for o in options]}"
    return found[0]


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def lyon_options(
    storefront: GraphQLClient, lyon_cart: list[JSON], order_time: str
) -> list[JSON]:
    result = await storefront.delivery_options(lyon_cart, LYON_3RD, order_time=order_time)
    assert result["__typename"] == "DeliveryOptions", result
    options: list[JSON] = result["options"]
    return options


def first_day_reaching(days: list[float], share: float) -> int:
    reached = 0.0
    for day, probability in enumerate(days):
        reached += probability
        if reached >= share - 1e-9:
            return day
    raise AssertionError(f"{days} never reaches {share}")


def test_the_services_still_have_the_cut_offs_and_transit_days_these_dates_assume() -> None:
    with (DEFAULT_NETWORK_DIR / "services.toml").open("rb") as handle:
        services = tomllib.load(handle)["services"]
    express, standard = services["CHRONO-EXPRESS-24H"], services["COLISSIMO-48H"]
    same_day = services["COURIER-SAME-DAY"]
    express_days = express["transit"][-1]["days"]
    standard_days = next(b["days"] for b in standard["transit"] if b["max_km"] >= 300)

    assert (express["cutoff"], standard["cutoff"]) == (time(13), time(15))
    assert max(range(len(express_days)), key=express_days.__getitem__) == 1
    assert first_day_reaching(express_days, 0.95) == 2
    assert max(range(len(standard_days)), key=standard_days.__getitem__) == 1
    assert first_day_reaching(standard_days, 0.95) == 3
    assert (same_day["cutoff"], same_day["delivery_window"]) == (time(14), [time(18), time(22)])


def test_the_lyon_cart_sits_on_the_shelves_of_lyon_part_dieu_beyond_its_safety_stock() -> None:
    with (DEFAULT_NETWORK_DIR / "network.toml").open("rb") as handle:
        safety = tomllib.load(handle)["safety_stock"]["STORE"]
    with (DEFAULT_NETWORK_DIR / "stock.csv").open(encoding="utf-8", newline="") as handle:
        on_hand = {
            row["sku"]: int(row["on_hand"])
            for row in csv.DictReader(handle)
            if row["node_id"] == "LYON-PART-DIEU"
        }
    for sku, quantity in LYON_CART:
        assert on_hand.get(sku, 0) - safety >= quantity, f"LYON-PART-DIEU lacks {sku}"


async def test_a_lyon_cart_gets_at_least_three_dated_options_with_their_shipments(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    options = await lyon_options(storefront, lyon_cart, monday_10)

    assert len(options) >= 3
    assert {"SAME_DAY", "HOME_EXPRESS", "HOME_STANDARD"} <= {o["kind"] for o in options}
    for option in options:
        assert option["earliestDate"] <= option["likelyDate"] <= option["promisedDate"]
        assert option["quoteToken"]
        shipped: Counter[str] = Counter()
        for shipment in option["shipments"]:
            assert shipment["node"]["id"]
            assert shipment["lines"]
            for shipped_line in shipment["lines"]:
                shipped[shipped_line["sku"]] += shipped_line["quantity"]
        assert shipped == Counter(dict(LYON_CART)), option["kind"]
        if option["kind"] in HOME_KINDS:
            assert option["co2eGrams"] > 0, option["kind"]
            assert all(s["distanceKm"] > 0 for s in option["shipments"]), option["kind"]
            assert all(s["co2eGrams"] > 0 for s in option["shipments"]), option["kind"]
        assert option["co2eGrams"] == round(sum(s["co2eGrams"] for s in option["shipments"]), 1)
        assert option["priceCents"] == sum(s["priceCents"] for s in option["shipments"])


async def test_each_label_goes_to_exactly_one_option(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    options = await lyon_options(storefront, lyon_cart, monday_10)

    given = Counter(label for option in options for label in option["labels"])

    assert given == Counter(dict.fromkeys(LABELS, 1))


async def test_the_same_day_courier_comes_from_lyon_part_dieu_this_evening(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    options = await lyon_options(storefront, lyon_cart, monday_10)

    same_day = the_option(options, "SAME_DAY")

    assert same_day["serviceCode"] == "COURIER-SAME-DAY"
    assert (same_day["earliestDate"], same_day["likelyDate"], same_day["promisedDate"]) == (
        "2026-11-23",
        "2026-11-23",
        "2026-11-23",
    )
    assert instant(same_day["orderBy"]) == paris(23, 14)
    [shipment] = same_day["shipments"]
    assert shipment["node"]["id"] == "LYON-PART-DIEU"
    assert instant(shipment["window"]["start"]) == paris(23, 18)
    assert instant(shipment["window"]["end"]) == paris(23, 22)


async def test_express_is_likely_on_tuesday_and_promised_on_wednesday(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    options = await lyon_options(storefront, lyon_cart, monday_10)

    express = the_option(options, "HOME_EXPRESS")

    assert express["serviceCode"] == "CHRONO-EXPRESS-24H"
    assert express["likelyDate"] == "2026-11-24"
    assert express["promisedDate"] == "2026-11-25"
    assert instant(express["orderBy"]) == paris(23, 13)
    [shipment] = express["shipments"]
    assert shipment["node"]["id"] == "DC-SAINT-QUENTIN-FALLAVIER"
    assert shipment["node"]["type"] == "DC"
    assert shipment["window"] is None


async def test_standard_delivery_is_likely_on_tuesday_and_promised_on_thursday(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    options = await lyon_options(storefront, lyon_cart, monday_10)

    standard = the_option(options, "HOME_STANDARD")

    assert standard["serviceCode"] == "COLISSIMO-48H"
    assert (standard["likelyDate"], standard["promisedDate"]) == ("2026-11-24", "2026-11-26")
    assert instant(standard["orderBy"]) == paris(23, 15)


async def test_click_and_collect_at_lyon_part_dieu_is_free_and_ready_at_eleven(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    result = await storefront.delivery_options(
        lyon_cart, {"storeId": "LYON-PART-DIEU"}, order_time=monday_10
    )

    assert result["__typename"] == "DeliveryOptions", result
    collect = the_option(result["options"], "CLICK_AND_COLLECT")
    assert collect["collectStore"]["id"] == "LYON-PART-DIEU"
    assert (collect["priceCents"], collect["co2eGrams"]) == (0, 0.0)
    assert collect["promisedDate"] == "2026-11-23"
    [shipment] = collect["shipments"]
    assert shipment["node"]["id"] == "LYON-PART-DIEU"
    assert instant(shipment["window"]["start"]) == paris(23, 11)


async def test_after_two_pm_there_is_no_same_day_option_and_express_slips_a_day(
    storefront: GraphQLClient, lyon_cart: list[JSON]
) -> None:
    options = await lyon_options(storefront, lyon_cart, paris(23, 14, 30).isoformat())

    assert "SAME_DAY" not in {option["kind"] for option in options}
    express = the_option(options, "HOME_EXPRESS")
    # Past the 13:00 cut-off, it leaves on Tuesday: likely Wednesday, promised Thursday.
    assert (express["likelyDate"], express["promisedDate"]) == ("2026-11-25", "2026-11-26")
    assert instant(express["orderBy"]) == paris(24, 13)


async def test_every_quote_expires_fifteen_minutes_after_the_gateway_clock(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    options = await lyon_options(storefront, lyon_cart, monday_10)

    expiries = {instant(option["quoteExpiresAt"]) for option in options}

    assert expiries == {MONDAY_10_PARIS + timedelta(minutes=15)}
