"""The postcode table and the point index, built once from the GeoNames dump.

Each postcode of a served country becomes one Place. Its point is the mean of the dump's rows
for that code whose point was not estimated (precision POSTCODE); a code whose every row is
estimated takes the mean point of its locality's rows in the same region (LOCALITY), or else
the centroid of its region (REGION). Where a code's rows disagree on the region (a code that
crosses a department line), the region of most rows wins. The point index holds every
non-estimated row of the served countries, with its code's Place in the row's own region,
and a thinned set of rows of neighbouring countries, so that a point across a border is
known not to be served.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from places.errors import PlaceError
from places.formats import postcode_key
from places.geonames import PostalRow, located_points, postal_rows
from places.place import Place, Precision
from places.regions import SERVED, Area, area_of
from places.spatial import PointGrid

# Countries outside the served ones whose rows mark the far side of a border or a sea. San
# Marino and the Vatican are left out: one point each, inside Italy, they would claim its land.
NEIGHBOURS = ("AD", "BR", "CZ", "DK", "GB", "HR", "HU", "IE", "PL", "PT", "SI", "SK")
# A neighbour's rows are kept one per cell of this size (degrees): enough to mark its land.
_NEIGHBOUR_CELL = 0.05


@dataclass(slots=True)
class Code:
    """The rows of one postcode and the area of each."""

    rows: list[PostalRow] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Table:
    """Places by (country, postcode key); the point index; the countries of its payloads."""

    places: dict[tuple[str, str], Place]
    grid: PointGrid
    # A payload >= 0 is an index into `indexed`; a negative one names a neighbour country.
    indexed: list[Place]
    neighbours: tuple[str, ...]


def _located(rows: Iterable[PostalRow]) -> list[tuple[float, float]]:
    return [
        (row.latitude, row.longitude)
        for row in rows
        if row.latitude is not None and row.longitude is not None
    ]


def _mean(rows: Iterable[PostalRow]) -> tuple[float, float] | None:
    points = _located(rows)
    if not points:
        return None
    return (
        sum(lat for lat, _ in points) / len(points),
        sum(lon for _, lon in points) / len(points),
    )


def _locality_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def group(rows: Iterable[PostalRow]) -> dict[tuple[str, str], Code]:
    """The rows of served countries by (country, postcode key); malformed codes are left out."""
    codes: defaultdict[tuple[str, str], Code] = defaultdict(Code)
    for row in rows:
        area = area_of(row)
        if area is None:
            continue
        try:
            key = postcode_key(area.country, row.postcode)
        except PlaceError:
            continue
        code = codes[area.country, key]
        code.rows.append(row)
        code.areas.append(area)
    # A business code (75008 CEDEX) that shares its number with an ordinary one yields to it.
    for code in codes.values():
        plain = [i for i, row in enumerate(code.rows) if " " not in row.postcode]
        if plain and len(plain) < len(code.rows):
            code.rows = [code.rows[i] for i in plain]
            code.areas = [code.areas[i] for i in plain]
    return dict(codes)


def _known(row: PostalRow) -> bool:
    return not row.estimated and row.latitude is not None


def _localities(
    codes: dict[tuple[str, str], Code], wanted: set[tuple[str, str | None, str]]
) -> dict[tuple[str, str | None, str], list[PostalRow]]:
    """The located rows of the `wanted` (country, region, locality key) triples."""
    regions = {(country, region) for country, region, _ in wanted}
    found: defaultdict[tuple[str, str | None, str], list[PostalRow]] = defaultdict(list)
    for code in codes.values():
        for row, area in zip(code.rows, code.areas, strict=True):
            if (area.country, area.region) in regions and _known(row):
                triple = (area.country, area.region, _locality_key(row.place))
                if triple in wanted:
                    found[triple].append(row)
    return found


def _region_centroid(
    codes: dict[tuple[str, str], Code], country: str, region: str | None
) -> tuple[float, float] | None:
    rows = [
        row
        for code in codes.values()
        for row, area in zip(code.rows, code.areas, strict=True)
        if (area.country, area.region) == (country, region)
    ]
    return _mean(row for row in rows if _known(row)) or _mean(rows)


def places_of(codes: dict[tuple[str, str], Code]) -> dict[tuple[str, str], Place]:
    """The Place of each code, with the precision of the point it could be given."""
    majority = {name: Counter(code.areas).most_common(1)[0][0] for name, code in codes.items()}
    unknown = {name for name, code in codes.items() if not any(map(_known, code.rows))}
    localities = _localities(
        codes,
        {
            (
                country,
                majority[country, key].region,
                _locality_key(codes[country, key].rows[0].place),
            )
            for country, key in unknown
        },
    )
    places: dict[tuple[str, str], Place] = {}
    for (country, key), code in codes.items():
        area = majority[country, key]
        locality = code.rows[0].place or None
        point = _mean(row for row in code.rows if _known(row))
        precision = Precision.POSTCODE
        if point is None:
            precision = Precision.LOCALITY
            point = _mean(localities.get((country, area.region, _locality_key(locality or "")), ()))
        if point is None:
            # The data's own estimate beats the region's centroid (docs/places.md measures it).
            precision = Precision.REGION
            point = _mean(code.rows) or _region_centroid(codes, country, area.region)
        if point is None:
            continue
        places[country, key] = Place(
            latitude=round(point[0], 5),
            longitude=round(point[1], 5),
            country=country,
            subdivision=area.subdivision,
            time_zone=area.time_zone,
            precision=precision,
            locality=locality,
            region=area.region,
            postcode=key,
        )
    return places


def build() -> Table:
    """Read the dump's served and neighbouring sections and build the table and index."""
    sections = {section for sections in SERVED.values() for section in sections}
    codes = group(postal_rows(sections))
    places = places_of(codes)
    grid = PointGrid()
    indexed: list[Place] = []
    # Business codes mostly share their town's point: ordinary codes claim each point first,
    # and a point already held for the same area is not indexed twice.
    held: set[tuple[float, float, Area]] = set()
    ordered = sorted(codes.items(), key=lambda item: " " in item[1].rows[0].postcode)
    for name, code in ordered:
        place = places.get(name)
        if place is None:
            continue
        # A row across a department or state line carries its own calendar, not the code's.
        variants: dict[Area, int] = {}
        for row, area in zip(code.rows, code.areas, strict=True):
            if not _known(row) or row.latitude is None or row.longitude is None:
                continue
            if (row.latitude, row.longitude, area) in held:
                continue
            held.add((row.latitude, row.longitude, area))
            if area not in variants:
                variants[area] = len(indexed)
                same = area.region == place.region and area.subdivision == place.subdivision
                indexed.append(
                    place
                    if same and area.time_zone == place.time_zone
                    else replace(
                        place,
                        region=area.region,
                        subdivision=area.subdivision,
                        time_zone=area.time_zone,
                    )
                )
            grid.add(row.latitude, row.longitude, variants[area])
    seen: set[tuple[str, int, int]] = set()
    for country, latitude, longitude in located_points(NEIGHBOURS):
        cell = (country, round(latitude / _NEIGHBOUR_CELL), round(longitude / _NEIGHBOUR_CELL))
        if cell not in seen:
            seen.add(cell)
            grid.add(latitude, longitude, -1 - NEIGHBOURS.index(country))
    return Table(places, grid, indexed, NEIGHBOURS)
