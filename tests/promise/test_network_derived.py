"""Figures the network derives once and every request reuses."""

from __future__ import annotations

import pytest

from promise.geo import geodesic_km
from tests.promise.builders import (
    BONNEUIL,
    CONFLUENCE,
    DC_BONNEUIL,
    DC_SQF,
    LYON_PART_DIEU,
    PART_DIEU,
    RIVOLI,
    SAINT_QUENTIN_FALLAVIER,
    SAME_DAY,
    TRANSFER,
    VILLEFRANCHE_STORE,
    a_network,
)


def test_a_store_is_fed_by_the_transfer_nodes_nearest_first_within_half_a_percent() -> None:
    network = a_network()

    sources = network.sources_for(PART_DIEU, TRANSFER)

    assert [node_id for node_id, _ in sources] == [DC_SQF, DC_BONNEUIL]
    expected = [
        geodesic_km(SAINT_QUENTIN_FALLAVIER, LYON_PART_DIEU),
        geodesic_km(BONNEUIL, LYON_PART_DIEU),
    ]
    for (_, km), geodesic in zip(sources, expected, strict=True):
        assert km == pytest.approx(geodesic, rel=0.005)


def test_sources_are_computed_once_per_network_and_store() -> None:
    network = a_network()

    first = network.sources_for(PART_DIEU, TRANSFER)

    assert network.sources_for(PART_DIEU, TRANSFER) is first
    assert network.sources_for(PART_DIEU, "NO-SUCH-SERVICE") == ()


def test_priorities_and_stores_come_from_the_nodes() -> None:
    network = a_network()

    assert network.priorities() == {n.id: n.priority for n in network.nodes.values()}
    assert PART_DIEU in network.store_ids()
    assert DC_SQF not in network.store_ids()


def test_the_nodes_dispatching_a_service_come_from_their_services_and_capabilities() -> None:
    network = a_network()

    # Confluence collects but cannot deliver the same day, though it lists the service.
    assert network.dispatching(SAME_DAY) == {PART_DIEU, CONFLUENCE, VILLEFRANCHE_STORE, RIVOLI}
    assert network.dispatching(SAME_DAY, same_day=True) == {
        PART_DIEU,
        VILLEFRANCHE_STORE,
        RIVOLI,
    }
    assert network.dispatching(TRANSFER) == {DC_SQF, DC_BONNEUIL}
    assert network.dispatching(TRANSFER) is network.dispatching(TRANSFER)


def test_a_nodes_kept_unit_vector_is_its_locations_own() -> None:
    network = a_network()

    for node in network.nodes.values():
        assert network.unit_vector(node) == node.location.unit_vector()
