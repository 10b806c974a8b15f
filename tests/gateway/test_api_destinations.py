"""Destinations over HTTP: every postcode of the served countries and every point is placed
offline, dated by the calendar of its place, and echoed with the precision used; a malformed
postcode, an unknown country or a point abroad is a typed problem naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.conftest import STOREFRONT, production_settings
from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.gateway.http_support import body_of, post, serving
from tests.gateway.nominatim_stub import running_nominatim

RESOLVED = "resolvedDestination { country subdivision timeZone precision locality postcode }"
OPTIONS = f"""query($input: DeliveryOptionsInput!) {{ deliveryOptions(input: $input) {{ __typename
  ... on DeliveryOptions {{ {RESOLVED} options {{ kind likelyDate promisedDate }} }}
  ... on Problem {{ code field message }} }} }}"""
NEAR = f"""query($near: DestinationInput) {{ availability(skus: ["LINEN-DUVET-220"], near: $near) {{
  __typename ... on Availability {{ {RESOLVED} }} ... on Problem {{ code field message }} }} }}"""
# Thursday 24 December 2026, before the cut-offs: Saturday 26 is a holiday in Moselle alone.
CHRISTMAS_EVE = "2026-12-24T10:00:00+01:00"
METZ = {"coordinates": {"latitude": 49.1193, "longitude": 6.1757}}
NANCY = {"coordinates": {"latitude": 48.6921, "longitude": 6.1844}}


def postcode(code: str, country: str = "FR") -> JSON:
    return {"postcode": {"country": country, "postcode": code}}


async def delivery_options(
    storefront: GraphQLClient, destination: JSON, order_time: str = CHRISTMAS_EVE
) -> JSON:
    request = {
        "lines": [line("LINEN-DUVET-220", 1)],
        "destination": destination,
        "orderTime": order_time,
    }
    response = await storefront.execute(OPTIONS, {"input": request})
    return response.result("deliveryOptions")


async def placed_near(storefront: GraphQLClient, near: JSON) -> Any:
    response = await storefront.execute(NEAR, {"near": near})
    result = response.result("availability")
    assert result["__typename"] == "Availability", result
    return result["resolvedDestination"]


def home_dates(result: JSON) -> set[str]:
    assert result["__typename"] == "DeliveryOptions", result
    return {
        option[day]
        for option in result["options"]
        if option["kind"].startswith("HOME_")
        for day in ("likelyDate", "promisedDate")
    }


@pytest.mark.parametrize(
    ("code", "locality", "subdivision"),
    [
        pytest.param("94000", "Créteil", None, id="creteil"),
        pytest.param("78000", "Versailles", None, id="versailles"),
        pytest.param("29200", "Brest", None, id="brest"),
        pytest.param("74000", "Annecy", None, id="annecy"),
        pytest.param("20000", "Ajaccio", "2A", id="ajaccio-corsica"),
    ],
)
async def test_french_postcodes_beyond_the_demo_towns_get_options(
    storefront: GraphQLClient, code: str, locality: str, subdivision: str | None
) -> None:
    result = await delivery_options(storefront, postcode(code))

    assert result["__typename"] == "DeliveryOptions", result
    assert result["options"]
    assert result["resolvedDestination"] == {
        "country": "FR",
        "subdivision": subdivision,
        "timeZone": "Europe/Paris",
        "precision": "POSTCODE",
        "locality": locality,
        "postcode": code,
    }


@pytest.mark.parametrize(
    ("near", "expected"),
    [
        pytest.param(
            postcode("10115", "DE"),
            ("DE", "BE", "Europe/Berlin", "POSTCODE", "Berlin", "10115"),
            id="berlin",
        ),
        pytest.param(
            postcode("1000", "BE"),
            ("BE", None, "Europe/Brussels", "POSTCODE", "Bruxelles", "1000"),
            id="brussels",
        ),
        pytest.param(
            postcode("08001", "ES"),
            ("ES", "CT", "Europe/Madrid", "POSTCODE", "Barcelona", "08001"),
            id="barcelona",
        ),
        pytest.param(
            postcode("1012 AB", "NL"),
            ("NL", None, "Europe/Amsterdam", "POSTCODE", "Amsterdam", "1012"),
            id="amsterdam-letters-dropped",
        ),
        pytest.param(
            postcode("03001", "ES"),
            ("ES", "VC", "Europe/Madrid", "LOCALITY", "Alicante/Alacant", "03001"),
            id="alicante-by-its-locality",
        ),
        pytest.param(
            postcode("01321", "ES"),
            ("ES", "PV", "Europe/Madrid", "REGION", "Laserna", "01321"),
            id="laserna-by-its-region",
        ),
        pytest.param(
            {"coordinates": {"latitude": 52.52, "longitude": 13.405}},
            ("DE", "BE", "Europe/Berlin", "POINT", "Berlin", "10178"),
            id="berlin-by-coordinates",
        ),
    ],
)
async def test_postcodes_and_points_abroad_resolve_to_their_country_and_calendar(
    storefront: GraphQLClient, near: JSON, expected: tuple[str | None, ...]
) -> None:
    placed = await placed_near(storefront, near)

    fields = ("country", "subdivision", "timeZone", "precision", "locality", "postcode")
    assert tuple(placed[name] for name in fields) == expected


async def test_metz_by_its_coordinates_is_not_dated_on_a_moselle_holiday(
    storefront: GraphQLClient,
) -> None:
    by_point = await delivery_options(storefront, METZ)
    by_postcode = await delivery_options(storefront, postcode("57000"))
    nancy = await delivery_options(storefront, NANCY)

    assert by_point["resolvedDestination"]["subdivision"] == "57"
    assert by_point["resolvedDestination"]["precision"] == "POINT"
    assert home_dates(by_point).isdisjoint({"2026-12-25", "2026-12-26"})
    assert home_dates(by_point) == home_dates(by_postcode)
    # Nancy, 50 km south on the national calendar, is delivered that Saturday.
    assert "2026-12-26" in home_dates(nancy)


async def test_guadeloupe_is_dated_on_its_own_calendar_and_clock(
    storefront: GraphQLClient,
) -> None:
    # Thursday 27 May 2027 is the abolition of slavery in Guadeloupe alone (22 May in
    # Martinique, a Saturday; 10 June in French Guiana).
    ordered = "2027-05-20T10:00:00+02:00"
    guadeloupe = await delivery_options(storefront, postcode("97110"), ordered)
    martinique = await delivery_options(storefront, postcode("97200"), ordered)

    assert guadeloupe["resolvedDestination"]["subdivision"] == "971"
    assert guadeloupe["resolvedDestination"]["timeZone"] == "America/Guadeloupe"
    [by_air] = guadeloupe["options"]
    [same_flight] = martinique["options"]
    assert same_flight["likelyDate"] == "2027-05-27"
    assert by_air["likelyDate"] == "2027-05-28"


@pytest.mark.parametrize(
    ("country", "code"),
    [
        pytest.param("FR", "7500", id="fr-four-digits"),
        pytest.param("FR", "75001 PARIS", id="fr-with-a-city"),
        pytest.param("DE", "1011", id="de-four-digits"),
        pytest.param("BE", "10000", id="be-five-digits"),
        pytest.param("NL", "0123 AB", id="nl-leading-zero"),
        pytest.param("ES", "8001", id="es-zero-dropped"),
        pytest.param("CH", "CH-1201", id="ch-with-a-prefix"),
    ],
)
async def test_a_postcode_not_in_its_countrys_format_is_invalid_input_naming_the_postcode(
    storefront: GraphQLClient, country: str, code: str
) -> None:
    result = await delivery_options(storefront, postcode(code, country))

    assert (result["__typename"], result["code"], result["field"]) == (
        "InvalidInput",
        "INVALID_INPUT",
        "input.destination.postcode.postcode",
    )
    assert country in result["message"]


@pytest.mark.parametrize(
    ("destination", "typename", "field", "named"),
    [
        pytest.param(
            postcode("75001", "France"),
            "InvalidInput",
            "input.destination.postcode.country",
            "'France'",
            id="country-by-name",
        ),
        pytest.param(
            postcode("00-001", "PL"),
            "DestinationNotServed",
            "input.destination.postcode.country",
            "PL",
            id="postcodes-of-poland",
        ),
        pytest.param(
            {"coordinates": {"latitude": 50.0614, "longitude": 19.9366}},
            "DestinationNotServed",
            "input.destination.coordinates",
            "PL",
            id="krakow-by-coordinates",
        ),
        pytest.param(
            postcode("99999", "DE"),
            "UnknownPostcode",
            "input.destination.postcode.postcode",
            "'99999'",
            id="unknown-german-postcode",
        ),
    ],
)
async def test_a_destination_out_of_reach_is_a_typed_problem_naming_the_field(
    storefront: GraphQLClient, destination: JSON, typename: str, field: str, named: str
) -> None:
    result = await delivery_options(storefront, destination)

    assert (result["__typename"], result["field"]) == (typename, field)
    assert named in result["message"]


async def test_near_is_placed_too_and_a_store_or_no_near_echoes_nothing(
    storefront: GraphQLClient,
) -> None:
    assert (await placed_near(storefront, postcode("57000")))["subdivision"] == "57"
    assert await placed_near(storefront, {"storeId": "METZ-SAINT-JACQUES"}) is None
    response = await storefront.execute(NEAR, {})
    assert response.result("availability")["resolvedDestination"] is None


async def test_a_geocoded_address_is_placed_by_its_point_and_says_so() -> None:
    with running_nominatim() as nominatim:
        settings = production_settings(geocoder_url=nominatim.url)
        async with serving(settings) as (_, http):
            near = {"address": "20 Place Bellecour, 69002 Lyon"}
            answer = await post(http, STOREFRONT, {"query": NEAR, "variables": {"near": near}})

    placed = body_of(answer)["data"]["availability"]["resolvedDestination"]
    assert (placed["country"], placed["precision"], placed["locality"]) == ("FR", "ADDRESS", "Lyon")
