"""Where a GeoNames row lies for calendars: the served country, the region the data names, the
`holidays` subdivision and the IANA time zone.

France's overseas departments come in the dump as countries of their own (GP, MQ, GF, RE, YT,
PM) and are served as France, with their department number as region. Subdivisions are the
codes `holidays` uses: a French department with its own holidays (Moselle, Alsace, overseas),
a German or Austrian state, a Spanish autonomous community, an Italian province, a Swiss
canton, a Belgian language community; the Netherlands, Luxembourg, Monaco and Liechtenstein
have national calendars only.
"""

from __future__ import annotations

from dataclasses import dataclass

from places.geonames import PostalRow

# Countries whose postcodes resolve; the dump's sections that feed each one.
SERVED: dict[str, tuple[str, ...]] = {
    "FR": ("FR", "GP", "MQ", "GF", "RE", "YT", "PM"),
    "DE": ("DE",),
    "BE": ("BE",),
    "NL": ("NL",),
    "LU": ("LU",),
    "ES": ("ES",),
    "IT": ("IT",),
    "AT": ("AT",),
    "CH": ("CH",),
    "MC": ("MC",),
    "LI": ("LI",),
}

_OVERSEAS_DEPARTMENTS = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "PM": "975",
    "YT": "976",
}
_FRENCH_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
}
_FRENCH_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
}
_ZONES = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "IT": "Europe/Rome",
    "LI": "Europe/Vaduz",
    "LU": "Europe/Luxembourg",
    "MC": "Europe/Monaco",
    "NL": "Europe/Amsterdam",
}
_SPANISH_ZONES = {"CN": "Atlantic/Canary", "CE": "Africa/Ceuta", "ML": "Africa/Ceuta"}
_BELGIAN_COMMUNITIES = {"VLG": "Flemish", "WAL": "French"}
# Büsingen am Hochrhein, a German enclave in Switzerland, keeps Swiss time.
_BUSINGEN = "78266"


@dataclass(frozen=True, slots=True)
class Area:
    """The calendar's place of a row: served country, data region, subdivision and zone."""

    country: str
    region: str | None
    subdivision: str | None
    time_zone: str


def _department(postcode: str) -> str | None:
    """The department a metropolitan code names by its first digits (the dump leaves a few
    CEDEX codes without one); None for the Pacific codes (98), which no calendar here serves."""
    prefix = postcode[:2]
    if prefix == "20":
        return "2A" if postcode[:5] < "20200" else "2B"
    if not prefix.isdigit() or prefix >= "97":
        return None
    return prefix


def area_of(row: PostalRow) -> Area | None:
    """The area of `row`, or None for a row outside every calendar served (Clipperton)."""
    country = row.country
    if country in _OVERSEAS_DEPARTMENTS or country == "FR":
        department = _OVERSEAS_DEPARTMENTS.get(country) or row.admin2 or _department(row.postcode)
        if department is None:
            return None
        zone = _FRENCH_ZONES.get(department, "Europe/Paris")
        return Area("FR", department, _FRENCH_SUBDIVISIONS.get(department), zone)
    zone = _ZONES[country]
    # An empty admin code (Jungholz, an Austrian village reached by German post) means none.
    admin1, admin2 = row.admin1 or None, row.admin2 or None
    if country in ("DE", "CH"):
        if row.postcode == _BUSINGEN:
            zone = "Europe/Busingen"
        return Area(country, admin1, admin1, zone)
    if country == "AT":
        state = str(int(admin1)) if admin1 else None
        return Area(country, state, state, zone)
    if country == "ES":
        return Area(country, admin2, admin1, _SPANISH_ZONES.get(row.admin1, zone))
    if country == "IT":
        return Area(country, admin2, admin2, zone)
    if country == "BE":
        # The German-speaking community is the 47xx postcodes of the province of Liège.
        community = "German" if row.postcode.startswith("47") else None
        return Area(country, admin2, community or _BELGIAN_COMMUNITIES.get(row.admin1), zone)
    if country in ("NL", "LU"):
        return Area(country, admin1, None, zone)
    return Area(country, None, None, zone)
