"""Sourcing: which nodes ship which lines of a cart, searched under a rule profile's objective.

A plan gives every cart line to one node, or, for a line no single node holds in full, splits
its quantity over several nodes. Plans are compared by a `Judge`: the profile's criteria
(smaller is better, lexicographically), then a fixed tie-break (likely day, distance, the
plan's nodes and lines), so equal inputs always give the same plan.

The search runs in two stages. Single-node plans come first: every candidate holding the
whole cart is judged, and the best becomes the incumbent. Then splits:

- **Exact** (branch and bound) when the cart has at most `EXACT_MAX_LINES` lines and at most
  `EXACT_MAX_NODES` candidates hold any of it. Lines are given out one at a time, most
  constrained first; a line held in full somewhere goes to one of those nodes, otherwise its
  quantity is split every way the holders allow. Every criterion only grows as lines are
  added (one more parcel, a later day, more weight to pay and carry, a lower minimum
  priority), so a partial plan's values bound every completion from below and a branch is
  cut as soon as they are no better than the incumbent. The plan found is optimal over the
  whole plan space; an evaluation budget (`EXACT_BUDGET`) keeps even a degenerate case
  bounded, and the result then says it is not known to be exact.
- **Beam** otherwise: lines are given out in the same order, keeping the `BEAM_WIDTH` best
  partial plans. A partial plan is extended by the nodes it already uses that hold the line
  in full, and by the `NODES_PER_LINE` nearest other such nodes; a line held in full nowhere
  is split greedily (nodes already used first, then largest holding first). Work is bounded
  by lines x `BEAM_WIDTH` x (`NODES_PER_LINE` + max shipments) plan evaluations, each a few
  cached shipment look-ups: about 4,400 for 50 lines, whatever the size of the network,
  since the candidate finder hands over a bounded number of nodes (nearest few plus DCs).

Both respect the profile's cap on shipments. Shipments are scored by a callback (the dates,
price and CO2e come from the option builder), cached per node and lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from promise.cart import CartLine
from promise.profiles import Criterion

EXACT_MAX_LINES = 6
EXACT_MAX_NODES = 12
EXACT_BUDGET = 200_000
BEAM_WIDTH = 8
NODES_PER_LINE = 8
PLANS_TRACED = 5


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


@dataclass(frozen=True, slots=True)
class ShipmentScore:
    """What one shipment contributes to a plan's objective."""

    promised: date
    likely: date
    cost_cents: int
    co2e_grams: float


PlanKey = tuple[tuple[float, ...], int, float, tuple[tuple[str, tuple[CartLine, ...]], ...]]
"""Objective values, then the tie-break: likely day, distance, nodes and lines."""

Scorer = Callable[[PlannedShipment], ShipmentScore | None]
"""Scores a shipment; None when it can't be made (no date, too heavy)."""


@dataclass(frozen=True, slots=True)
class ScoredPlan:
    plan: Plan
    values: tuple[float, ...]  # in the order of the judge's objective


class Judge:
    """A plan's objective values under a profile, with cached shipment scores."""

    def __init__(
        self,
        objective: Sequence[Criterion],
        score: Scorer,
        stock: Stock,
        *,
        priorities: Mapping[str, int],
        stores: frozenset[str],
        keep_store_units: int,
        day_zero: date = date.min,
    ) -> None:
        self.objective = tuple(objective)
        # DELIVERY_DATE counts days from here (the order's day), so traces read as days.
        self._day_zero = day_zero
        self._score = score
        self._stock = stock
        self._priorities = priorities
        self._stores = stores
        self._keep = keep_store_units
        self._cache: dict[PlannedShipment, ShipmentScore | None] = {}
        self.evaluations = 0

    def with_objective(self, objective: Sequence[Criterion]) -> Judge:
        """The same judge (and score cache) comparing by another objective."""
        other = Judge(
            objective,
            self._score,
            self._stock,
            priorities=self._priorities,
            stores=self._stores,
            keep_store_units=self._keep,
            day_zero=self._day_zero,
        )
        other._cache = self._cache
        return other

    def score(self, shipment: PlannedShipment) -> ShipmentScore | None:
        if shipment not in self._cache:
            self._cache[shipment] = self._score(shipment)
        return self._cache[shipment]

    def key(self, shipments: Sequence[PlannedShipment]) -> PlanKey | None:
        """Objective values then the tie-break; None when a shipment can't be made."""
        self.evaluations += 1
        scores = []
        for shipment in shipments:
            found = self.score(shipment)
            if found is None:
                return None
            scores.append(found)
        values = tuple(float(self._value(c, shipments, scores)) for c in self.objective)
        likely = max((s.likely.toordinal() for s in scores), default=0)
        distance = round(sum(s.distance_km for s in shipments), 3)
        nodes = tuple(sorted((s.node_id, s.lines) for s in shipments))
        return (values, likely, distance, nodes)

    def _value(
        self,
        criterion: Criterion,
        shipments: Sequence[PlannedShipment],
        scores: Sequence[ShipmentScore],
    ) -> float:
        match criterion:
            case Criterion.FEWEST_SHIPMENTS:
                return len(shipments)
            case Criterion.DELIVERY_DATE:
                return max(((s.promised - self._day_zero).days for s in scores), default=0)
            case Criterion.COST:
                return sum(s.cost_cents for s in scores)
            case Criterion.CO2E:
                return round(sum(s.co2e_grams for s in scores), 1)
            case Criterion.DISTANCE:
                return round(sum(s.distance_km for s in shipments), 1)
            case Criterion.NODE_PRIORITY:
                return -min((self._priorities.get(s.node_id, 0) for s in shipments), default=0)
            case Criterion.STOCK_DEPTH:
                return sum(self._depth(s) for s in shipments)

    def _depth(self, shipment: PlannedShipment) -> int:
        """Units taken out of the last `keep` of a store, kept for walk-in shoppers."""
        if shipment.node_id not in self._stores:
            return 0
        taken = 0
        for line in shipment.lines:
            left = _available(self._stock, line.sku, shipment.node_id) - line.quantity
            taken += min(line.quantity, max(0, self._keep - left))
        return taken


