"""Rule profiles: each filter rejects the nodes it should, first filter failed first."""

from __future__ import annotations

from dataclasses import replace

import pytest

from promise.network import NodeType
from promise.profiles import (
    Criterion,
    Filter,
    Filters,
    RuleProfile,
    parse_objective,
    rejection,
    rejects_none,
)
from tests.promise.builders import CONFLUENCE, DC_SQF, PART_DIEU, a_dc, a_network, a_store

STORE = a_store()
DC = a_dc()
NO_CAPACITY_USED: dict[str, int] = {}


def profile(**filters: object) -> RuleProfile:
    return RuleProfile(name="test", filters=Filters(**filters))  # type: ignore[arg-type]


def test_a_profile_without_filters_lets_every_node_ship() -> None:
    assert rejection(profile(), STORE, 500.0, capacity_left=NO_CAPACITY_USED) is None


def test_node_types_reject_a_store_when_only_dcs_may_ship() -> None:
    only_dcs = profile(node_types=frozenset({NodeType.DC}))

    assert rejection(only_dcs, STORE, 1.0, capacity_left={}) is Filter.NODE_TYPE
    assert rejection(only_dcs, DC, 1.0, capacity_left={}) is None


def test_ship_from_store_off_rejects_stores_but_not_dcs() -> None:
    no_stores = profile(ship_from_store=False)

    assert rejection(no_stores, STORE, 1.0, capacity_left={}) is Filter.SHIP_FROM_STORE
    assert rejection(no_stores, DC, 1.0, capacity_left={}) is None


def test_ship_from_store_off_still_lets_a_store_hand_over_its_own_shelves() -> None:
    no_stores = profile(ship_from_store=False)

    assert rejection(no_stores, STORE, 0.0, capacity_left={}, shipping=False) is None


def test_an_excluded_node_is_rejected_even_for_collection() -> None:
    excluded = profile(excluded_nodes=frozenset({PART_DIEU}))

    assert rejection(excluded, STORE, 0.0, capacity_left={}, shipping=False) is Filter.EXCLUDED


def test_max_distance_rejects_a_node_farther_than_allowed() -> None:
    near_only = profile(max_distance_km=100.0)

    assert rejection(near_only, DC, 100.0, capacity_left={}) is None
    assert rejection(near_only, DC, 100.1, capacity_left={}) is Filter.MAX_DISTANCE


def test_a_node_whose_daily_capacity_is_used_up_is_rejected() -> None:
    network = replace(a_network(), daily_capacity={PART_DIEU: 40, DC_SQF: 500})
    left = network.capacity_left({PART_DIEU: 40, DC_SQF: 12})

    assert left == {PART_DIEU: 0, DC_SQF: 488}
    assert rejection(profile(), STORE, 1.0, capacity_left=left) is Filter.CAPACITY
    assert rejection(profile(), DC, 1.0, capacity_left=left) is None
    assert rejection(profile(require_capacity=False), STORE, 1.0, capacity_left=left) is None


def test_capacity_left_names_the_nodes_read_and_those_that_can_take_no_order() -> None:
    network = replace(
        a_network(), daily_capacity={PART_DIEU: 40, CONFLUENCE: 0, DC_SQF: 500, "GONE": 3}
    )

    # DC_SQF took no order today (not read): its 500 are left, which no filter needs to see.
    left = network.capacity_left({PART_DIEU: 12, "UNBOUND-NODE": 7})

    assert left == {PART_DIEU: 28, CONFLUENCE: 0}
    assert rejection(profile(), STORE, 1.0, capacity_left=left) is None
    assert left.get(DC_SQF, 1) > 0


def test_the_first_filter_failed_is_the_one_reported() -> None:
    strict = profile(
        node_types=frozenset({NodeType.DC}), ship_from_store=False, max_distance_km=1.0
    )

    assert rejection(strict, STORE, 50.0, capacity_left={}) is Filter.NODE_TYPE


def test_an_objective_is_read_from_criterion_names_in_order() -> None:
    assert parse_objective(["CO2E", "DELIVERY_DATE"]) == (Criterion.CO2E, Criterion.DELIVERY_DATE)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["CHEAPEST"], "'CHEAPEST' is not a criterion"),
        (["COST", "COST"], "'COST' appears twice"),
        ([], "names no criterion"),
    ],
)
def test_a_bad_objective_is_refused_naming_the_problem(names: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_objective(names)


@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"require_capacity": False},
        {"node_types": frozenset({NodeType.DC})},
        {"ship_from_store": False},
        {"excluded_nodes": frozenset({PART_DIEU})},
        {"max_distance_km": 100.0},
    ],
    ids=["none", "no-capacity", "dcs-only", "no-stores", "excluded", "max-distance"],
)
@pytest.mark.parametrize("exhausted", [False, True], ids=["capacity-left", "capacity-used-up"])
def test_a_profile_said_to_reject_none_passes_every_node_anywhere(
    rules: dict[str, object], exhausted: bool
) -> None:
    # What lets the option builder keep every candidate without asking `rejection` of each.
    left = {PART_DIEU: 0, DC_SQF: 0} if exhausted else {PART_DIEU: 3}
    chosen = profile(**rules)
    verdicts = [
        rejection(chosen, node, km, capacity_left=left, shipping=shipping)
        for node in (STORE, DC)
        for km in (0.0, 100.1, 5000.0)
        for shipping in (True, False)
    ]

    says_none = rejects_none(chosen, capacity_exhausted=exhausted)

    # Only capacity left everywhere, or not required, leaves no filter that can fail.
    assert says_none is (rules == {"require_capacity": False} or (rules == {} and not exhausted))
    if says_none:
        assert verdicts == [None] * len(verdicts)
    else:
        assert any(verdict is not None for verdict in verdicts)
