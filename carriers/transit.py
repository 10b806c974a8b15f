"""Transit times as distributions: the probability of delivery on each working day."""

from __future__ import annotations

import math
from dataclasses import dataclass

from carriers.errors import CarrierDataError

_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class TransitBand:
    """Transit probabilities for shipments up to `max_km`; `days[k]` is P(delivered on day k).

    Day 0 is the day of dispatch (same-day services), day 1 the next delivery day, and so on.
    """

    max_km: float
    days: tuple[float, ...]

    def __post_init__(self) -> None:
        # `p >= 0` is False for NaN, which `p < 0` would let through.
        if not all(p >= 0 for p in self.days) or abs(sum(self.days) - 1.0) > _TOLERANCE:
            raise CarrierDataError(
                f"transit band up to {self.max_km} km: probabilities {list(self.days)} "
                "must be non-negative and sum to 1"
            )

    def day_reached_with(self, confidence: float) -> int:
        """The first day by which the cumulative probability reaches `confidence`."""
        cumulative = 0.0
        for day, p in enumerate(self.days):
            cumulative += p
            if cumulative + _TOLERANCE >= confidence:
                return day
        return len(self.days) - 1

    def share_by(self, day: int) -> float:
        """P(delivered on or before `day`), rounded to 6 places to hide float dust."""
        return round(min(1.0, sum(self.days[: day + 1])), 6)

    def most_likely_day(self) -> int:
        return max(range(len(self.days)), key=lambda day: (self.days[day], -day))


@dataclass(frozen=True, slots=True)
class TransitTable:
    """Distance bands in increasing order; the last band covers every longer distance."""

    bands: tuple[TransitBand, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise CarrierDataError("a transit table needs at least one band")
        limits = [band.max_km for band in self.bands]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            raise CarrierDataError(f"transit bands {limits} must be strictly increasing")

    def band_for(self, distance_km: float) -> TransitBand:
        for band in self.bands:
            if distance_km <= band.max_km:
                return band
        return self.bands[-1]

    @staticmethod
    def single(days: tuple[float, ...]) -> TransitTable:
        return TransitTable((TransitBand(math.inf, days),))
