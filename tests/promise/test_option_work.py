"""Options spend their work where it matters: geodesics for kept shipments, stock holders only.

Orders are placed on Tuesday 11 March 2025 at 10:00 (Paris) on the Lyon and Paris network
of `option_builders`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import ClassVar

import pytest

import promise.shipment_scoring
from carriers.services import CarrierService, Price
from promise.dates import Timing, home_delivery
from promise.geo import GeoPoint, geodesic_km, sphere_km
from promise.network import Node
from promise.profiles import DEFAULT_PROFILE
from promise.promise_builder import Option
from promise.shipment_scoring import ShipmentScorer, Supply
from promise.sourcing import Candidate, PlannedShipment
from tests.promise.builders import (
    BRASS_LAMP,
    CONFLUENCE,
    DC_BONNEUIL,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    OAK_TABLE,
    PART_DIEU,
    RIVOLI,
    STANDARD,
    TUESDAY_MORNING,
    VILLEFRANCHE_STORE,
    a_network,
    by_service,
    cart,
    promise_collect,
    promise_home,
)

EVERYWHERE = {
    BRASS_LAMP: dict.fromkeys(
        (DC_SQF, DC_BONNEUIL, PART_DIEU, CONFLUENCE, VILLEFRANCHE_STORE, RIVOLI), 5
    )
}


def shipments_of(options: list[Option]) -> list[tuple[str, float]]:
    kept = [*options, *(o.greener for o in options if o.greener is not None)]
    return [(s.node_id, s.distance_km) for option in kept for s in option.shipments]


def test_only_the_shipments_options_keep_are_measured_along_the_geodesic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    measured: list[tuple[GeoPoint, GeoPoint]] = []

    def counting(a: GeoPoint, b: GeoPoint) -> float:
        measured.append((a, b))
        return geodesic_km(a, b)

    monkeypatch.setattr(promise.shipment_scoring, "geodesic_km", counting)

    options = promise_home(a_network(), cart((BRASS_LAMP, 1)), HOME_LYON_BROTTEAUX, EVERYWHERE)

    # Six nodes hold the lamp and several services could ship it from each: one geodesic per
    # node and place an option ships from and to, not one per node scored.
    kept = shipments_of(options)
    assert 0 < len(measured) <= len([km for _, km in kept if km > 0])
    assert len(set(measured)) == len(measured)
    standard = by_service(options)["COLISSIMO-48H"]
    [shipment] = standard.shipments
    node = a_network().nodes[shipment.node_id]
    assert shipment.distance_km == round(geodesic_km(node.location, HOME_LYON_BROTTEAUX), 1)


def test_collect_by_transfer_considers_only_the_nodes_holding_some_of_the_cart() -> None:
    stock = {BRASS_LAMP: {DC_SQF: 2}}  # Bonneuil dispatches transfers too, but has no lamp

    [collect] = promise_collect(a_network(), cart((BRASS_LAMP, 1)), PART_DIEU, stock)

    assert collect.explanation is not None
    assert collect.explanation.considered == (PART_DIEU, DC_SQF)
    assert [s.node_id for s in collect.shipments] == [DC_SQF]


def test_every_shipment_from_the_shelves_of_a_node_has_the_dates_of_that_node() -> None:
    # What lets the search for a greener, later plan be skipped when no node is later.
    network = a_network()
    stock = {BRASS_LAMP: {DC_SQF: 4}, LINEN_CUSHION: {DC_SQF: 9}, OAK_TABLE: {DC_SQF: 1}}
    standard = network.services[STANDARD]

    def standard_for(_node: Node) -> CarrierService:
        return standard

    def timer(node: Node, km: float, not_before: datetime | None) -> Timing | None:
        return home_delivery(
            node,
            standard,
            km,
            TUESDAY_MORNING,
            confidence=0.95,
            country="FR",
            not_before=not_before,
        )

    scorer = ShipmentScorer(
        network, DEFAULT_PROFILE, Supply(stock, {}), standard_for, timer, HOME_LYON_BROTTEAUX
    )
    dc = Candidate(DC_SQF, 23.4)
    shelves = scorer.from_shelves(dc)

    assert shelves is not None
    for lines in (cart((BRASS_LAMP, 1)), cart((LINEN_CUSHION, 9), (OAK_TABLE, 1))):
        found = scorer(PlannedShipment(DC_SQF, dc.distance_km, lines))
        assert found is not None
        assert (found.promised, found.likely) == (shelves.promised, shelves.likely)


def test_a_scorer_told_its_km_are_on_the_sphere_weighs_as_one_measuring_them() -> None:
    # Collect by transfer ranks its sources by sphere km to the store: no need to measure again.
    network = a_network()
    standard = network.services[STANDARD]
    stock = {BRASS_LAMP: {DC_SQF: 4}}

    def standard_for(_node: Node) -> CarrierService:
        return standard

    def timer(node: Node, km: float, not_before: datetime | None) -> Timing | None:
        return home_delivery(node, standard, km, TUESDAY_MORNING, confidence=0.95, country="FR")

    def scorer(*, sphere_distances: bool) -> ShipmentScorer:
        return ShipmentScorer(
            network,
            DEFAULT_PROFILE,
            Supply(stock, {}),
            standard_for,
            timer,
            HOME_LYON_BROTTEAUX,
            sphere_distances=sphere_distances,
        )

    km = sphere_km(network.nodes[DC_SQF].location, HOME_LYON_BROTTEAUX)
    planned = PlannedShipment(DC_SQF, km, cart((BRASS_LAMP, 2)))

    told = scorer(sphere_distances=True)(planned)

    assert told is not None
    assert told == scorer(sphere_distances=False)(planned)
    assert told.co2e_grams > standard.last_mile_grams_per_parcel


def test_a_scorers_sphere_km_are_those_sphere_km_gives_and_shared_by_the_request() -> None:
    network = a_network()
    standard = network.services[STANDARD]
    supply = Supply({BRASS_LAMP: {DC_SQF: 4}}, {})

    def standard_for(_node: Node) -> CarrierService:
        return standard

    def timer(node: Node, km: float, not_before: datetime | None) -> Timing | None:
        return home_delivery(node, standard, km, TUESDAY_MORNING, confidence=0.95, country="FR")

    scorer = ShipmentScorer(
        network, DEFAULT_PROFILE, supply, standard_for, timer, HOME_LYON_BROTTEAUX
    )
    for node in network.nodes.values():
        km = sphere_km(node.location, HOME_LYON_BROTTEAUX)
        assert scorer._sphere(node) == km
        assert supply.distances.sphere_km(node, HOME_LYON_BROTTEAUX) == km
    assert supply.distances.sphere_to(HOME_LYON_BROTTEAUX)[1] == {
        node.id: sphere_km(node.location, HOME_LYON_BROTTEAUX) for node in network.nodes.values()
    }


class CountingPrice(Price):
    """A carrier price that counts the weights it is asked about."""

    __slots__ = ()
    asked: ClassVar[list[int]] = []

    def for_weight(self, grams: int) -> int:
        CountingPrice.asked.append(grams)
        return super().for_weight(grams)


def test_the_searches_of_a_request_price_the_same_parcels_by_a_service_once() -> None:
    # Collect at three stores sends the same parcels by the same transfer from each source.
    network = a_network()
    standard = network.services[STANDARD]
    counted = dataclasses.replace(standard, price=CountingPrice(590, 100))
    dearer = dataclasses.replace(standard, price=CountingPrice(990, 100))
    stock = {OAK_TABLE: {DC_SQF: 2, DC_BONNEUIL: 2}}
    CountingPrice.asked.clear()

    def scorer(supply: Supply, service: CarrierService) -> ShipmentScorer:
        def timer(node: Node, km: float, not_before: datetime | None) -> Timing | None:
            return home_delivery(node, service, km, TUESDAY_MORNING, confidence=0.95, country="FR")

        return ShipmentScorer(
            network, DEFAULT_PROFILE, supply, lambda _node: service, timer, HOME_LYON_BROTTEAUX
        )

    table = cart((OAK_TABLE, 1))
    supply = Supply(stock, {})
    first = scorer(supply, counted)(PlannedShipment(DC_SQF, 23.4, table))
    second = scorer(supply, counted)(PlannedShipment(DC_BONNEUIL, 480.0, table))
    assert first is not None
    assert second is not None
    assert len(CountingPrice.asked) == 1
    assert first.cost_cents == second.cost_cents

    # Another service of the same code (another zone's terms) is priced by its own terms,
    # and another request prices again.
    other = scorer(supply, dearer)(PlannedShipment(DC_SQF, 23.4, table))
    again = scorer(Supply(stock, {}), counted)(PlannedShipment(DC_SQF, 23.4, table))
    assert other is not None
    assert again is not None
    assert other.cost_cents == first.cost_cents + 400
    assert again.cost_cents == first.cost_cents
    assert len(CountingPrice.asked) == 3
