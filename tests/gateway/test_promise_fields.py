"""The date and CO2e fields of an option through the real schema, in process, on the demo
network: `orderWithin`, `ready`, `confidence`, pickup points and the shopper's trip.

One duvet ordered on Monday 23 November 2026 at 12:47 Paris time for a home in Brotteaux
(Lyon 6e), given by its coordinates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.app import create_app
from gateway.ops.settings import Settings
from tests.gateway.conftest import demo_files, monday_clock

QUERY = """query($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  ... on DeliveryOptions { options { kind promisedDate likelyDate confidence orderBy
    orderWithinMinutes orderWithin readyAt ready co2eGrams customerTripCo2eGrams
    co2eIncludesCustomerTrip pickupPoints { id type distanceKm } shipments { co2eGrams } } }
  ... on Problem { code field message } } }"""
DUVET = [{"sku": "LINEN-DUVET-220", "quantity": 1}]
BROTTEAUX = {"coordinates": {"latitude": 45.7729, "longitude": 4.8521}}
MONDAY_12_47 = "2026-11-23T12:47:00+01:00"


@pytest.fixture
async def context() -> AsyncIterator[Context]:
    app = create_app(Settings(store_url="memory://"), clock=monday_clock(), files=demo_files())
    async with app.router.lifespan_context(app):
        yield Context(service=app.state.promise_service, client_id="fields")


async def options(context: Context, **given: Any) -> dict[str, dict[str, Any]]:
    request = {"lines": DUVET, "destination": BROTTEAUX, "orderTime": MONDAY_12_47, **given}
    result = await schema.execute(QUERY, variable_values={"input": request}, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    found: list[dict[str, Any]] = result.data["deliveryOptions"]["options"]
    return {option["kind"]: option for option in found}


async def test_standard_delivery_says_order_within_two_hours_thirteen(context: Context) -> None:
    standard = (await options(context))["HOME_STANDARD"]

    assert (standard["likelyDate"], standard["promisedDate"]) == ("2026-11-24", "2026-11-26")
    assert standard["orderBy"] == "2026-11-23T15:00:00+01:00"
    assert (standard["orderWithinMinutes"], standard["orderWithin"]) == (133, "2 hr 13 min")
    assert standard["confidence"] == 0.95


async def test_an_eighty_percent_promise_is_a_day_earlier(context: Context) -> None:
    found = await options(context, confidence=0.8)

    assert found["HOME_STANDARD"]["promisedDate"] == "2026-11-25"
    assert found["HOME_EXPRESS"]["promisedDate"] == "2026-11-24"
    assert found["HOME_STANDARD"]["confidence"] == 0.8


async def test_collect_at_part_dieu_is_ready_today_an_hour_after_the_order(
    context: Context,
) -> None:
    collect = (await options(context))["CLICK_AND_COLLECT"]

    assert collect["readyAt"] == "2026-11-23T13:47:00+01:00"
    # CLDR's American English, the default: a 12-hour clock, a narrow space before PM.
    assert collect["ready"] == "today from 1:47\u202fPM"
    assert collect["orderWithin"] == "6 hr 13 min"


async def test_the_pickup_point_option_lists_three_points_in_brotteaux(context: Context) -> None:
    relay = (await options(context))["PICKUP_POINT"]

    assert [p["id"] for p in relay["pickupPoints"]] == [
        "LYON-RELAIS-BROTTEAUX",
        "LYON-CONSIGNE-PART-DIEU",
        "LYON-RELAIS-MONCEY",
    ]
    assert (relay["likelyDate"], relay["promisedDate"]) == ("2026-11-25", "2026-11-26")
    assert relay["orderBy"] == "2026-11-23T14:00:00+01:00"


async def test_the_shoppers_trip_is_apart_unless_the_request_counts_it(context: Context) -> None:
    apart = (await options(context))["CLICK_AND_COLLECT"]
    counted = (await options(context, includeCustomerTrip=True))["CLICK_AND_COLLECT"]

    assert (apart["co2eGrams"], apart["customerTripCo2eGrams"]) == (0.0, 628.9)
    assert not apart["co2eIncludesCustomerTrip"]
    assert (counted["co2eGrams"], counted["co2eIncludesCustomerTrip"]) == (628.9, True)
