"""The demo network loads with real figures, and every kind of bad file is named in place."""

from __future__ import annotations

import csv
from datetime import time
from pathlib import Path

import pytest

from gateway.ops.settings import DEFAULT_NETWORK_DIR
from network_loader.network_files import load_network, load_stock_levels
from network_loader.opening_hours import parse_opening_hours
from promise.errors import NetworkDataError
from promise.network import Capability, Network, NodeType


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Rewrite one cell of a CSV file; `row` is the 1-based line, the header being row 1."""
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    records[row - 1][records[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)


def rename_column(path: Path, old: str, new: str) -> None:
    set_cell(path, 1, old, new)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_error(directory: Path) -> str:
    with pytest.raises(NetworkDataError) as caught:
        load_network(directory)
    return str(caught.value)


def stock_error(directory: Path) -> str:
    with pytest.raises(NetworkDataError) as caught:
        load_stock_levels(directory)
    return str(caught.value)


# --- the demo network ---------------------------------------------------------------------


def test_the_demo_network_has_forty_one_nodes_of_which_four_are_distribution_centres(
    demo: Network,
) -> None:
    assert len(demo.nodes) == 41
    dcs = sorted(node.id for node in demo.nodes.values() if node.type is NodeType.DC)
    assert dcs == ["DC-BONNEUIL", "DC-KOELN", "DC-MIRAMAS", "DC-SAINT-QUENTIN-FALLAVIER"]


def test_the_cologne_dc_keeps_the_holidays_of_north_rhine_westphalia(demo: Network) -> None:
    cologne = demo.nodes["DC-KOELN"]
    assert (cologne.country, cologne.subdivision, cologne.timezone) == ("DE", "NW", "Europe/Berlin")
    assert demo.nodes["DC-BONNEUIL"].country is None


def test_the_demo_catalogue_has_two_hundred_skus_with_real_weights(demo: Network) -> None:
    assert len(demo.skus) == 200
    assert demo.skus["OAK-TABLE-120"].weight_grams == 32_000
    assert demo.skus["LINEN-DUVET-220"].weight_grams == 1_800


def test_every_node_dispatches_only_services_that_exist(demo: Network) -> None:
    for node in demo.nodes.values():
        assert node.services <= demo.services.keys(), node.id


def test_lyon_part_dieu_offers_same_day_delivery(demo: Network) -> None:
    node = demo.nodes["LYON-PART-DIEU"]
    assert Capability.SAME_DAY in node.capabilities
    assert "COURIER-SAME-DAY" in node.services


def test_only_stores_in_the_largest_cities_offer_same_day(demo: Network) -> None:
    same_day_cities = {
        node.city for node in demo.nodes.values() if Capability.SAME_DAY in node.capabilities
    }
    assert same_day_cities == {
        "Paris",
        "Lyon",
        "Marseille",
        "Toulouse",
        "Lille",
        "Bordeaux",
        "Nice",
    }


def test_the_transfer_service_feeds_click_and_collect_from_a_dc_in_two_days_or_more(
    demo: Network,
) -> None:
    assert demo.transfer_service == "STORE-TRANSFER"
    transfer = demo.services["STORE-TRANSFER"]
    assert transfer.transit.band_for(450.0).most_likely_day() == 2


def test_the_settings_of_network_toml_reach_the_network(demo: Network) -> None:
    assert demo.country == "FR"
    assert demo.reservation_ttl_seconds == 900
    assert demo.safety_stock_by_type[NodeType.STORE] == 2
    assert demo.safety_stock_by_type[NodeType.DC] == 0


def test_same_day_courier_delivers_within_fifteen_km_between_six_and_ten_pm(
    demo: Network,
) -> None:
    courier = demo.services["COURIER-SAME-DAY"]
    assert courier.max_distance_km == 15.0
    assert courier.delivery_window == (time(18), time(22))
    assert courier.transit.band_for(5.0).day_reached_with(1.0) == 0


def test_standard_delivery_is_one_day_slower_beyond_three_hundred_km(demo: Network) -> None:
    standard = demo.services["COLISSIMO-48H"]
    assert standard.transit.band_for(120.0).most_likely_day() == 1
    assert standard.transit.band_for(700.0).most_likely_day() == 2


def test_every_emission_factor_names_its_source(demo: Network) -> None:
    for service in demo.services.values():
        for factor in (service.linehaul, service.last_mile):
            assert factor.source, (service.code, factor.mode)


def test_stores_open_monday_to_saturday_and_dcs_on_saturday_morning(demo: Network) -> None:
    store = demo.nodes["LYON-PART-DIEU"].opening
    assert store.on(1) == (time(10), time(20))
    assert store.on(7) is None
    assert demo.nodes["DC-BONNEUIL"].opening.on(6) == (time(8), time(12))


def test_dcs_hold_most_skus_and_stores_about_a_third(demo: Network) -> None:
    levels = load_stock_levels(DEFAULT_NETWORK_DIR, network=demo)
    assert sum(len(skus) for skus in levels.values()) == 2887
    assert len(levels["DC-BONNEUIL"]) / len(demo.skus) > 0.85
    assert 0.2 < len(levels["LYON-PART-DIEU"]) / len(demo.skus) < 0.4
    assert levels["LYON-PART-DIEU"]["OAK-TABLE-120"] == 3
    assert max(levels["LYON-PART-DIEU"].values()) <= 12


def test_opening_hours_accept_comma_lists_and_ranges() -> None:
    hours = parse_opening_hours("Mon,Wed-Fri 09:00-18:00; Sat 10:00-12:30")
    assert hours.on(2) is None
    assert hours.on(3) == (time(9), time(18))
    assert hours.on(6) == (time(10), time(12, 30))


# --- bad files ----------------------------------------------------------------------------


def test_a_missing_file_is_named(copy: Path) -> None:
    (copy / "skus.csv").unlink()
    assert load_error(copy) == f"{copy / 'skus.csv'}: file is missing"


def test_a_renamed_column_is_named_as_missing_on_the_header_row(copy: Path) -> None:
    rename_column(copy / "nodes.csv", "timezone", "tz")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 1 column timezone: the column is missing from the header"
    )


def test_an_extra_column_is_named_on_the_header_row(copy: Path) -> None:
    path = copy / "skus.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    records = [[*records[0], "colour"]] + [[*record, "oak"] for record in records[1:]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)
    assert load_error(copy).startswith(f"{path} row 1 column colour: unexpected column")


def test_a_column_left_out_of_the_header_is_named(copy: Path) -> None:
    path = copy / "nodes.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        records = [record[:6] + record[7:] for record in csv.reader(handle)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)
    assert load_error(copy) == (
        f"{path} row 1 column latitude: the column is missing from the header"
    )


def test_an_empty_required_value_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 5, "name", "  ")
    assert load_error(copy) == f"{copy / 'nodes.csv'} row 5 column name: a value is required"


def test_a_weight_that_is_not_a_number_is_named(copy: Path) -> None:
    set_cell(copy / "skus.csv", 12, "weight_grams", "heavy")
    assert load_error(copy) == (
        f"{copy / 'skus.csv'} row 12 column weight_grams: 'heavy' is not a whole number"
    )


def test_a_latitude_out_of_range_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 7, "latitude", "200")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 7 column latitude: '200' is not a latitude in [-90, 90]"
    )


def test_a_longitude_out_of_range_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 30, "longitude", "-181.5")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 30 column longitude: '-181.5' is not a longitude in [-180, 180]"
    )


def test_an_unknown_node_type_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 3, "type", "WAREHOUSE")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 3 column type: 'WAREHOUSE' is not one of DC, STORE, DROPSHIP"
    )


def test_an_unknown_capability_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 9, "capabilities", "CLICK_AND_COLLECT|DRONE")
    assert load_error(copy).startswith(
        f"{copy / 'nodes.csv'} row 9 column capabilities: 'DRONE' is not one of"
    )


def test_an_unknown_service_code_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 10, "services", "CLICK-COLLECT|PIGEON-POST")
    assert load_error(copy).startswith(
        f"{copy / 'nodes.csv'} row 10 column services: 'PIGEON-POST' is not a service of "
        "services.toml"
    )


def test_an_unknown_time_zone_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 11, "timezone", "Europe/Lyon")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 11 column timezone: "
        "'Europe/Lyon' is not an IANA time zone like 'Europe/Paris'"
    )


def test_opening_hours_with_bad_syntax_are_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 12, "opening_hours", "Mon-Sat 10h-19h")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 12 column opening_hours: 'Mon-Sat 10h-19h' is not valid "
        "opening hours: '10h' is not a time HH:MM"
    )


def test_opening_hours_naming_a_day_twice_are_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 12, "opening_hours", "Mon-Sat 10:00-19:00; Sat 10:00-12:00")
    assert load_error(copy).endswith("Sat appears in more than one clause")


def test_a_duplicate_node_id_is_named_with_its_first_row(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 6, "id", "PARIS-LES-HALLES")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 6 column id: 'PARIS-LES-HALLES' is already defined on row 5"
    )


def test_a_duplicate_sku_is_named_with_its_first_row(copy: Path) -> None:
    set_cell(copy / "skus.csv", 4, "sku", "OAK-TABLE-120")
    assert load_error(copy) == (
        f"{copy / 'skus.csv'} row 4 column sku: 'OAK-TABLE-120' is already defined on row 2"
    )


def test_a_stock_row_naming_an_unknown_node_is_named(copy: Path) -> None:
    set_cell(copy / "stock.csv", 20, "node_id", "LYON-BELLECOUR")
    assert stock_error(copy) == (
        f"{copy / 'stock.csv'} row 20 column node_id: 'LYON-BELLECOUR' is not a node of nodes.csv"
    )


def test_a_stock_row_naming_an_unknown_sku_is_named(copy: Path) -> None:
    set_cell(copy / "stock.csv", 21, "sku", "GOLD-TABLE-999")
    assert stock_error(copy) == (
        f"{copy / 'stock.csv'} row 21 column sku: 'GOLD-TABLE-999' is not a SKU of skus.csv"
    )


def test_a_negative_quantity_is_named(copy: Path) -> None:
    set_cell(copy / "stock.csv", 22, "on_hand", "-3")
    assert stock_error(copy) == f"{copy / 'stock.csv'} row 22 column on_hand: '-3' is negative"


def test_transit_probabilities_that_do_not_sum_to_one_name_the_file_and_the_service(
    copy: Path,
) -> None:
    edit(copy / "services.toml", "days = [0.0, 0.80, 0.15, 0.05]", "days = [0.0, 0.80, 0.15]")
    message = load_error(copy)
    assert message.startswith(f"{copy / 'services.toml'} line ")
    assert "[services.CHRONO-EXPRESS-24H.transit[0]]" in message
    assert "service CHRONO-EXPRESS-24H" in message
    assert "must be non-negative and sum to 1" in message


def test_a_transfer_service_that_does_not_exist_is_named(copy: Path) -> None:
    edit(copy / "network.toml", '"STORE-TRANSFER"', '"SHUTTLE-TRANSFER"')
    assert load_error(copy).startswith(
        f"{copy / 'network.toml'} key transfer_service: 'SHUTTLE-TRANSFER' is not a service of "
        "services.toml"
    )


def test_safety_stock_for_an_unknown_node_type_is_named(copy: Path) -> None:
    edit(copy / "network.toml", "DROPSHIP = 0", "KIOSK = 1")
    assert load_error(copy).startswith(
        f"{copy / 'network.toml'} [safety_stock] key KIOSK: 'KIOSK' is not a node type"
    )


def test_a_service_referring_to_an_unknown_emission_factor_is_named(copy: Path) -> None:
    edit(copy / "services.toml", 'last_mile = "CARGO_BIKE"', 'last_mile = "HORSE"')
    message = load_error(copy)
    assert "[services.COURIER-SAME-DAY] key last_mile: 'HORSE' is not an emission factor" in message


def test_a_toml_syntax_error_names_the_file(copy: Path) -> None:
    edit(copy / "network.toml", "reservation_ttl_seconds = 900", "reservation_ttl_seconds = ")
    assert load_error(copy).startswith(f"{copy / 'network.toml'}: not valid TOML:")


def test_a_collect_store_without_an_address_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 5, "address", " ")
    assert load_error(copy) == f"{copy / 'nodes.csv'} row 5 column address: a value is required"


def test_a_node_postcode_that_is_not_french_is_named(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 6, "postcode", "7500")
    assert load_error(copy) == (
        f"{copy / 'nodes.csv'} row 6 column postcode: '7500' is not a French postcode of 5 digits"
    )


def test_a_distribution_centre_may_go_without_an_address(copy: Path) -> None:
    set_cell(copy / "nodes.csv", 2, "address", "")
    set_cell(copy / "nodes.csv", 2, "postcode", "")
    assert load_network(copy).nodes["DC-BONNEUIL"].address == ""
