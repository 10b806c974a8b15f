"""A shipment's load, grown one line at a time by the search, is the load of its lines weighed
at once; and a shipment scored with it scores as one the scorer weighs itself."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from promise.cart import CartLine
from promise.judge import Judge, ShipmentParts
from promise.packing import RUN, RUN_SHIFT
from promise.plans import PlannedShipment, Scorer, ShipmentScore
from promise.search_limits import EXACT_MAX_LINES
from promise.shipment_load import NO_LOAD, Load, load_of
from promise.sourcing import search_plans
from tests.budget import budget, draws
from tests.promise.builders import DC_SQF, STANDARD, a_network, cart
from tests.promise.search_support import CRITERIA, candidates, random_world, scorer
from tests.promise.test_parcels_refused_early import SKUS, scorer_by

_LINES = st.lists(
    st.tuples(st.sampled_from([0, 1, 250, 600, 1_800, 24_000, 31_000]), st.integers(0, 6)),
    max_size=12,
)


def _counted(score: Scorer, asked: list[PlannedShipment]) -> Scorer:
    def counted(shipment: PlannedShipment) -> ShipmentScore | None:
        asked.append(shipment)
        return score(shipment)

    return counted


def _values(load: Load) -> tuple[int, int, tuple[int, ...] | None]:
    return load.weight, load.heaviest, load.runs


@settings(max_examples=budget(300), deadline=None, derandomize=True)
@given(lines=_LINES, order=st.randoms(use_true_random=False))
def test_a_load_grown_line_by_line_in_any_order_is_the_load_weighed_at_once(
    lines: list[tuple[int, int]], order: random.Random
) -> None:
    grams = {f"SKU-{k}": g for k, (g, _) in enumerate(lines)}
    held = tuple(CartLine(f"SKU-{k}", units) for k, (_, units) in enumerate(lines))
    grown = NO_LOAD
    for line in order.sample(held, len(held)):
        grown = grown.grown(grams[line.sku], line.quantity)

    assert _values(grown) == _values(load_of(held, grams.__getitem__))
    assert grown.weight == sum(g * n for g, n in lines)
    assert grown.heaviest == max([0, *(g for g, _ in lines)])
    if any(g <= 0 for g, _ in lines):
        # A unit weighing nothing is packed by weight, not by runs.
        assert grown.runs is None
    else:
        assert grown.runs == tuple(sorted(g << RUN_SHIFT | n for g, n in lines))


def test_a_line_of_more_units_than_a_run_counts_is_packed_by_weight() -> None:
    assert NO_LOAD.grown(600, 2).grown(900, RUN).runs is None
    assert NO_LOAD.grown(600, 2).grown(900, RUN - 1).runs is not None


def test_a_shipment_scored_with_its_load_scores_as_one_the_scorer_weighs() -> None:
    network = a_network()
    standard = network.services[STANDARD]
    rng = random.Random(5)
    services = [
        dataclasses.replace(standard, max_parcel_grams=limit, parcels_per_shipment=most)
        for limit, most in ((2_250, 3), (10_250, 2), (25_000, 10), (40_000, 1))
    ]
    searching = [scorer_by(network, service) for service in services]
    refused = packed = 0
    for _ in range(draws(200)):
        chosen = rng.sample(SKUS, rng.randint(1, len(SKUS)))
        lines = cart(*((sku, rng.randint(1, 12)) for sku in chosen))
        load = NO_LOAD
        for line in lines:
            load = load.grown(network.skus[line.sku].weight_grams, line.quantity)
        # One load asked by every service in turn, twice: each gets its own parcels.
        pairs = list(zip(searching, services, strict=True))
        for kept, service in pairs + pairs:
            fresh = scorer_by(network, service)
            expected = fresh(PlannedShipment(DC_SQF, 23.4, lines))
            found = kept(PlannedShipment(DC_SQF, 23.4, lines, load))
            assert found == expected, (service.max_parcel_grams, lines)
            assert fresh.failures.too_heavy == (expected is None)
            refused += expected is None
            packed += expected is not None and load.parcels is not None and len(load.parcels) > 1
    assert refused > 100
    assert packed > 100


def test_every_shipment_a_search_scores_carries_the_load_of_its_lines() -> None:
    grams_of = {f"SKU-{k}": 150 * (k + 1) for k in range(40)}
    loaded = plain = 0
    for seed in range(draws(40)):
        rnd = random.Random(seed)
        lines = rnd.choice([3, EXACT_MAX_LINES + 2, 12])
        the_cart, world, stock = random_world(seed, lines=lines, nodes=rnd.randint(2, 10))
        asked: list[PlannedShipment] = []
        parts = ShipmentParts(
            _counted(scorer(world), asked),
            stock,
            priorities={p.node_id: p.priority for p in world.values()},
            stores=frozenset(),
            keep_store_units=0,
            unit_grams=grams_of.__getitem__,
        )
        search_plans(the_cart, candidates(world), stock, Judge(CRITERIA, parts), max_shipments=3)
        for shipment in asked:
            if shipment.load is None:
                plain += 1
                continue
            loaded += 1
            weighed = load_of(shipment.lines, grams_of.__getitem__)
            assert _values(shipment.load) == _values(weighed), shipment
    # The search's own shipments come weighed; only the final key's come plain.
    assert loaded > 10 * plain
