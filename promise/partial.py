"""A cart that cannot be served in full: its short lines, and the part of it that can be.

A line is short when the nodes read hold fewer units of it than asked (stock on its way
counted); its `ShortLine` names how many can be had and the nodes holding them, most first.
The servable part keeps every line at what can be had, and leaves out the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from promise.cart import CartLine
from promise.plans import Stock
from promise.shortage import HeldAt, ShortLine

NODES_NAMED = 5


def short_lines(cart: Sequence[CartLine], stock: Stock) -> tuple[ShortLine, ...]:
    """The lines of `cart` that `stock` cannot cover, in the cart's order."""
    found = []
    for line in cart:
        held = sorted(
            ((node, units) for node, units in stock.get(line.sku, {}).items() if units > 0),
            key=lambda item: (-item[1], item[0]),
        )
        available = sum(units for _, units in held)
        if available < line.quantity:
            nodes = tuple(HeldAt(node, units) for node, units in held[:NODES_NAMED])
            found.append(ShortLine(line.sku, line.quantity, available, nodes))
    return tuple(found)


def servable_part(
    cart: Sequence[CartLine], short: Sequence[ShortLine], *, one_node: bool = False
) -> tuple[tuple[CartLine, ...], tuple[CartLine, ...]]:
    """(what can be had of the cart, what is left out), each line at most once in each.

    A short line keeps every unit the nodes hold, or with `one_node` those of the node
    holding most: a part a plan of few shipments can still serve when the units are spread.
    """
    by_sku = {
        line.sku: (line.nodes[0].units if one_node and line.nodes else line.available)
        for line in short
    }
    kept: list[CartLine] = []
    left_out: list[CartLine] = []
    for line in cart:
        available = by_sku.get(line.sku)
        if available is None:
            kept.append(line)
            continue
        if available > 0:
            kept.append(CartLine(line.sku, available))
        left_out.append(CartLine(line.sku, line.quantity - available))
    return tuple(kept), tuple(left_out)
