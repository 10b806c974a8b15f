"""The bound a search tries before a line's floor: never above the floor, so it cuts only
what the floor would cut, and it spares the floor's scoring where it already tells."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from promise.plan_problem import Problem
from promise.plans import PlannedShipment, ShipmentScore
from promise.search_limits import NODES_PER_LINE
from tests.budget import budget
from tests.promise.search_support import CRITERIA, candidates, judge, random_world, scorer


@settings(max_examples=budget(200), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_bound_is_no_higher_than_the_floor_on_any_criterion(seed: int) -> None:
    rnd = random.Random(seed)
    cart, world, stock = random_world(seed, lines=rnd.randint(1, 8), nodes=rnd.randint(1, 12))
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(1, len(CRITERIA))))
    the_judge = judge(world, objective, stock)
    problem = Problem(the_judge, cart, candidates(world), stock)
    reach = NODES_PER_LINE + rnd.randint(1, 4)
    for j in range(len(cart)):
        bound, floor = problem.bound(j, reach), problem.floor(j, reach)
        if floor is None:
            continue
        # Every criterion grows with its part's figure, but priority, which falls with it.
        assert all(bound[at] <= floor[at] for at in (0, 1, 2, 3, 4, 6))
        assert bound[5] >= floor[5]
        # So any plan opening a node for the line rates no later with the bound.
        plan = tuple(
            p
            for p in (problem.grown_part(i, 0, k, cart[k].quantity) for k, i in _some(problem))
            if p is not None
        )
        assert the_judge.rate((*plan, bound))[0] <= the_judge.rate((*plan, floor))[0]


def _some(problem: Problem) -> list[tuple[int, int]]:
    """A holder in full of each line that has one: (line, candidate index)."""
    return [(j, problem.full[j][0]) for j in range(len(problem.cart)) if problem.full[j]]


def test_the_bound_is_kept_and_needs_no_scoring() -> None:
    cart, world, stock = random_world(7, lines=5, nodes=10)
    asked: list[PlannedShipment] = []
    score = scorer(world)

    def counted(shipment: PlannedShipment) -> ShipmentScore | None:
        asked.append(shipment)
        return score(shipment)

    the_judge = judge(world, CRITERIA, stock)
    the_judge.parts.score = counted
    problem = Problem(the_judge, cart, candidates(world), stock)
    reach = NODES_PER_LINE + 3

    first = [problem.bound(j, reach) for j in range(len(cart))]
    again = [problem.bound(j, reach) for j in range(len(cart))]

    assert asked == []
    assert first == again
