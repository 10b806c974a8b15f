"""The search's shortcuts change none of its answers, and its work stays bounded.

Plans are rated from cached shipment parts under integer content codes, the exact stage cuts
partial plans before scoring them, the beam skips extensions it knows rank after its best,
and the exact stage stops at a budget of partial plans visited. The made-up world of
`search_support` scores shipments; `exhaustive_best` lists every plan.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from promise.beam import beam
from promise.cart import CartLine
from promise.plan_problem import Problem
from promise.plan_search import Search
from promise.plans import PlannedShipment, ShipmentScore
from promise.profiles import Criterion
from promise.search_limits import BEAM_WIDTH, EXACT_BUDGET, NODES_PER_LINE
from promise.sourcing import Judge, SearchResult, ShipmentParts, Stock, search_plans
from tests.budget import budget
from tests.promise.search_support import (
    CRITERIA,
    Place,
    assert_search_reaches_the_exhaustive_value,
    candidates,
    judge,
    random_world,
    scorer,
)


def dense_stock(rnd: random.Random, cart: tuple[CartLine, ...], nodes: list[str]) -> Stock:
    """Each line at up to every node, so that many plans tie on parcels and compete."""
    return {
        line.sku: {
            node: rnd.randint(1, 4) for node in rnd.sample(nodes, rnd.randint(1, len(nodes)))
        }
        for line in cart
    }


@settings(max_examples=budget(200), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_a_plan_rated_from_cached_parts_is_rated_as_from_scratch(seed: int) -> None:
    rnd = random.Random(seed)
    cart, world, stock = random_world(seed, lines=rnd.randint(1, 8), nodes=rnd.randint(1, 10))
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(1, len(CRITERIA))))
    the_judge = judge(world, objective, stock)
    problem = Problem(the_judge, cart, candidates(world), stock)
    # Each line, some of its units, to a node drawn at random, in a random order: the codes
    # grow one line at a time, as the search grows them.
    codes: dict[int, int] = {}
    for j in rnd.sample(range(len(cart)), len(cart)):
        i = rnd.randrange(problem.size)
        units = rnd.randint(1, cart[j].quantity)
        problem.grown_part(i, codes.get(i, 0), j, units)
        codes[i] = codes.get(i, 0) + units * problem.place[j]
    plan = tuple(sorted(codes.items()))
    search = Search(problem, the_judge, len(plan))

    parts = search.parts(plan)
    from_scratch = the_judge.key(problem.shipments(plan))

    fresh = Problem(the_judge, cart, candidates(world), stock)
    assert [problem.lines(code) for _, code in plan] == [fresh.lines(code) for _, code in plan]
    assert from_scratch is not None
    assert parts is not None
    assert search.rate(parts) == from_scratch[:3]


@settings(max_examples=budget(150), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_exact_search_reaches_the_exhaustive_value_when_every_node_holds_much(
    seed: int,
) -> None:
    rnd = random.Random(seed)
    cart, world, _ = random_world(seed, lines=rnd.randint(1, 4), nodes=rnd.randint(2, 8))
    stock = dense_stock(rnd, cart, sorted(world))

    assert_search_reaches_the_exhaustive_value(rnd, cart, world, stock)


def beamed(seed: int, *, cut: bool) -> tuple[SearchResult, int]:
    rnd = random.Random(seed)
    cart, world, _ = random_world(seed, lines=rnd.randint(7, 14), nodes=rnd.randint(2, 30))
    stock = dense_stock(rnd, cart, sorted(world))
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(1, len(CRITERIA))))
    the_judge = judge(world, objective, stock)
    search = Search(
        Problem(the_judge, cart, candidates(world), stock), the_judge, rnd.randint(1, 5)
    )
    search.singles()
    beam(search, cut=cut)
    best, compared = search.result()
    return SearchResult(best, compared, exact=False), the_judge.evaluations


@settings(max_examples=budget(120), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_beam_keeps_what_scoring_every_extension_would_keep(seed: int) -> None:
    with_cuts, fewer = beamed(seed, cut=True)
    without, every = beamed(seed, cut=False)

    assert with_cuts == without
    assert fewer <= every


def test_when_parcels_count_first_and_one_node_holds_the_cart_no_split_is_searched() -> None:
    world = {
        "DC-BONNEUIL": Place("DC-BONNEUIL", 390.0, days=2),
        "LYON-PART-DIEU": Place("LYON-PART-DIEU", 1.2, days=0, store=True),
        "LYON-CONFLUENCE": Place("LYON-CONFLUENCE", 2.5, days=0, store=True),
    }
    cart = (CartLine("OAK-TABLE-120", 1), CartLine("BRASS-LAMP-E27", 1))
    stock = {
        "OAK-TABLE-120": {"DC-BONNEUIL": 4, "LYON-CONFLUENCE": 1},
        "BRASS-LAMP-E27": {"DC-BONNEUIL": 4, "LYON-PART-DIEU": 1},
    }
    the_judge = judge(world, (Criterion.FEWEST_SHIPMENTS, Criterion.DELIVERY_DATE), stock)

    result = search_plans(cart, candidates(world), stock, the_judge, max_shipments=3)

    assert result.best is not None
    assert [s.node_id for s in result.best.plan.shipments] == ["DC-BONNEUIL"]
    assert result.exact
    assert the_judge.evaluations == 1  # the one single-node plan; no split was scored


def test_a_degenerate_cart_stops_at_the_budget_and_the_beam_still_finds_a_plan() -> None:
    # Twelve interchangeable nodes hold all six lines, but a parcel takes two lines at most:
    # no single node and no pair can ship the cart, and the triples are legion.
    world = {f"DC-{i:02d}": Place(f"DC-{i:02d}", 100.0 + i) for i in range(12)}
    cart = tuple(CartLine(f"DUVET-{j}", 1) for j in range(6))
    stock = {line.sku: dict.fromkeys(world, 5) for line in cart}
    weigh = scorer(world)

    def at_most_two_lines(shipment: PlannedShipment) -> ShipmentScore | None:
        return weigh(shipment) if len(shipment.lines) <= 2 else None

    the_judge = Judge(
        (Criterion.CO2E,),
        ShipmentParts(
            at_most_two_lines, stock, priorities={}, stores=frozenset(), keep_store_units=2
        ),
    )

    result = search_plans(cart, candidates(world), stock, the_judge, max_shipments=3)

    assert not result.exact
    assert result.best is not None
    assert [len(s.lines) for s in result.best.plan.shipments] == [2, 2, 2]
    beam_bound = len(cart) * BEAM_WIDTH * (NODES_PER_LINE + 3)
    assert the_judge.evaluations <= EXACT_BUDGET + beam_bound
