"""The sourcing search's state and its bounds, single-node plans and the exact stage.

Plans are rated from their shipments' cached parts (`Problem.part`, `Judge.rate`) and ranked
by the whole key: the rating first, the plan's nodes and lines only between equal ratings.
A partial plan is cut, before it is scored where possible, when no completion of it can be
kept: it needs more parcels than the cap allows (the nodes it uses, plus one when a line not
given yet is held by none of them), or the criteria known without scoring (parcels, the
nodes' lowest priority, their distance) already rank it at or after the incumbent, or its
rating, parcels taken at that bound, does. Every criterion only grows as a plan grows, so
all these bound every completion from below.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence

from promise.judge import Judge, Part, Rating, ties
from promise.plan_problem import Partial, Problem
from promise.plans import Plan, ScoredPlan
from promise.profiles import Criterion
from promise.rounding import round_to
from promise.search_limits import EXACT_BUDGET, NODES_PER_LINE, PLANS_TRACED

Choice = tuple[tuple[int, int], ...]
"""One way to give a line out: (candidate index, units) pairs."""

# What `Search.unscored` says when only the scorer can tell.
UNDECIDED = 2


def _flat(item: tuple[Rating, Partial]) -> tuple[float, ...]:
    """The rating as one flat tuple of floats: it orders as the rating does (every rating of
    a search has as many values), and a sort compares such keys' first items natively."""
    values, likely, distance = item[0]
    return (*values, float(likely), distance)


