"""CO2e of a transport leg, in the manner of ISO 14083 and the GLEC Framework.

A leg emits mass (tonnes) x distance (km) x the intensity of its mode (g CO2e per
tonne-km, well-to-wheel). Road distance is estimated from the great-circle distance with a
circuity factor, as GLEC allows when the actual route is unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from carriers.errors import CarrierDataError

ROAD_CIRCUITY = 1.2


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """A mode's well-to-wheel intensity, with the source it was taken from."""

    mode: str
    grams_per_tonne_km: float
    source: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.grams_per_tonne_km) and self.grams_per_tonne_km >= 0):
            raise CarrierDataError(
                f"emission factor {self.mode}: {self.grams_per_tonne_km} g/tkm "
                "must be finite and non-negative"
            )

    def leg_grams(self, *, mass_grams: float, great_circle_km: float) -> float:
        """CO2e in grams for carrying `mass_grams` over a road leg of that crow-fly length."""
        tonnes = mass_grams / 1_000_000
        return tonnes * great_circle_km * ROAD_CIRCUITY * self.grams_per_tonne_km


@dataclass(frozen=True, slots=True)
class CustomerTrip:
    """The shopper's own round trip to a store or a pickup point, per passenger-km.

    It is not part of the carrier's transport chain (ISO 14083 stops at the hand-over), so it
    is reported beside the shipment figures and counted only when the caller asks. Trips up
    to `walk_below_km` (crow-fly, one way) are assumed on foot or by bike: zero.
    """

    mode: str
    grams_per_km: float
    walk_below_km: float
    source: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.grams_per_km) and self.grams_per_km >= 0):
            raise CarrierDataError(
                f"customer trip {self.mode}: {self.grams_per_km} g/km must be finite and "
                "non-negative"
            )

    def round_trip_grams(self, *, great_circle_km: float) -> float:
        """CO2e of going there and back by road, nothing when it is a short walk."""
        if great_circle_km <= self.walk_below_km:
            return 0.0
        return 2 * great_circle_km * ROAD_CIRCUITY * self.grams_per_km
