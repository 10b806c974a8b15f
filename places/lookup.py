"""Resolving a destination: a postcode to its Place, a point to the Place it lies in.

The table is built on first use (or by `load()` at start-up) and shared by every thread:
a postcode is then a dict read, a point a search of the grid cells around it.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from pathlib import Path

from places.errors import InvalidCoordinates, UnknownPostcode
from places.formats import postcode_key
from places.place import Place, Precision, Unserved
from places.stored import read, table_file, write
from places.table import Table, build

# How far the nearest known place may lie from a point for that point to be placed.
DEFAULT_RADIUS_KM = 30.0

_table: Table | None = None
_lock = threading.Lock()
_kept_in: Path | None = None


def keep_table_in(directory: Path | None) -> None:
    """Where `load` keeps the built table for the next process (None: nowhere, the default);
    call it before the first `load`."""
    global _kept_in
    _kept_in = directory


def _built() -> Table:
    if _kept_in is None:
        return build()
    path = table_file(_kept_in)
    table = read(path)
    if table is None:
        table = build()
        write(table, path)
    return table


def load() -> Table:
    """The table, built on the first call (a few seconds; a fraction of one read from where
    `keep_table_in` says) and kept for the process."""
    global _table
    table = _table
    if table is None:
        with _lock:
            if _table is None:
                _table = _built()
            table = _table
    return table


def resolve_postcode(country: str, postcode: str) -> Place:
    """The Place of `postcode` in `country` (ISO alpha-2).

    Raises CountryNotServed, InvalidPostcode (the country's format) or UnknownPostcode.
    """
    country = country.strip().upper()
    key = postcode_key(country, postcode)
    place = load().places.get((country, key))
    if place is None:
        raise UnknownPostcode(country, key)
    return place


def place_at(
    latitude: float, longitude: float, *, radius_km: float = DEFAULT_RADIUS_KM
) -> Place | Unserved:
    """The Place a point lies in: the country, region, calendar and zone of the nearest known
    locality within `radius_km`, with the point itself (precision POINT). A point nearest to a
    neighbouring country, or far from every locality, is Unserved."""
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise InvalidCoordinates("latitude", latitude)
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise InvalidCoordinates("longitude", longitude)
    table = load()
    found = table.grid.nearest(latitude, longitude, radius_km)
    if found is None:
        return Unserved(latitude, longitude, None)
    payload, _ = found
    if payload < 0:
        return Unserved(latitude, longitude, table.neighbours[-1 - payload])
    return replace(
        table.indexed[payload], latitude=latitude, longitude=longitude, precision=Precision.POINT
    )
