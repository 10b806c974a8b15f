"""Delivery zones: where a destination falls (domestic, islands, overseas, EU road...).

A zone is named by the network (`FR`, `FR-CORSICA`, `EU-ROAD`) and holds countries, or a
country's subdivisions, which win over their country: Corsica (`FR` `2A`, `2B`) is its own
zone inside France. A destination in no declared zone is in the zone named by its country.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from carriers.errors import CarrierDataError


@dataclass(frozen=True, slots=True)
class ZoneMap:
    """Zones by (country, subdivision) and by country, read with a dict lookup or two."""

    by_subdivision: Mapping[tuple[str, str], str] = field(
        default_factory=lambda: MappingProxyType({})
    )
    by_country: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def zone_of(self, country: str, subdivision: str | None = None) -> str:
        if subdivision is not None:
            found = self.by_subdivision.get((country, subdivision))
            if found is not None:
                return found
        return self.by_country.get(country, country)

    @staticmethod
    def of(
        zones: Mapping[str, tuple[frozenset[str], frozenset[tuple[str, str]]]],
    ) -> ZoneMap:
        """The map of zones given as name -> (countries, (country, subdivision) pairs); a
        country or a subdivision in two zones is an error naming both."""
        by_country: dict[str, str] = {}
        by_subdivision: dict[tuple[str, str], str] = {}
        for name, (countries, subdivisions) in zones.items():
            for country in sorted(countries):
                if country in by_country:
                    raise CarrierDataError(
                        f"country {country} is in zones {by_country[country]} and {name}"
                    )
                by_country[country] = name
            for pair in sorted(subdivisions):
                if pair in by_subdivision:
                    raise CarrierDataError(
                        f"subdivision {pair[0]}-{pair[1]} is in zones {by_subdivision[pair]} "
                        f"and {name}"
                    )
                by_subdivision[pair] = name
        return ZoneMap(MappingProxyType(by_subdivision), MappingProxyType(by_country))
