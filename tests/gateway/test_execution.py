"""The HTTP layer's own execution of checked documents answers as strawberry's Schema.execute.

Both run on the demo network's embedded store: a product page, a cart page with every field
of an option and a mutation give the same data and the same errors either way; an error
raised by a bug inside a resolver is logged with its traceback and reaches the caller as
"Unexpected error." at the same path, as the schema's MaskErrors answers it.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
from graphql import parse

from gateway.app import create_app
from gateway.context import Context
from gateway.execution import UNEXPECTED, run_checked
from gateway.promising import PromiseService
from gateway.schema import schema
from gateway.settings import Settings
from stock_cache import StockStore
from tests.gateway.conftest import LYON_CART, MONDAY_10_PARIS
from tests.gateway.http_support import Exploding

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


async def both_ways(
    service: PromiseService, document: str, variables: dict[str, Any] | None = None
) -> tuple[Any, Any]:
    through_strawberry = await schema.execute(
        document, variable_values=variables, context_value=context_of(service)
    )
    checked = await run_checked(
        schema,
        parse(document),
        variables=variables,
        operation_name=None,
        context=context_of(service),
    )
    return (
        (through_strawberry.data, [e.formatted for e in through_strawberry.errors or []]),
        (checked.data, [e.formatted for e in checked.errors or []]),
    )


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
    app = create_app(Settings(store_url="memory://"), store=cast(StockStore, Exploding()))
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
