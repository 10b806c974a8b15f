"""The built table kept in a file, so that a process reads it in a fraction of a second
instead of building it from the dump (several seconds of CPU).

The file is written with `marshal` (plain values only: nothing in it runs when read) under a
name that hashes everything the table is built from: the sources of this package, the
dump's size and time, the interpreter's version. A changed source or dump is a new name, so a
stale table is never read; a file that cannot be read is rebuilt and rewritten.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from places.geonames import dump_identity
from places.place import Place, Precision
from places.spatial import PointGrid
from places.table import Table

_PRECISIONS = {precision.value: precision for precision in Precision}
_FORMAT = 1


def table_file(directory: Path) -> Path:
    """Where the table of this package's sources and dump is kept in `directory`."""
    digest = hashlib.sha256(f"{_FORMAT} {sys.version} {dump_identity()}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return directory / f"places-{digest.hexdigest()[:16]}.marshal"


def _values(place: Place) -> tuple[Any, ...]:
    return (
        place.latitude,
        place.longitude,
        place.country,
        place.subdivision,
        place.time_zone,
        place.precision.value,
        place.locality,
        place.region,
        place.postcode,
    )


def _place(values: tuple[Any, ...]) -> Place:
    lat, lon, country, subdivision, zone, precision, locality, region, postcode = values
    return Place(
        lat, lon, country, subdivision, zone, _PRECISIONS[precision], locality, region, postcode
    )


def write(table: Table, path: Path) -> None:
    """Write `table` to `path` whole or not at all (a concurrent reader sees either)."""
    position = {id(place): i for i, place in enumerate(table.places.values())}
    state = (
        list(table.places),
        [_values(place) for place in table.places.values()],
        # An indexed Place is most often one of the table's: its position stands for it.
        [
            position[id(place)] if id(place) in position else _values(place)
            for place in table.indexed
        ],
        table.grid.to_bytes(),
        table.neighbours,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".places-")
    try:
        with os.fdopen(handle, "wb") as file:
            marshal.dump(state, file)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def read(path: Path) -> Table | None:
    """The table `write` left at `path`; None if there is none or it cannot be read."""
    try:
        keys, values, indexed, grid, neighbours = marshal.loads(path.read_bytes())
        places = [_place(row) for row in values]
        return Table(
            dict(zip(keys, places, strict=True)),
            PointGrid.from_bytes(grid),
            [places[entry] if isinstance(entry, int) else _place(entry) for entry in indexed],
            tuple(neighbours),
        )
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None
