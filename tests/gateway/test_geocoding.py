"""Free-text addresses, geocoded by a Nominatim-compatible server the tests start on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.conftest import STOREFRONT, production_settings
from tests.gateway.http_support import body_of, post, serving
from tests.gateway.nominatim_stub import Stub, running_nominatim
from tests.redis_server import free_port

BELLECOUR = "20 Place Bellecour, 69002 Lyon"
OPTIONS = """query($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  __typename ... on DeliveryOptions { options { kind } }
  ... on Problem { code field }
  ... on GeocoderUnavailable { retryable } } }"""
MONDAY_10 = "2026-11-23T10:00:00+01:00"


def options_for(address: str) -> dict[str, object]:
    return {
        "query": OPTIONS,
        "variables": {
            "input": {
                "lines": [{"sku": "LINEN-DUVET-220", "quantity": 1}],
                "destination": {"address": address},
                "orderTime": MONDAY_10,
            }
        },
    }


@pytest.fixture
def nominatim() -> Iterator[Stub]:
    with running_nominatim() as stub:
        yield stub


async def test_an_address_is_geocoded_and_a_repeated_one_costs_no_lookup(
    nominatim: Stub,
) -> None:
    async with serving(production_settings(geocoder_url=nominatim.url)) as (_, http):
        first = body_of(await post(http, STOREFRONT, options_for(BELLECOUR)))
        again = body_of(
            await post(http, STOREFRONT, options_for("20 place  BELLECOUR, 69002 lyon"))
        )

    assert first["data"]["deliveryOptions"]["__typename"] == "DeliveryOptions"
    kinds = {o["kind"] for o in first["data"]["deliveryOptions"]["options"]}
    assert "SAME_DAY" in kinds  # Bellecour is within the Lyon store's courier radius
    assert again == first
    assert nominatim.lookups == [BELLECOUR]


async def test_geocodes_cached_in_redis_serve_every_gateway_process(
    nominatim: Stub, seeded_redis_url: str
) -> None:
    settings = production_settings(store_url=seeded_redis_url, geocoder_url=nominatim.url)
    async with serving(settings) as (_, first), serving(settings) as (_, second):
        await post(first, STOREFRONT, options_for(BELLECOUR))
        answer = body_of(await post(second, STOREFRONT, options_for(BELLECOUR)))

    assert answer["data"]["deliveryOptions"]["__typename"] == "DeliveryOptions"
    assert len(nominatim.lookups) == 1


async def test_an_address_the_geocoder_does_not_know_is_a_problem_naming_the_field(
    nominatim: Stub,
) -> None:
    async with serving(production_settings(geocoder_url=nominatim.url)) as (_, http):
        answer = body_of(await post(http, STOREFRONT, options_for("1 Nowhere Lane, Atlantis")))

    assert answer["data"]["deliveryOptions"] == {
        "__typename": "AddressNotFound",
        "code": "ADDRESS_NOT_FOUND",
        "field": "input.destination.address",
    }


async def test_a_slow_geocoder_is_a_retryable_problem_within_its_timeout(nominatim: Stub) -> None:
    nominatim.holding = True  # the geocoder answers only once the test is over
    settings = production_settings(geocoder_url=nominatim.url, geocoder_timeout_seconds=0.3)
    async with serving(settings) as (_, http):
        answer = body_of(await post(http, STOREFRONT, options_for(BELLECOUR)))

    assert answer["data"]["deliveryOptions"] == {
        "__typename": "GeocoderUnavailable",
        "code": "GEOCODER_UNAVAILABLE",
        "field": None,
        "retryable": True,
    }
    assert nominatim.lookups == [BELLECOUR]


async def test_an_unreachable_geocoder_is_a_retryable_problem() -> None:
    settings = production_settings(geocoder_url=f"http://127.0.0.1:{free_port()}")
    async with serving(settings) as (_, http):
        answer = body_of(await post(http, STOREFRONT, options_for(BELLECOUR)))

    assert answer["data"]["deliveryOptions"]["code"] == "GEOCODER_UNAVAILABLE"


async def test_without_a_geocoder_an_address_is_invalid_input() -> None:
    async with serving(production_settings()) as (_, http):
        answer = body_of(await post(http, STOREFRONT, options_for(BELLECOUR)))

    assert answer["data"]["deliveryOptions"] == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "input.destination.address",
    }
