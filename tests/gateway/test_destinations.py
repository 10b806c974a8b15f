"""The gateway's placing of destinations: places' answers as the domain's destination and
calendar, and places' refusals as the domain's problems naming the request's field."""

from __future__ import annotations

import pytest

from carriers.regions import Region
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from gateway.service.destinations import at_point, at_postcode
from network_loader.network_files import load_network
from promise.errors import DestinationNotServed, InvalidInput, UnknownPostcode
from promise.geo import geodesic_km

FIELD = "input.destination.postcode"


@pytest.mark.parametrize(
    ("code", "region"),
    [
        pytest.param("97110", Region("FR", "971", "America/Guadeloupe"), id="pointe-a-pitre"),
        pytest.param("97200", Region("FR", "972", "America/Martinique"), id="fort-de-france"),
        pytest.param("97300", Region("FR", "973", "America/Cayenne"), id="cayenne"),
        pytest.param("97400", Region("FR", "974", "Indian/Reunion"), id="saint-denis-reunion"),
        pytest.param("97600", Region("FR", "976", "Indian/Mayotte"), id="mamoudzou"),
        pytest.param("20200", Region("FR", "2B", "Europe/Paris"), id="bastia"),
        pytest.param("57000", Region("FR", "57", "Europe/Paris"), id="metz"),
        pytest.param("67000", Region("FR", "6AE", "Europe/Paris"), id="strasbourg"),
        pytest.param("69003", Region("FR", None, "Europe/Paris"), id="lyon"),
    ],
)
def test_a_french_postcode_is_dated_by_the_calendar_of_its_department(
    code: str, region: Region
) -> None:
    placed = at_postcode("FR", code, field=FIELD)

    assert placed.destination.region == region
    assert placed.place is not None
    assert placed.place.postcode == code


def test_every_arrondissement_of_paris_lyon_and_marseille_resolves() -> None:
    wanted = (
        [f"750{n:02d}" for n in range(1, 21)]
        + ["75116"]
        + [f"6900{n}" for n in range(1, 10)]
        + [f"130{n:02d}" for n in range(1, 17)]
    )
    for code in wanted:
        assert at_postcode("FR", code, field=FIELD).destination.region is not None


def test_lyon_69003_lies_within_three_km_of_the_part_dieu_store() -> None:
    part_dieu = load_network(DEFAULT_NETWORK_DIR).nodes["LYON-PART-DIEU"].location

    assert geodesic_km(at_postcode("FR", "69003", field=FIELD).destination.point, part_dieu) < 3


def test_the_country_is_read_in_any_case_and_spacing() -> None:
    placed = at_postcode(" de ", "10115", field=FIELD)

    assert placed.destination.region == Region("DE", "BE", "Europe/Berlin")


@pytest.mark.parametrize(
    ("country", "code", "error", "field"),
    [
        pytest.param("FRA", "75001", InvalidInput, f"{FIELD}.country", id="alpha-3"),
        pytest.param("", "75001", InvalidInput, f"{FIELD}.country", id="empty-country"),
        pytest.param("US", "10001", DestinationNotServed, f"{FIELD}.country", id="new-york"),
        pytest.param("FR", "ABCDE", InvalidInput, f"{FIELD}.postcode", id="letters"),
        pytest.param("FR", "00000", UnknownPostcode, f"{FIELD}.postcode", id="unknown"),
    ],
)
def test_a_postcode_refused_names_the_field_at_fault(
    country: str, code: str, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as raised:
        at_postcode(country, code, field=FIELD)

    assert getattr(raised.value, "field", None) == field


def test_a_point_at_sea_is_not_served_and_names_the_coordinates() -> None:
    with pytest.raises(DestinationNotServed) as raised:
        at_point(45.0, -30.0, field="near.coordinates")

    assert raised.value.field == "near.coordinates"
    assert "no served country" in raised.value.message


def test_a_point_keeps_its_own_coordinates_and_takes_its_places_calendar() -> None:
    placed = at_point(48.5839, 7.7455, field="near.coordinates")

    assert (placed.destination.point.latitude, placed.destination.point.longitude) == (
        48.5839,
        7.7455,
    )
    assert placed.destination.region == Region("FR", "6AE", "Europe/Paris")
    assert not placed.geocoded


def test_a_postcode_resolved_again_is_the_destination_kept_and_a_refusal_is_never_kept() -> None:
    first = at_postcode("FR", "69003", field=FIELD)

    assert at_postcode(" fr ", "69003", field=FIELD) is first
    for field in ("input.destination.postcode", "near.postcode"):
        with pytest.raises(UnknownPostcode) as refused:
            at_postcode("FR", "69999", field=field)
        assert refused.value.field == f"{field}.postcode"
