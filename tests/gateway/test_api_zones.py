"""Over HTTP: destinations abroad dated by their own calendar, countries nobody serves named,
bulky carts by two-person delivery, carts no service carries refused as too heavy."""

from __future__ import annotations

from tests.gateway.graphql_client import JSON, PROBLEM_FIELDS, GraphQLClient, line

OPTIONS = (
    """
query Options($input: DeliveryOptionsInput!) {
  deliveryOptions(input: $input) {
    __typename
    ... on DeliveryOptions {
      options {
        kind serviceCode likelyDate promisedDate priceCents
        shipments { node { id } parcels weightGrams window { start end } }
      }
      unavailable { serviceCode reason { code } }
    }
    ...ProblemFields
    ... on DestinationNotServed { country }
  }
}
"""
    + PROBLEM_FIELDS
)

BERLIN = {"coordinates": {"latitude": 52.52, "longitude": 13.405, "country": "DE"}}
LYON_3RD = {"postcode": {"postcode": "69003"}}
WEDNESDAY_24_MARCH_2027 = "2027-03-24T10:00:00+01:00"


async def options(storefront: GraphQLClient, request: JSON) -> JSON:
    response = await storefront.execute(OPTIONS, {"input": request})
    return response.result("deliveryOptions")


async def test_berlin_by_coordinates_is_dated_by_the_german_calendar_from_cologne(
    storefront: GraphQLClient,
) -> None:
    request = {
        "lines": [line("BEECH-CHAIR", 1)],
        "destination": BERLIN,
        "orderTime": WEDNESDAY_24_MARCH_2027,
        "kinds": ["HOME_STANDARD"],
    }

    result = await options(storefront, request)

    [option] = result["options"]
    assert option["serviceCode"] == "EU-ROAD-PARCEL"
    assert [s["node"]["id"] for s in option["shipments"]] == ["DC-KOELN"]
    # Good Friday (26 March) and Easter Monday (29 March) are no delivery days in Germany.
    assert (option["likelyDate"], option["promisedDate"]) == ("2027-03-25", "2027-03-31")


async def test_berlin_by_postcode_gets_the_same_european_service(
    storefront: GraphQLClient,
) -> None:
    request = {
        "lines": [line("BEECH-CHAIR", 1)],
        "destination": {"postcode": {"country": "DE", "postcode": "10115"}},
        "orderTime": WEDNESDAY_24_MARCH_2027,
        "kinds": ["HOME_STANDARD"],
    }

    result = await options(storefront, request)

    assert [o["serviceCode"] for o in result["options"]] == ["EU-ROAD-PARCEL"]


async def test_lisbon_is_not_served_and_the_problem_names_portugal(
    storefront: GraphQLClient,
) -> None:
    lisbon = {"coordinates": {"latitude": 38.7223, "longitude": -9.1393, "country": "pt"}}
    request = {"lines": [line("BEECH-CHAIR", 1)], "destination": lisbon}

    result = await options(storefront, request)

    assert result["__typename"] == "DestinationNotServed"
    assert (result["code"], result["country"]) == ("DESTINATION_NOT_SERVED", "PT")
    assert result["field"] == "input.destination.coordinates.country"


async def test_a_country_that_is_no_iso_code_is_invalid_input_naming_the_field(
    storefront: GraphQLClient,
) -> None:
    nowhere = {"coordinates": {"latitude": 38.7, "longitude": -9.1, "country": "Portugal"}}

    result = await options(storefront, {"lines": [line("BEECH-CHAIR", 1)], "destination": nowhere})

    assert (result["__typename"], result["field"]) == (
        "InvalidInput",
        "input.destination.coordinates.country",
    )


async def test_a_62_kg_sofa_is_not_an_express_parcel_but_two_person_delivery_in_a_slot(
    storefront: GraphQLClient, monday_10: str
) -> None:
    request = {
        "lines": [line("SOFA-3-SEAT-LINEN", 1)],
        "destination": LYON_3RD,
        "orderTime": monday_10,
    }

    result = await options(storefront, request)

    kinds = [o["kind"] for o in result["options"]]
    assert "HOME_EXPRESS" not in kinds
    [two_person] = [o for o in result["options"] if o["kind"] == "HOME_TWO_PERSON"]
    [shipment] = two_person["shipments"]
    assert shipment["weightGrams"] == 62_000
    assert shipment["window"]["start"].endswith("T08:00:00+01:00")
    refused = {u["serviceCode"]: u["reason"]["code"] for u in result["unavailable"]}
    assert refused["CHRONO-EXPRESS-24H"] == "TOO_HEAVY"


async def test_seven_chairs_go_as_two_parcels(storefront: GraphQLClient, monday_10: str) -> None:
    request = {
        "lines": [line("OAK-CHAIR", 7)],
        "destination": LYON_3RD,
        "orderTime": monday_10,
        "kinds": ["HOME_STANDARD"],
    }

    result = await options(storefront, request)

    [standard] = [o for o in result["options"] if o["serviceCode"] == "COLISSIMO-48H"]
    assert [s["parcels"] for s in standard["shipments"]] == [2]


async def test_a_sofa_to_berlin_is_refused_as_too_heavy_for_every_service(
    storefront: GraphQLClient,
) -> None:
    request = {
        "lines": [line("SOFA-3-SEAT-LINEN", 1)],
        "destination": BERLIN,
        "orderTime": WEDNESDAY_24_MARCH_2027,
    }

    result = await options(storefront, request)

    assert (result["__typename"], result["code"], result["field"]) == (
        "TooHeavy",
        "TOO_HEAVY",
        "input.lines",
    )
