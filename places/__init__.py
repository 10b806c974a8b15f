"""Destinations resolved offline: postcodes of the served countries and points on the map to
coordinates, country, `holidays` subdivision and IANA time zone, from the GeoNames postal
dump shipped in a pinned package. Knows nothing of promises; imports only the standard
library and that package's data (design and coverage: docs/places.md).
"""

from places.errors import (
    CountryNotServed,
    InvalidCoordinates,
    InvalidPostcode,
    PlaceError,
    UnknownPostcode,
)
from places.lookup import keep_table_in, load, place_at, resolve_postcode
from places.place import Place, Precision, Unserved
from places.regions import SERVED

__all__ = [
    "SERVED",
    "CountryNotServed",
    "InvalidCoordinates",
    "InvalidPostcode",
    "Place",
    "PlaceError",
    "Precision",
    "UnknownPostcode",
    "Unserved",
    "keep_table_in",
    "load",
    "place_at",
    "resolve_postcode",
]