@dataclass(frozen=True, slots=True)
class SearchResult:
    best: ScoredPlan | None
    # The best plans judged, best first, at most PLANS_TRACED: what an explanation shows.
    compared: tuple[ScoredPlan, ...]
    exact: bool


Assignment = dict[str, dict[str, int]]
"""node id -> SKU -> units, in the order nodes were added."""


class _Search:
    def __init__(
        self,
        cart: Sequence[CartLine],
        candidates: Sequence[Candidate],
        stock: Stock,
        judge: Judge,
        max_shipments: int,
    ) -> None:
        self.cart = tuple(cart)
        self.judge = judge
        self.cap = max_shipments
        self.stock = stock
        self.rank = {c.node_id: i for i, c in enumerate(candidates)}
        self.distance = {c.node_id: c.distance_km for c in candidates}
        self.candidates = tuple(candidates)
        self.full: dict[str, list[str]] = {}
        self.partial: dict[str, list[str]] = {}
        for line in self.cart:
            self.full[line.sku] = [
                c.node_id
                for c in candidates
                if _available(stock, line.sku, c.node_id) >= line.quantity
            ]
            self.partial[line.sku] = [
                c.node_id for c in candidates if _available(stock, line.sku, c.node_id) > 0
            ]
        # Most constrained first: fewest nodes holding the line in full, then by SKU.
        self.order = sorted(self.cart, key=lambda line: (len(self.full[line.sku]), line.sku))
        self.best: tuple[PlanKey, tuple[PlannedShipment, ...]] | None = None
        self.seen: dict[tuple[PlannedShipment, ...], PlanKey] = {}

    def shipments(self, assignment: Assignment) -> tuple[PlannedShipment, ...]:
        return tuple(
            PlannedShipment(
                node,
                self.distance[node],
                tuple(
                    CartLine(line.sku, assignment[node][line.sku])
                    for line in self.cart
                    if line.sku in assignment[node]
                ),
            )
            for node in sorted(assignment, key=self.rank.__getitem__)
        )

    def offer(self, shipments: tuple[PlannedShipment, ...]) -> None:
        key = self.judge.key(shipments)
        if key is None:
            return
        self.seen[shipments] = key
        if self.best is None or key < self.best[0]:
            self.best = (key, shipments)

    def singles(self) -> None:
        for candidate in self.candidates:
            if all(node_holds(self, line, candidate.node_id) for line in self.cart):
                self.offer(self.shipments({candidate.node_id: self._whole_cart()}))

    def _whole_cart(self) -> dict[str, int]:
        return {line.sku: line.quantity for line in self.cart}

    def exact(self) -> bool:
        """Branch and bound over every plan; False when the budget ran out first."""
        assignment: Assignment = {}
        start = self.judge.evaluations

        def descend(index: int) -> bool:
            if self.judge.evaluations - start > EXACT_BUDGET:
                return False
            if assignment:
                shipments = self.shipments(assignment)
                key = self.judge.key(shipments)
                if key is None:
                    return True
                values = key[0]
                if self.best is not None and values >= self.best[0][0]:
                    return True
                if index == len(self.order):
                    self.seen[shipments] = key
                    if self.best is None or key < self.best[0]:
                        self.best = (key, shipments)
                    return True
            line = self.order[index]
            for choice in self._choices(assignment, line, exhaustive=True):
                _apply(assignment, line.sku, choice)
                finished = descend(index + 1)
                _undo(assignment, line.sku, choice)
                if not finished:
                    return False
            return True

        return descend(0)

    def beam(self) -> None:
        beam: list[Assignment] = [{}]
        scored: list[tuple[PlanKey, Assignment]] = []
        for line in self.order:
            extended: dict[tuple[PlannedShipment, ...], tuple[PlanKey, Assignment]] = {}
            for assignment in beam:
                for choice in self._choices(assignment, line, exhaustive=False):
                    grown = {node: dict(skus) for node, skus in assignment.items()}
                    _apply(grown, line.sku, choice)
                    shipments = self.shipments(grown)
                    if shipments in extended:
                        continue
                    key = self.judge.key(shipments)
                    if key is not None:
                        extended[shipments] = (key, grown)
            scored = sorted(extended.values(), key=lambda item: item[0])[:BEAM_WIDTH]
            if not scored:
                return
            beam = [assignment for _, assignment in scored]
        for key, assignment in scored:
            shipments = self.shipments(assignment)
            self.seen[shipments] = key
            if self.best is None or key < self.best[0]:
                self.best = (key, shipments)

    def _choices(
        self, assignment: Assignment, line: CartLine, *, exhaustive: bool
    ) -> Iterator[tuple[tuple[str, int], ...]]:
        """Ways to give `line` to nodes: (node, units) pairs within the shipment cap."""
        used = list(assignment)
        holders = self.full[line.sku]
        if holders:
            ordered = [n for n in holders if n in assignment]
            others = [n for n in holders if n not in assignment]
            if len(used) < self.cap:
                ordered += others if exhaustive else others[:NODES_PER_LINE]
            for node in ordered:
                yield ((node, line.quantity),)
            return
        holding = self.partial[line.sku]
        if exhaustive:
            yield from self._compositions(line, holding, used)
            return
        for ranking in (
            sorted(holding, key=lambda n: (n not in assignment, self.rank[n])),
            sorted(holding, key=lambda n: (-_available(self.stock, line.sku, n), self.rank[n])),
        ):
            split = self._greedy_split(line, ranking, used)
            if split is not None:
                yield split

    def _greedy_split(
        self, line: CartLine, ranking: Sequence[str], used: Sequence[str]
    ) -> tuple[tuple[str, int], ...] | None:
        left, taken, new = line.quantity, [], 0
        for node in ranking:
            if left == 0:
                break
            if node not in used:
                if len(used) + new >= self.cap:
                    continue
                new += 1
            units = min(left, _available(self.stock, line.sku, node))
            taken.append((node, units))
            left -= units
        return tuple(taken) if left == 0 else None

    def _compositions(
        self, line: CartLine, holding: Sequence[str], used: Sequence[str]
    ) -> Iterator[tuple[tuple[str, int], ...]]:
        """Every split of the line's quantity over its holders, each node at most once."""

        def parts(start: int, left: int, new: int) -> Iterator[tuple[tuple[str, int], ...]]:
            if left == 0:
                yield ()
                return
            for index in range(start, len(holding)):
                node = holding[index]
                extra = 0 if node in used else 1
                if len(used) + new + extra > self.cap:
                    continue
                most = min(left, _available(self.stock, line.sku, node))
                for units in range(most, 0, -1):
                    for rest in parts(index + 1, left - units, new + extra):
                        yield ((node, units), *rest)

        yield from parts(0, line.quantity, 0)

    def result(self) -> tuple[ScoredPlan | None, tuple[ScoredPlan, ...]]:
        ranked = sorted(self.seen.items(), key=lambda item: item[1])[:PLANS_TRACED]
        compared = tuple(ScoredPlan(Plan(s), _values(k)) for s, k in ranked)
        if self.best is None:
            return None, compared
        return ScoredPlan(Plan(self.best[1]), _values(self.best[0])), compared


