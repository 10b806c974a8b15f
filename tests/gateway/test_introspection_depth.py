"""Introspection obeys a depth limit of its own, counted to the leaf, and GraphiQL's query
(the standard introspection query) still passes it."""

from __future__ import annotations

from graphql import get_introspection_query

from gateway.ops.settings import Limits
from tests.gateway.conftest import MARKETPLACE, production_settings
from tests.gateway.http_support import body_of, error_codes, post, serving


def nested_of_type(levels: int) -> str:
    """`__type(name: "Query") { ofType { ofType { ... name } } }`, `levels` ofType deep."""
    inner = "name"
    for _ in range(levels):
        inner = f"ofType {{ {inner} }}"
    return f'{{ __type(name: "Query") {{ {inner} }} }}'


async def test_ninety_eight_nested_of_type_are_refused_before_they_run() -> None:
    async with serving(production_settings()) as (_, http):
        response = await post(http, MARKETPLACE, {"query": nested_of_type(98)})

    assert response.status_code == 400
    assert error_codes(response) == ["DEPTH_LIMIT_EXCEEDED"]
    assert "maximum introspection depth of 15" in response.text


async def test_introspection_one_level_past_the_limit_is_refused_and_at_it_answers() -> None:
    # __type (1) then 13 ofType (14), then name (15): exactly the limit.
    async with serving(production_settings()) as (_, http):
        at_limit = await post(http, MARKETPLACE, {"query": nested_of_type(13)})
        past = await post(http, MARKETPLACE, {"query": nested_of_type(14)})

    assert at_limit.status_code == 200, at_limit.text
    assert body_of(at_limit)["data"]["__type"]["ofType"] is None
    assert past.status_code == 400
    assert error_codes(past) == ["DEPTH_LIMIT_EXCEEDED"]


async def test_the_standard_introspection_query_of_graphiql_still_answers() -> None:
    async with serving(production_settings()) as (_, http):
        response = await post(http, MARKETPLACE, {"query": get_introspection_query()})

    assert response.status_code == 200, response.text
    types = {t["name"] for t in body_of(response)["data"]["__schema"]["types"]}
    assert {"DeliveryOption", "QuoteOrderByPassed"} <= types


async def test_the_introspection_limit_is_a_setting_of_its_own() -> None:
    settings = production_settings(limits=Limits(max_introspection_depth=5))
    async with serving(settings) as (_, http):
        response = await post(http, MARKETPLACE, {"query": nested_of_type(4)})

    assert response.status_code == 400
    assert "maximum introspection depth of 5" in response.text
