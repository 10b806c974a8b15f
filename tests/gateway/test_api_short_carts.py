"""A cart that cannot be served in full: its short lines, and what it may still get, over HTTP."""

from __future__ import annotations

from gateway.service.destinations import at_postcode
from gateway.service.partial import partial_offer
from gateway.service.promise_service import PromiseService
from promise.cart import CartLine
from promise.errors import NothingInStock
from tests.gateway.conftest import MONDAY_10_PARIS
from tests.gateway.graphql_client import GraphQLClient, line

LYON_3RD = {"postcode": {"postcode": "69003"}}
# 500 large oak tables: the nodes near Lyon hold far fewer; DC-BONNEUIL holds the most (49).
SHORT_CART = [line("OAK-TABLE-200", 500), line("OAK-CHAIR", 1)]

SHORT = """
query Short($input: DeliveryOptionsInput!) {
  deliveryOptions(input: $input) {
    __typename
    ... on NothingInStock {
      code field
      shortLines { sku requested available availableCapped nodes { nodeId available } }
      partialOptions {
        kind partial leftOut { sku quantity } quoteToken
        shipments { node { id } lines { sku quantity } }
      }
    }
  }
}
"""


async def test_a_short_line_says_how_many_can_be_had_and_where_and_the_rest_is_offered(
    storefront: GraphQLClient,
) -> None:
    answer = await storefront.execute(
        SHORT, {"input": {"lines": SHORT_CART, "destination": LYON_3RD}}
    )
    found = answer.result("deliveryOptions")
    assert (found["__typename"], found["field"]) == ("NothingInStock", "input.lines[0]")
    [short] = found["shortLines"]
    assert short["sku"] == "OAK-TABLE-200"
    assert short["requested"] == 500
    assert 49 <= short["available"] < 500
    assert short["nodes"][0] == {"nodeId": "DC-BONNEUIL", "available": 49}
    held = [node["available"] for node in short["nodes"]]
    assert held == sorted(held, reverse=True)
    options = found["partialOptions"]
    assert options, "web-fr allows partial answers"
    for option in options:
        assert option["partial"] is True
        [left_out] = option["leftOut"]
        shipped = {
            item["sku"]: item["quantity"]
            for shipment in option["shipments"]
            for item in shipment["lines"]
        }
        assert shipped["OAK-CHAIR"] == 1
        assert left_out == {"sku": "OAK-TABLE-200", "quantity": 500 - shipped["OAK-TABLE-200"]}


async def test_a_partial_option_commits_the_part_it_names(storefront: GraphQLClient) -> None:
    answer = await storefront.execute(
        SHORT, {"input": {"lines": SHORT_CART, "destination": LYON_3RD}}
    )
    option = answer.result("deliveryOptions")["partialOptions"][0]
    committed = await storefront.commit(option["quoteToken"], "partial-commit-1")
    assert committed["__typename"] == "Allocation", committed
    reserved = sum(
        item["quantity"]
        for shipment in committed["shipments"]
        for item in shipment["lines"]
        if item["sku"] == "OAK-TABLE-200"
    )
    assert 0 < reserved < 500


async def test_a_profile_without_partial_answers_offers_nothing_for_a_short_cart(
    service: PromiseService,
) -> None:
    cart = (CartLine("OAK-TABLE-200", 500), CartLine("OAK-CHAIR", 1))
    lyon = at_postcode("FR", "69003", field="destination").destination
    try:
        await service.promise(
            cart, lyon, client_id="marketplace-x-connector", order_time=MONDAY_10_PARIS,
            confidence=0.95,
        )  # fmt: skip
    except NothingInStock as error:
        short = error
    else:
        raise AssertionError("500 tables are not in stock")
    assert [s.sku for s in short.short_lines] == ["OAK-TABLE-200"]
    offers = {
        client: await partial_offer(
            service,
            short,
            cart,
            lyon,
            client_id=client,
            channel=None,
            order_time=MONDAY_10_PARIS,
            confidence=0.95,
        )
        for client in ("marketplace-x-connector", "storefront-fr")
    }
    assert offers["marketplace-x-connector"] is None
    web = offers["storefront-fr"]
    assert web is not None
    assert web.options
    assert next((line.sku, line.quantity) for line in web.left_out)[0] == "OAK-TABLE-200"
