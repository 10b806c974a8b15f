"""ServiceTerms repeats the carriers' price and the scorer's CO2e with the same numbers."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from carriers.services import CarrierService, Price
from promise.network import Network
from promise.service_terms import ServiceTerms
from promise.shipment_costs import co2e_grams, parcels_price

# Around every kilogram step of a parcel's price, and far beyond any parcel limit.
WEIGHTS = sorted({0, 1, 250, 999, 1000, 1001, 1999, 2000, 2001, 4_750, 29_999, 30_000, 150_001})
KMS = (0.0, 0.4, 23.4, 480.0, 1_234.5)


def every_service_and_zone(network: Network) -> list[CarrierService]:
    """The demo network's services as declared and at the terms of each zone they serve."""
    found = []
    for service in network.services.values():
        found.append(service)
        found.extend(service.in_zone(zone) for zone in service.zones)
    return found


def test_the_demo_network_prices_parcels_by_the_kilogram_started(demo: Network) -> None:
    colissimo = ServiceTerms(demo.services["COLISSIMO-48H"])
    price = demo.services["COLISSIMO-48H"].price
    assert price.per_kg_cents > 0
    assert colissimo.price_of(1000) == price.base_cents
    assert colissimo.price_of(1001) == price.base_cents + price.per_kg_cents


def test_terms_price_every_weight_as_the_carrier_does(demo: Network) -> None:
    services = every_service_and_zone(demo)
    assert len(services) > len(demo.services)  # some zones' terms are in the table
    for service in services:
        terms = ServiceTerms(service)
        for grams in WEIGHTS:
            assert terms.price_of(grams) == service.price.for_weight(grams), (service.code, grams)


def test_terms_price_parcels_as_the_scorer_does(demo: Network) -> None:
    for service in every_service_and_zone(demo):
        terms = ServiceTerms(service)
        for parcels in ((1,), (2_500,), (9_000, 9_000, 1_200), (29_000, 31_000)):
            assert terms.parcels_price(parcels) == parcels_price(service, parcels)


def test_terms_weigh_co2e_to_the_same_float_as_the_scorer(demo: Network) -> None:
    weighed = 0
    for service in every_service_and_zone(demo):
        terms = ServiceTerms(service)
        for grams in WEIGHTS:
            for km in KMS:
                for parcels in (1, 2, 5):
                    expected = co2e_grams(service, grams, km, parcels)
                    assert terms.co2e_grams(grams, km, parcels) == expected
                    weighed += expected > 0
    assert weighed > 0


def test_a_service_with_a_last_mile_leg_weighs_it_too(demo: Network) -> None:
    standard = demo.services["COLISSIMO-48H"]
    with_leg = dataclasses.replace(standard, last_mile_km=12.0)
    terms = ServiceTerms(with_leg)
    assert terms.co2e_grams(8_000, 100.0, 2) == co2e_grams(with_leg, 8_000, 100.0, 2)
    assert terms.co2e_grams(8_000, 100.0, 2) > ServiceTerms(standard).co2e_grams(8_000, 100.0, 2)


class AskedPrice(Price):
    """A price of its own: terms must ask it rather than repeat the carriers' formula."""

    __slots__ = ()
    asked: ClassVar[list[int]] = []

    def for_weight(self, grams: int) -> int:
        AskedPrice.asked.append(grams)
        return 7 * grams


@pytest.mark.parametrize("parcels", [(1_000,), (4_000, 2_000)])
def test_a_price_of_another_class_is_asked_for_each_parcel(
    demo: Network, parcels: tuple[int, ...]
) -> None:
    standard = demo.services["COLISSIMO-48H"]
    own = dataclasses.replace(standard, price=AskedPrice(590, 100))
    AskedPrice.asked.clear()
    packaging = standard.packaging_grams
    assert ServiceTerms(own).parcels_price(parcels) == sum(7 * (g + packaging) for g in parcels)
    assert AskedPrice.asked == [g + packaging for g in parcels]
