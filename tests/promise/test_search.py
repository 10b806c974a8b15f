"""The sourcing search: each criterion of an objective, the cap, splits, and optimality.

The made-up world of `search_support` scores shipments; `exhaustive_best` lists every plan.
"""

from __future__ import annotations

import random

import pytest

from promise.cart import CartLine
from promise.profiles import Criterion
from promise.sourcing import (
    BEAM_WIDTH,
    NODES_PER_LINE,
    SearchResult,
    Stock,
    search_plans,
)
from tests.promise.search_support import (
    CRITERIA,
    Place,
    assert_search_reaches_the_exhaustive_value,
    candidates,
    exhaustive_best,
    judge,
    random_world,
)

TABLE = CartLine("OAK-TABLE-120", 1)
LAMP = CartLine("BRASS-LAMP-E27", 1)
CUSHIONS = CartLine("LINEN-CUSHION-45", 4)


def search(
    cart: tuple[CartLine, ...],
    places: list[Place],
    stock: Stock,
    objective: tuple[Criterion, ...],
    *,
    max_shipments: int = 3,
) -> SearchResult:
    world = {p.node_id: p for p in places}
    return search_plans(
        cart,
        candidates(world),
        stock,
        judge(world, objective, stock),
        max_shipments=max_shipments,
    )


def nodes_of(result: SearchResult) -> list[str]:
    assert result.best is not None
    return [s.node_id for s in result.best.plan.shipments]


# One criterion at a time: two nodes that differ on it, the rest equal or against it.

SLOW_DC = Place("DC-BONNEUIL", 390.0, days=2, base_cents=490, priority=20)
FAST_STORE = Place("LYON-PART-DIEU", 1.2, days=0, base_cents=690, priority=5, store=True)


def test_delivery_date_first_picks_the_node_that_delivers_sooner() -> None:
    stock = {TABLE.sku: {SLOW_DC.node_id: 5, FAST_STORE.node_id: 5}}

    result = search((TABLE,), [SLOW_DC, FAST_STORE], stock, (Criterion.DELIVERY_DATE,))

    assert nodes_of(result) == ["LYON-PART-DIEU"]


def test_cost_first_picks_the_cheaper_node_even_if_slower() -> None:
    stock = {TABLE.sku: {SLOW_DC.node_id: 5, FAST_STORE.node_id: 5}}

    result = search((TABLE,), [SLOW_DC, FAST_STORE], stock, (Criterion.COST,))

    assert nodes_of(result) == ["DC-BONNEUIL"]


def test_co2e_first_picks_the_nearer_node_at_the_same_price() -> None:
    near = Place("DC-SAINT-QUENTIN-FALLAVIER", 29.0, days=2)
    far = Place("DC-MIRAMAS", 245.0, days=1)
    stock = {TABLE.sku: {near.node_id: 5, far.node_id: 5}}

    result = search((TABLE,), [far, near], stock, (Criterion.CO2E, Criterion.DELIVERY_DATE))

    assert nodes_of(result) == ["DC-SAINT-QUENTIN-FALLAVIER"]


def test_distance_first_picks_the_nearer_node_even_if_dearer() -> None:
    near = Place("LYON-CONFLUENCE", 2.5, base_cents=990)
    far = Place("DC-MIRAMAS", 245.0, base_cents=390)
    stock = {TABLE.sku: {near.node_id: 5, far.node_id: 5}}

    result = search((TABLE,), [near, far], stock, (Criterion.DISTANCE, Criterion.COST))

    assert nodes_of(result) == ["LYON-CONFLUENCE"]


def test_node_priority_first_picks_the_node_of_higher_priority() -> None:
    store = Place("LYON-CONFLUENCE", 2.5, priority=5, store=True)
    dc = Place("DC-MIRAMAS", 245.0, priority=15)
    stock = {TABLE.sku: {store.node_id: 5, dc.node_id: 5}}

    result = search((TABLE,), [store, dc], stock, (Criterion.NODE_PRIORITY, Criterion.DISTANCE))

    assert nodes_of(result) == ["DC-MIRAMAS"]


