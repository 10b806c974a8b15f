"""Future stock: units on their way to a node, with the instant they are expected.

A line that a node cannot fill from its shelves may still be promised from an inbound lot,
later: the shipment then starts no earlier than the arrival of the last lot it needs. Lots
are used earliest first, after the units on hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from promise.cart import CartLine
from promise.sourcing import Stock


@dataclass(frozen=True, slots=True)
class InboundLot:
    """`quantity` units expected at the node at `eta` (an aware instant)."""

    quantity: int
    eta: datetime


# SKU -> node id -> lots, like `Stock`.
Inbound = Mapping[str, Mapping[str, Sequence[InboundLot]]]


def with_inbound(stock: Stock, inbound: Inbound) -> dict[str, dict[str, int]]:
    """Units on hand plus every inbound unit, per SKU and node."""
    total = {sku: dict(levels) for sku, levels in stock.items()}
    for sku, by_node in inbound.items():
        levels = total.setdefault(sku, {})
        for node_id, lots in by_node.items():
            levels[node_id] = levels.get(node_id, 0) + sum(lot.quantity for lot in lots)
    return total


def stock_arrives_at(
    node_id: str, lines: Sequence[CartLine], stock: Stock, inbound: Inbound
) -> datetime | None:
    """When the node holds enough for `lines`: None if it already does.

    For each line short on the shelves, lots are taken earliest first until the shortfall is
    covered; the answer is the latest ETA any line needs. A shortfall the lots cannot cover
    gives the last lot's ETA (the plan was built on stock plus inbound, so it does not occur).
    """
    latest: datetime | None = None
    for line in lines:
        short = line.quantity - stock.get(line.sku, {}).get(node_id, 0)
        if short <= 0:
            continue
        lots = sorted(inbound.get(line.sku, {}).get(node_id, ()), key=lambda lot: lot.eta)
        for lot in lots:
            short -= lot.quantity
            if latest is None or lot.eta > latest:
                latest = lot.eta
            if short <= 0:
                break
    return latest
