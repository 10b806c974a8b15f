"""services.toml's delivery zones: the `[zones]` table and each service's terms per zone."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from carriers.errors import CarrierDataError
from carriers.services import Price, ZoneTerms
from carriers.transit import TransitTable
from carriers.zones import ZoneMap
from network_loader.layout import COUNTRY, IDENTIFIER
from network_loader.toml_tables import TomlTable, header_line
from promise.errors import NetworkDataError

# A subdivision as `zones` names it: the country, a dash, the subdivision (FR-2A, FR-971).
_SUBDIVISION_SEPARATOR = "-"

TransitReader = Callable[[TomlTable, str], TransitTable]


def load_zones(root: TomlTable, lines: list[str]) -> ZoneMap:
    """`[zones.NAME]` tables, each with `countries` and/or `subdivisions`; none: an empty map
    (every place is in its country's zone)."""
    if "zones" not in root.data:
        return ZoneMap()
    table = root.table("zones")
    declared: dict[str, tuple[frozenset[str], frozenset[tuple[str, str]]]] = {}
    for name in table.data:
        if not IDENTIFIER.fullmatch(name):
            raise table.error(name, f"{name!r} is not an UPPER-KEBAB zone name like 'EU-ROAD'")
        entry = table.table(name)
        entry = TomlTable(entry.file, entry.name, header_line(lines, f"[zones.{name}]"), entry.data)
        entry.only(("countries", "subdivisions"))
        if "countries" not in entry.data and "subdivisions" not in entry.data:
            raise entry.error("countries", "a zone needs countries or subdivisions")
        countries = frozenset(
            _country(entry, "countries", item)
            for item in (entry.array("countries") if "countries" in entry.data else [])
        )
        subdivisions = frozenset(
            _subdivision(entry, item)
            for item in (entry.array("subdivisions") if "subdivisions" in entry.data else [])
        )
        declared[name] = (countries, subdivisions)
    try:
        return ZoneMap.of(declared)
    except CarrierDataError as exc:
        raise NetworkDataError(f"{table.place()}: {exc}") from None


def zone_terms(
    code: str,
    table: TomlTable,
    lines: list[str],
    zones: ZoneMap,
    price: Callable[[TomlTable], Price],
    transit: TransitReader,
) -> dict[str, ZoneTerms]:
    """`[services.CODE.zones.ZONE]` tables: the price and transit bands of each zone served.

    A zone is one of `[zones]`, or a country code for a country in none of them.
    """
    if "zones" not in table.data:
        return {}
    zones_table = table.table("zones")
    known = set(zones.by_country.values()) | set(zones.by_subdivision.values())
    terms: dict[str, ZoneTerms] = {}
    for zone in zones_table.data:
        if zone not in known and not COUNTRY.fullmatch(zone):
            raise zones_table.error(
                zone,
                f"{zone!r} is not a zone of [zones] ({', '.join(sorted(known))}) nor a country",
            )
        if COUNTRY.fullmatch(zone) and zone in zones.by_country:
            raise zones_table.error(zone, f"country {zone} is in zone {zones.by_country[zone]}")
        header = f"[services.{code}.zones.{zone}]"
        entry = zones_table.table(zone)
        entry = TomlTable(entry.file, entry.name, header_line(lines, header), entry.data)
        entry.only(("price", "transit"))
        terms[zone] = ZoneTerms(price(entry), transit(entry, f"services.{code}.zones.{zone}"))
    return terms


def frozen(terms: dict[str, ZoneTerms]) -> MappingProxyType[str, ZoneTerms]:
    return MappingProxyType(terms)


def _country(table: TomlTable, key: str, value: object) -> str:
    if not isinstance(value, str) or not COUNTRY.fullmatch(value):
        raise table.error(key, f"{value!r} is not an ISO 3166 alpha-2 code like 'DE'")
    return value


def _subdivision(table: TomlTable, value: object) -> tuple[str, str]:
    text = value if isinstance(value, str) else ""
    country, _, subdivision = text.partition(_SUBDIVISION_SEPARATOR)
    if not COUNTRY.fullmatch(country) or not subdivision:
        raise table.error(
            "subdivisions", f"{value!r} is not a country and subdivision like 'FR-2A'"
        )
    return country, subdivision
