"""The HTTP layer's fast path answers generated documents as graphql-core's own execution.

Each generated request (tests/gateway/document_strategies.py) is posted to the gateway over
HTTP and run by the reference: graphql-core's parse, the schema's own validation rules
(strawberry's: graphql-core's and @oneOf's, as `Schema.execute` validates) and graphql-core's
`execute` of the same document on the same service and context, its unexpected errors masked
as the schema's MaskErrors masks them. A request error (parse, validation, variables, no
operation to run) must be the gateway's 400 with the same messages and locations; anything
else its 200 with the same data and the same errors at the same paths. The demo network on
the embedded store, on a fixed clock; the stock reads of one SKU fail as a bug would. And
with the fast path turned off (`FAST_PATH=off`), a gateway answers as with it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from graphql import ExecutionResult, GraphQLError, execute, parse, specified_rules
from hypothesis import HealthCheck, given, settings

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.app import create_app, seed_stock
from gateway.fastpath.compat import core_schema, validate_document
from gateway.fastpath.execution import UNEXPECTED, is_unexpected
from gateway.ops.settings import DEFAULT_NETWORK_DIR, Limits
from network_loader.stock_rules import load_stock_rules
from stock_cache import StockStore
from stock_cache.memory import MemoryStore
from tests.budget import budget
from tests.gateway.conftest import MONDAY_10_PARIS, STOREFRONT, demo_files, production_settings
from tests.gateway.document_strategies import FAULTY_SKU, Request, requests
from tests.gateway.http_support import auth
from tests.stock_cache.support import FakeClock

GRAPHQL_RESPONSE = "application/graphql-response+json"
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
# Generated documents stay within every limit but the schema's: what differs is validation
# and execution, never the gateway's own admission.
_ROOMY = Limits(
    bucket_points=10**9,
    points_per_second=10**9,
    shopper_bucket_points=10**9,
    shopper_points_per_second=10**9,
    max_aliases=20,
)


class FaultyStore(MemoryStore):
    """The embedded store, but a read of FAULTY_SKU's stock fails as a bug would."""

    async def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, int]]:
        self._fail(skus)
        return await super().atp(skus, node_ids, channel=channel)

    async def availability(self, skus: Sequence[str], node_ids: Sequence[str], **kw: Any) -> Any:
        self._fail(skus)
        return await super().availability(skus, node_ids, **kw)

    async def stock(self, skus: Sequence[str], node_ids: Sequence[str], **kw: Any) -> Any:
        self._fail(skus)
        return await super().stock(skus, node_ids, **kw)

    @staticmethod
    def _fail(skus: Sequence[str]) -> None:
        if FAULTY_SKU in skus:
            raise RuntimeError("injected fault in the stock store")


async def faulty_store() -> StockStore:
    """A FaultyStore holding the demo network's stock."""
    files = demo_files()
    store = FaultyStore(rules=load_stock_rules(DEFAULT_NETWORK_DIR, files.network).rules)
    await seed_stock(store, files.stock_levels)
    return store


class Gateway:
    """The gateway over HTTP and, beside it, what the reference needs: schema and context."""

    def __init__(self, http: httpx.AsyncClient, context: Context) -> None:
        self.http = http
        self.context = context

    async def post(self, request: Request) -> httpx.Response:
        return await self.http.post(
            "/graphql",
            json=request.body(),
            headers={**auth(STOREFRONT), "accept": GRAPHQL_RESPONSE, "x-request-id": "diff"},
        )


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    store = await faulty_store()
    clock = FakeClock(MONDAY_10_PARIS.timestamp())
    settings = production_settings(limits=_ROOMY)
    app = create_app(settings, clock=clock, store=store, files=demo_files())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw.test") as http,
    ):
        context = Context(
            service=app.state.promise_service,
            client_id=STOREFRONT,
            channel="web-fr",
            request_id="reference",
            platform=app.state.platform,
        )
        yield Gateway(http, context)


def _where(error: GraphQLError) -> list[dict[str, int]] | None:
    if not error.locations:
        return None
    return [{"line": at.line, "column": at.column} for at in error.locations]


def _error(error: GraphQLError) -> dict[str, Any]:
    message = UNEXPECTED if is_unexpected(error) else _SUGGESTION.sub("", error.message)
    found: dict[str, Any] = {"message": message, "locations": _where(error)}
    if error.path is not None:
        found["path"] = list(error.path)
    return found


