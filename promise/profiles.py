"""Rule profiles: a channel's sourcing policy, as filters on nodes and an ordered objective.

A profile first filters the candidate nodes (node types allowed, ship-from-store, excluded
nodes, maximum distance, capacity left today); each rejected node is reported with the first
filter it failed, in that order. The nodes left are searched for the plan that is best by
the profile's objective: a list of criteria compared lexicographically, every value smaller
is better. Criteria the objective does not list are not compared; ties are broken by the
plan's nodes and lines, so the same input always gives the same plan.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from promise.nodes import Node, NodeType


class Criterion(enum.Enum):
    """One term of an objective; each is a number where smaller is better."""

    FEWEST_SHIPMENTS = "FEWEST_SHIPMENTS"  # parcels (or collections) in the plan
    DELIVERY_DATE = "DELIVERY_DATE"  # days from the order's day to the last promised day
    COST = "COST"  # carrier price plus the nodes' handling cost, cents
    CO2E = "CO2E"  # grams of CO2e of every shipment
    DISTANCE = "DISTANCE"  # km from each node to the destination, summed
    NODE_PRIORITY = "NODE_PRIORITY"  # minus the lowest priority of the nodes used
    STOCK_DEPTH = "STOCK_DEPTH"  # store units taken out of the last ones kept for walk-ins


class Filter(enum.Enum):
    """Why a node was not considered; the codes an explanation shows."""

    NODE_TYPE = "NODE_TYPE"
    SHIP_FROM_STORE = "SHIP_FROM_STORE"
    EXCLUDED = "EXCLUDED"
    MAX_DISTANCE = "MAX_DISTANCE"
    CAPACITY = "CAPACITY"


@dataclass(frozen=True, slots=True)
class Filters:
    """Which nodes may ship. None means no limit."""

    node_types: frozenset[NodeType] | None = None
    max_distance_km: float | None = None
    # Reject nodes whose daily order capacity is used up today.
    require_capacity: bool = True
    excluded_nodes: frozenset[str] = frozenset()
    ship_from_store: bool = True


DEFAULT_OBJECTIVE = (
    Criterion.FEWEST_SHIPMENTS,
    Criterion.COST,
    Criterion.DELIVERY_DATE,
    Criterion.CO2E,
    Criterion.DISTANCE,
)


@dataclass(frozen=True, slots=True)
class RuleProfile:
    """A channel's filters and objective, with the search limits it allows."""

    name: str = "default"
    version: str = "built-in"
    filters: Filters = field(default_factory=Filters)
    objective: tuple[Criterion, ...] = DEFAULT_OBJECTIVE
    max_shipments: int = 3
    # Handling cost per shipment by node type, cents, added to the carrier price (COST).
    handling_cents: Mapping[NodeType, int] = field(default_factory=dict)
    # STOCK_DEPTH counts the units a plan takes out of a store's last `keep_store_units`.
    keep_store_units: int = 2
    # Whether a cart that cannot be served in full is offered what can be (flagged partial).
    allow_partial: bool = False

    def handling(self, node: Node) -> int:
        # By identity, as `_one_of`: asked for every node a service's search scores.
        kind = node.type
        for each, cents in self.handling_cents.items():
            if each is kind:
                return cents
        return 0


DEFAULT_PROFILE = RuleProfile()


@dataclass(frozen=True, slots=True)
class Rejection:
    node_id: str
    filter: Filter


def rejection(
    profile: RuleProfile,
    node: Node,
    distance_km: float,
    *,
    capacity_left: Mapping[str, int],
    shipping: bool = True,
) -> Filter | None:
    """The first filter `node` fails, or None when it may ship.

    `shipping` is False for a store handing over its own shelves to a collecting shopper:
    that is not shipping, so only the exclusion list applies.
    """
    rules = profile.filters
    if node.id in rules.excluded_nodes:
        return Filter.EXCLUDED
    if not shipping:
        return None
    if rules.node_types is not None and not _one_of(node.type, rules.node_types):
        return Filter.NODE_TYPE
    if not rules.ship_from_store and node.type is NodeType.STORE:
        return Filter.SHIP_FROM_STORE
    if rules.max_distance_km is not None and distance_km > rules.max_distance_km:
        return Filter.MAX_DISTANCE
    if rules.require_capacity and capacity_left.get(node.id, 1) <= 0:
        return Filter.CAPACITY
    return None


def _one_of(kind: NodeType, kinds: frozenset[NodeType]) -> bool:
    """`kind in kinds` by identity: an enum member hashes in interpreted Python (Enum's
    __hash__), which compiled costs more than a walk over the few types there are."""
    return any(each is kind for each in kinds)


def rejects_none(profile: RuleProfile, *, capacity_exhausted: bool) -> bool:
    """Whether `rejection` passes every node, wherever it is, so no node need be asked.

    No node is excluded, no node type or store is ruled out, there is no maximum distance,
    and capacity is not required or no node has used its own up (`capacity_exhausted` says
    whether any has). A store handing over its own shelves is only ever excluded by name.
    """
    rules = profile.filters
    return (
        not rules.excluded_nodes
        and rules.node_types is None
        and rules.ship_from_store
        and rules.max_distance_km is None
        and not (rules.require_capacity and capacity_exhausted)
    )


def parse_objective(names: Sequence[str]) -> tuple[Criterion, ...]:
    """Criteria from their names; ValueError naming an unknown or repeated one."""
    seen: list[Criterion] = []
    for name in names:
        if name not in Criterion.__members__:
            allowed = ", ".join(Criterion.__members__)
            raise ValueError(f"{name!r} is not a criterion ({allowed})")
        if Criterion[name] in seen:
            raise ValueError(f"{name!r} appears twice")
        seen.append(Criterion[name])
    if not seen:
        raise ValueError("the objective names no criterion")
    return tuple(seen)
