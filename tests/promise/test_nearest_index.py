"""The k-d tree behind NearestIndex finds what reading every point would, in the same order."""

from __future__ import annotations

import heapq
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from promise.geo import GeoPoint, NearestIndex, chord_to_km
from tests.budget import budget

# Mostly around France, with some anywhere; coarse coordinates make ties and twins common.
FRANCE = st.builds(
    GeoPoint,
    st.integers(4200, 5100).map(lambda v: v / 100),
    st.integers(-500, 800).map(lambda v: v / 100),
)
ANYWHERE = st.builds(
    GeoPoint,
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 180, allow_nan=False),
)
PLACES = st.one_of(FRANCE, FRANCE, FRANCE, ANYWHERE)


def read_everything(
    points: list[tuple[str, GeoPoint]], origin: GeoPoint, limit: int
) -> list[tuple[str, float]]:
    ox, oy, oz = origin.unit_vector()
    scored = []
    for key, point in points:
        x, y, z = point.unit_vector()
        scored.append(((x - ox) ** 2 + (y - oy) ** 2 + (z - oz) ** 2, key))
    return [(key, chord_to_km(math.sqrt(d2))) for d2, key in heapq.nsmallest(limit, scored)]


@settings(max_examples=budget(300), deadline=None)
@given(
    places=st.lists(PLACES, max_size=400),
    origin=PLACES,
    limit=st.integers(0, 45),
)
def test_the_nearest_keys_are_those_of_a_full_scan_in_the_same_order(
    places: list[GeoPoint], origin: GeoPoint, limit: int
) -> None:
    points = [(f"NODE-{i:04d}", place) for i, place in enumerate(places)]

    found = NearestIndex(points).nearest(origin, limit=limit)

    assert found == read_everything(points, origin, limit)


@settings(max_examples=budget(100), deadline=None)
@given(
    places=st.lists(FRANCE, min_size=1, max_size=300),
    origin=FRANCE,
    within_km=st.floats(0, 400),
)
def test_a_radius_keeps_the_full_scans_nodes_within_it(
    places: list[GeoPoint], origin: GeoPoint, within_km: float
) -> None:
    points = [(f"STORE-{i:04d}", place) for i, place in enumerate(places)]

    found = NearestIndex(points).nearest(origin, limit=30, within_km=within_km)

    assert found == [(k, km) for k, km in read_everything(points, origin, 30) if km <= within_km]


def test_many_stores_on_one_spot_come_back_in_key_order() -> None:
    part_dieu = GeoPoint(45.7606, 4.8593)
    points = [(f"LYON-{i:03d}", part_dieu) for i in range(100, 0, -1)]

    found = NearestIndex(points).nearest(GeoPoint(45.77, 4.853), limit=5)

    assert [key for key, _ in found] == ["LYON-001", "LYON-002", "LYON-003", "LYON-004", "LYON-005"]