def _seen(error: dict[str, Any]) -> dict[str, Any]:
    """The fields of an error of the gateway's answer that the comparison covers."""
    found = {"message": error["message"], "locations": error.get("locations")}
    if "path" in error:
        found["path"] = error["path"]
    return found


async def reference(request: Request, context: Context) -> tuple[bool, dict[str, Any]]:
    """(whether it is a request error, {"data", "errors"}) as graphql-core answers it."""
    graphql_schema = core_schema(schema)
    try:
        document = parse(request.query)
    except GraphQLError as error:
        return True, {"errors": [_error(error)]}
    errors = validate_document(graphql_schema, document, tuple(specified_rules))
    if errors:
        return True, {"errors": [_error(e) for e in errors]}
    outcome = execute(
        graphql_schema,
        document,
        context_value=context,
        variable_values=request.variables,
        operation_name=request.operation_name,
    )
    result = await outcome if not isinstance(outcome, ExecutionResult) else outcome
    assert isinstance(result, ExecutionResult)
    found = [_error(e) for e in result.errors or ()]
    requested = result.data is None and all(e.path is None for e in result.errors or ())
    return requested and bool(found), {"data": result.data, "errors": found}


def _by_path(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(errors, key=repr)


@settings(
    max_examples=budget(350),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(request=requests())
async def test_the_fast_path_answers_as_graphql_core(gateway: Gateway, request: Request) -> None:
    refused, expected = await reference(request, gateway.context)
    response = await gateway.post(request)
    answer = response.json()

    if refused:
        assert response.status_code == 400, (request, expected, answer)
        assert "data" not in answer
        assert [_seen(e) for e in answer["errors"]] == expected["errors"], request
        return
    assert response.status_code == 200, (request, expected, answer)
    assert answer["data"] == expected["data"], request
    assert _by_path([_seen(e) for e in answer.get("errors", [])]) == _by_path(expected["errors"]), (
        request
    )


_FIXED = [
    Request(
        "query Pdp($sku: String!) { availability(skus: [$sku], near: {postcode: {postcode: "
        '"69003"}}, first: 3) { ... on Availability { items { sku total nodes { node { id } '
        "atp distanceKm } } } } deliveryOptions(input: {lines: [{sku: $sku, quantity: 1}], "
        'kinds: [HOME_STANDARD], destination: {postcode: {postcode: "69003"}}}) { ... on '
        "DeliveryOptions { options { kind promisedDate likelyDate priceCents labels shipments "
        "{ node { id } lines { sku quantity } } } } ... on Problem { code field message } } }",
        {"sku": "OAK-TABLE-120"},
        None,
    ),
    Request('{ availability(skus: "NO-SUCH-SKU") { ... on Problem { code field } } }', {}, None),
    Request(f'{{ availability(skus: ["{FAULTY_SKU}"]) {{ __typename }} }}', {}, None),
    Request("query A { __typename } query B { nope }", {}, "A"),
    Request(
        "query Listing($skus: [String!]!) { listingPromises(skus: $skus, destination: "
        '{postcode: {country: "FR", postcode: "69003"}}, kinds: [HOME_STANDARD, '
        "CLICK_AND_COLLECT]) { ... on ListingPromises { items { __typename ... on "
        "ListingPromise { sku headlines { kind promisedDate likelyDate orderBy priceCents "
        "node { id } } notOffered { kind reason { code } } } ... on Problem { code field } } } "
        "... on Problem { code } } }",
        {"skus": ["OAK-TABLE-120", "NO-SUCH-SKU", "LINEN-DUVET-220", "OAK-CHAIR"]},
        None,
    ),
]


@pytest.mark.parametrize("request_", _FIXED, ids=["pdp", "problem", "fault", "invalid", "listing"])
async def test_the_fast_path_turned_off_gives_the_same_answers(
    gateway: Gateway, request_: Request
) -> None:
    store = await faulty_store()
    settings = production_settings(limits=_ROOMY, fast_path=False)
    clock = FakeClock(MONDAY_10_PARIS.timestamp())
    app = create_app(settings, clock=clock, store=store, files=demo_files())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw.test") as http,
    ):
        slow = await Gateway(http, gateway.context).post(request_)
    fast = await gateway.post(request_)

    assert slow.status_code == fast.status_code
    assert {**slow.json(), "extensions": None} == {**fast.json(), "extensions": None}
