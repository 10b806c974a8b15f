"""Sourcing: whole-cart plans from one node, and greedy splits over several."""

from __future__ import annotations

from promise.cart import CartLine
from promise.sourcing import Candidate, Plan, PlannedShipment, Stock, single_node_plans, split_plan

TABLE = CartLine("OAK-TABLE-120", 1)
CHAIRS = CartLine("OAK-CHAIR", 4)
CUSHION = CartLine("LINEN-CUSHION", 2)

# Nearest first, as the candidate finder hands them over, from a Lyon destination.
LYON_PART_DIEU = Candidate("LYON-PART-DIEU", 0.4)
LYON_CONFLUENCE = Candidate("LYON-CONFLUENCE", 2.5)
DC_LYON = Candidate("DC-SAINT-QUENTIN-FALLAVIER", 29.0)
DC_MIRAMAS = Candidate("DC-MIRAMAS", 245.0)
DC_BONNEUIL = Candidate("DC-BONNEUIL", 390.0)
AROUND_LYON = (LYON_PART_DIEU, LYON_CONFLUENCE, DC_LYON, DC_MIRAMAS, DC_BONNEUIL)


def shipment(candidate: Candidate, *lines: CartLine) -> PlannedShipment:
    return PlannedShipment(candidate.node_id, candidate.distance_km, lines)


def test_single_node_plans_list_every_node_holding_the_whole_cart_nearest_first() -> None:
    stock: Stock = {
        "OAK-TABLE-120": {"LYON-CONFLUENCE": 1, "DC-MIRAMAS": 3, "DC-BONNEUIL": 9},
        "OAK-CHAIR": {"LYON-PART-DIEU": 8, "LYON-CONFLUENCE": 4, "DC-MIRAMAS": 40},
    }

    plans = single_node_plans([TABLE, CHAIRS], AROUND_LYON, stock, limit=5)

    assert plans == [
        Plan((shipment(LYON_CONFLUENCE, TABLE, CHAIRS),)),
        Plan((shipment(DC_MIRAMAS, TABLE, CHAIRS),)),
    ]


def test_single_node_plans_stop_at_the_limit() -> None:
    stock: Stock = {"OAK-TABLE-120": {c.node_id: 5 for c in AROUND_LYON}}

    plans = single_node_plans([TABLE], AROUND_LYON, stock, limit=2)

    assert [plan.shipments[0].node_id for plan in plans] == ["LYON-PART-DIEU", "LYON-CONFLUENCE"]


def test_a_limit_of_zero_asks_for_no_plan() -> None:
    stock: Stock = {"OAK-TABLE-120": {c.node_id: 5 for c in AROUND_LYON}}

    assert single_node_plans([TABLE], AROUND_LYON, stock, limit=0) == []


def test_no_single_node_plan_when_no_node_holds_enough_of_every_line() -> None:
    stock: Stock = {"OAK-CHAIR": {"LYON-PART-DIEU": 3, "DC-SAINT-QUENTIN-FALLAVIER": 3}}

    assert single_node_plans([CHAIRS], AROUND_LYON, stock, limit=5) == []


def test_a_split_starts_with_the_node_completing_the_most_lines_even_if_farther() -> None:
    # Part-Dieu, nearest, would take 7 units but complete only the chairs; Bonneuil takes 3
    # units and completes the table and the cushions, so it ships first.
    six_chairs = CartLine("OAK-CHAIR", 6)
    stock: Stock = {
        "OAK-TABLE-120": {"DC-BONNEUIL": 1},
        "OAK-CHAIR": {"LYON-PART-DIEU": 6},
        "LINEN-CUSHION": {"LYON-PART-DIEU": 1, "DC-BONNEUIL": 2},
    }

    plan = split_plan([TABLE, six_chairs, CUSHION], AROUND_LYON, stock, max_shipments=3)

    assert plan == Plan(
        (shipment(DC_BONNEUIL, TABLE, CUSHION), shipment(LYON_PART_DIEU, six_chairs))
    )
    assert plan.distance_km == 390.4


def test_between_nodes_completing_as_many_lines_and_units_the_nearer_one_ships() -> None:
    stock: Stock = {
        "OAK-TABLE-120": {"DC-MIRAMAS": 1, "DC-SAINT-QUENTIN-FALLAVIER": 1},
        "LINEN-CUSHION": {"DC-BONNEUIL": 1},
    }
    one_cushion = CartLine("LINEN-CUSHION", 1)

    plan = split_plan([TABLE, one_cushion], AROUND_LYON, stock, max_shipments=2)

    assert plan == Plan((shipment(DC_LYON, TABLE), shipment(DC_BONNEUIL, one_cushion)))


def test_a_line_no_node_holds_in_full_is_split_by_quantity_largest_share_first() -> None:
    stock: Stock = {"OAK-CHAIR": {"LYON-PART-DIEU": 1, "LYON-CONFLUENCE": 3, "DC-MIRAMAS": 2}}

    plan = split_plan([CHAIRS], AROUND_LYON, stock, max_shipments=3)

    assert plan == Plan(
        (
            shipment(LYON_CONFLUENCE, CartLine("OAK-CHAIR", 3)),
            shipment(LYON_PART_DIEU, CartLine("OAK-CHAIR", 1)),
        )
    )


def test_a_split_is_none_when_the_cart_needs_more_shipments_than_allowed() -> None:
    stock: Stock = {
        "OAK-TABLE-120": {"DC-BONNEUIL": 1},
        "OAK-CHAIR": {"DC-MIRAMAS": 4},
        "LINEN-CUSHION": {"LYON-PART-DIEU": 2},
    }

    assert split_plan([TABLE, CHAIRS, CUSHION], AROUND_LYON, stock, max_shipments=2) is None
    assert split_plan([TABLE, CHAIRS, CUSHION], AROUND_LYON, stock, max_shipments=3) == Plan(
        (
            shipment(DC_MIRAMAS, CHAIRS),
            shipment(LYON_PART_DIEU, CUSHION),
            shipment(DC_BONNEUIL, TABLE),
        )
    )


def test_a_split_is_none_when_the_whole_network_holds_too_little() -> None:
    stock: Stock = {"OAK-CHAIR": {"LYON-PART-DIEU": 1, "DC-MIRAMAS": 2}}

    assert split_plan([CHAIRS], AROUND_LYON, stock, max_shipments=5) is None


def test_a_split_of_a_cart_one_node_holds_is_that_one_shipment() -> None:
    stock: Stock = {"OAK-TABLE-120": {"DC-MIRAMAS": 1}, "OAK-CHAIR": {"DC-MIRAMAS": 4}}

    plan = split_plan([TABLE, CHAIRS], AROUND_LYON, stock, max_shipments=3)

    assert plan == Plan((shipment(DC_MIRAMAS, TABLE, CHAIRS),))
