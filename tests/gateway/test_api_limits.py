"""Every limit refuses with its status and code before anything runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.ops.settings import Limits
from tests.gateway.conftest import MARKETPLACE, STOREFRONT, production_settings
from tests.gateway.graphql_client import GraphQLClient, line
from tests.gateway.http_support import AVAILABILITY_DOC, auth, body_of, error_codes, post, serving

# 1 point for availability, then 5 nodes x (items + nodes) = 11 points.
ELEVEN_POINTS = (
    '{ availability(skus: ["OAK-CHAIR"], first: 5) '
    "{ ... on Availability { items { sku nodes { atp } } } } }"
)
# 60 points leaking 0.01 a second. The leak runs on the real clock (Redis's own in Redis): the
# sixth request of 11 points is refused unless 6 points leaked, which takes ten minutes.
SMALL_BUCKET = Limits(bucket_points=60, points_per_second=0.01)


async def test_a_document_deeper_than_the_limit_is_400() -> None:
    settings = production_settings(limits=Limits(max_depth=3))
    deep = (
        '{ availability(skus: ["OAK-CHAIR"]) '
        "{ ... on Availability { items { nodes { node { id } } } } } }"
    )
    async with serving(settings) as (_, http):
        response = await post(http, STOREFRONT, {"query": deep})

    assert response.status_code == 400
    assert error_codes(response) == ["DEPTH_LIMIT_EXCEEDED"]


async def test_more_aliases_than_the_limit_is_400(http: httpx.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(11))

    response = await post(http, STOREFRONT, {"query": f"{{ {aliases} }}"})

    assert response.status_code == 400
    assert error_codes(response) == ["ALIAS_LIMIT_EXCEEDED"]


async def test_more_tokens_than_the_limit_is_400(http: httpx.AsyncClient) -> None:
    skus = ", ".join('"OAK-CHAIR"' for _ in range(2100))

    response = await post(http, STOREFRONT, {"query": f"{{ availability(skus: [{skus}]) }}"})

    assert response.status_code == 400
    assert error_codes(response) == ["TOKEN_LIMIT_EXCEEDED"]


async def test_a_body_declared_larger_than_the_limit_is_413_unread(
    http: httpx.AsyncClient,
) -> None:
    padding = " " * (64 * 1024)

    response = await post(http, STOREFRONT, {"query": AVAILABILITY_DOC + padding})

    assert response.status_code == 413
    assert error_codes(response) == ["BODY_TOO_LARGE"]


async def test_a_streamed_body_is_cut_off_at_the_limit_with_413(http: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "'
        for _ in range(100):
            yield b" " * 1024  # no Content-Length: the size is only known while reading

    response = await http.post(
        "/graphql",
        content=chunks(),
        headers={**auth(STOREFRONT), "content-type": "application/json"},
    )

    assert response.status_code == 413
    assert error_codes(response) == ["BODY_TOO_LARGE"]


async def test_a_batch_runs_each_operation_and_answers_a_list(http: httpx.AsyncClient) -> None:
    response = await post(
        http, STOREFRONT, [{"query": AVAILABILITY_DOC}, {"query": "{ __typename }"}]
    )

    assert response.status_code == 200
    answers = response.json()
    assert [answer["data"] for answer in answers] == [
        {"availability": {"__typename": "Availability"}},
        {"__typename": "Query"},
    ]


async def test_a_batch_of_more_operations_than_the_limit_is_400(http: httpx.AsyncClient) -> None:
    response = await post(http, STOREFRONT, [{"query": "{ __typename }"}] * 6)

    assert response.status_code == 400
    assert error_codes(response) == ["BATCH_LIMIT_EXCEEDED"]


async def test_a_cart_of_more_than_fifty_lines_is_invalid_input(storefront: GraphQLClient) -> None:
    lines = [line("OAK-CHAIR", 1)] * 51

    result = await storefront.delivery_options(lines, {"postcode": {"postcode": "69003"}})

    assert (result["__typename"], result["field"]) == ("InvalidInput", "input.lines")


async def test_more_than_fifty_skus_is_invalid_input(storefront: GraphQLClient) -> None:
    result = await storefront.availability(["OAK-CHAIR"] * 51)

    assert (result["__typename"], result["field"]) == ("InvalidInput", "skus")


async def test_first_above_fifty_is_invalid_input(storefront: GraphQLClient) -> None:
    result = await storefront.availability(["OAK-CHAIR"], first=51)

    assert (result["__typename"], result["field"]) == ("InvalidInput", "first")


async def test_an_operation_costing_more_than_a_full_bucket_is_400_with_its_cost() -> None:
    skus = ", ".join(f'"SKU-{i}"' for i in range(50))
    costly = (
        f"{{ availability(skus: [{skus}], first: 50) "
        "{ ... on Availability { items { nodes { atp } } } } }"
    )
    async with serving(production_settings(limits=Limits())) as (_, http):
        response = await post(http, STOREFRONT, {"query": costly})

    assert response.status_code == 400
    assert error_codes(response) == ["COST_LIMIT_EXCEEDED"]
    assert body_of(response)["errors"][0]["extensions"]["maximum"] == 1000


async def test_every_answer_states_its_cost_and_the_bucket_left(http: httpx.AsyncClient) -> None:
    response = await post(http, STOREFRONT, {"query": ELEVEN_POINTS})

    cost = body_of(response)["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 11
    assert cost["throttleStatus"]["maximumAvailable"] == 100_000


async def spend_until_refused(http: httpx.AsyncClient, client: str) -> list[httpx.Response]:
    answers = []
    for _ in range(10):
        answers.append(await post(http, client, {"query": ELEVEN_POINTS}))
        if answers[-1].status_code != 200:
            break
    return answers


async def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert error_codes(response) == ["RATE_LIMITED"]
    assert int(response.headers["retry-after"]) >= 1
    cost = body_of(response)["errors"][0]["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 11
    assert cost["throttleStatus"]["currentlyAvailable"] < 11


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def bucket_store_url(request: pytest.FixtureRequest) -> str:
    """The bucket lives in process on the embedded store and in Redis on Redis."""
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("seeded_redis_url"))


async def test_a_client_that_spends_its_bucket_gets_429_with_retry_after(
    bucket_store_url: str,
) -> None:
    url = bucket_store_url
    async with serving(production_settings(store_url=url, limits=SMALL_BUCKET)) as (_, http):
        answers = await spend_until_refused(http, STOREFRONT)
        other = await post(http, MARKETPLACE, {"query": ELEVEN_POINTS})

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    await assert_rate_limited(answers[-1])
    assert other.status_code == 200  # one bucket per client


async def test_the_redis_bucket_holds_across_gateway_processes(seeded_redis_url: str) -> None:
    settings = production_settings(store_url=seeded_redis_url, limits=SMALL_BUCKET)
    async with serving(settings) as (_, first), serving(settings) as (_, second):
        spent = [await post(first, STOREFRONT, {"query": ELEVEN_POINTS}) for _ in range(5)]
        refused = await post(second, STOREFRONT, {"query": ELEVEN_POINTS})

    assert [a.status_code for a in spent] == [200] * 5
    await assert_rate_limited(refused)
