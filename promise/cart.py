"""What the shopper asks for: cart lines and where they should go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from carriers.echo import shown
from carriers.regions import Region
from promise.errors import InvalidInput, UnknownSku
from promise.geo import GeoPoint
from promise.network import Sku

MAX_QUANTITY_PER_LINE = 999


# __init__ written out, compiled (see promise.plans): the search makes lines per content.
@dataclass(frozen=True, slots=True, order=True, init=False)
class CartLine:
    sku: str
    quantity: int

    def __init__(self, sku: str, quantity: int) -> None:
        object.__setattr__(self, "sku", sku)
        object.__setattr__(self, "quantity", quantity)


@dataclass(frozen=True, slots=True)
class Destination:
    """A delivery point, or a store for click & collect (then `store_id` is set).

    `region` is the calendar the delivery day is counted in (from a postcode); None means
    the network's country, national holidays only.
    """

    point: GeoPoint
    store_id: str | None = None
    region: Region | None = None


def checked_cart(
    lines: Sequence[tuple[str, int]], skus: Mapping[str, Sku], *, field: str
) -> tuple[CartLine, ...]:
    """Cart lines with known SKUs and sane quantities; a SKU given twice adds up.

    Raises InvalidInput or UnknownSku naming the offending line, e.g. `input.lines[1].quantity`.
    """
    if not lines:
        raise InvalidInput("a cart needs at least one line", field=field)
    totals: dict[str, int] = {}
    for index, (sku, quantity) in enumerate(lines):
        where = f"{field}[{index}]"
        if sku not in skus:
            raise UnknownSku(sku, field=f"{where}.sku")
        if not 1 <= quantity <= MAX_QUANTITY_PER_LINE:
            raise InvalidInput(
                f"quantity {quantity} must be between 1 and {MAX_QUANTITY_PER_LINE}",
                field=f"{where}.quantity",
            )
        total = totals.get(sku, 0) + quantity
        if total > MAX_QUANTITY_PER_LINE:
            raise InvalidInput(
                f"SKU {shown(sku)} totals {total} units over its lines, "
                f"more than {MAX_QUANTITY_PER_LINE}",
                field=f"{where}.quantity",
            )
        totals[sku] = total
    return tuple(CartLine(sku, quantity) for sku, quantity in totals.items())