def test_stock_depth_keeps_a_stores_last_units_for_walk_in_shoppers() -> None:
    # Two cushions from Part-Dieu's 3 would leave 1 on the shelf: one of its last 2 units;
    # Confluence holds 10 and keeps plenty, so it ships though it is farther.
    part_dieu = Place("LYON-PART-DIEU", 1.2, store=True)
    confluence = Place("LYON-CONFLUENCE", 2.5, store=True)
    two = CartLine(CUSHIONS.sku, 2)
    stock = {two.sku: {part_dieu.node_id: 3, confluence.node_id: 10}}

    deep = search((two,), [part_dieu, confluence], stock, (Criterion.STOCK_DEPTH,))
    near = search((two,), [part_dieu, confluence], stock, (Criterion.DISTANCE,))

    assert nodes_of(deep) == ["LYON-CONFLUENCE"]
    assert nodes_of(near) == ["LYON-PART-DIEU"]
    assert deep.compared[-1].values == (1.0,)


def test_fewest_shipments_first_prefers_one_slow_parcel_to_two_fast_ones() -> None:
    lamps_here = Place("LYON-PART-DIEU", 1.2, days=0, store=True)
    tables_there = Place("LYON-CONFLUENCE", 2.5, days=0, store=True)
    both_far = Place("DC-BONNEUIL", 390.0, days=2)
    stock = {
        TABLE.sku: {tables_there.node_id: 1, both_far.node_id: 4},
        LAMP.sku: {lamps_here.node_id: 1, both_far.node_id: 4},
    }
    world = [lamps_here, tables_there, both_far]

    few = search((TABLE, LAMP), world, stock, (Criterion.FEWEST_SHIPMENTS, Criterion.DELIVERY_DATE))
    soon = search(
        (TABLE, LAMP), world, stock, (Criterion.DELIVERY_DATE, Criterion.FEWEST_SHIPMENTS)
    )

    assert nodes_of(few) == ["DC-BONNEUIL"]
    assert nodes_of(soon) == ["LYON-PART-DIEU", "LYON-CONFLUENCE"]


def test_between_two_equal_nodes_the_first_by_id_ships_every_time() -> None:
    twin_b = Place("DC-TWIN-B", 100.0)
    twin_a = Place("DC-TWIN-A", 100.0)
    stock = {TABLE.sku: {twin_a.node_id: 1, twin_b.node_id: 1}}

    for order in ([twin_a, twin_b], [twin_b, twin_a]):
        assert nodes_of(search((TABLE,), order, stock, (Criterion.COST,))) == ["DC-TWIN-A"]


# Splits and the shipment cap.


def test_a_line_no_node_holds_in_full_is_split_by_quantity() -> None:
    part_dieu, confluence = Place("LYON-PART-DIEU", 1.2), Place("LYON-CONFLUENCE", 2.5)
    stock = {CUSHIONS.sku: {part_dieu.node_id: 3, confluence.node_id: 3}}

    result = search((CUSHIONS,), [part_dieu, confluence], stock, (Criterion.CO2E,))

    assert result.best is not None
    taken = {s.node_id: s.lines[0].quantity for s in result.best.plan.shipments}
    assert sum(taken.values()) == 4
    assert set(taken) == {"LYON-PART-DIEU", "LYON-CONFLUENCE"}


def test_a_line_one_node_holds_in_full_is_never_split() -> None:
    near, far = Place("LYON-PART-DIEU", 1.2), Place("DC-BONNEUIL", 390.0)
    stock = {CUSHIONS.sku: {near.node_id: 3, far.node_id: 9}}

    result = search((CUSHIONS,), [near, far], stock, (Criterion.DISTANCE,))

    assert nodes_of(result) == ["DC-BONNEUIL"]


