"""Bad input gets a typed answer with a stable code and the field at fault, never a traceback."""

from __future__ import annotations

import builtins
import inspect
import re
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import NoReturn, cast

import graphql.error
import httpx
import pytest

import carriers.errors
import promise.errors
import stock_cache.errors
from gateway.api.schema import schema
from gateway.app import create_app
from stock_cache.base import StockStore
from tests.gateway.conftest import KEY_OF, demo_files, production_settings
from tests.gateway.graphql_client import (
    AVAILABILITY,
    COMMIT,
    DELIVERY_OPTIONS,
    JSON,
    GraphQLClient,
    GraphQLResponse,
    line,
)
from tests.stock_cache.support import FakeClock

LYON_3RD = {"postcode": {"postcode": "69003"}}
NEW_YORK = {"coordinates": {"latitude": 40.7128, "longitude": -74.0060}}


def _exception_names() -> set[str]:
    """Python exception classes a response could leak, less those that are schema types too."""
    modules: list[ModuleType] = [
        builtins,
        graphql.error,
        carriers.errors,
        promise.errors,
        stock_cache.errors,
    ]
    names = {
        name
        for module in modules
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }
    sdl = schema.as_str()
    schema_types = re.findall(r"^(?:type|interface|union|enum|input|scalar) (\w+)", sdl, re.M)
    return names - set(schema_types)


PYTHON_INTERNALS = re.compile(
    r"Traceback|File \"|\b(" + "|".join(sorted(_exception_names())) + r")\b"
)


def assert_no_python_internals(response: GraphQLResponse) -> None:
    found = PYTHON_INTERNALS.search(response.body)
    assert found is None, f"{found.group(0)!r} leaked into {response.body}"


def assert_problem(result: JSON, typename: str, code: str, field: str) -> None:
    assert (result["__typename"], result["code"], result["field"]) == (typename, code, field)
    assert result["message"], result


async def options_for(storefront: GraphQLClient, request: JSON) -> GraphQLResponse:
    return await storefront.execute(DELIVERY_OPTIONS, {"input": request})


async def commit(client: GraphQLClient, token: str, key: str = "order-2001") -> GraphQLResponse:
    return await client.execute(COMMIT, {"input": {"quoteToken": token, "idempotencyKey": key}})


async def a_quote_token(storefront: GraphQLClient, lyon_cart: list[JSON], when: str) -> str:
    result = await storefront.delivery_options(lyon_cart, LYON_3RD, order_time=when)
    assert result["__typename"] == "DeliveryOptions", result
    token: str = result["options"][0]["quoteToken"]
    return token


def tampered(token: str) -> str:
    """The token with one character of its signed part changed."""
    middle = len(token.partition(".")[0]) // 2
    swapped = "B" if token[middle] == "A" else "A"
    return token[:middle] + swapped + token[middle + 1 :]


@pytest.mark.parametrize(
    ("lines", "destination", "typename", "code", "field"),
    [
        pytest.param(
            [line("OAK-CHAIR", 1), line("UNOBTAINIUM-LAMP", 1)],
            LYON_3RD,
            "UnknownSku",
            "UNKNOWN_SKU",
            "input.lines[1].sku",
            id="unknown-sku",
        ),
        pytest.param(
            [line("OAK-CHAIR", 0)],
            LYON_3RD,
            "InvalidInput",
            "INVALID_INPUT",
            "input.lines[0].quantity",
            id="zero-quantity",
        ),
        pytest.param(
            [line("OAK-CHAIR", -3)],
            LYON_3RD,
            "InvalidInput",
            "INVALID_INPUT",
            "input.lines[0].quantity",
            id="negative-quantity",
        ),
        pytest.param(
            [line("OAK-CHAIR", 1)],
            {"coordinates": {"latitude": 200.0, "longitude": 4.85}},
            "InvalidInput",
            "INVALID_INPUT",
            "input.destination.coordinates.latitude",
            id="latitude-200",
        ),
        pytest.param(
            [line("OAK-CHAIR", 1)],
            {"postcode": {"postcode": "69999"}},
            "UnknownPostcode",
            "UNKNOWN_POSTCODE",
            "input.destination.postcode.postcode",
            id="unknown-postcode",
        ),
        pytest.param(
            [line("OAK-CHAIR", 1)],
            {"storeId": "LYON-ATLANTIS"},
            "UnknownStore",
            "UNKNOWN_STORE",
            "input.destination.storeId",
            id="unknown-store",
        ),
        pytest.param(
            [line("OAK-CHAIR", 1)],
            NEW_YORK,
            "DestinationNotServed",
            "DESTINATION_NOT_SERVED",
            "input.destination.coordinates",
            id="new-york",
        ),
    ],
)
async def test_a_bad_delivery_options_request_is_a_typed_problem_naming_the_field(
    storefront: GraphQLClient,
    monday_10: str,
    lines: list[JSON],
    destination: JSON,
    typename: str,
    code: str,
    field: str,
) -> None:
    request = {"lines": lines, "destination": destination, "orderTime": monday_10}

    response = await options_for(storefront, request)

    assert_problem(response.result("deliveryOptions"), typename, code, field)
    assert_no_python_internals(response)


