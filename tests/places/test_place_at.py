"""Points on the map resolve to the country, calendar and zone of the place they lie in."""

from __future__ import annotations

import math

import pytest

from places import InvalidCoordinates, Place, Precision, Unserved, place_at


@pytest.mark.parametrize(
    ("latitude", "longitude", "country", "subdivision", "time_zone"),
    [
        pytest.param(49.119, 6.176, "FR", "57", "Europe/Paris", id="metz-moselle"),
        pytest.param(48.58, 7.75, "FR", "6AE", "Europe/Paris", id="strasbourg-alsace"),
        pytest.param(48.857, 2.352, "FR", None, "Europe/Paris", id="paris"),
        pytest.param(42.70, 9.45, "FR", None, "Europe/Paris", id="bastia"),
        pytest.param(16.24, -61.53, "FR", "971", "America/Guadeloupe", id="pointe-a-pitre"),
        pytest.param(-20.88, 55.45, "FR", "974", "Indian/Reunion", id="saint-denis-reunion"),
        pytest.param(52.52, 13.405, "DE", "BE", "Europe/Berlin", id="berlin"),
        pytest.param(50.94, 6.96, "DE", "NW", "Europe/Berlin", id="cologne"),
        pytest.param(46.2044, 6.1432, "CH", "GE", "Europe/Zurich", id="geneva"),
        pytest.param(41.3874, 2.1686, "ES", "CT", "Europe/Madrid", id="barcelona"),
        pytest.param(28.12, -15.43, "ES", "CN", "Atlantic/Canary", id="las-palmas"),
        pytest.param(50.8467, 4.3525, "BE", None, "Europe/Brussels", id="brussels"),
        pytest.param(52.3731, 4.8926, "NL", None, "Europe/Amsterdam", id="amsterdam"),
        pytest.param(49.6116, 6.1319, "LU", None, "Europe/Luxembourg", id="luxembourg"),
        pytest.param(48.2082, 16.3738, "AT", "9", "Europe/Vienna", id="vienna"),
        pytest.param(41.8986, 12.4769, "IT", "RM", "Europe/Rome", id="rome"),
    ],
)
def test_a_point_gets_the_calendar_of_where_it_lies(
    latitude: float, longitude: float, country: str, subdivision: str | None, time_zone: str
) -> None:
    place = place_at(latitude, longitude)
    assert isinstance(place, Place)
    assert (place.country, place.subdivision, place.time_zone) == (country, subdivision, time_zone)
    assert (place.latitude, place.longitude) == (latitude, longitude)
    assert place.precision is Precision.POINT


@pytest.mark.parametrize(
    ("latitude", "longitude", "country"),
    [
        pytest.param(50.06, 19.94, "PL", id="krakow"),
        pytest.param(53.43, 14.55, "PL", id="szczecin-near-the-german-border"),
        pytest.param(42.51, 1.52, "AD", id="andorra-la-vella"),
        pytest.param(38.72, -9.14, "PT", id="lisbon"),
        pytest.param(51.507, -0.128, "GB", id="london"),
        pytest.param(50.087, 14.421, "CZ", id="prague"),
    ],
)
def test_a_point_in_a_neighbouring_country_is_unserved_naming_it(
    latitude: float, longitude: float, country: str
) -> None:
    assert place_at(latitude, longitude) == Unserved(latitude, longitude, country)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        pytest.param(45.0, -20.0, id="mid-atlantic"),
        pytest.param(40.7128, -74.006, id="new-york"),
        pytest.param(-89.9, 0.0, id="south-pole"),
    ],
)
def test_a_point_far_from_every_served_place_is_unserved(latitude: float, longitude: float) -> None:
    assert place_at(latitude, longitude) == Unserved(latitude, longitude, None)


def test_a_narrower_radius_leaves_a_remote_point_unserved() -> None:
    # The Vosges ridge near Le Hohneck, some kilometres from the nearest village.
    assert isinstance(place_at(48.04, 7.02), Place)
    assert isinstance(place_at(48.04, 7.02, radius_km=0.5), Unserved)


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        pytest.param(91.0, 0.0, "latitude", id="latitude-past-the-pole"),
        pytest.param(math.nan, 0.0, "latitude", id="latitude-nan"),
        pytest.param(48.0, 181.0, "longitude", id="longitude-past-the-antimeridian"),
        pytest.param(48.0, math.inf, "longitude", id="longitude-infinite"),
    ],
)
def test_coordinates_out_of_range_are_refused_naming_the_field(
    latitude: float, longitude: float, field: str
) -> None:
    with pytest.raises(InvalidCoordinates) as refused:
        place_at(latitude, longitude)
    assert refused.value.field == field
