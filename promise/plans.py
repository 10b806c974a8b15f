"""The values a sourcing search works on: candidate nodes, planned shipments, plans, scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from promise.cart import CartLine
from promise.shipment_load import Load


# The search builds these by the thousand per request. Their __init__ is written out: the one
# @dataclass generates stays interpreted when mypyc compiles the module, and costs about 14
# times a compiled one (420 against 30 ns, frozen). Equality, hash and repr still come from
# @dataclass; object.__setattr__ is how a frozen class sets its own fields.
@dataclass(frozen=True, slots=True, init=False)
class Candidate:
    node_id: str
    distance_km: float

    def __init__(self, node_id: str, distance_km: float) -> None:
        object.__setattr__(self, "node_id", node_id)
        object.__setattr__(self, "distance_km", distance_km)


@dataclass(frozen=True, slots=True, init=False)
class PlannedShipment:
    """Lines from a node; `load`, when the search weighed them as it grew the shipment, is
    theirs (the scorer weighs them otherwise). Not part of the value: it follows the lines."""

    node_id: str
    distance_km: float
    lines: tuple[CartLine, ...]
    load: Load | None = field(default=None, compare=False, repr=False)

    def __init__(
        self,
        node_id: str,
        distance_km: float,
        lines: tuple[CartLine, ...],
        load: Load | None = None,
    ) -> None:
        object.__setattr__(self, "node_id", node_id)
        object.__setattr__(self, "distance_km", distance_km)
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "load", load)


@dataclass(frozen=True, slots=True)
class Plan:
    shipments: tuple[PlannedShipment, ...]

    @property
    def distance_km(self) -> float:
        return sum(s.distance_km for s in self.shipments)


Stock = Mapping[str, Mapping[str, int]]
"""ATP per SKU per node."""


def available(stock: Stock, sku: str, node_id: str) -> int:
    return stock.get(sku, {}).get(node_id, 0)


@dataclass(frozen=True, slots=True, init=False)
class ShipmentScore:
    """What one shipment contributes to a plan's objective."""

    promised: date
    likely: date
    cost_cents: int
    co2e_grams: float

    def __init__(self, promised: date, likely: date, cost_cents: int, co2e_grams: float) -> None:
        object.__setattr__(self, "promised", promised)
        object.__setattr__(self, "likely", likely)
        object.__setattr__(self, "cost_cents", cost_cents)
        object.__setattr__(self, "co2e_grams", co2e_grams)


PlanKey = tuple[tuple[float, ...], int, float, tuple[tuple[str, tuple[CartLine, ...]], ...]]
"""Objective values, then the tie-break: likely day, distance, nodes and lines."""

Scorer = Callable[[PlannedShipment], ShipmentScore | None]
"""Scores a shipment; None when it can't be made (no date, too heavy).

The search relies on every criterion only growing as lines are added to a shipment (and a
shipment that can't be made staying so), which is what lets a partial plan bound its
completions.
"""


@dataclass(frozen=True, slots=True)
class ScoredPlan:
    plan: Plan
    values: tuple[float, ...]  # in the order of the judge's objective