async def test_an_unknown_sku_problem_names_the_sku(storefront: GraphQLClient) -> None:
    request = {"lines": [line("UNOBTAINIUM-LAMP", 1)], "destination": LYON_3RD}

    response = await options_for(storefront, request)

    assert response.result("deliveryOptions")["sku"] == "UNOBTAINIUM-LAMP"


@pytest.mark.parametrize(
    ("near", "typename", "code", "field"),
    [
        pytest.param(
            NEW_YORK,
            "DestinationNotServed",
            "DESTINATION_NOT_SERVED",
            "near.coordinates",
            id="new-york",
        ),
        pytest.param(
            {"coordinates": {"latitude": 45.76, "longitude": 200.0}},
            "InvalidInput",
            "INVALID_INPUT",
            "near.coordinates.longitude",
            id="longitude-200",
        ),
        pytest.param(
            {"storeId": "LYON-ATLANTIS"},
            "UnknownStore",
            "UNKNOWN_STORE",
            "near.storeId",
            id="unknown-store",
        ),
    ],
)
async def test_a_bad_place_to_look_for_stock_near_is_a_problem_naming_near(
    storefront: GraphQLClient, near: JSON, typename: str, code: str, field: str
) -> None:
    response = await storefront.execute(AVAILABILITY, {"skus": ["OAK-CHAIR"], "near": near})

    assert_problem(response.result("availability"), typename, code, field)
    assert_no_python_internals(response)


async def test_availability_answers_the_known_skus_and_names_the_unknown_ones_by_place(
    storefront: GraphQLClient,
) -> None:
    document = AVAILABILITY.replace(
        "items { sku", "unknownSkus { ...ProblemFields sku } items { sku"
    )
    response = await storefront.execute(
        document, {"skus": ["OAK-TABLE-200", "NOPE", "OAK-CHAIR", "UNOBTAINIUM-LAMP"]}
    )

    found = response.result("availability")
    assert [item["sku"] for item in found["items"]] == ["OAK-TABLE-200", "OAK-CHAIR"]
    assert all(item["total"] > 0 for item in found["items"])
    assert [(p["sku"], p["field"]) for p in found["unknownSkus"]] == [
        ("NOPE", "skus[1]"),
        ("UNOBTAINIUM-LAMP", "skus[3]"),
    ]


async def test_availability_of_unknown_skus_only_is_the_unknown_sku_problem(
    storefront: GraphQLClient,
) -> None:
    response = await storefront.execute(AVAILABILITY, {"skus": ["UNOBTAINIUM-LAMP", "NOPE"]})

    assert_problem(response.result("availability"), "UnknownSku", "UNKNOWN_SKU", "skus[0]")


async def test_a_malformed_token_is_an_invalid_quote(storefront: GraphQLClient) -> None:
    response = await commit(storefront, "not-a-token")

    assert_problem(
        response.result("commitAllocation"), "QuoteInvalid", "QUOTE_INVALID", "input.quoteToken"
    )
    assert_no_python_internals(response)


