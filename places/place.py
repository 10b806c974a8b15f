"""What a destination resolves to: a Place (point, country, calendar subdivision, time zone) or,
for a point outside the served data, an Unserved answer naming the country when it is known."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Precision(StrEnum):
    """What the coordinates of a Place stand for: the point the caller gave, then from the
    finest to the coarsest, the postcode's own point, its locality's, its region's centroid."""

    POINT = "POINT"
    POSTCODE = "POSTCODE"
    LOCALITY = "LOCALITY"
    REGION = "REGION"


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved destination.

    `subdivision` is a code the `holidays` package knows for `country` (None: the national
    calendar); `region` is the administrative area the data names (a French department such
    as "2A", a Spanish province, a Swiss canton), for zones; `time_zone` is an IANA name.
    """

    latitude: float
    longitude: float
    country: str
    subdivision: str | None
    time_zone: str
    precision: Precision
    locality: str | None
    region: str | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class Unserved:
    """A point the served data does not cover: `country` is the country of the nearest known
    locality when that is a country outside the served ones, None far from any data (at sea)."""

    latitude: float
    longitude: float
    country: str | None
