"""CO2e of a road leg: mass x crow-fly distance x circuity x the mode's intensity."""

from __future__ import annotations

import math

import pytest

from carriers.emissions import ROAD_CIRCUITY, EmissionFactor
from carriers.errors import CarrierDataError

ARTICULATED_TRUCK = EmissionFactor("ARTICULATED_TRUCK", 75.0, "GLEC Framework v3.0, indicative")


def test_road_distance_is_the_crow_fly_distance_times_a_fifth_more() -> None:
    assert ROAD_CIRCUITY == 1.2


def test_a_2_kg_parcel_over_100_km_by_articulated_truck_emits_18_grams() -> None:
    # 0.002 t x (100 km x 1.2 = 120 road km) x 75 g/tkm = 18 g.
    grams = ARTICULATED_TRUCK.leg_grams(mass_grams=2000, great_circle_km=100)

    assert grams == pytest.approx(18.0)


def test_emissions_grow_linearly_with_mass_and_distance() -> None:
    # 0.5 t x 480 road km x 75 g/tkm = 18 000 g.
    assert ARTICULATED_TRUCK.leg_grams(mass_grams=500_000, great_circle_km=400) == pytest.approx(
        18_000.0
    )


def test_a_leg_of_no_distance_emits_nothing() -> None:
    assert ARTICULATED_TRUCK.leg_grams(mass_grams=2000, great_circle_km=0) == 0.0


def test_a_zero_factor_is_allowed_for_collection_without_transport() -> None:
    none = EmissionFactor("NONE", 0.0, "No transport leg")

    assert none.leg_grams(mass_grams=2000, great_circle_km=100) == 0.0


def test_a_negative_factor_is_refused_naming_the_mode() -> None:
    with pytest.raises(
        CarrierDataError, match=r"DIESEL_VAN: -750\.0 g/tkm must be finite and non-negative"
    ):
        EmissionFactor("DIESEL_VAN", -750.0, "a typo")


@pytest.mark.parametrize("factor", [math.nan, math.inf])
def test_a_factor_that_is_not_a_finite_number_is_refused(factor: float) -> None:
    with pytest.raises(CarrierDataError, match="DIESEL_VAN"):
        EmissionFactor("DIESEL_VAN", factor, "a broken file")
