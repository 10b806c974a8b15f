"""Where a delivery calendar applies: a country, its holiday subdivision and its time zone.

A destination's public holidays and its local date depend on where it is, not on where the
parcel leaves from. For France the postcode says it: Moselle (57) keeps Good Friday and
26 December, and so do Bas-Rhin (67) and Haut-Rhin (68), which the `holidays` package calls
subdivision "6AE" (the European Collectivity of Alsace); the overseas departments (971-976)
have their own holidays and time zones; Corsica (`2A` below 20200, `2B` from it) keeps the
national holidays but is a delivery zone of its own. Elsewhere the country's national
calendar applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from carriers.errors import CarrierDataError

# The zone of each country's mainland, for the countries a European network may deliver to.
_COUNTRY_ZONES = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "LU": "Europe/Luxembourg",
    "NL": "Europe/Amsterdam",
    "PT": "Europe/Lisbon",
}

# French postcode prefixes with their own holiday calendar (`holidays` subdivision codes).
_FRENCH_SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE"}
_FRENCH_OVERSEAS = {
    "971": ("971", "America/Guadeloupe"),
    "972": ("972", "America/Martinique"),
    "973": ("973", "America/Cayenne"),
    "974": ("974", "Indian/Reunion"),
    "976": ("976", "Indian/Mayotte"),
}


@dataclass(frozen=True, slots=True)
class Region:
    """A calendar's place: ISO country, `holidays` subdivision (or None) and IANA zone."""

    country: str
    subdivision: str | None
    timezone: str


def country_timezone(country: str) -> str | None:
    """The zone of the country's mainland, None for a country not listed."""
    return _COUNTRY_ZONES.get(country)


def country_region(country: str) -> Region:
    """The national calendar of `country`, in the zone of its mainland."""
    zone = _COUNTRY_ZONES.get(country)
    if zone is None:
        raise CarrierDataError(f"no time zone is known for country {country!r}")
    return Region(country, None, zone)


def postcode_region(country: str, postcode: str) -> Region:
    """The calendar of a postcode: its subdivision where it has one, else the national one."""
    if country == "FR":
        overseas = _FRENCH_OVERSEAS.get(postcode[:3])
        if overseas is not None:
            return Region(country, *overseas)
        if postcode[:2] == "20":
            return Region(country, "2A" if postcode < "20200" else "2B", "Europe/Paris")
        return Region(country, _FRENCH_SUBDIVISIONS.get(postcode[:2]), "Europe/Paris")
    return country_region(country)
