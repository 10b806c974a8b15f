"""A single-node plan known to beat every split ends the search with the plan it would find.

When the incumbent ships one parcel and the criteria ranked before the parcel count are
bounded, line by line, at or above its values, no split can rank before it
(`promise.split_bound`). Searches that trace their plans still search the splits, so the
traced search is the one without the shortcut, and the two must agree.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from promise.cart import CartLine
from promise.plan_problem import problem_for
from promise.plan_search import Search
from promise.profiles import Criterion
from promise.rounding import round_to
from promise.sourcing import (
    Judge,
    PlannedShipment,
    ShipmentParts,
    ShipmentScore,
    Stock,
    search_plans,
)
from promise.split_bound import _PART_INDEX, splits_lose
from tests.budget import budget
from tests.promise.search_support import (
    CRITERIA,
    Place,
    candidates,
    judge,
    random_world,
    scorer,
)
from tests.promise.test_search_shortcuts import dense_stock


@settings(max_examples=budget(300), deadline=None)
@given(seed=st.integers(0, 2**32), dense=st.booleans())
def test_the_untraced_search_finds_the_plan_the_traced_one_finds(seed: int, dense: bool) -> None:
    rnd = random.Random(seed)
    cart, world, drawn = random_world(seed, lines=rnd.randint(1, 14), nodes=rnd.randint(1, 20))
    stock: Stock = dense_stock(rnd, cart, sorted(world)) if dense else drawn
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(1, len(CRITERIA))))
    cap = rnd.randint(1, 4)

    def best(*, trace: bool) -> object:
        found = search_plans(
            cart,
            candidates(world),
            stock,
            judge(world, objective, stock),
            max_shipments=cap,
            trace=trace,
        ).best
        return None if found is None else (found.plan, found.values)

    assert best(trace=False) == best(trace=True)


WORLD = {
    "LYON-PART-DIEU": Place("LYON-PART-DIEU", 1.2, days=0, store=True),
    "DC-SAINT-PRIEST": Place("DC-SAINT-PRIEST", 14.0, days=1),
    "DC-BONNEUIL": Place("DC-BONNEUIL", 390.0, days=2),
}
CART = (CartLine("OAK-TABLE-120", 1), CartLine("BRASS-LAMP-E27", 1))


def test_when_the_earliest_day_is_the_single_nodes_no_split_is_scored() -> None:
    # The store holds the lamp, for today; the table is only at the DCs, the nearest a day
    # away, and it holds the lamp too: no split can come before its one parcel.
    stock = {
        "OAK-TABLE-120": {"DC-SAINT-PRIEST": 2, "DC-BONNEUIL": 5},
        "BRASS-LAMP-E27": {"LYON-PART-DIEU": 3, "DC-SAINT-PRIEST": 1},
    }
    objective = (Criterion.DELIVERY_DATE, Criterion.FEWEST_SHIPMENTS, Criterion.COST)
    the_judge = judge(WORLD, objective, stock)

    result = search_plans(CART, candidates(WORLD), stock, the_judge, max_shipments=3, trace=False)

    assert result.best is not None
    assert [s.node_id for s in result.best.plan.shipments] == ["DC-SAINT-PRIEST"]
    assert result.best.values[1:] == (1.0, 610.0)  # one parcel of 3 kg
    assert the_judge.evaluations == 1  # the single-node plan alone was rated


def test_when_a_split_may_come_sooner_it_is_searched() -> None:
    # Only the far DC holds both; the near one has the table, the store the lamp: the split
    # comes a day sooner and wins.
    stock = {
        "OAK-TABLE-120": {"DC-SAINT-PRIEST": 2, "DC-BONNEUIL": 5},
        "BRASS-LAMP-E27": {"LYON-PART-DIEU": 3, "DC-BONNEUIL": 1},
    }
    objective = (Criterion.DELIVERY_DATE, Criterion.FEWEST_SHIPMENTS, Criterion.COST)

    result = search_plans(
        CART,
        candidates(WORLD),
        stock,
        judge(WORLD, objective, stock),
        max_shipments=3,
        trace=False,
    )

    assert result.best is not None
    assert [s.node_id for s in result.best.plan.shipments] == ["LYON-PART-DIEU", "DC-SAINT-PRIEST"]
    assert result.best.values[1:] == (2.0, 1100.0)  # two of 1.5 kg


def _full_bound_decision(search: Search) -> bool:
    """`splits_lose` as first written: every line's part at every holder in full, scored."""
    best, at = search.best, search.fewest
    if best is None or at is None or best[0][0][at] > 1.0:
        return False
    p, values = search.p, best[0][0]
    for position, criterion in enumerate(search.judge.objective[:at]):
        index = _PART_INDEX.get(criterion)
        if index is None:
            return False
        bound: float | None = None
        for j in p.order:
            parts = [p.grown_part(i, 0, j, p.quantity[j]) for i in p.full[j]]
            if parts and all(part is not None for part in parts):
                least = min(float(part[index]) for part in parts if part is not None)
                bound = least if bound is None else max(bound, least)
        if bound is None:
            return False
        if (round_to(bound, 1) if index in (3, 4) else bound) < values[position]:
            return False
    return True


@settings(max_examples=budget(300), deadline=None)
@given(seed=st.integers(0, 2**32), dense=st.booleans())
def test_the_bound_stopping_early_decides_as_the_bound_over_every_holder(
    seed: int, dense: bool
) -> None:
    rnd = random.Random(seed)
    cart, world, drawn = random_world(seed, lines=rnd.randint(1, 14), nodes=rnd.randint(1, 20))
    stock: Stock = dense_stock(rnd, cart, sorted(world)) if dense else drawn
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(1, len(CRITERIA))))
    the_judge = judge(world, objective, stock)
    search = Search(problem_for(the_judge, cart, candidates(world), stock), the_judge, 3)
    search.singles()

    assert splits_lose(search) == _full_bound_decision(search)


def test_once_the_bound_reaches_the_incumbent_no_other_line_is_scored() -> None:
    # Both DCs hold the whole cart; Saint-Priest's single parcel is the incumbent. The lamp
    # (given out first, by SKU) alone is no sooner than that anywhere, so the table needs no
    # score at either DC.
    world = {
        "DC-SAINT-PRIEST": Place("DC-SAINT-PRIEST", 14.0, days=1),
        "DC-BONNEUIL": Place("DC-BONNEUIL", 390.0, days=2),
    }
    stock = {
        "OAK-TABLE-120": {"DC-SAINT-PRIEST": 2, "DC-BONNEUIL": 5},
        "BRASS-LAMP-E27": {"DC-SAINT-PRIEST": 1, "DC-BONNEUIL": 1},
    }
    objective = (Criterion.DELIVERY_DATE, Criterion.FEWEST_SHIPMENTS, Criterion.COST)
    scored: list[tuple[str, tuple[CartLine, ...]]] = []
    score = scorer(world)

    def counting(shipment: PlannedShipment) -> ShipmentScore | None:
        scored.append((shipment.node_id, shipment.lines))
        return score(shipment)

    parts = ShipmentParts(counting, stock, priorities={}, stores=frozenset(), keep_store_units=2)
    the_judge = Judge(objective, parts)
    search = Search(problem_for(the_judge, CART, candidates(world), stock), the_judge, 3)
    search.singles()
    del scored[:]

    assert splits_lose(search)
    lamp = (CART[1],)
    assert scored == [("DC-SAINT-PRIEST", lamp), ("DC-BONNEUIL", lamp)]
