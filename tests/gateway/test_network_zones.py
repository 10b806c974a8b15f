"""services.toml's zones and parcel limits, nodes.csv's calendars and skus.csv's lengths in
the demo network, and the errors naming the file, line or row, and key or column."""

from __future__ import annotations

from pathlib import Path

from carriers.services import DeliveryKind
from promise.network import Network
from tests.gateway.test_network_files import edit, load_error, set_cell

KOELN_ROW = 42


def test_the_demo_zones_put_corsica_and_the_overseas_departments_apart(demo: Network) -> None:
    zones = demo.zones
    assert zones.zone_of("FR") == "FR"
    assert zones.zone_of("FR", "2A") == "FR-CORSICA"
    assert zones.zone_of("FR", "974") == "FR-OVERSEAS"
    assert zones.zone_of("FR", "57") == "FR"
    assert zones.zone_of("DE", "NW") == "EU-ROAD"
    assert zones.zone_of("CH") == "CH"
    assert not demo.serves("PT")


def test_the_european_service_has_its_own_price_and_transit_in_each_zone(demo: Network) -> None:
    road = demo.services["EU-ROAD-PARCEL"]
    assert set(road.zones) == {"EU-ROAD", "CH"}
    assert road.zones["EU-ROAD"].price.base_cents == 1290
    assert road.zones["CH"].price.base_cents == 2490
    assert road.zones["CH"].transit.band_for(300.0).most_likely_day() == 2
    assert demo.in_zone(road, "FR") is None
    assert demo.in_zone(demo.services["COLISSIMO-48H"], "EU-ROAD") is None


def test_parcel_services_declare_limits_and_two_person_delivery_takes_only_bulky_loads(
    demo: Network,
) -> None:
    standard = demo.services["COLISSIMO-48H"]
    assert (standard.max_parcel_grams, standard.parcels_per_shipment) == (40_000, 10)
    assert demo.services["RELAY-POINT-72H"].parcels_per_shipment == 1
    freight = demo.services["TWO-PERSON-HOME"]
    assert freight.kind is DeliveryKind.HOME_TWO_PERSON
    assert (freight.max_parcel_grams, freight.min_shipment_grams) == (None, 30_000)
    assert demo.skus["SOFA-3-SEAT-LINEN"].length_mm == 2100
    assert demo.skus["OAK-CHAIR"].length_mm is None


def test_a_malformed_subdivision_of_a_zone_is_named_with_its_line(copy: Path) -> None:
    edit(copy / "services.toml", 'subdivisions = ["FR-2A", "FR-2B"]', 'subdivisions = ["2A"]')
    message = load_error(copy)
    assert "[zones.FR-CORSICA] key subdivisions: '2A' is not a country and subdivision" in message
    assert f"{copy / 'services.toml'} line " in message


def test_a_subdivision_in_two_zones_is_refused_naming_both(copy: Path) -> None:
    edit(copy / "services.toml", 'subdivisions = ["FR-2A", "FR-2B"]', 'subdivisions = ["FR-971"]')
    assert "subdivision FR-971 is in zones FR-CORSICA and FR-OVERSEAS" in load_error(copy)


def test_a_service_serving_an_undeclared_zone_is_named(copy: Path) -> None:
    edit(
        copy / "services.toml",
        "[services.EU-ROAD-PARCEL.zones.CH]\nprice",
        "[services.EU-ROAD-PARCEL.zones.MOON]\nprice",
    )
    message = load_error(copy)
    assert "key MOON: 'MOON' is not a zone of [zones]" in message


def test_parcels_per_shipment_below_one_is_refused(copy: Path) -> None:
    edit(
        copy / "services.toml",
        "parcels_per_shipment = 10\nmax_length_mm = 2000",
        "parcels_per_shipment = 0\nmax_length_mm = 2000",
    )
    assert "[services.COLISSIMO-48H] key parcels_per_shipment: 0 is below the minimum 1" in (
        load_error(copy)
    )


def test_a_node_subdivision_the_holidays_package_does_not_know_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", KOELN_ROW, "subdivision", "XX")
    message = load_error(copy)
    assert f"{copy / 'nodes.csv'} row {KOELN_ROW} column subdivision: 'XX' is not a holiday" in (
        message
    )


def test_a_length_that_is_not_a_whole_number_is_named(copy: Path) -> None:
    set_cell(copy / "skus.csv", 2, "length_mm", "long")
    assert f"{copy / 'skus.csv'} row 2 column length_mm: 'long' is not a whole number" in (
        load_error(copy)
    )
