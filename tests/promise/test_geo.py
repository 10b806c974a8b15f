"""Points, coordinate checks and nearest-node search by chord length."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from promise.errors import InvalidInput, ProblemCode
from promise.geo import (
    GeoPoint,
    NearestIndex,
    chord_km,
    chord_to_km,
    geodesic_km,
    sphere_km,
    sphere_km_to,
    unit_vector,
)
from tests.promise.builders import LYON_PART_DIEU, MARSEILLE_SAINT_CHARLES, PARIS_CHATELET

LYON_BELLECOUR = GeoPoint(45.7578, 4.8320)

STATIONS = NearestIndex(
    [
        ("PARIS-CHATELET", PARIS_CHATELET),
        ("MARSEILLE-SAINT-CHARLES", MARSEILLE_SAINT_CHARLES),
        ("LYON-PART-DIEU", LYON_PART_DIEU),
    ]
)
POINTS = {
    "PARIS-CHATELET": PARIS_CHATELET,
    "MARSEILLE-SAINT-CHARLES": MARSEILLE_SAINT_CHARLES,
    "LYON-PART-DIEU": LYON_PART_DIEU,
}


def test_a_checked_point_keeps_its_coordinates() -> None:
    assert GeoPoint.checked(45.7606, 4.8593, field="destination") == LYON_PART_DIEU


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(90.0, 180.0), (-90.0, -180.0)], ids=["north-east", "south-west"]
)
def test_the_poles_and_the_antimeridian_are_valid_coordinates(
    latitude: float, longitude: float
) -> None:
    assert GeoPoint.checked(latitude, longitude, field="destination") == GeoPoint(
        latitude, longitude
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "field", "message"),
    [
        pytest.param(200.0, 4.8, "destination.latitude", "latitude 200.0", id="latitude-200"),
        pytest.param(-90.5, 4.8, "destination.latitude", "latitude -90.5", id="latitude-90.5"),
        pytest.param(math.nan, 4.8, "destination.latitude", "latitude nan", id="latitude-nan"),
        pytest.param(45.7, -181.0, "destination.longitude", "longitude -181.0", id="lon-181"),
        pytest.param(45.7, math.inf, "destination.longitude", "longitude inf", id="lon-inf"),
    ],
)
def test_an_out_of_range_coordinate_is_refused_naming_its_field(
    latitude: float, longitude: float, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        GeoPoint.checked(latitude, longitude, field="destination")

    assert raised.value.field == field
    assert raised.value.code is ProblemCode.INVALID_INPUT
    assert raised.value.message.startswith(message)


def test_lyon_to_paris_is_about_392_km_along_the_geodesic() -> None:
    assert geodesic_km(LYON_PART_DIEU, PARIS_CHATELET) == pytest.approx(393.3, abs=0.1)


def test_a_chord_of_zero_is_zero_km_and_a_diameter_is_half_the_earth_around() -> None:
    assert chord_to_km(0.0) == 0.0
    assert chord_to_km(2.0) == pytest.approx(math.pi * 6371.0088)


def test_nodes_come_nearest_first_from_a_lyon_destination() -> None:
    found = STATIONS.nearest(LYON_BELLECOUR, limit=3)

    assert [key for key, _ in found] == [
        "LYON-PART-DIEU",
        "MARSEILLE-SAINT-CHARLES",
        "PARIS-CHATELET",
    ]


def test_sphere_distances_are_within_half_a_percent_of_the_geodesic() -> None:
    for key, km in STATIONS.nearest(LYON_BELLECOUR, limit=3):
        assert km == pytest.approx(geodesic_km(LYON_BELLECOUR, POINTS[key]), rel=0.005), key


def test_the_node_at_the_destination_is_zero_km_away() -> None:
    assert STATIONS.nearest(LYON_PART_DIEU, limit=1) == [("LYON-PART-DIEU", 0.0)]


def test_the_limit_caps_how_many_nodes_come_back() -> None:
    found = STATIONS.nearest(LYON_BELLECOUR, limit=2)

    assert [key for key, _ in found] == ["LYON-PART-DIEU", "MARSEILLE-SAINT-CHARLES"]


def test_a_radius_drops_the_nodes_beyond_it() -> None:
    # Marseille is about 276 km from Bellecour, Paris about 393 km.
    found = STATIONS.nearest(LYON_BELLECOUR, limit=3, within_km=300)

    assert [key for key, _ in found] == ["LYON-PART-DIEU", "MARSEILLE-SAINT-CHARLES"]


def test_nodes_at_the_same_place_come_in_key_order() -> None:
    index = NearestIndex([("LYON-REPUBLIQUE", LYON_PART_DIEU), ("LYON-CONFLUENCE", LYON_PART_DIEU)])

    assert [key for key, _ in index.nearest(PARIS_CHATELET, limit=2)] == [
        "LYON-CONFLUENCE",
        "LYON-REPUBLIQUE",
    ]


def test_an_index_counts_its_nodes_and_an_empty_one_finds_nothing() -> None:
    assert len(STATIONS) == 3
    assert NearestIndex([]).nearest(LYON_BELLECOUR, limit=5) == []


def test_a_kept_unit_vector_is_the_points_own() -> None:
    assert unit_vector(LYON_BELLECOUR) == LYON_BELLECOUR.unit_vector()
    assert unit_vector(LYON_BELLECOUR) == LYON_BELLECOUR.unit_vector()


def test_the_sphere_km_to_one_place_are_those_sphere_km_gives() -> None:
    to_bellecour = sphere_km_to(LYON_BELLECOUR)

    for point in POINTS.values():
        assert to_bellecour(point) == sphere_km(point, LYON_BELLECOUR)


def _written_km(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The sphere km as first written, with `**` and `min`: the reference for `chord_km`."""
    chord = math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2)
    return 2.0 * 6371.0088 * math.asin(min(1.0, chord / 2.0))


def test_chord_km_gives_the_same_floats_as_the_formula_written_with_powers() -> None:
    draw = random.Random(20261207)
    points = [POINTS[name] for name in sorted(POINTS)] + [LYON_BELLECOUR, GeoPoint(0.0, 180.0)]
    points += [GeoPoint(draw.uniform(-90, 90), draw.uniform(-180, 180)) for _ in range(2000)]
    vectors = [point.unit_vector() for point in points]
    # Near pairs (rounding matters most there), far ones and antipodes.
    pairs = list(itertools.pairwise(vectors)) + [(v, (-v[0], -v[1], -v[2])) for v in vectors[:50]]
    pairs += [
        (v, GeoPoint(p.latitude + 1e-4, p.longitude).unit_vector())
        for p, v in zip(points, vectors, strict=True)
    ]

    for a, b in pairs:
        assert chord_km(a, b) == _written_km(a, b)
        assert chord_km(a, a) == 0.0