class Search:
    def __init__(
        self, problem: Problem, judge: Judge, max_shipments: int, *, least_shipments: int = 1
    ) -> None:
        self.p = problem
        self.judge = judge
        self.cap = max_shipments
        # Every complete plan ships at least this many parcels (the cart's weight says so).
        self.least = least_shipments
        self.best: tuple[Rating, Partial] | None = None
        self.seen: dict[Partial, Rating] = {}
        self.visits = 0
        objective = judge.objective
        self.fewest = (
            objective.index(Criterion.FEWEST_SHIPMENTS)
            if Criterion.FEWEST_SHIPMENTS in objective
            else None
        )
        self.priorities = (
            [judge.priority(node) for node in problem.node_ids]
            if Criterion.NODE_PRIORITY in objective
            else []
        )

    # Rating and ranking.

    def rate(self, parts: Sequence[Part]) -> Rating:
        self.judge.evaluations += 1
        return self.judge.rate(parts)

    def parts(self, plan: Partial) -> tuple[Part, ...] | None:
        """The plan's shipment parts, in plan order; None when a shipment can't be made."""
        found = []
        for i, code in plan:
            part = self.p.part(i, code)
            if part is None:
                return None
            found.append(part)
        return tuple(found)

    def mask(self, plan: Partial) -> int:
        """The lines (by position given out) some node of the plan holds in full."""
        mask = 0
        for i, _ in plan:
            mask |= self.p.full_mask[i]
        return mask

    def ranked(self, items: list[tuple[Rating, Partial]]) -> list[tuple[Rating, Partial]]:
        """Best first by the whole key; nodes and lines are compared only between equal ratings."""
        items.sort(key=_flat)
        ranked: list[tuple[Rating, Partial]] = []
        start = 0
        while start < len(items):
            end = start + 1
            while end < len(items) and items[end][0] == items[start][0]:
                end += 1
            run = items[start:end]
            if len(run) > 1:
                run.sort(key=lambda item: ties(self.p.shipments(item[1])))
            ranked += run
            start = end
        return ranked

    def keep(self, plan: Partial, rating: Rating) -> None:
        self.seen[plan] = rating
        best = self.best
        if best is None or rating < best[0] or (rating == best[0] and self._ties(plan, best[1])):
            self.best = (rating, plan)

    def _ties(self, plan: Partial, other: Partial) -> bool:
        return ties(self.p.shipments(plan)) < ties(self.p.shipments(other))

    # Bounds.

    def admissible(self, plan: Partial, mask: int, given: int) -> int | None:
        """The parcels every completion of the plan needs at least; None when none can be kept.

        `given` lines (in the search's order) are in the plan, `mask` those its nodes hold in
        full. Cut here: over the cap, or ranked at or after the incumbent by the criteria
        known without scoring.
        """
        shipments = max(len(plan) + self._more_nodes(plan, mask, given), self.least)
        if shipments > self.cap:
            return None
        if self.best is not None and self.unscored(plan, shipments, self.best[0][0]) in (0, 1):
            return None
        return shipments

    def keeps(self, rating: Rating, shipments: int) -> bool:
        """Whether a plan so rated, needing `shipments` at least, may still beat the incumbent."""
        if self.best is None:
            return True
        values = rating[0]
        at = self.fewest
        if at is not None and shipments != values[at]:
            values = (*values[:at], float(shipments), *values[at + 1 :])
        return values < self.best[0][0]

    def judged(self, plan: Partial, given: int) -> Rating | None:
        """The partial plan's rating, or None when no completion of it can be kept."""
        shipments = self.admissible(plan, self.mask(plan), given)
        if shipments is None:
            return None
        parts = self.parts(plan)
        if parts is None:
            return None
        rating = self.rate(parts)
        return rating if self.keeps(rating, shipments) else None

    def _more_nodes(self, plan: Partial, mask: int, given: int) -> int:
        """1 when a line not given yet is held by none of the plan's nodes (enough), else 0."""
        p = self.p
        if p.rest_full[given] & ~mask:
            return 1
        for j in p.rest_split[given]:
            held = p.held[j]
            if sum(held.get(i, 0) for i, _ in plan) < p.quantity[j]:
                return 1
        return 0

    def unscored(self, plan: Partial, shipments: int, values: tuple[float, ...]) -> int:
        """How the criteria known without scoring place the plan against `values`.

        1 when it comes after them, -1 before, 0 when equal on the whole objective, and
        UNDECIDED when equal up to a criterion that needs the scorer. Parcels (`shipments`,
        the plan's or a bound on its completions'), the nodes' lowest priority and their
        distance only grow as the plan grows, so a plan after `values` has no completion
        before them.
        """
        for at, criterion in enumerate(self.judge.objective):
            if criterion is Criterion.FEWEST_SHIPMENTS:
                value = float(shipments)
            elif criterion is Criterion.NODE_PRIORITY:
                value = float(-min(self.priorities[i] for i, _ in plan))
            elif criterion is Criterion.DISTANCE:
                km = self.p.distances[plan[0][0]]
                for i, _ in plan[1:]:
                    km += self.p.distances[i]
                value = round_to(km, 1)
            else:
                return UNDECIDED
            if value != values[at]:
                return 1 if value > values[at] else -1
        return 0

    def settled(self) -> bool:
        """Whether the single-node plans are known best: parcels count first, and any other
        plan ships at least two."""
        return (
            self.best is not None
            and self.judge.objective[:1] == (Criterion.FEWEST_SHIPMENTS,)
            and self.best[0][0][0] <= 1.0
        )

    # Single-node plans, and the exact stage.

    def singles(self) -> None:
        p = self.p
        for i in range(p.size):
            if p.full_mask[i] == p.whole:
                plan = ((i, p.whole_code),)
                parts = self.parts(plan)
                if parts is not None:
                    self.keep(plan, self.rate(parts))

    def exact(self) -> bool:
        """Branch and bound over every plan; False when the budget ran out first."""
        if self.settled() or not self.p.order:
            return True
        return self._children(0, (), (), 0)

    def _children(self, given: int, plan: Partial, parts: tuple[Part, ...], mask: int) -> bool:
        """Every way to give out the next line, depth first; False when out of budget.

        The same order as `choices`: nodes already used, then the others nearest first (none
        when the plan with the line alone at a new node is bounded out), or every split.
        """
        p = self.p
        j = p.order[given]
        holders = p.full[j]
        if not holders:
            used = [i for i, _ in plan]
            for choice in self._compositions(j, p.partial[j], used):
                grown = self.grow(plan, j, choice)
                if not self._visit(given + 1, grown, self.mask(grown), parts, None):
                    return False
            return True
        step, bit = p.quantity[j] * p.place[j], 1 << given
        for k, (i, code) in enumerate(plan):
            if p.full_mask[i] & bit:
                grown = (*plan[:k], (i, code + step), *plan[k + 1 :])
                if not self._visit(given + 1, grown, mask, parts, (k, i, code, True)):
                    return False
        if len(plan) >= self.cap or not self.may_open(plan, parts, j, len(holders)):
            return True
        used = [i for i, _ in plan]
        for i in holders:
            if i in used:
                continue
            k = bisect.bisect(used, i)
            grown = (*plan[:k], (i, step), *plan[k:])
            if not self._visit(given + 1, grown, mask | p.full_mask[i], parts, (k, i, 0, False)):
                return False
        return True

    def _visit(
        self,
        given: int,
        plan: Partial,
        mask: int,
        parts: tuple[Part, ...],
        change: tuple[int, int, int, bool] | None,
    ) -> bool:
        """Judge `plan`, `given` lines in, then its completions; False when out of budget.

        `change` says how its parts follow from its parent's: candidate i, k-th in the plan,
        now ships the line on top of `base` (replacing its part, or as a new node); None to
        rate it from scratch.
        """
        self.visits += 1
        if self.visits > EXACT_BUDGET:
            return False
        shipments = self.admissible(plan, mask, given)
        if shipments is None:
            return True
        found: tuple[Part, ...] | None
        if change is None:
            found = self.parts(plan)
        else:
            k, i, base, replace = change
            j = self.p.order[given - 1]
            part = self.p.grown_part(i, base, j, self.p.quantity[j])
            found = None if part is None else (*parts[:k], part, *parts[k + 1 if replace else k :])
        if found is None:
            return True
        rating = self.rate(found)
        if not self.keeps(rating, shipments):
            return True
        if given == len(self.p.order):
            self.keep(plan, rating)
            return True
        return self._children(given, plan, found, mask)

    def may_open(self, plan: Partial, parts: tuple[Part, ...], j: int, reach: int) -> bool:
        """Whether the plan may still beat the incumbent once line `j` goes to a node it does
        not use yet, one of the first `reach` holding it in full."""
        return self.best is None or not self.opening_ranks_after(
            plan, parts, j, reach, self.best[0][0]
        )

    def opening_ranks_after(
        self, plan: Partial, parts: tuple[Part, ...], j: int, reach: int, values: tuple[float, ...]
    ) -> bool:
        """Whether the plan with line `j` at any new node (of the first `reach` holding it in
        full) ranks at or after `values`: by one more parcel and what is known without
        scoring, else by its parts plus a part no higher than any such node's."""
        if plan and self.unscored(plan, len(plan) + 1, values) in (0, 1):
            return True
        if self.judge.against(parts, self.p.bound(j, reach), values) >= 0:
            return True
        floor = self.p.floor(j, reach)
        return floor is None or self.judge.against(parts, floor, values) >= 0

    # Giving a line out.

    def grow(self, plan: Partial, j: int, choice: Choice) -> Partial:
        codes = dict(plan)
        step = self.p.place[j]
        for i, units in choice:
            codes[i] = codes.get(i, 0) + units * step
        return tuple(sorted(codes.items()))

    def choices(self, plan: Partial, j: int, *, exhaustive: bool) -> Iterator[Choice]:
        """Ways to give line `j` to nodes: (node, units) pairs within the shipment cap."""
        used = [i for i, _ in plan]
        holders = self.p.full[j]
        if holders:
            ordered = [i for i in holders if i in used]
            if len(used) < self.cap:
                others = [i for i in holders if i not in used]
                ordered += others if exhaustive else others[:NODES_PER_LINE]
            for i in ordered:
                yield ((i, self.p.quantity[j]),)
            return
        holding = self.p.partial[j]
        if exhaustive:
            yield from self._compositions(j, holding, used)
            return
        held = self.p.held[j]
        for ranking in (
            sorted(holding, key=lambda i: (i not in used, i)),
            sorted(holding, key=lambda i: (-held[i], i)),
        ):
            split = self._greedy_split(j, ranking, used)
            if split is not None:
                yield split

    def _greedy_split(self, j: int, ranking: Sequence[int], used: Sequence[int]) -> Choice | None:
        left, taken, new = self.p.quantity[j], [], 0
        for i in ranking:
            if left == 0:
                break
            if i not in used:
                if len(used) + new >= self.cap:
                    continue
                new += 1
            units = min(left, self.p.held[j][i])
            taken.append((i, units))
            left -= units
        return tuple(taken) if left == 0 else None

    def _compositions(
        self, j: int, holding: Sequence[int], used: Sequence[int]
    ) -> Iterator[Choice]:
        """Every split of the line's quantity over its holders, each node at most once."""
        yield from self._splits(self.p.held[j], holding, used, 0, self.p.quantity[j], 0)

    def _splits(
        self,
        held: Mapping[int, int],
        holding: Sequence[int],
        used: Sequence[int],
        start: int,
        left: int,
        new: int,
    ) -> Iterator[Choice]:
        """The splits of `left` units over the holders from `start` on, `new` nodes opened.

        A method rather than a closure calling itself: that closure held itself in a cell,
        a cycle only the garbage collector frees."""
        if left == 0:
            yield ()
            return
        for index in range(start, len(holding)):
            i = holding[index]
            extra = 0 if i in used else 1
            if len(used) + new + extra > self.cap:
                continue
            for units in range(min(left, held[i]), 0, -1):
                for rest in self._splits(held, holding, used, index + 1, left - units, new + extra):
                    yield ((i, units), *rest)

    def result(self, *, trace: bool = True) -> tuple[ScoredPlan | None, tuple[ScoredPlan, ...]]:
        """The best plan, and the best PLANS_TRACED plans seen when tracing (else none)."""
        seen = [(rating, plan) for plan, rating in self.seen.items()] if trace else []
        ranked = self.ranked(seen)
        compared = tuple(
            ScoredPlan(Plan(self.p.shipments(plan)), rating[0])
            for rating, plan in ranked[:PLANS_TRACED]
        )
        if self.best is None:
            return None, compared
        rating, plan = self.best
        # The best plan is kept, so it ranks first: the same value, built once.
        if compared and ranked[0][1] == plan:
            return compared[0], compared
        return ScoredPlan(Plan(self.p.shipments(plan)), rating[0]), compared
