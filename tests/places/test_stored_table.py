"""A table kept in a file reads back as the table built, and is rebuilt when it cannot be."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from places import Precision
from places.geonames import PostalRow
from places.spatial import PointGrid
from places.stored import read, table_file, write
from places.table import Table, group, places_of


def _small_table() -> Table:
    rows = [
        PostalRow("FR", "57000", "Metz", "44", "57", 49.1191, 6.1727, False),
        PostalRow("FR", "57036 CEDEX", "Metz", "44", "57", 49.0, 6.0, True),
        PostalRow("FR", "69003", "Lyon", "84", "69", 45.76, 4.85, False),
    ]
    places = places_of(group(rows))
    metz, lyon = places["FR", "57000"], places["FR", "69003"]
    grid = PointGrid()
    grid.add(metz.latitude, metz.longitude, 0)
    grid.add(lyon.latitude, lyon.longitude, 1)
    grid.add(lyon.latitude, lyon.longitude, 2)
    grid.add(50.06, 19.94, -1)
    # The second indexed Place is the table's own, the third a variant of it in another zone.
    indexed = [metz, lyon, replace(lyon, region="01", time_zone="Europe/Zurich")]
    return Table(places, grid, indexed, ("PL",))


def test_a_stored_table_reads_back_equal_and_finds_the_same_points(tmp_path: Path) -> None:
    table = _small_table()
    path = table_file(tmp_path)
    write(table, path)

    found = read(path)

    assert found is not None
    assert found.places == table.places
    assert found.indexed == table.indexed
    assert found.places["FR", "69003"] is found.indexed[1]
    assert found.places["FR", "57036"].precision is Precision.LOCALITY
    assert found.neighbours == ("PL",)
    for point in [(49.12, 6.17), (45.7, 4.9), (50.0, 19.9), (40.0, 0.0)]:
        assert found.grid.nearest(*point, 30.0) == table.grid.nearest(*point, 30.0)
    assert len(found.grid) == 4


def test_a_missing_or_damaged_file_reads_as_no_table(tmp_path: Path) -> None:
    path = table_file(tmp_path)
    assert read(path) is None
    write(_small_table(), path)
    path.write_bytes(path.read_bytes()[:100])
    assert read(path) is None


def test_the_file_is_named_for_the_sources_it_was_built_by(tmp_path: Path) -> None:
    path = table_file(tmp_path)
    assert path.parent == tmp_path
    assert path.name.startswith("places-")
    assert path.suffix == ".marshal"
    assert table_file(tmp_path) == path
