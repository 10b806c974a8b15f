"""Carrier collections (`pickups.csv`), pickup points (`pickup_points.csv`) and the shopper's
trip factor of the demo network, and the errors naming a bad row."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from carriers.services import DeliveryKind
from network_loader.network_files import load_network
from promise.errors import NetworkDataError
from promise.geo import geodesic_km
from promise.network import Network, PointType


def append(path: Path, line: str) -> int:
    """Append a CSV line; the 1-based row it lands on."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def test_the_lyon_dc_is_collected_at_six_on_weekdays_and_half_past_eleven_on_saturday(
    demo: Network,
) -> None:
    pickups = demo.nodes["DC-SAINT-QUENTIN-FALLAVIER"].pickups["COLISSIMO-48H"]

    assert pickups.on(1) == (time(18),)
    assert pickups.on(6) == (time(11, 30),)
    assert pickups.on(7) == ()


def test_express_is_never_collected_on_saturday(demo: Network) -> None:
    assert demo.nodes["DC-BONNEUIL"].pickups["CHRONO-EXPRESS-24H"].on(6) == ()


def test_the_courier_calls_three_times_a_day_at_same_day_stores(demo: Network) -> None:
    rounds = demo.nodes["LYON-PART-DIEU"].pickups["COURIER-SAME-DAY"]

    assert rounds.on(3) == (time(12), time(15, 30), time(17, 30))


def test_every_demo_pickup_point_is_served_by_the_relay_service(demo: Network) -> None:
    assert len(demo.pickup_points) == 20
    relay = demo.services["RELAY-POINT-72H"]
    assert relay.kind is DeliveryKind.PICKUP_POINT
    assert relay.max_parcel_grams == 30_000
    assert all(p.services == {"RELAY-POINT-72H"} for p in demo.pickup_points.values())


def test_the_part_dieu_locker_is_open_every_day_beside_the_station(demo: Network) -> None:
    locker = demo.pickup_points["LYON-CONSIGNE-PART-DIEU"]

    assert locker.type is PointType.LOCKER
    assert all(locker.opening.on(day) is not None for day in range(1, 8))
    assert geodesic_km(locker.location, demo.nodes["LYON-PART-DIEU"].location) < 0.5


def test_the_customer_trip_factor_names_its_source(demo: Network) -> None:
    trip = demo.customer_trip

    assert trip is not None
    assert (trip.mode, trip.grams_per_km, trip.walk_below_km) == ("CAR", 200.0, 1.0)
    assert "ADEME" in trip.source


def test_a_network_without_the_optional_files_has_no_schedule_and_no_point(copy: Path) -> None:
    (copy / "pickups.csv").unlink()
    (copy / "pickup_points.csv").unlink()

    network = load_network(copy)

    assert network.pickup_points == {}
    assert network.nodes["DC-BONNEUIL"].pickups == {}


def test_a_collection_for_a_service_the_node_does_not_dispatch_is_named(copy: Path) -> None:
    row = append(copy / "pickups.csv", "LYON-CONFLUENCE,COLISSIMO-48H,Mon-Fri,16:00")

    with pytest.raises(NetworkDataError) as caught:
        load_network(copy)

    assert str(caught.value) == (
        f"{copy / 'pickups.csv'} row {row} column service: 'COLISSIMO-48H' is not a service "
        "LYON-CONFLUENCE dispatches"
    )


def test_a_day_collected_twice_is_named(copy: Path) -> None:
    row = append(copy / "pickups.csv", "DC-BONNEUIL,COLISSIMO-48H,Fri,20:00")

    with pytest.raises(NetworkDataError) as caught:
        load_network(copy)

    assert str(caught.value) == (
        f"{copy / 'pickups.csv'} row {row} column days: Fri is already given for COLISSIMO-48H"
    )


def test_a_pickup_point_served_by_a_home_service_is_named(copy: Path) -> None:
    row = append(
        copy / "pickup_points.csv",
        "LYON-RELAIS-TEST,Test,RELAY,Lyon,69003,45.7600,4.8500,Mon-Sat 09:00-19:00,COLISSIMO-48H",
    )

    with pytest.raises(NetworkDataError) as caught:
        load_network(copy)

    assert str(caught.value) == (
        f"{copy / 'pickup_points.csv'} row {row} column services: 'COLISSIMO-48H' is not a "
        "PICKUP_POINT service"
    )
