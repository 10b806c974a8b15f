"""Every postcode of the served data resolves to a point, a calendar and a time zone."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

import holidays
import pytest

from places import (
    SERVED,
    CountryNotServed,
    InvalidPostcode,
    Place,
    Precision,
    UnknownPostcode,
    load,
    resolve_postcode,
)
from places.geonames import postal_rows


@pytest.mark.parametrize(
    ("country", "postcode", "locality", "subdivision", "time_zone", "region"),
    [
        pytest.param("FR", "94000", "Créteil", None, "Europe/Paris", "94", id="creteil"),
        pytest.param("FR", "78000", "Versailles", None, "Europe/Paris", "78", id="versailles"),
        pytest.param("FR", "29200", "Brest", None, "Europe/Paris", "29", id="brest"),
        pytest.param("FR", "74000", "Annecy", None, "Europe/Paris", "74", id="annecy"),
        pytest.param("FR", "20000", "Ajaccio", None, "Europe/Paris", "2A", id="ajaccio"),
        pytest.param("FR", "20200", "Bastia", None, "Europe/Paris", "2B", id="bastia"),
        pytest.param("FR", "57000", "Metz", "57", "Europe/Paris", "57", id="metz"),
        pytest.param("FR", "67000", "Strasbourg", "6AE", "Europe/Paris", "67", id="strasbourg"),
        pytest.param(
            "FR", "97110", "Pointe-à-Pitre", "971", "America/Guadeloupe", "971", id="guadeloupe"
        ),
        pytest.param(
            "FR", "97200", "Fort-de-France", "972", "America/Martinique", "972", id="martinique"
        ),
        pytest.param("FR", "97300", "Cayenne", "973", "America/Cayenne", "973", id="guyane"),
        pytest.param("FR", "97400", "Saint-Denis", "974", "Indian/Reunion", "974", id="reunion"),
        pytest.param("DE", "10115", "Berlin", "BE", "Europe/Berlin", "BE", id="berlin"),
        pytest.param("DE", "80331", "München", "BY", "Europe/Berlin", "BY", id="munich"),
        pytest.param("BE", "1000", "Bruxelles", None, "Europe/Brussels", "BRU", id="brussels"),
        pytest.param("BE", "4700", "Eupen", "German", "Europe/Brussels", "WLG", id="eupen"),
        pytest.param("ES", "08001", "Barcelona", "CT", "Europe/Madrid", "B", id="barcelona"),
        pytest.param("NL", "1012 AB", "Amsterdam", None, "Europe/Amsterdam", "07", id="amsterdam"),
        pytest.param("CH", "1201", "Genève", "GE", "Europe/Zurich", "GE", id="geneva"),
        pytest.param("AT", "1010", "Wien, Innere Stadt", "9", "Europe/Vienna", "9", id="vienna"),
        pytest.param(
            "LU", "L-1111", "Luxembourg", None, "Europe/Luxembourg", "LU", id="luxembourg"
        ),
        pytest.param("IT", "00184", "Roma", "RM", "Europe/Rome", "RM", id="rome"),
    ],
)
def test_named_destinations_resolve_to_their_calendar_and_zone(
    country: str,
    postcode: str,
    locality: str,
    subdivision: str | None,
    time_zone: str,
    region: str,
) -> None:
    place = resolve_postcode(country, postcode)
    assert (place.country, place.locality, place.subdivision) == (country, locality, subdivision)
    assert (place.time_zone, place.region) == (time_zone, region)
    assert place.precision is Precision.POSTCODE


def test_a_postcode_lies_where_its_town_is() -> None:
    metz = resolve_postcode("FR", "57000")
    assert (metz.latitude, metz.longitude) == pytest.approx((49.119, 6.173), abs=0.01)
    pointe_a_pitre = resolve_postcode("FR", "97110")
    assert (pointe_a_pitre.latitude, pointe_a_pitre.longitude) == pytest.approx(
        (16.24, -61.53), abs=0.01
    )


def test_las_palmas_keeps_canary_time() -> None:
    assert resolve_postcode("ES", "35001").time_zone == "Atlantic/Canary"
    assert resolve_postcode("ES", "35001").subdivision == "CN"


@pytest.fixture(scope="module")
def served_codes() -> dict[str, set[str]]:
    """The postcodes of the dump by served country, read in one pass (Pacific codes left out)."""
    country_of = {section: country for country, sections in SERVED.items() for section in sections}
    codes: dict[str, set[str]] = {country: set() for country in SERVED}
    for row in postal_rows(country_of):
        if not row.postcode.startswith("98"):
            codes[country_of[row.country]].add(row.postcode)
    return codes


def test_every_french_postcode_of_the_data_resolves(served_codes: dict[str, set[str]]) -> None:
    codes = served_codes["FR"]
    # 20,420 codes of metropolitan France and Corsica (14,334 of them CEDEX) and 440 overseas.
    assert len(codes) == 20_860
    resolved = Counter(resolve_postcode("FR", code).time_zone for code in codes)
    assert sum(resolved.values()) == len(codes)
    assert resolved["America/Guadeloupe"] == 105
    assert resolved["Indian/Reunion"] == 151


def test_every_postcode_of_every_served_country_resolves(
    served_codes: dict[str, set[str]],
) -> None:
    for country, codes in served_codes.items():
        for code in codes:
            place = resolve_postcode(country, code)
            assert place.country == country


def test_clipperton_island_is_the_one_french_code_left_out() -> None:
    with pytest.raises(UnknownPostcode):
        resolve_postcode("FR", "98799")


def test_every_subdivision_is_one_the_holidays_package_knows() -> None:
    used: dict[str, set[str]] = {}
    for place in load().places.values():
        if place.subdivision is not None:
            used.setdefault(place.country, set()).add(place.subdivision)
    for country, subdivisions in used.items():
        known = set(holidays.country_holidays(country).subdivisions)
        assert subdivisions <= known, (country, subdivisions - known)
    assert used["FR"] == {"57", "6AE", "971", "972", "973", "974", "976", "PM"}
    assert len(used["DE"]) == 16
    assert len(used["CH"]) == 26


def test_every_time_zone_is_a_known_iana_zone() -> None:
    zones = {place.time_zone for place in load().places.values()}
    for zone in zones:
        ZoneInfo(zone)
    assert "Europe/Busingen" in zones


def test_a_precision_is_given_to_every_place() -> None:
    split = Counter(place.precision for place in load().places.values())
    assert set(split) == {Precision.POSTCODE, Precision.LOCALITY, Precision.REGION}
    assert split[Precision.POSTCODE] > 0.97 * sum(split.values())


def test_an_unknown_postcode_is_refused_naming_the_field() -> None:
    with pytest.raises(UnknownPostcode) as refused:
        resolve_postcode("DE", "00000")
    assert refused.value.field == "postcode"
    assert "'00000'" in str(refused.value)


def test_a_malformed_postcode_is_refused_before_lookup() -> None:
    with pytest.raises(InvalidPostcode) as refused:
        resolve_postcode("CH", "CH-1201")
    assert refused.value.field == "postcode"


def test_a_country_is_read_whatever_its_case() -> None:
    assert resolve_postcode("fr", "75001") == resolve_postcode("FR", "75001")
    with pytest.raises(CountryNotServed):
        resolve_postcode("US", "10001")


def test_a_place_is_shared_not_rebuilt() -> None:
    first: Place = resolve_postcode("FR", "75001")
    assert resolve_postcode("FR", "75001") is first