def node_holds(search: _Search, line: CartLine, node_id: str) -> bool:
    return _available(search.stock, line.sku, node_id) >= line.quantity


def _values(key: PlanKey) -> tuple[float, ...]:
    return key[0]


def _apply(assignment: Assignment, sku: str, choice: tuple[tuple[str, int], ...]) -> None:
    for node, units in choice:
        assignment.setdefault(node, {})[sku] = units


def _undo(assignment: Assignment, sku: str, choice: tuple[tuple[str, int], ...]) -> None:
    for node, _ in choice:
        del assignment[node][sku]
        if not assignment[node]:
            del assignment[node]


def search_plans(
    cart: Sequence[CartLine],
    candidates: Sequence[Candidate],
    stock: Stock,
    judge: Judge,
    *,
    max_shipments: int,
) -> SearchResult:
    """The best plan by the judge's objective (see the module docstring for the bounds)."""
    search = _Search(cart, candidates, stock, judge, max_shipments)
    search.singles()
    holders = {node for line in cart for node in search.partial[line.sku]}
    exact = False
    if len(cart) <= EXACT_MAX_LINES and len(holders) <= EXACT_MAX_NODES:
        exact = search.exact()
    else:
        search.beam()
    best, compared = search.result()
    return SearchResult(best, compared, exact)
