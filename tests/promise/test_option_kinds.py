"""Pickup points, the shopper's own trip, inbound stock and collection times in options.

Orders are placed on Tuesday 11 March 2025 at 10:00 (Paris) on the Lyon and Paris network
of `option_builders`, plus a relay service from the DCs and three pickup points in Lyon.
"""

from __future__ import annotations

import dataclasses
from datetime import date, time

from carriers.emissions import CustomerTrip
from carriers.services import DeliveryKind
from promise.candidates import CandidateFinder
from promise.cart import Destination
from promise.geo import GeoPoint
from promise.inbound import InboundLot
from promise.network import Network, OpeningHours, PickupPoint, PointType
from promise.promise_builder import NearbyPoint, Option, PromiseRequest, build_options
from tests.promise.builders import (
    BRASS_LAMP,
    COLLECT,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    OAK_TABLE,
    PART_DIEU,
    RELAY,
    STANDARD,
    TUESDAY_MORNING,
    a_dc,
    a_network,
    cart,
    in_paris,
    lyon_and_paris_nodes,
    relay_service,
)

EVERY_DAY = {day: (time(0), time(23, 59)) for day in range(1, 8)}
CAR = CustomerTrip("CAR", 200.0, 1.0, "ADEME, indicative")


def a_point(point_id: str, location: GeoPoint, kind: PointType = PointType.RELAY) -> PickupPoint:
    return PickupPoint(
        id=point_id,
        name=point_id.title(),
        type=kind,
        city="Lyon",
        postcode="69006",
        location=location,
        opening=OpeningHours(EVERY_DAY),
        services=frozenset({RELAY}),
    )


POINTS = (
    a_point("LYON-RELAIS-BROTTEAUX", GeoPoint(45.7686, 4.8590)),  # 0.5 km from the home
    a_point("LYON-CONSIGNE-PART-DIEU", GeoPoint(45.7605, 4.8602), PointType.LOCKER),
    a_point("LYON-RELAIS-CROIX-ROUSSE", GeoPoint(45.7762, 4.8279)),  # 2 km
    a_point("PARIS-RELAIS-OBERKAMPF", GeoPoint(48.8650, 2.3771)),  # far away
)


def relay_network() -> Network:
    base = a_network()
    nodes = {node.id: node for node in lyon_and_paris_nodes()}
    nodes[DC_SQF] = dataclasses.replace(a_dc(), services=a_dc().services | {RELAY})
    return dataclasses.replace(
        base,
        nodes=nodes,
        services={**base.services, RELAY: relay_service()},
        pickup_points={point.id: point for point in POINTS},
        customer_trip=CAR,
    )


def options_for(
    network: Network,
    lines: tuple[tuple[str, int], ...],
    stock: dict[str, dict[str, int]],
    **request: bool,
) -> list[Option]:
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)
    promise = PromiseRequest(
        cart(*lines),
        Destination(HOME_LYON_BROTTEAUX),
        TUESDAY_MORNING,
        include_customer_trip=request.get("include_trip", False),
    )
    return build_options(
        network,
        promise,
        candidates,
        stock,
        inbound=INBOUND if request.get("inbound_stock") else None,
    )


def the(options: list[Option], kind: DeliveryKind) -> Option:
    [found] = [option for option in options if option.kind is kind]
    return found


LAMP_AT_THE_DC = {BRASS_LAMP: {DC_SQF: 5}}
LAMP_AT_THE_DC_AND_PART_DIEU = {BRASS_LAMP: {DC_SQF: 5, PART_DIEU: 4}}
INBOUND = {LINEN_CUSHION: {DC_SQF: (InboundLot(10, in_paris(2025, 3, 13, 7)),)}}


def test_a_pickup_point_option_lists_the_nearest_points_within_five_km() -> None:
    options = options_for(relay_network(), ((BRASS_LAMP, 1),), LAMP_AT_THE_DC)

    relay = the(options, DeliveryKind.PICKUP_POINT)

    assert [p.point_id for p in relay.pickup_points] == [
        "LYON-RELAIS-BROTTEAUX",
        "LYON-CONSIGNE-PART-DIEU",
        "LYON-RELAIS-CROIX-ROUSSE",
    ]
    assert all(isinstance(p, NearbyPoint) and p.distance_km < 5 for p in relay.pickup_points)


