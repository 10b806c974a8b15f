"""Carrier services: parcel prices by started kilogram, and the checks on a service's data."""

from __future__ import annotations

from datetime import time

import pytest

from carriers.emissions import EmissionFactor
from carriers.errors import CarrierDataError
from carriers.services import CarrierService, DeliveryKind, Price
from carriers.transit import TransitTable

COLISSIMO_PRICE = Price(base_cents=490, per_kg_cents=60)


@pytest.mark.parametrize(
    ("grams", "cents"),
    [
        pytest.param(0, 490, id="weightless"),
        pytest.param(900, 490, id="0.9-kg"),
        pytest.param(1000, 490, id="exactly-1-kg"),
        pytest.param(1001, 550, id="a-gram-into-the-2nd-kg"),
        pytest.param(2100, 610, id="2.1-kg"),
    ],
)
def test_the_first_kilogram_is_in_the_base_and_each_further_started_one_costs_extra(
    grams: int, cents: int
) -> None:
    assert COLISSIMO_PRICE.for_weight(grams) == cents


def test_a_price_without_a_per_kilogram_part_is_flat() -> None:
    assert Price(base_cents=990).for_weight(25_000) == 990


def _courier(
    *, delivery_weekdays: frozenset[int], max_distance_km: float | None = None
) -> CarrierService:
    van = EmissionFactor("ELECTRIC_VAN", 60.0, "indicative")
    return CarrierService(
        code="COURIER-SAME-DAY",
        name="Same-day delivery, 18:00-22:00",
        carrier="City courier",
        kind=DeliveryKind.SAME_DAY,
        cutoff=time(14),
        transit=TransitTable.single((1.0,)),
        delivery_weekdays=delivery_weekdays,
        price=Price(1290, 150),
        linehaul=van,
        last_mile=van,
        last_mile_grams_per_parcel=40.0,
        packaging_grams=150,
        max_distance_km=max_distance_km,
        delivery_window=(time(18), time(22)),
    )


def test_a_service_keeps_its_delivery_weekdays_and_reach() -> None:
    courier = _courier(delivery_weekdays=frozenset({1, 2, 3, 4, 5, 6}), max_distance_km=15.0)

    assert courier.delivery_weekdays == frozenset({1, 2, 3, 4, 5, 6})
    assert courier.max_distance_km == 15.0


@pytest.mark.parametrize(
    "weekdays",
    [pytest.param(frozenset[int](), id="none"), pytest.param(frozenset({0, 1}), id="day-0")],
)
def test_delivery_weekdays_must_be_iso_weekdays_and_at_least_one(weekdays: frozenset[int]) -> None:
    with pytest.raises(CarrierDataError, match="COURIER-SAME-DAY: delivery weekdays"):
        _courier(delivery_weekdays=weekdays)


def test_a_service_reach_must_be_positive() -> None:
    with pytest.raises(CarrierDataError, match=r"max_distance_km 0\.0 must be positive"):
        _courier(delivery_weekdays=frozenset({1}), max_distance_km=0.0)
