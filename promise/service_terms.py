"""A carrier service's figures the sourcing search reads for every shipment it scores.

The search prices, packs and weighs hundreds of shipments a request by a handful of services.
Read from the carrier's frozen dataclasses, each figure is a generic attribute lookup, and the
price a call of interpreted code; `ServiceTerms` takes the figures once per service and
repeats `Price.for_weight` and `shipment_costs.co2e_grams` with the same arithmetic in the
same order, so the answers are the same numbers. A price of another class than `Price` (one
that overrides `for_weight`) is still asked itself.
"""

from __future__ import annotations

from typing import Final

from carriers.emissions import ROAD_CIRCUITY
from carriers.services import CarrierService, Price
from promise.rounding import round_to

_CIRCUITY: Final = ROAD_CIRCUITY


class ServiceTerms:
    """The figures of one service (as given: a zone's terms are another service's)."""

    def __init__(self, service: CarrierService) -> None:
        self.service = service
        price = service.price
        self.price = price
        # Only the carriers' own Price is repeated here; a subclass may price otherwise.
        self.own_price = type(price) is Price
        self.base_cents: int = price.base_cents
        self.per_kg_cents: int = price.per_kg_cents
        self.packaging_grams: int = service.packaging_grams
        self.max_parcel_grams: int | None = service.max_parcel_grams
        self.min_shipment_grams: int | None = service.min_shipment_grams
        self.parcels_per_shipment: int | None = service.parcels_per_shipment
        self.linehaul: float = service.linehaul.grams_per_tonne_km
        self.last_mile: float = service.last_mile.grams_per_tonne_km
        self.last_mile_grams_per_parcel: float = service.last_mile_grams_per_parcel
        self.last_mile_km: float = service.last_mile_km
        # The parcels of shipments' lines, by the identity of their tuple, held with it (see
        # `ShipmentScorer._parcels_by`): None for lines the service can't take, with whether
        # it was for too many parcels.
        self.parcels_of_lines: dict[int, tuple[object, tuple[int, ...] | None, bool]] = {}

    def price_of(self, grams: int) -> int:
        """`service.price.for_weight(grams)`."""
        if not self.own_price:
            return self.price.for_weight(grams)
        started_kg = -(-grams // 1000)
        return self.base_cents + self.per_kg_cents * max(0, started_kg - 1)

    def parcels_price(self, parcels: tuple[int, ...]) -> int:
        """`shipment_costs.parcels_price(service, parcels)`: packaging added to each."""
        packaging = self.packaging_grams
        total = 0
        for grams in parcels:
            total += self.price_of(grams + packaging)
        return total

    def co2e_grams(self, weight: int, km: float, parcels: int) -> float:
        """`shipment_costs.co2e_grams(service, weight, km, parcels)`."""
        mass = weight + self.packaging_grams * parcels
        grams = mass / 1_000_000 * km * _CIRCUITY * self.linehaul
        if km > 0:
            grams += self.last_mile_grams_per_parcel * parcels
            if self.last_mile_km:
                grams += mass / 1_000_000 * self.last_mile_km * _CIRCUITY * self.last_mile
        return round_to(grams, 1)