def test_a_pickup_point_parcel_is_dated_by_its_own_table_and_cutoff() -> None:
    # Dispatch Tuesday 11 (before the 14:00 cut-off): day 2 Thursday 13, day 3 Friday 14.
    relay = the(
        options_for(relay_network(), ((BRASS_LAMP, 1),), LAMP_AT_THE_DC), DeliveryKind.PICKUP_POINT
    )

    assert relay.order_by == in_paris(2025, 3, 11, 14)
    assert (relay.likely, relay.promised, relay.confidence) == (
        date(2025, 3, 13),
        date(2025, 3, 14),
        0.95,
    )
    assert relay.price_cents == 390 + 40 * 1
    assert relay.labels == frozenset()


def test_no_pickup_point_for_a_parcel_over_thirty_kilograms() -> None:
    options = options_for(relay_network(), ((OAK_TABLE, 2),), {OAK_TABLE: {DC_SQF: 5}})

    assert DeliveryKind.PICKUP_POINT not in {option.kind for option in options}


def test_no_pickup_point_without_a_point_nearby() -> None:
    network = dataclasses.replace(relay_network(), pickup_points={POINTS[3].id: POINTS[3]})

    options = options_for(network, ((BRASS_LAMP, 1),), LAMP_AT_THE_DC)

    assert DeliveryKind.PICKUP_POINT not in {option.kind for option in options}


def test_the_customer_trip_is_reported_apart_and_not_counted_by_default() -> None:
    options = options_for(relay_network(), ((BRASS_LAMP, 1),), LAMP_AT_THE_DC_AND_PART_DIEU)

    collect = the(options, DeliveryKind.CLICK_AND_COLLECT)
    relay = the(options, DeliveryKind.PICKUP_POINT)

    # Part-Dieu is 1.154 km away: 2 x 1.154 x 1.2 road circuity x 200 g/km = 553.9 g.
    assert collect.collect_store_id == PART_DIEU
    assert collect.customer_trip_grams == 553.9
    assert collect.co2e_grams == 0.0
    # The nearest relay is 0.5 km away: a walk, nothing.
    assert relay.customer_trip_grams == 0.0
    assert relay.co2e_grams == relay.shipments_co2e_grams


def test_the_customer_trip_is_counted_when_the_request_asks() -> None:
    options = options_for(
        relay_network(), ((BRASS_LAMP, 1),), LAMP_AT_THE_DC_AND_PART_DIEU, include_trip=True
    )

    collect = the(options, DeliveryKind.CLICK_AND_COLLECT)

    assert collect.counts_customer_trip
    assert collect.co2e_grams == 553.9


def test_a_home_delivery_has_no_customer_trip() -> None:
    options = options_for(relay_network(), ((BRASS_LAMP, 1),), LAMP_AT_THE_DC, include_trip=True)

    standard = next(option for option in options if option.service.code == STANDARD)

    assert standard.customer_trip_grams is None


def test_collect_in_store_is_ready_an_hour_after_the_order() -> None:
    options = options_for(relay_network(), ((BRASS_LAMP, 1),), LAMP_AT_THE_DC_AND_PART_DIEU)

    collect = the(options, DeliveryKind.CLICK_AND_COLLECT)

    assert collect.service.code == COLLECT
    assert collect.ready_at == in_paris(2025, 3, 11, 11)


def test_inbound_stock_gives_a_later_date_rather_than_no_option() -> None:
    # Cushions reach the DC on Thursday 13 at 07:00: dispatch Thursday, 48 h standard
    # likely Friday 14 and promised (98 %) Monday 17.
    options = options_for(relay_network(), ((LINEN_CUSHION, 2),), {}, inbound_stock=True)

    standard = next(option for option in options if option.service.code == STANDARD)

    [shipment] = standard.shipments
    assert shipment.stock_arrives_at == in_paris(2025, 3, 13, 7)
    assert shipment.timing.dispatch_day == date(2025, 3, 13)
    assert (standard.likely, standard.promised) == (date(2025, 3, 14), date(2025, 3, 17))
    assert standard.order_by == in_paris(2025, 3, 13, 15)


def test_stock_on_the_shelves_is_preferred_to_inbound_stock() -> None:
    options = options_for(
        relay_network(), ((LINEN_CUSHION, 2),), {LINEN_CUSHION: {DC_SQF: 3}}, inbound_stock=True
    )

    standard = next(option for option in options if option.service.code == STANDARD)

    assert standard.shipments[0].stock_arrives_at is None
    assert standard.shipments[0].timing.dispatch_day == date(2025, 3, 11)
