"""Sourcing: which nodes ship which lines of a cart, searched under a rule profile's objective.

A plan gives every cart line to one node, or, for a line no single node holds in full, splits
its quantity over several nodes. Plans are compared by a `Judge` (`promise.judge`): the
profile's criteria (smaller is better, lexicographically), then a fixed tie-break (likely
day, distance, the plan's nodes and lines), so equal inputs always give the same plan.

The search runs in two stages. Single-node plans come first: every candidate holding the
whole cart is judged, and the best becomes the incumbent. When the objective counts parcels
first and a single node holds the cart, no split can win and none is searched. Then splits:

- **Exact** (branch and bound, `plan_search`) when the cart has at most `EXACT_MAX_LINES`
  lines and at most `EXACT_MAX_NODES` candidates hold any of it. Lines are given out one at a
  time, most constrained first; a line held in full somewhere goes to one of those nodes,
  otherwise its quantity is split every way the holders allow. Every criterion only grows as
  lines are added (one more parcel, a later day, more weight to pay and carry, a lower
  minimum priority), so a partial plan's values bound every completion from below and a
  branch is cut as soon as they are no better than the incumbent. The plan found is optimal
  over the whole plan space. A budget of partial plans visited (`EXACT_BUDGET`) bounds the
  work of a degenerate case (say ten interchangeable DCs and no split light enough to ship):
  past it the beam carries on from the best plan found so far, and the result says it is
  not known to be exact.
- **Beam** otherwise (`beam`): lines are given out in the same order, keeping the
  `BEAM_WIDTH` best partial plans, each extended by the nodes it uses and the
  `NODES_PER_LINE` nearest others holding the line. Work is bounded by lines x `BEAM_WIDTH`
  x (`NODES_PER_LINE` + max shipments) plan evaluations: about 4,400 for 50 lines, whatever
  the size of the network, since the candidate finder hands over a bounded number of nodes
  (nearest few plus DCs). Extensions that cannot beat the incumbent are dropped, which
  leaves their slots to plans that can.

Both respect the profile's cap on shipments, and bound a plan's parcels from below by what
the cart's weight needs when the caller knows it (a cart too heavy for the cap in parcels
is not searched at all). Shipments are scored by a callback (the dates, price and CO2e come
from the option builder), once per node and content for every search of a judge family
(`plan_problem`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from promise.beam import beam
from promise.cart import CartLine
from promise.judge import Judge, ShipmentParts
from promise.plan_problem import problem_for
from promise.plan_search import Search
from promise.plans import (
    Candidate,
    Plan,
    PlanKey,
    PlannedShipment,
    ScoredPlan,
    Scorer,
    ShipmentScore,
    Stock,
)
from promise.search_limits import (
    BEAM_WIDTH,
    EXACT_BUDGET,
    EXACT_MAX_LINES,
    EXACT_MAX_NODES,
    NODES_PER_LINE,
    PLANS_TRACED,
)
from promise.split_bound import splits_lose

__all__ = [
    "BEAM_WIDTH",
    "EXACT_BUDGET",
    "EXACT_MAX_LINES",
    "EXACT_MAX_NODES",
    "NODES_PER_LINE",
    "PLANS_TRACED",
    "Candidate",
    "Judge",
    "Plan",
    "PlanKey",
    "PlannedShipment",
    "ScoredPlan",
    "Scorer",
    "SearchResult",
    "ShipmentParts",
    "ShipmentScore",
    "Stock",
    "search_plans",
]


@dataclass(frozen=True, slots=True)
class SearchResult:
    best: ScoredPlan | None
    # The best plans judged, best first, at most PLANS_TRACED: what an explanation shows
    # (empty when the search was not asked to trace).
    compared: tuple[ScoredPlan, ...]
    exact: bool


def search_plans(
    cart: Sequence[CartLine],
    candidates: Sequence[Candidate],
    stock: Stock,
    judge: Judge,
    *,
    max_shipments: int,
    least_shipments: int = 1,
    trace: bool = True,
) -> SearchResult:
    """The best plan by the judge's objective (see the module docstring for the bounds).

    `least_shipments` is a bound the caller knows on the parcels of any plan (the cart's
    weight over the heaviest parcel its services carry): above `max_shipments`, no plan
    can be made and none is searched.
    """
    if least_shipments > max_shipments:
        return SearchResult(None, (), exact=True)
    problem = problem_for(judge, cart, candidates, stock)
    search = Search(problem, judge, max_shipments, least_shipments=least_shipments)
    search.singles()
    if not trace and splits_lose(search):
        # The same best plan; only a trace would list the splits the search would have seen.
        best, compared = search.result(trace=False)
        return SearchResult(best, compared, exact=True)
    exact = False
    if len(problem.cart) <= EXACT_MAX_LINES and problem.holders <= EXACT_MAX_NODES:
        exact = search.exact()
    if not exact:
        beam(search)
    best, compared = search.result(trace=trace)
    return SearchResult(best, compared, exact)
