"""The calendar of a destination: its holiday subdivision and time zone, from its postcode."""

from __future__ import annotations

import pytest

from carriers.errors import CarrierDataError
from carriers.regions import Region, country_region, postcode_region


@pytest.mark.parametrize(
    ("postcode", "region"),
    [
        pytest.param("69003", Region("FR", None, "Europe/Paris"), id="lyon-national"),
        pytest.param("57000", Region("FR", "57", "Europe/Paris"), id="metz-moselle"),
        pytest.param("67000", Region("FR", "6AE", "Europe/Paris"), id="strasbourg-alsace"),
        pytest.param("68100", Region("FR", "6AE", "Europe/Paris"), id="mulhouse-alsace"),
        pytest.param("97400", Region("FR", "974", "Indian/Reunion"), id="saint-denis-reunion"),
        pytest.param("97200", Region("FR", "972", "America/Martinique"), id="fort-de-france"),
    ],
)
def test_a_french_postcode_names_its_calendar(postcode: str, region: Region) -> None:
    assert postcode_region("FR", postcode) == region


def test_another_country_gets_its_national_calendar() -> None:
    assert postcode_region("DE", "10115") == Region("DE", None, "Europe/Berlin")


def test_a_country_without_a_known_zone_is_refused_by_name() -> None:
    with pytest.raises(CarrierDataError, match="'XX'"):
        country_region("XX")
