"""Cart checks: known SKUs, sane quantities, duplicate lines added up."""

from __future__ import annotations

import pytest

from promise.cart import MAX_QUANTITY_PER_LINE, CartLine, checked_cart
from promise.errors import InvalidInput, ProblemCode, UnknownSku
from tests.promise.builders import a_sku

SKUS = {s.sku: s for s in (a_sku("OAK-TABLE-120", weight_grams=32_000), a_sku("LINEN-CUSHION"))}


def test_a_valid_cart_keeps_its_lines_in_order() -> None:
    cart = checked_cart([("OAK-TABLE-120", 1), ("LINEN-CUSHION", 4)], SKUS, field="input.lines")

    assert cart == (CartLine("OAK-TABLE-120", 1), CartLine("LINEN-CUSHION", 4))


def test_a_sku_given_twice_adds_up_on_its_first_line() -> None:
    cart = checked_cart(
        [("LINEN-CUSHION", 2), ("OAK-TABLE-120", 1), ("LINEN-CUSHION", 3)],
        SKUS,
        field="input.lines",
    )

    assert cart == (CartLine("LINEN-CUSHION", 5), CartLine("OAK-TABLE-120", 1))


def test_an_unknown_sku_is_refused_naming_its_line() -> None:
    with pytest.raises(UnknownSku) as raised:
        checked_cart([("OAK-TABLE-120", 1), ("WALNUT-DESK-90", 1)], SKUS, field="input.lines")

    assert raised.value.field == "input.lines[1].sku"
    assert raised.value.sku == "WALNUT-DESK-90"
    assert raised.value.code is ProblemCode.UNKNOWN_SKU


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY_PER_LINE + 1])
def test_a_quantity_out_of_range_is_refused_naming_its_line(quantity: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        checked_cart([("OAK-TABLE-120", quantity)], SKUS, field="input.lines")

    assert raised.value.field == "input.lines[0].quantity"
    assert raised.value.message == f"quantity {quantity} must be between 1 and 999"


def test_the_largest_quantity_on_one_line_is_accepted() -> None:
    cart = checked_cart([("LINEN-CUSHION", 999)], SKUS, field="input.lines")

    assert cart == (CartLine("LINEN-CUSHION", 999),)


def test_repeating_a_sku_does_not_get_around_the_quantity_cap() -> None:
    with pytest.raises(InvalidInput) as raised:
        checked_cart(
            [("LINEN-CUSHION", 600), ("OAK-TABLE-120", 1), ("LINEN-CUSHION", 400)],
            SKUS,
            field="input.lines",
        )

    assert raised.value.field == "input.lines[2].quantity"
    assert (
        raised.value.message
        == "SKU 'LINEN-CUSHION' totals 1000 units over its lines, more than 999"
    )


def test_an_empty_cart_is_refused_naming_the_lines() -> None:
    with pytest.raises(InvalidInput) as raised:
        checked_cart([], SKUS, field="input.lines")

    assert raised.value.field == "input.lines"
    assert raised.value.message == "a cart needs at least one line"
