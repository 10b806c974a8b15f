"""Candidate nodes: the nearest few plus the nearest distribution centres, nearest first."""

from __future__ import annotations

import dataclasses

import pytest
from geopy.distance import geodesic

from promise.candidates import CandidateFinder
from promise.errors import DestinationNotServed, ProblemCode
from promise.geo import GeoPoint
from promise.network import Network
from tests.promise.builders import (
    CONFLUENCE,
    DC_BONNEUIL,
    DC_MIRAMAS,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    MIRAMAS,
    NEW_YORK,
    PART_DIEU,
    RIVOLI,
    VILLEFRANCHE_STORE,
    a_dc,
    a_network,
    a_store,
    lyon_and_paris_nodes,
)

HOME_PARIS_LOUVRE = GeoPoint(48.8610, 2.3360)
LISBON = GeoPoint(38.7223, -9.1393)


def france() -> Network:
    """Three DCs (Lyon, Paris, Provence) and four stores (three around Lyon, one in Paris)."""
    return a_network(nodes=[*lyon_and_paris_nodes(), a_dc(DC_MIRAMAS, location=MIRAMAS)])


def test_every_node_comes_nearest_first_when_the_network_is_small() -> None:
    candidates = CandidateFinder(france()).around(HOME_LYON_BROTTEAUX)

    assert [c.node_id for c in candidates] == [
        PART_DIEU,  # 1.2 km
        CONFLUENCE,  # 4.2 km
        DC_SQF,  # 23.4 km
        VILLEFRANCHE_STORE,  # 26.5 km
        DC_MIRAMAS,  # 244 km
        DC_BONNEUIL,  # 379 km
        RIVOLI,  # 392 km
    ]


def test_only_the_nearest_few_are_kept_but_the_dcs_join_however_far() -> None:
    candidates = CandidateFinder(france(), nearest=2).around(HOME_LYON_BROTTEAUX)

    assert [c.node_id for c in candidates] == [
        PART_DIEU,
        CONFLUENCE,
        DC_SQF,
        DC_MIRAMAS,
        DC_BONNEUIL,
    ]


def test_only_the_nearest_dcs_join_when_the_network_has_many() -> None:
    candidates = CandidateFinder(france(), nearest=2, dcs=2).around(HOME_LYON_BROTTEAUX)

    # Bonneuil, the farthest of the three DCs from Lyon, is left out.
    assert [c.node_id for c in candidates] == [PART_DIEU, CONFLUENCE, DC_SQF, DC_MIRAMAS]


def test_a_paris_destination_gets_its_store_then_the_dcs_from_paris_to_provence() -> None:
    candidates = CandidateFinder(france(), nearest=1).around(HOME_PARIS_LOUVRE)

    assert [c.node_id for c in candidates] == [RIVOLI, DC_BONNEUIL, DC_SQF, DC_MIRAMAS]


def test_a_dc_among_the_nearest_appears_once() -> None:
    candidates = CandidateFinder(france(), nearest=3).around(HOME_LYON_BROTTEAUX)

    ids = [c.node_id for c in candidates]
    assert ids == [PART_DIEU, CONFLUENCE, DC_SQF, DC_MIRAMAS, DC_BONNEUIL]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "destination",
    [HOME_LYON_BROTTEAUX, HOME_PARIS_LOUVRE, GeoPoint(43.2965, 5.3698)],
    ids=["lyon-brotteaux", "paris-louvre", "marseille-vieux-port"],
)
def test_distances_are_within_half_a_percent_of_the_geodesic(destination: GeoPoint) -> None:
    network = france()

    candidates = CandidateFinder(network).around(destination)

    assert len(candidates) == len(network.nodes)
    for candidate in candidates:
        node = network.nodes[candidate.node_id].location
        exact = geodesic(
            (node.latitude, node.longitude), (destination.latitude, destination.longitude)
        ).km
        assert candidate.distance_km == pytest.approx(exact, rel=0.005), candidate.node_id


def test_the_distance_to_the_nearest_store_is_the_known_one() -> None:
    nearest = CandidateFinder(france()).around(HOME_LYON_BROTTEAUX)[0]

    assert nearest.node_id == PART_DIEU
    assert nearest.distance_km == pytest.approx(1.154, rel=0.005)


def test_nodes_equally_far_are_ordered_by_id() -> None:
    twin = a_store("LYON-PART-DIEU-ANNEXE")
    network = a_network(nodes=[a_store(), twin])

    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)

    assert [c.node_id for c in candidates] == [PART_DIEU, "LYON-PART-DIEU-ANNEXE"]


def test_a_destination_6000_km_away_is_not_served() -> None:
    with pytest.raises(DestinationNotServed) as raised:
        CandidateFinder(france()).around(NEW_YORK)

    assert raised.value.field == "input.destination"
    assert raised.value.code is ProblemCode.DESTINATION_NOT_SERVED
    assert "1000 km" in raised.value.message


def test_a_destination_beyond_the_served_radius_of_every_node_is_not_served() -> None:
    # Lisbon is about 1,300 km from Miramas, the nearest node.
    with pytest.raises(DestinationNotServed):
        CandidateFinder(france()).around(LISBON)


def test_the_served_radius_is_the_network_s_own() -> None:
    # Paris is about 390 km from the Lyon nodes: within the default 1,000 km, not within 300.
    lyon_only = a_network(nodes=[a_dc(), a_store()])
    short_reach = dataclasses.replace(lyon_only, served_radius_km=300.0)

    candidates = CandidateFinder(lyon_only).around(HOME_PARIS_LOUVRE)
    assert [c.node_id for c in candidates] == [PART_DIEU, DC_SQF]
    with pytest.raises(DestinationNotServed, match="300 km"):
        CandidateFinder(short_reach).around(HOME_PARIS_LOUVRE)


def test_a_network_without_nodes_serves_nothing() -> None:
    with pytest.raises(DestinationNotServed):
        CandidateFinder(a_network(nodes=[])).around(HOME_LYON_BROTTEAUX)


def test_a_store_reads_stock_at_itself_and_the_nearest_few_nodes_that_can_send_it_some() -> None:
    finder = CandidateFinder(france(), dcs=2)

    # From Part-Dieu: Saint-Quentin-Fallavier 22 km, Miramas 241 km, Bonneuil 378 km.
    assert finder.around_store(PART_DIEU) == [PART_DIEU, DC_SQF, DC_MIRAMAS]
    assert CandidateFinder(france()).around_store(RIVOLI) == [
        RIVOLI,
        DC_BONNEUIL,
        DC_SQF,
        DC_MIRAMAS,
    ]


def test_a_network_without_a_transfer_service_sends_a_store_nothing() -> None:
    no_transfer = a_network(nodes=lyon_and_paris_nodes(), with_transfer=False)

    assert CandidateFinder(no_transfer).around_store(PART_DIEU) == [PART_DIEU]
