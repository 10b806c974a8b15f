"""A request's budget runs from its first byte, not from when a busy worker gets to it.

The protocol stamps each request's arrival (a real uvicorn server on loopback); the endpoint
counts the budget from that stamp, so a request that waited in a worker's queue past its
whole budget is shed before any work: 503 `REQUEST_TIMEOUT`, nothing changed, a plain retry
safe. The queue is simulated by an arrival stamped in the past (the deadline's own clock), so
no test waits for time to pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.ops.slow_clients import ARRIVED, guarded_protocol
from gateway.service import deadline
from tests.gateway.conftest import GRAPHQL_RESPONSE, KEY_OF, LYON_CART, STOREFRONT
from tests.gateway.graphql_client import GraphQLClient, line
from tests.gateway.http_support import served_by_uvicorn

LYON_3RD = {"postcode": {"postcode": "69003"}}
# Far beyond any budget: only a server that never answers reaches it.
NEVER = 30.0


def queued_for(app: Starlette, seconds: float) -> object:
    """`app`, its requests stamped as come in `seconds` ago (a worker busy that long)."""

    async def queued(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})[ARRIVED] = deadline.now() - seconds
        await app(scope, receive, send)

    return queued


@pytest.fixture
async def queued_storefront(app: Starlette) -> AsyncIterator[GraphQLClient]:
    """The storefront on the gateway, each request having waited a second past its budget."""
    budget = app.state.platform.request_timeout_seconds
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(queued_for(app, budget + 1)),  # type: ignore[arg-type]
        base_url="http://gateway.test",
        headers={"accept": GRAPHQL_RESPONSE},
    ) as http:
        yield GraphQLClient(http, api_key=KEY_OF[STOREFRONT])


async def test_a_commit_that_waited_past_its_budget_is_shed_and_changes_nothing(
    storefront: GraphQLClient, queued_storefront: GraphQLClient, monday_10: str
) -> None:
    cart = [line(sku, quantity) for sku, quantity in LYON_CART]
    options = await storefront.delivery_options(cart, LYON_3RD, order_time=monday_10)
    token = options["options"][0]["quoteToken"]
    skus = [sku for sku, _ in LYON_CART]
    before = await storefront.total_atp(skus)

    shed = await queued_storefront.execute(
        "mutation C($i: CommitAllocationInput!) { commitAllocation(input: $i) { __typename } }",
        {"i": {"quoteToken": token, "idempotencyKey": "order-2302"}},
    )

    assert shed.status_code == 503
    assert [error["extensions"]["code"] for error in shed.errors] == ["REQUEST_TIMEOUT"]
    assert "nothing was done: retry" in shed.errors[0]["message"]
    assert await storefront.total_atp(skus) == before
    # Nothing was made under the key: the retry that comes in time holds the cart once.
    held = await storefront.commit(token, "order-2302")
    assert held["__typename"] == "Allocation", held
    after = await storefront.total_atp(skus)
    assert {sku: before[sku] - after[sku] for sku in skus} == dict(LYON_CART)


async def test_a_request_that_waited_less_than_its_budget_is_served(app: Starlette) -> None:
    budget = app.state.platform.request_timeout_seconds
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(queued_for(app, budget * 0.75)),  # type: ignore[arg-type]
        base_url="http://gateway.test",
        headers={"accept": GRAPHQL_RESPONSE},
    ) as http:
        client = GraphQLClient(http, api_key=KEY_OF[STOREFRONT])
        answer = await client.availability(["OAK-CHAIR"])

    assert answer["__typename"] == "Availability", answer


async def test_the_protocol_stamps_a_request_with_the_instant_its_first_byte_came_in() -> None:
    seen: list[float] = []

    async def stamp(request: Request) -> JSONResponse:
        seen.append(request.state.gateway_arrived)
        seen.append(deadline.now())
        return JSONResponse({})

    protocol = guarded_protocol(header_timeout=NEVER, body_timeout=NEVER)
    app = Starlette(routes=[Route("/", stamp)])
    async with served_by_uvicorn(app, options={"http": protocol}, bound=NEVER) as port:
        before = deadline.now()
        async with httpx.AsyncClient() as http:
            response = await asyncio.wait_for(http.get(f"http://127.0.0.1:{port}/"), NEVER)

    assert response.status_code == 200
    arrived, handled = seen
    assert before <= arrived <= handled
