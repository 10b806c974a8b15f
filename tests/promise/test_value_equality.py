"""Points and dispatches compare and hash as their fields do, as dataclasses' own methods
would: their hand-written methods (compiled by mypyc) must not change a key."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from promise.dates import Dispatch
from promise.geo import GeoPoint

coordinates = st.floats(min_value=-90, max_value=90)


@given(coordinates, coordinates, coordinates, coordinates)
def test_points_are_equal_and_hash_alike_when_their_coordinates_are(
    a: float, b: float, c: float, d: float
) -> None:
    one, other = GeoPoint(a, b), GeoPoint(c, d)

    assert (one == other) == ((a, b) == (c, d))
    assert (one != other) == ((a, b) != (c, d))
    assert hash(one) == hash((a, b))
    assert one == GeoPoint(a, b)
    assert one != (a, b)  # a point is not a pair


def test_dispatches_differ_by_any_field() -> None:
    noon = datetime(2026, 11, 23, 12, tzinfo=UTC)
    dispatch = Dispatch(date(2026, 11, 23), noon)

    assert dispatch == Dispatch(date(2026, 11, 23), noon, None)
    assert hash(dispatch) == hash(Dispatch(date(2026, 11, 23), noon))
    assert dispatch != Dispatch(date(2026, 11, 24), noon)
    assert dispatch != Dispatch(date(2026, 11, 23), noon, leaves_at=noon)
    assert dispatch != "2026-11-23"
