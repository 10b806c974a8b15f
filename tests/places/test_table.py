"""How a postcode's point is chosen: its own rows, else its locality, else its region."""

from __future__ import annotations

import pytest

from places import Precision
from places.geonames import PostalRow, open_dump
from places.spatial import PointGrid, haversine_km
from places.table import group, places_of


def _row(
    postcode: str,
    place: str,
    latitude: float | None,
    longitude: float | None,
    *,
    estimated: bool = False,
    department: str = "57",
) -> PostalRow:
    return PostalRow("FR", postcode, place, "44", department, latitude, longitude, estimated)


def test_a_code_takes_the_mean_of_its_own_located_rows() -> None:
    rows = [_row("57070", "Metz", 49.10, 6.20), _row("57070", "Saint-Julien", 49.14, 6.20)]
    place = places_of(group(rows))["FR", "57070"]
    assert (place.latitude, place.longitude) == pytest.approx((49.12, 6.20))
    assert place.precision is Precision.POSTCODE
    assert place.locality == "Metz"


def test_an_estimated_code_takes_its_locality_point_in_the_same_region() -> None:
    rows = [
        _row("57000", "Metz", 49.1191, 6.1727),
        _row("57036 CEDEX", "Metz", 49.00, 6.00, estimated=True),
        _row("54000", "Metz", 48.69, 6.18, department="54"),
    ]
    place = places_of(group(rows))["FR", "57036"]
    assert (place.latitude, place.longitude) == (49.1191, 6.1727)
    assert place.precision is Precision.LOCALITY


def test_an_estimated_code_without_a_known_locality_keeps_the_estimate_at_region_precision() -> (
    None
):
    rows = [
        _row("57000", "Metz", 49.1191, 6.1727),
        _row("57999", "Nowhere", 49.0, 6.5, estimated=True),
    ]
    place = places_of(group(rows))["FR", "57999"]
    assert (place.latitude, place.longitude) == (49.0, 6.5)
    assert place.precision is Precision.REGION


def test_a_code_without_any_point_takes_its_region_centroid() -> None:
    rows = [
        _row("57000", "Metz", 49.0, 6.0),
        _row("57100", "Thionville", 49.4, 6.2),
        _row("57998", "Nowhere", None, None),
    ]
    place = places_of(group(rows))["FR", "57998"]
    assert (place.latitude, place.longitude) == pytest.approx((49.2, 6.1))
    assert place.precision is Precision.REGION
    assert place.subdivision == "57"


def test_an_ordinary_code_wins_over_a_business_code_of_the_same_number() -> None:
    rows = [_row("57000", "Metz", 49.1, 6.17), _row("57000 CEDEX", "Metz Gare", 45.0, 5.0)]
    assert places_of(group(rows))["FR", "57000"].locality == "Metz"


def test_the_grid_finds_the_nearest_point_within_the_radius() -> None:
    grid = PointGrid(cell_degrees=0.25)
    grid.add(49.1191, 6.1727, 1)  # Metz
    grid.add(48.6921, 6.1844, 2)  # Nancy
    found = grid.nearest(49.0, 6.18, radius_km=100)
    assert found is not None
    assert found[0] == 1
    assert found[1] == pytest.approx(haversine_km(49.0, 6.18, 49.1191, 6.1727))
    assert grid.nearest(49.0, 6.18, radius_km=5) is None


def test_the_grid_searches_across_the_antimeridian() -> None:
    grid = PointGrid(cell_degrees=0.25)
    grid.add(-17.0, 179.95, 7)
    found = grid.nearest(-17.0, -179.95, radius_km=50)
    assert found is not None
    assert found[0] == 7


def test_the_geonames_dump_has_the_layout_this_package_reads() -> None:
    with open_dump() as dump:
        first = dump.readline().rstrip("\n").split("\t")
    assert len(first) == 12
    assert len(first[0]) == 2
    float(first[9])
    float(first[10])
