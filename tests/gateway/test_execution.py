"""The HTTP layer's own execution of checked documents answers as strawberry's Schema.execute.

Both run on the demo network's embedded store: a product page, a cart page with every field
of an option and a mutation give the same data and the same errors either way; an error
raised by a bug inside a resolver is logged with its traceback and reaches the caller as
"Unexpected error." at the same path, as the schema's MaskErrors answers it. A request error
(no operation to run, variables that do not coerce) is graphql-core's own, and variables the
HTTP layer coerced are not coerced again.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, cast

import httpx
import pytest
from graphql import ExecutionResult, execute, parse
from graphql.execution.values import get_variable_values

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.app import create_app
from gateway.fastpath.execution import UNEXPECTED, check_document, run_checked
from gateway.fastpath.variable_plans import plan_variables
from gateway.ops.settings import Settings
from gateway.service.promise_service import PromiseService
from stock_cache import StockStore
from tests.gateway.conftest import LYON_CART, MONDAY_10_PARIS, STOREFRONT, monday_clock
from tests.gateway.http_support import Exploding, body_of, post

LYON = '{postcode: {country: "FR", postcode: "69003"}}'
PRODUCT_PAGE = f"""query Pdp($sku: String!) {{
  availability(skus: [$sku], near: {LYON}, first: 5) {{
    ... on Availability {{ items {{ sku total nodes {{ node {{ id }} atp distanceKm }} }} }} }}
  deliveryOptions(input: {{lines: [{{sku: $sku, quantity: 1}}], kinds: [HOME_STANDARD],
    destination: {LYON}, orderTime: "{MONDAY_10_PARIS.isoformat()}"}}) {{
    ... on DeliveryOptions {{ options {{ kind promisedDate likelyDate priceCents }} }} }} }}"""
CART_PAGE = f"""query Cart($lines: [CartLineInput!]!) {{
  deliveryOptions(input: {{lines: $lines, destination: {LYON},
    orderTime: "{MONDAY_10_PARIS.isoformat()}"}}) {{
    __typename
    ... on DeliveryOptions {{ options {{ kind serviceCode promisedDate likelyDate priceCents
      co2eGrams labels quoteToken shipments {{ node {{ id }} lines {{ sku quantity }}
      distanceKm }} }} }}
    ... on Problem {{ code field message }} }} }}"""
RELEASE = """mutation { releaseAllocation(input: {allocationId: "no-such-allocation"}) {
  __typename ... on Problem { code } } }"""
CART = [{"sku": sku, "quantity": quantity} for sku, quantity in LYON_CART]


def context_of(service: PromiseService) -> Context:
    return Context(service=service, client_id="web")


async def run_ours(
    service: PromiseService,
    document: str,
    variables: dict[str, Any] | None,
    operation_name: str | None = None,
) -> ExecutionResult:
    return await run_checked(
        schema,
        parse(document),
        variables=variables,
        operation_name=operation_name,
        context=context_of(service),
    )


async def both_ways(
    service: PromiseService, document: str, variables: dict[str, Any] | None = None
) -> tuple[Any, Any]:
    through_strawberry = await schema.execute(
        document, variable_values=variables, context_value=context_of(service)
    )
    checked = await run_ours(service, document, variables)
    return (
        (
            _quotes_of(service, through_strawberry.data),
            [e.formatted for e in through_strawberry.errors or []],
        ),
        (_quotes_of(service, checked.data), [e.formatted for e in checked.errors or []]),
    )


def _quotes_of(service: PromiseService, data: Any) -> Any:
    """`data` with each quote token read back, its random id left out: two runs sign two
    tokens of one quote."""
    if isinstance(data, dict):
        return {
            name: (
                dataclasses.replace(
                    service.keys.verify(value, client_id="web", now=service.clock()), quote_id=""
                )
                if name == "quoteToken"
                else _quotes_of(service, value)
            )
            for name, value in data.items()
        }
    if isinstance(data, list):
        return [_quotes_of(service, value) for value in data]
    return data


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (PRODUCT_PAGE, {"sku": "OAK-CHAIR"}),
        (CART_PAGE, {"lines": CART}),
        (CART_PAGE, {"lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}]}),
        (RELEASE, None),
    ],
    ids=["product page", "cart page", "unknown sku", "mutation"],
)
async def test_a_checked_document_answers_as_schema_execute(
    service: PromiseService, document: str, variables: dict[str, Any] | None
) -> None:
    strawberry_answer, checked_answer = await both_ways(service, document, variables)

    assert checked_answer == strawberry_answer
    data, errors = checked_answer
    assert errors == []
    assert data is not None


async def test_the_cart_page_lists_options_with_quote_tokens(service: PromiseService) -> None:
    _, (data, _) = await both_ways(service, CART_PAGE, {"lines": CART})

    options = data["deliveryOptions"]["options"]
    assert {o["kind"] for o in options} >= {"HOME_STANDARD", "CLICK_AND_COLLECT"}
    assert all(o["quoteToken"] for o in options)


async def test_a_bug_in_a_resolver_is_logged_whole_and_answered_masked_at_its_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(
        Settings(store_url="memory://"), clock=monday_clock(), store=cast(StockStore, Exploding())
    )
    async with app.router.lifespan_context(app):
        service: PromiseService = app.state.promise_service
        with caplog.at_level(logging.ERROR, logger="gateway.execution"):
            result = await run_checked(
                schema,
                parse(PRODUCT_PAGE),
                variables={"sku": "OAK-CHAIR"},
                operation_name="Pdp",
                context=context_of(service),
            )

    assert result.errors
    assert {e.message for e in result.errors} == {UNEXPECTED}
    assert {tuple(e.path or ()) for e in result.errors} <= {("availability",), ("deliveryOptions",)}
    assert all(e.original_error is None for e in result.errors)
    [logged, *_] = [r for r in caplog.records if r.name == "gateway.execution"]
    assert "/srv/gateway/stock_cache/redis_store.py" in logged.getMessage()
    assert logged.exc_info is not None


TWO_OPERATIONS = """query A { availability(skus: ["OAK-CHAIR"]) { __typename } }
query B { availability(skus: ["OAK-CHAIR"]) { __typename } }"""
COUNTED = 'query Counted($n: Int!) { availability(skus: ["OAK-CHAIR"], first: $n) { __typename } }'


@pytest.mark.parametrize(
    ("document", "variables", "operation_name"),
    [
        (TWO_OPERATIONS, None, None),
        (TWO_OPERATIONS, None, "C"),
        ("fragment F on Query { __typename }", None, None),
        (COUNTED, {"n": "five"}, None),
        (COUNTED, None, "Counted"),
    ],
    ids=["no operation name", "unknown operation", "no operation", "bad variable", "missing"],
)
async def test_a_request_error_is_graphql_cores_own(
    service: PromiseService,
    document: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> None:
    expected = execute(
        schema._schema,
        parse(document),
        variable_values=variables,
        operation_name=operation_name,
        context_value=context_of(service),
    )
    assert isinstance(expected, ExecutionResult)

    checked = await run_ours(service, document, variables, operation_name)

    assert checked.data is None
    assert [e.formatted for e in checked.errors or []] == [
        e.formatted for e in expected.errors or []
    ]


async def test_an_operation_runs_on_the_variables_already_coerced_for_it(
    service: PromiseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = check_document(schema._schema, parse(PRODUCT_PAGE))
    operation = document.operations["Pdp"]
    coerced = get_variable_values(
        schema._schema, operation.variable_definitions or (), {"sku": "OAK-CHAIR"}
    )
    assert not isinstance(coerced, list)
    strawberry_answer = await schema.execute(
        PRODUCT_PAGE, variable_values={"sku": "OAK-CHAIR"}, context_value=context_of(service)
    )

    def coerce_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the variables were coerced again")

    monkeypatch.setattr("gateway.fastpath.execution.get_variable_values", coerce_again)
    result = await run_checked(
        schema,
        document,
        variables={"sku": "OAK-CHAIR"},
        operation_name="Pdp",
        context=context_of(service),
        coerced=coerced,
    )

    assert (result.data, result.errors) == (strawberry_answer.data, None)


async def test_an_operation_given_no_coerced_variables_coerces_them_as_the_http_layer(
    service: PromiseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    strawberry_answer = await schema.execute(
        PRODUCT_PAGE, variable_values={"sku": "OAK-CHAIR"}, context_value=context_of(service)
    )

    def by_graphql_core(*args: object, **kwargs: object) -> None:
        raise AssertionError("graphql-core coerced variables the operation's plan takes")

    monkeypatch.setattr("gateway.fastpath.execution.get_variable_values", by_graphql_core)
    result = await run_checked(
        schema,
        check_document(schema._schema, parse(PRODUCT_PAGE)),
        variables={"sku": "OAK-CHAIR"},
        operation_name="Pdp",
        context=context_of(service),
    )

    assert (result.data, result.errors) == (strawberry_answer.data, None)


def _counting_coercion(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Where a request's variables get coerced: the HTTP layer's plan, graphql-core called
    by the HTTP layer, graphql-core called by the execution."""
    calls: list[str] = []

    def counted(where: str, coerce: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(where)
            return coerce(*args, **kwargs)

        return wrapper

    def counted_plan(*args: Any) -> Any:
        plan = plan_variables(*args)
        return None if plan is None else counted("plan", plan)

    monkeypatch.setattr("gateway.http.documents.plan_variables", counted_plan)
    monkeypatch.setattr(
        "gateway.http.documents.get_variable_values", counted("http", get_variable_values)
    )
    monkeypatch.setattr(
        "gateway.fastpath.execution.get_variable_values", counted("execution", get_variable_values)
    )
    return calls


async def test_the_http_layer_coerces_a_requests_variables_once(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting_coercion(monkeypatch)

    response = await post(http, STOREFRONT, {"query": COUNTED, "variables": {"n": 2}})

    assert response.status_code == 200
    assert body_of(response)["data"]["availability"]["__typename"] == "Availability"
    assert calls == ["plan"]


async def test_variables_the_plan_refuses_are_coerced_by_graphql_core_with_its_error(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting_coercion(monkeypatch)

    response = await post(http, STOREFRONT, {"query": COUNTED, "variables": {"n": "two"}})

    assert response.status_code == 400
    [error] = body_of(response)["errors"]
    assert error["message"].startswith("Variable '$n' has invalid value")
    assert calls == ["plan", "http"]
