"""`deliveryOptions(input: {kinds: [...]})`: only the kinds asked for, or a typed refusal."""

from __future__ import annotations

from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.gateway.test_api_bad_input import assert_problem, options_for

LYON_3RD = {"postcode": {"postcode": "69003"}}
OAK_CHAIR = [line("OAK-CHAIR", 1)]


async def test_home_standard_alone_is_the_same_option_as_among_all_kinds(
    storefront: GraphQLClient, monday_10: str
) -> None:
    request: JSON = {"lines": OAK_CHAIR, "destination": LYON_3RD, "orderTime": monday_10}
    everything = (await options_for(storefront, request)).result("deliveryOptions")
    [standard] = [o for o in everything["options"] if o["kind"] == "HOME_STANDARD"]

    asked = (await options_for(storefront, {**request, "kinds": ["HOME_STANDARD"]})).result(
        "deliveryOptions"
    )

    assert len(everything["options"]) > 1
    assert [o["kind"] for o in asked["options"]] == ["HOME_STANDARD"]
    [alone] = asked["options"]
    for field in ("promisedDate", "likelyDate", "priceCents", "co2eGrams", "serviceCode"):
        assert alone[field] == standard[field], field


async def test_an_empty_list_of_kinds_is_invalid_input_naming_kinds(
    storefront: GraphQLClient, monday_10: str
) -> None:
    request = {"lines": OAK_CHAIR, "destination": LYON_3RD, "orderTime": monday_10, "kinds": []}

    response = await options_for(storefront, request)

    assert_problem(
        response.result("deliveryOptions"), "InvalidInput", "INVALID_INPUT", "input.kinds"
    )


async def test_a_store_asked_for_home_delivery_only_is_invalid_input_naming_kinds(
    storefront: GraphQLClient, monday_10: str
) -> None:
    request = {
        "lines": OAK_CHAIR,
        "destination": {"storeId": "LYON-PART-DIEU"},
        "orderTime": monday_10,
        "kinds": ["HOME_EXPRESS"],
    }

    response = await options_for(storefront, request)

    assert_problem(
        response.result("deliveryOptions"), "InvalidInput", "INVALID_INPUT", "input.kinds"
    )
