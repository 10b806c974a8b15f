"""A made-up world for search tests: nodes whose dates, prices and CO2e differ by node.

The scorer is a pure function of the node and the lines, shaped like the real one: a
promised day per node, a base price plus a price per started kilogram, CO2e proportional to
weight times distance plus a per-parcel part, each growing with what a shipment carries.
`exhaustive_best` is the oracle: it lists every plan and keeps the best objective values.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from promise.cart import CartLine
from promise.profiles import Criterion
from promise.sourcing import (
    Candidate,
    Judge,
    PlannedShipment,
    Scorer,
    ShipmentParts,
    ShipmentScore,
    Stock,
    search_plans,
)

MONDAY = date(2026, 11, 23)
GRAMS_PER_UNIT = 1_500


@dataclass(frozen=True, slots=True)
class Place:
    """A node of the made-up world."""

    node_id: str
    distance_km: float
    days: int = 1
    base_cents: int = 490
    priority: int = 5
    store: bool = False


def scorer(places: Mapping[str, Place]) -> Scorer:
    def score(shipment: PlannedShipment) -> ShipmentScore | None:
        place = places[shipment.node_id]
        grams = GRAMS_PER_UNIT * sum(line.quantity for line in shipment.lines)
        started_kg = -(-grams // 1000)
        day = MONDAY + timedelta(days=place.days)
        return ShipmentScore(
            promised=day + timedelta(days=1),
            likely=day,
            cost_cents=place.base_cents + 60 * max(0, started_kg - 1),
            co2e_grams=round(grams / 1e6 * place.distance_km * 75 + 180, 1),
        )

    return score


def judge(places: Mapping[str, Place], objective: Sequence[Criterion], stock: Stock) -> Judge:
    parts = ShipmentParts(
        scorer(places),
        stock,
        priorities={p.node_id: p.priority for p in places.values()},
        stores=frozenset(p.node_id for p in places.values() if p.store),
        keep_store_units=2,
    )
    return Judge(objective, parts)


def candidates(places: Mapping[str, Place]) -> list[Candidate]:
    ranked = sorted(places.values(), key=lambda p: (p.distance_km, p.node_id))
    return [Candidate(p.node_id, p.distance_km) for p in ranked]


def _splits(
    quantity: int, holders: Sequence[tuple[str, int]]
) -> Iterator[tuple[tuple[str, int], ...]]:
    if quantity == 0:
        yield ()
        return
    for index, (node, atp) in enumerate(holders):
        for units in range(1, min(quantity, atp) + 1):
            for rest in _splits(quantity - units, holders[index + 1 :]):
                yield ((node, units), *rest)


def exhaustive_best(
    cart: Sequence[CartLine],
    places: Mapping[str, Place],
    stock: Stock,
    objective: Sequence[Criterion],
    *,
    max_shipments: int,
) -> tuple[float, ...] | None:
    """The best objective values over every plan: brute force, no pruning."""
    the_judge = judge(places, objective, stock)
    ranked = candidates(places)
    per_line: list[list[tuple[tuple[str, int], ...]]] = []
    for line in cart:
        atp = [(c.node_id, stock.get(line.sku, {}).get(c.node_id, 0)) for c in ranked]
        whole: list[tuple[tuple[str, int], ...]] = [
            ((node, line.quantity),) for node, units in atp if units >= line.quantity
        ]
        per_line.append(whole or list(_splits(line.quantity, [a for a in atp if a[1] > 0])))
    best: tuple[float, ...] | None = None
    for choice in itertools.product(*per_line):
        given: dict[str, dict[str, int]] = {}
        for line, parts in zip(cart, choice, strict=True):
            for node, units in parts:
                given.setdefault(node, {})[line.sku] = units
        if len(given) > max_shipments:
            continue
        shipments = tuple(
            PlannedShipment(
                c.node_id,
                c.distance_km,
                tuple(
                    CartLine(line.sku, given[c.node_id][line.sku])
                    for line in cart
                    if line.sku in given[c.node_id]
                ),
            )
            for c in ranked
            if c.node_id in given
        )
        key = the_judge.key(shipments)
        if key is not None and (best is None or key[0] < best):
            best = key[0]
    return best


def random_world(
    seed: int, *, lines: int, nodes: int
) -> tuple[tuple[CartLine, ...], dict[str, Place], dict[str, dict[str, int]]]:
    """A cart, nodes and stock drawn from `seed`: some lines held in full nowhere."""
    rnd = random.Random(seed)
    places = {
        f"NODE-{i:02d}": Place(
            f"NODE-{i:02d}",
            distance_km=round(rnd.uniform(1, 600), 1),
            days=rnd.randint(0, 3),
            base_cents=rnd.choice((390, 490, 690, 990)),
            priority=rnd.randint(1, 20),
            store=rnd.random() < 0.5,
        )
        for i in range(nodes)
    }
    cart = tuple(CartLine(f"SKU-{i}", rnd.randint(1, 3)) for i in range(lines))
    stock: dict[str, dict[str, int]] = {}
    for line in cart:
        holders = rnd.sample(sorted(places), rnd.randint(1, min(4, nodes)))
        stock[line.sku] = {node: rnd.randint(1, 4) for node in holders}
    return cart, places, stock


CRITERIA = list(Criterion)


def assert_search_reaches_the_exhaustive_value(
    rnd: random.Random, cart: Sequence[CartLine], world: Mapping[str, Place], stock: Stock
) -> None:
    """Under an objective and a cap on shipments drawn from `rnd`, the search is exact and
    reaches the best objective values that brute force finds."""
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(1, len(CRITERIA))))
    cap = rnd.randint(1, 4)

    result = search_plans(
        cart, candidates(world), stock, judge(world, objective, stock), max_shipments=cap
    )
    expected = exhaustive_best(cart, world, stock, objective, max_shipments=cap)

    assert result.exact
    assert (result.best.values if result.best else None) == expected
