"""Delivery zones on the demo network: each destination gets the services of its zone, dated
by its own calendar; a country nobody serves is refused by name."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from carriers.regions import Region, postcode_region
from promise.cart import CartLine, Destination
from promise.destinations import destination_in
from promise.errors import DestinationNotServed
from promise.geo import GeoPoint
from promise.network import Network
from promise.promise_builder import PromiseRequest, build_promise
from tests.promise.conftest import home, promise_to

PARIS = ZoneInfo("Europe/Paris")
BERLIN_MITTE = GeoPoint(52.5200, 13.4050)
LISBON = GeoPoint(38.7223, -9.1393)
NEW_YORK = GeoPoint(40.7128, -74.0060)
GENEVA = GeoPoint(46.2044, 6.1432)
CHAIR = (CartLine("BEECH-CHAIR", 1),)


def test_berlin_is_served_from_cologne_by_road_and_good_friday_is_no_delivery_day(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    berlin = destination_in(demo, BERLIN_MITTE, country="DE", field="input.destination")
    wednesday_1_april = datetime(2026, 4, 1, 10, 0, tzinfo=PARIS)

    [option] = home(promise_to(demo, stock, berlin, wednesday_1_april))

    assert option.service.code == "EU-ROAD-PARCEL"
    assert [s.node_id for s in option.shipments] == ["DC-KOELN"]
    assert option.likely == date(2026, 4, 2)
    # D+3 at 95 %: Thursday 2, then Good Friday 3 and Easter Monday 6 are German holidays.
    assert option.promised == date(2026, 4, 8)
    assert option.price_cents == 1290 + 80 * 5


def test_armistice_day_is_a_french_holiday_that_does_not_stop_a_german_delivery(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    berlin = destination_in(demo, BERLIN_MITTE, country="DE", field="input.destination")
    monday_9_november = datetime(2026, 11, 9, 10, 0, tzinfo=PARIS)

    [option] = home(promise_to(demo, stock, berlin, monday_9_november))

    # Tuesday 10, Wednesday 11 (a working day in Berlin), Thursday 12.
    assert option.promised == date(2026, 11, 12)


def test_the_cologne_dc_ships_nothing_on_corpus_christi_a_holiday_of_its_land(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    berlin = destination_in(demo, BERLIN_MITTE, country="DE", field="input.destination")
    corpus_christi = datetime(2026, 6, 4, 9, 0, tzinfo=PARIS)

    [option] = home(promise_to(demo, stock, berlin, corpus_christi))

    [shipment] = option.shipments
    assert shipment.node_id == "DC-KOELN"
    assert shipment.timing.dispatch_day == date(2026, 6, 5)


def test_geneva_goes_through_customs_at_the_swiss_price_a_day_slower(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    geneva = destination_in(demo, GENEVA, country="CH", field="input.destination")
    wednesday_1_april = datetime(2026, 4, 1, 10, 0, tzinfo=PARIS)

    [option] = home(promise_to(demo, stock, geneva, wednesday_1_april))

    assert option.service.code == "EU-ROAD-PARCEL"
    assert option.price_cents == 2490 + 120 * 5
    assert option.likely == date(2026, 4, 3)


def test_lyon_keeps_its_domestic_services_and_gets_no_european_one(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    lyon = Destination(GeoPoint(45.7597, 4.8422), region=postcode_region("FR", "69003"))
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)

    codes = {o.service.code for o in home(promise_to(demo, stock, lyon, monday))}

    assert "COLISSIMO-48H" in codes
    assert not codes & {"EU-ROAD-PARCEL", "CORSICA-SEA-PARCEL", "OVERSEAS-AIR-PARCEL"}


def test_ajaccio_is_served_by_sea_a_day_or_two_later_than_the_mainland(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    ajaccio = Destination(GeoPoint(41.9272, 8.7346), region=postcode_region("FR", "20000"))
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)

    [option] = home(promise_to(demo, stock, ajaccio, monday))

    assert option.service.code == "CORSICA-SEA-PARCEL"
    assert option.likely == date(2026, 3, 5)
    assert option.promised == date(2026, 3, 7)


def test_guadeloupe_is_served_by_air_and_dated_on_its_own_calendar(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    pointe_a_pitre = Destination(GeoPoint(16.2411, -61.5331), region=postcode_region("FR", "97110"))
    # Wednesday 27 May 2026: a holiday in Guadeloupe (abolition of slavery), not in Paris.
    thursday_21_may = datetime(2026, 5, 21, 10, 0, tzinfo=PARIS)

    [option] = home(promise_to(demo, stock, pointe_a_pitre, thursday_21_may))

    assert option.service.code == "OVERSEAS-AIR-PARCEL"
    assert [s.node_id for s in option.shipments] == ["DC-BONNEUIL"]
    # The likely day 5 of Mon-Fri delivery days from Thursday 21: 22, 26, 28, 29 (Whit
    # Monday 25 and the 27th are holidays there), then Monday 1 June; Paris would say 29 May.
    assert option.likely == date(2026, 6, 1)
    assert option.price_cents == 2490 + 450 * 5


@pytest.mark.parametrize(("country", "point"), [("PT", LISBON), ("US", NEW_YORK)])
def test_a_country_no_service_delivers_to_is_refused_by_name(
    demo: Network, country: str, point: GeoPoint
) -> None:
    with pytest.raises(DestinationNotServed) as refused:
        destination_in(demo, point, country=country, field="input.destination.coordinates.country")

    assert refused.value.country == country
    assert refused.value.field == "input.destination.coordinates.country"
    assert repr(country) in refused.value.message


def test_a_promise_request_for_a_region_nobody_serves_is_refused_before_any_search(
    demo: Network, stock: dict[str, dict[str, int]]
) -> None:
    lisbon = Destination(LISBON, region=Region("PT", None, "Europe/Lisbon"))
    request = PromiseRequest(CHAIR, lisbon, datetime(2026, 3, 2, 10, tzinfo=PARIS))

    with pytest.raises(DestinationNotServed) as refused:
        build_promise(demo, request, [], stock)

    assert refused.value.country == "PT"