def test_no_plan_when_the_cart_needs_more_shipments_than_the_profile_allows() -> None:
    world = [Place("NODE-A", 1.0), Place("NODE-B", 2.0), Place("NODE-C", 3.0)]
    cart = (TABLE, LAMP, CUSHIONS)
    stock = {TABLE.sku: {"NODE-A": 1}, LAMP.sku: {"NODE-B": 1}, CUSHIONS.sku: {"NODE-C": 4}}

    assert search(cart, world, stock, (Criterion.COST,), max_shipments=2).best is None
    assert nodes_of(search(cart, world, stock, (Criterion.COST,), max_shipments=3)) == [
        "NODE-A",
        "NODE-B",
        "NODE-C",
    ]


# Optimality on small instances, bounded work on large ones.


@pytest.mark.parametrize("seed", range(60))
def test_on_small_carts_the_search_reaches_the_objective_value_of_exhaustive_search(
    seed: int,
) -> None:
    rnd = random.Random(seed)
    lines, nodes = rnd.randint(1, 6), rnd.randint(2, 12)
    cart, world, stock = random_world(seed, lines=lines, nodes=nodes)

    assert_search_reaches_the_exhaustive_value(rnd, cart, world, stock)


@pytest.mark.parametrize("seed", range(40))
def test_a_floor_on_parcels_that_holds_for_every_plan_changes_no_answer(seed: int) -> None:
    rnd = random.Random(1_000 + seed)
    cart, world, stock = random_world(1_000 + seed, lines=rnd.randint(1, 6), nodes=8)
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(1, len(CRITERIA))))
    fewest = exhaustive_best(
        cart, world, stock, (Criterion.FEWEST_SHIPMENTS,), max_shipments=len(cart)
    )
    least = int(fewest[0]) if fewest is not None else 1
    cap = max(least, rnd.randint(1, 4))

    result = search_plans(
        cart,
        candidates(world),
        stock,
        judge(world, objective, stock),
        max_shipments=cap,
        least_shipments=least,
    )

    expected = exhaustive_best(cart, world, stock, objective, max_shipments=cap)
    assert result.exact
    assert (result.best.values if result.best else None) == expected


def test_a_cart_that_needs_more_parcels_than_the_cap_is_not_searched() -> None:
    places = [Place("NODE-A", 10.0), Place("NODE-B", 20.0), Place("NODE-C", 30.0)]
    stock = {TABLE.sku: {"NODE-A": 1}, LAMP.sku: {"NODE-B": 1}, CUSHIONS.sku: {"NODE-C": 4}}
    world = {p.node_id: p for p in places}
    the_judge = judge(world, (Criterion.FEWEST_SHIPMENTS,), stock)

    result = search_plans(
        (TABLE, LAMP, CUSHIONS),
        candidates(world),
        stock,
        the_judge,
        max_shipments=3,
        least_shipments=4,
    )

    assert result.best is None
    assert the_judge.evaluations == 0


def test_a_cart_of_50_lines_over_thousands_of_nodes_is_searched_with_bounded_work() -> None:
    cart, world, stock = random_world(2026, lines=50, nodes=2_000)
    # Every line somewhere in full, so that a plan within 50 shipments exists.
    stock = {sku: {**held, "NODE-0000": 5} for sku, held in stock.items()}
    world["NODE-0000"] = Place("NODE-0000", 700.0, days=3)
    objective = (Criterion.FEWEST_SHIPMENTS, Criterion.DELIVERY_DATE, Criterion.COST)
    the_judge = judge(world, objective, stock)

    result = search_plans(cart, candidates(world), stock, the_judge, max_shipments=50)

    assert result.best is not None
    assert not result.exact
    assert sum(len(s.lines) for s in result.best.plan.shipments) == 50
    singles = len(world)
    assert the_judge.evaluations <= singles + 50 * BEAM_WIDTH * (NODES_PER_LINE + 50)
    again = search_plans(
        cart, candidates(world), stock, judge(world, objective, stock), max_shipments=50
    )
    assert again.best == result.best