async def test_a_token_altered_by_one_character_is_an_invalid_quote(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    token = await a_quote_token(storefront, lyon_cart, monday_10)

    response = await commit(storefront, tampered(token))

    assert_problem(
        response.result("commitAllocation"), "QuoteInvalid", "QUOTE_INVALID", "input.quoteToken"
    )
    assert_no_python_internals(response)


async def test_a_token_past_its_fifteen_minutes_is_an_expired_quote(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str, clock: FakeClock
) -> None:
    token = await a_quote_token(storefront, lyon_cart, monday_10)
    clock.advance(15 * 60 + 1)

    response = await commit(storefront, token)

    assert_problem(
        response.result("commitAllocation"), "QuoteExpired", "QUOTE_EXPIRED", "input.quoteToken"
    )
    assert_no_python_internals(response)


async def test_a_token_is_still_good_one_second_before_it_expires(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str, clock: FakeClock
) -> None:
    token = await a_quote_token(storefront, lyon_cart, monday_10)
    clock.advance(15 * 60 - 1)

    response = await commit(storefront, token)

    assert response.result("commitAllocation")["__typename"] == "Allocation"


async def test_a_token_quoted_to_another_client_is_an_invalid_quote(
    storefront: GraphQLClient, marketplace: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    token = await a_quote_token(storefront, lyon_cart, monday_10)

    response = await commit(marketplace, token)

    assert_problem(
        response.result("commitAllocation"), "QuoteInvalid", "QUOTE_INVALID", "input.quoteToken"
    )
    assert_no_python_internals(response)


@pytest.mark.parametrize("key", ["", "   ", "k" * 129], ids=["empty", "blank", "too-long"])
async def test_an_unusable_idempotency_key_is_invalid_input(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str, key: str
) -> None:
    token = await a_quote_token(storefront, lyon_cart, monday_10)

    response = await commit(storefront, token, key)

    assert_problem(
        response.result("commitAllocation"),
        "InvalidInput",
        "INVALID_INPUT",
        "input.idempotencyKey",
    )
    assert_no_python_internals(response)


async def test_an_empty_order_reference_is_invalid_input(
    storefront: GraphQLClient, lyon_cart: list[JSON], monday_10: str
) -> None:
    token = await a_quote_token(storefront, lyon_cart, monday_10)
    held = await storefront.commit(token, "order-2002")

    refused = await storefront.confirm(held["id"], "  ")

    assert_problem(refused, "InvalidInput", "INVALID_INPUT", "input.orderReference")
    assert (await storefront.allocation(held["id"]))["status"] == "HELD"


async def test_a_quantity_that_is_not_a_number_is_a_graphql_error_shown_as_it_is(
    storefront: GraphQLClient,
) -> None:
    document = """
    { deliveryOptions(input: {lines: [{sku: "OAK-CHAIR", quantity: "three"}],
                              destination: {postcode: {postcode: "69003"}}}) { __typename } }
    """

    response = await storefront.execute(document)

    assert response.data is None
    [error] = response.errors
    assert "Int cannot represent" in error["message"]
    assert "three" in error["message"]
    assert_no_python_internals(response)


async def test_a_variable_that_is_not_a_number_is_a_graphql_error_naming_its_path(
    storefront: GraphQLClient,
) -> None:
    request = {"lines": [{"sku": "OAK-CHAIR", "quantity": "three"}], "destination": LYON_3RD}

    response = await options_for(storefront, request)

    assert response.data is None
    [error] = response.errors
    assert "lines[0].quantity" in error["message"]
    assert "three" in error["message"]
    assert_no_python_internals(response)


async def test_a_destination_naming_two_places_is_a_graphql_error(
    storefront: GraphQLClient,
) -> None:
    request = {
        "lines": [line("OAK-CHAIR", 1)],
        "destination": {**LYON_3RD, "storeId": "LYON-PART-DIEU"},
    }

    response = await options_for(storefront, request)

    assert response.data is None
    [error] = response.errors
    assert "DestinationInput" in error["message"]
    assert_no_python_internals(response)


class FailingStore:
    """Stands in for a stock store: every one of its methods fails with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Callable[..., Awaitable[NoReturn]]:
        async def fail(*args: object, **kwargs: object) -> NoReturn:
            raise self.error

        return fail


async def availability_from(store: FailingStore, clock: FakeClock) -> GraphQLResponse:
    app = create_app(
        production_settings(), clock=clock, store=cast(StockStore, store), files=demo_files()
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw.test") as http,
    ):
        return await GraphQLClient(http, api_key=KEY_OF["storefront-fr"]).execute(
            AVAILABILITY, {"skus": ["OAK-CHAIR"]}
        )


async def test_an_unreachable_store_is_a_retryable_temporary_problem(clock: FakeClock) -> None:
    response = await availability_from(
        FailingStore(stock_cache.errors.StoreUnavailable("Redis at 10.0.0.7:6379 timed out")),
        clock,
    )

    result = response.result("availability")
    assert result["__typename"] == "TemporarilyUnavailable"
    assert (result["code"], result["field"]) == ("TEMPORARILY_UNAVAILABLE", None)
    assert "10.0.0.7" not in response.body
    assert_no_python_internals(response)


async def test_an_unexpected_failure_inside_a_resolver_is_masked(clock: FakeClock) -> None:
    response = await availability_from(
        FailingStore(RuntimeError("pool exhausted at /srv/gateway/secret.py")), clock
    )

    assert response.data is None
    assert [error["message"] for error in response.errors] == ["Unexpected error."]
    assert "secret" not in response.body
    assert_no_python_internals(response)
