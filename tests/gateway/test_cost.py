"""The cost of an operation, worked out once per operation and read per request.

The figures follow the rules of gateway/admission/cost.py: an object field costs a point, a scalar
none, the fields under one returning many things count once per thing asked for (`first`,
the `skus`, each list of an `input`), a delivery-options search or a commit ten points. A
priced argument holding a variable is read from each request's variables; the same
operation with the values written in costs the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.admission.cost import cost_plan

PAGE = """query Page($sku: String!, $lines: [CartLineInput!]!, $n: Int) {
  availability(skus: [$sku, "OAK-CHAIR"], first: $n) {
    ... on Availability { items { sku total nodes { node { id } atp } } } }
  deliveryOptions(input: {lines: $lines, kinds: [HOME_STANDARD, CLICK_AND_COLLECT],
    destination: {postcode: {country: "FR", postcode: "69003"}}}) {
    ... on DeliveryOptions { options { kind priceCents } } ...problem } }
fragment problem on Problem { code }"""
# The same operation with its values written in.
PAGE_WRITTEN = """query Page {
  availability(skus: ["A", "OAK-CHAIR"], first: FIRST) {
    ... on Availability { items { sku total nodes { node { id } atp } } } }
  deliveryOptions(input: {lines: LINES, kinds: [HOME_STANDARD, CLICK_AND_COLLECT],
    destination: {postcode: {country: "FR", postcode: "69003"}}}) {
    ... on DeliveryOptions { options { kind priceCents } } ...problem } }
fragment problem on Problem { code }"""


def cost_of(text: str, variables: dict[str, Any] | None) -> int:
    document = parse(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return cost_plan(operation, fragments)(variables)


def lines(count: int) -> list[dict[str, Any]]:
    return [{"sku": "OAK-CHAIR", "quantity": 1}] * count


@pytest.mark.parametrize(("first", "count"), [(5, 1), (1, 3), (20, 5)])
def test_a_page_costs_its_points_per_thing_asked_for(first: int, count: int) -> None:
    # availability: 1 + (first x 2 SKUs) x items (1 + nodes (1 + node 1));
    # deliveryOptions: 10 + (lines x 2 kinds) x options (1).
    expected = 1 + first * 2 * 3 + 10 + count * 2 * 1

    found = cost_of(PAGE, {"sku": "A", "lines": lines(count), "n": first})

    assert found == expected
    written = PAGE_WRITTEN.replace("FIRST", str(first)).replace(
        "LINES", "[" + ", ".join(['{sku: "OAK-CHAIR", quantity: 1}'] * count) + "]"
    )
    assert cost_of(written, None) == expected


def test_a_missing_variable_counts_as_one_thing() -> None:
    assert cost_of(PAGE, {"sku": "A", "lines": lines(1)}) == 1 + 2 * 3 + 10 + 2


def test_the_plan_is_made_once_and_read_per_request() -> None:
    document = parse(PAGE)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragment = document.definitions[1]
    assert isinstance(fragment, FragmentDefinitionNode)
    plan = cost_plan(operation, {"problem": fragment})

    assert [plan({"sku": "A", "lines": lines(n), "n": 2}) for n in (1, 4)] == [25, 31]


def test_an_operation_without_variables_costs_the_same_every_time() -> None:
    operation = parse("{ __typename }").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    plan = cost_plan(operation, {})
    assert plan(None) == plan({"x": 1}) == 1


def test_a_list_written_in_costs_its_length_whatever_its_variables_hold() -> None:
    # Only lengths are priced: a written list's variables are not read per request.
    text = """query Page($a: String, $b: String) {
      availability(skus: [$a, $b], first: 3) { ... on Availability { items { sku } } } }"""
    operation = parse(text).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    plan = cost_plan(operation, {})

    costs = {plan(v) for v in (None, {}, {"a": "A"}, {"a": "A", "b": None}, {"a": "A", "b": "B"})}

    assert costs == {1 + 3 * 2 * 1}
