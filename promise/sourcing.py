"""Sourcing: which nodes ship which lines of a cart.

Single-node plans come first: every node that can ship the whole cart, nearest first, up to
a few. Then one split plan, built greedily: repeatedly take the node that completes the most
remaining lines (then covers the most units, then is nearest), giving it as much of each line
as it holds, until the cart is covered or the shipment cap is reached. The work is bounded
by the number of candidates times the number of lines per shipment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from promise.cart import CartLine


@dataclass(frozen=True, slots=True)
class Candidate:
    node_id: str
    distance_km: float


@dataclass(frozen=True, slots=True)
class PlannedShipment:
    node_id: str
    distance_km: float
    lines: tuple[CartLine, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    shipments: tuple[PlannedShipment, ...]

    @property
    def distance_km(self) -> float:
        return sum(s.distance_km for s in self.shipments)


Stock = Mapping[str, Mapping[str, int]]
"""ATP per SKU per node."""


def _available(stock: Stock, sku: str, node_id: str) -> int:
    return stock.get(sku, {}).get(node_id, 0)


def single_node_plans(
    cart: Sequence[CartLine], candidates: Sequence[Candidate], stock: Stock, *, limit: int
) -> list[Plan]:
    """Up to `limit` plans shipping the whole cart from one node, nearest first."""
    plans: list[Plan] = []
    for candidate in candidates:
        if len(plans) >= limit:
            break
        if all(_available(stock, line.sku, candidate.node_id) >= line.quantity for line in cart):
            plans.append(
                Plan((PlannedShipment(candidate.node_id, candidate.distance_km, tuple(cart)),))
            )
    return plans


def split_plan(
    cart: Sequence[CartLine], candidates: Sequence[Candidate], stock: Stock, *, max_shipments: int
) -> Plan | None:
    """A greedy plan over several nodes, or None when the cart can't be covered within the cap."""
    remaining = {line.sku: line.quantity for line in cart}
    unused = list(candidates)
    shipments: list[PlannedShipment] = []
    while remaining and len(shipments) < max_shipments:
        best: tuple[tuple[int, int, float], Candidate, tuple[CartLine, ...]] | None = None
        for candidate in unused:
            take = tuple(
                CartLine(sku, min(quantity, _available(stock, sku, candidate.node_id)))
                for sku, quantity in remaining.items()
                if _available(stock, sku, candidate.node_id) > 0
            )
            if not take:
                continue
            completed = sum(1 for line in take if line.quantity == remaining[line.sku])
            units = sum(line.quantity for line in take)
            score = (completed, units, -candidate.distance_km)
            if best is None or score > best[0]:
                best = (score, candidate, take)
        if best is None:
            return None
        _, chosen, take = best
        unused.remove(chosen)
        shipments.append(PlannedShipment(chosen.node_id, chosen.distance_km, take))
        for line in take:
            remaining[line.sku] -= line.quantity
            if remaining[line.sku] == 0:
                del remaining[line.sku]
    return Plan(tuple(shipments)) if not remaining else None
