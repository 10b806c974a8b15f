"""Transit distributions: the day a confidence is reached, the likely day, distance bands."""

from __future__ import annotations

import math

import pytest

from carriers.errors import CarrierDataError
from carriers.transit import TransitBand, TransitTable

# Day 0 (dispatch day) never; cumulative 0.55 on day 1, 0.90 on day 2, 0.98 on day 3, 1 on day 4.
COLISSIMO_UP_TO_300_KM = (0.0, 0.55, 0.35, 0.08, 0.02)
COLISSIMO_BEYOND = (0.0, 0.0, 0.55, 0.35, 0.08, 0.02)


def test_a_95_percent_promise_is_the_first_day_the_cumulative_reaches_it() -> None:
    band = TransitBand(300, COLISSIMO_UP_TO_300_KM)

    assert band.day_reached_with(0.95) == 3


def test_an_80_percent_promise_comes_a_day_earlier() -> None:
    band = TransitBand(300, COLISSIMO_UP_TO_300_KM)

    assert band.day_reached_with(0.80) == 2


def test_a_confidence_equal_to_a_cumulative_sum_is_reached_that_day_despite_rounding() -> None:
    # 0.55 + 0.35 is 0.9000000000000001 in floating point, 0.7 + 0.25 is 0.95 minus a hair.
    assert TransitBand(300, COLISSIMO_UP_TO_300_KM).day_reached_with(0.90) == 2
    assert TransitBand(300, (0.0, 0.0, 0.7, 0.25, 0.05)).day_reached_with(0.95) == 3


def test_full_certainty_is_the_last_day_with_any_probability() -> None:
    assert TransitBand(300, COLISSIMO_UP_TO_300_KM).day_reached_with(1.0) == 4


def test_the_most_likely_day_is_the_day_of_highest_probability() -> None:
    assert TransitBand(300, COLISSIMO_UP_TO_300_KM).most_likely_day() == 1
    assert TransitBand(math.inf, COLISSIMO_BEYOND).most_likely_day() == 2


def test_a_tie_for_most_likely_day_goes_to_the_earlier_day() -> None:
    assert TransitBand(300, (0.0, 0.4, 0.4, 0.2)).most_likely_day() == 1


def test_a_same_day_courier_delivers_on_day_zero() -> None:
    band = TransitBand(math.inf, (1.0,))

    assert band.most_likely_day() == 0
    assert band.day_reached_with(0.95) == 0


def test_distance_picks_the_first_band_that_reaches_it_and_the_last_band_past_all() -> None:
    near, far = TransitBand(300, COLISSIMO_UP_TO_300_KM), TransitBand(800, COLISSIMO_BEYOND)
    table = TransitTable((near, far))

    assert table.band_for(12.5) is near
    assert table.band_for(300) is near
    assert table.band_for(300.1) is far
    assert table.band_for(800) is far
    assert table.band_for(1200) is far


def test_a_single_band_table_covers_every_distance() -> None:
    table = TransitTable.single((0.0, 0.93, 0.06, 0.01))

    assert table.band_for(0).days == (0.0, 0.93, 0.06, 0.01)
    assert table.band_for(5000).max_km == math.inf


@pytest.mark.parametrize(
    "days",
    [
        pytest.param((0.0, 0.55, 0.35), id="sums-to-0.90"),
        pytest.param((0.0, 0.6, 0.5), id="sums-to-1.10"),
        pytest.param((0.2, -0.1, 0.9), id="negative-probability"),
        pytest.param((), id="no-days"),
        pytest.param((0.0, math.nan, 1.0), id="not-a-number"),
    ],
)
def test_a_band_whose_probabilities_are_not_a_distribution_is_refused(
    days: tuple[float, ...],
) -> None:
    with pytest.raises(CarrierDataError, match="up to 300 km"):
        TransitBand(300, days)


def test_a_table_without_bands_is_refused() -> None:
    with pytest.raises(CarrierDataError, match="at least one band"):
        TransitTable(())


@pytest.mark.parametrize(
    "limits",
    [pytest.param((800.0, 300.0), id="decreasing"), pytest.param((300.0, 300.0), id="repeated")],
)
def test_bands_must_be_listed_by_strictly_increasing_distance(
    limits: tuple[float, float],
) -> None:
    bands = tuple(TransitBand(limit, COLISSIMO_UP_TO_300_KM) for limit in limits)

    with pytest.raises(CarrierDataError, match="strictly increasing"):
        TransitTable(bands)
