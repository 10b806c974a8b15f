"""services.toml: the carrier services, their transit tables and emission factors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from pathlib import Path

from carriers.emissions import CustomerTrip, EmissionFactor
from carriers.errors import CarrierDataError
from carriers.services import CarrierService, DeliveryKind, Price
from carriers.transit import TransitBand, TransitTable
from carriers.zones import ZoneMap
from network_loader.layout import IDENTIFIER
from network_loader.opening_hours import WEEKDAYS
from network_loader.toml_tables import TomlTable, header_line, number, read_toml
from network_loader.zones import frozen, load_zones, zone_terms
from promise.errors import NetworkDataError

_SERVICE_KEYS = (
    "name",
    "carrier",
    "kind",
    "cutoff",
    "delivery_weekdays",
    "price",
    "linehaul",
    "last_mile",
    "last_mile_grams_per_parcel",
    "packaging_grams",
    "transit",
    "max_distance_km",
    "delivery_window",
    "max_parcel_grams",
    "max_length_mm",
    "parcels_per_shipment",
    "min_shipment_grams",
    "last_mile_km",
    "zones",
)


def load_services(
    path: Path,
) -> tuple[dict[str, CarrierService], CustomerTrip | None, ZoneMap]:
    """The services, the customer trip's factor (if any) and the delivery zones."""
    root, lines = read_toml(path)
    root.only(("emission_factors", "services", "customer_trip", "zones"))
    factors = _load_factors(root.table("emission_factors"), lines)
    zones = load_zones(root, lines)
    services_table = root.table("services")
    services: dict[str, CarrierService] = {}
    for code in services_table.data:
        if not IDENTIFIER.fullmatch(code):
            raise services_table.error(code, f"{code!r} is not an UPPER-KEBAB service code")
        table = services_table.table(code)
        table = TomlTable(
            table.file, table.name, header_line(lines, f"[services.{code}]"), table.data
        )
        services[code] = _service(code, table, factors, lines, zones)
    if not services:
        raise NetworkDataError(f"{path} [services]: no service is defined")
    trip = _customer_trip(root, lines) if "customer_trip" in root.data else None
    return services, trip, zones


def _customer_trip(root: TomlTable, lines: list[str]) -> CustomerTrip:
    table = root.table("customer_trip")
    table = TomlTable(table.file, table.name, header_line(lines, "[customer_trip]"), table.data)
    table.only(("mode", "grams_per_km", "walk_below_km", "source"))
    return CustomerTrip(
        mode=table.string("mode"),
        grams_per_km=table.number("grams_per_km"),
        walk_below_km=table.number("walk_below_km"),
        source=table.string("source"),
    )


def _load_factors(table: TomlTable, lines: list[str]) -> dict[str, EmissionFactor]:
    factors: dict[str, EmissionFactor] = {}
    for mode in table.data:
        entry = table.table(mode)
        entry = TomlTable(entry.file, entry.name, header_line(lines, f"[{entry.name}]"), entry.data)
        entry.only(("grams_per_tonne_km", "source"))
        factors[mode] = EmissionFactor(
            mode=mode,
            grams_per_tonne_km=entry.number("grams_per_tonne_km"),
            source=entry.string("source"),
        )
    return factors


def _price(table: TomlTable) -> Price:
    price = table.table("price")
    price.only(("base_cents", "per_kg_cents"))
    return Price(
        base_cents=price.integer("base_cents", minimum=0),
        per_kg_cents=price.integer("per_kg_cents", minimum=0),
    )


def _optional_integer(table: TomlTable, key: str) -> int | None:
    return table.integer(key, minimum=1) if key in table.data else None


def _service(
    code: str,
    table: TomlTable,
    factors: Mapping[str, EmissionFactor],
    lines: list[str],
    zones: ZoneMap,
) -> CarrierService:
    table.only(_SERVICE_KEYS)
    kind_name = table.string("kind")
    if kind_name not in DeliveryKind.__members__:
        allowed = ", ".join(member.name for member in DeliveryKind)
        raise table.error("kind", f"{kind_name!r} is not a delivery kind ({allowed})")
    max_distance = table.number("max_distance_km") if "max_distance_km" in table.data else None

    def transit(entry: TomlTable, name: str) -> TransitTable:
        return _transit(code, entry, lines, name)

    terms = zone_terms(code, table, lines, zones, _price, transit)
    # A service of declared zones needs no terms of its own: the first zone's stand in.
    first = next(iter(terms.values()), None)
    try:
        return CarrierService(
            code=code,
            name=table.string("name"),
            carrier=table.string("carrier"),
            kind=DeliveryKind[kind_name],
            cutoff=table.clock("cutoff"),
            transit=(
                first.transit
                if first is not None and "transit" not in table.data
                else transit(table, f"services.{code}")
            ),
            delivery_weekdays=frozenset(_weekdays(table, "delivery_weekdays")),
            price=first.price if first is not None and "price" not in table.data else _price(table),
            linehaul=_factor(table, "linehaul", factors),
            last_mile=_factor(table, "last_mile", factors),
            last_mile_grams_per_parcel=table.number("last_mile_grams_per_parcel"),
            packaging_grams=table.integer("packaging_grams", minimum=0),
            max_distance_km=max_distance,
            delivery_window=_delivery_window(table) if "delivery_window" in table.data else None,
            max_parcel_grams=_optional_integer(table, "max_parcel_grams"),
            max_length_mm=_optional_integer(table, "max_length_mm"),
            parcels_per_shipment=(
                table.integer("parcels_per_shipment", minimum=1)
                if "parcels_per_shipment" in table.data
                else 1
            ),
            min_shipment_grams=_optional_integer(table, "min_shipment_grams"),
            last_mile_km=table.number("last_mile_km") if "last_mile_km" in table.data else 0.0,
            zones=frozen(terms),
        )
    except CarrierDataError as exc:
        raise NetworkDataError(f"{table.place()}: {exc}") from None


def _transit(code: str, table: TomlTable, lines: list[str], name: str) -> TransitTable:
    """The bands of `[[NAME.transit]]` (NAME: `services.CODE` or a zone of it)."""
    bands: list[TransitBand] = []
    for index, entry in enumerate(table.array("transit")):
        header = f"[[{name}.transit]]"
        band = TomlTable(
            table.file, f"{name}.transit[{index}]", header_line(lines, header, index), {}
        )
        if not isinstance(entry, dict):
            raise band.error("transit", f"{entry!r} is not a table")
        band = TomlTable(band.file, band.name, band.line, entry)
        band.only(("max_km", "days"))
        max_km = band.number("max_km")
        days = [number(band, "days", day, minimum=0.0) for day in band.array("days")]
        try:
            bands.append(TransitBand(max_km, tuple(days)))
        except CarrierDataError as exc:
            raise NetworkDataError(f"{band.place()}: service {code}: {exc}") from None
    try:
        return TransitTable(tuple(bands))
    except CarrierDataError as exc:
        raise NetworkDataError(f"{table.place()}: service {code}: {exc}") from None


def _weekdays(table: TomlTable, key: str) -> list[int]:
    days: list[int] = []
    for name in table.array(key):
        if not isinstance(name, str) or name not in WEEKDAYS:
            raise table.error(key, f"{name!r} is not a day ({', '.join(WEEKDAYS)})")
        days.append(WEEKDAYS[name])
    return days


def _factor(table: TomlTable, key: str, factors: Mapping[str, EmissionFactor]) -> EmissionFactor:
    mode = table.string(key)
    if mode not in factors:
        raise table.error(
            key, f"{mode!r} is not an emission factor of [emission_factors] ({', '.join(factors)})"
        )
    return factors[mode]


def _delivery_window(table: TomlTable) -> tuple[time, time]:
    window = table.array("delivery_window")
    moments = [moment for moment in window if isinstance(moment, time)]
    if len(window) != 2 or len(moments) != 2:
        raise table.error("delivery_window", f"{window!r} is not [start, end] local times")
    start, end = moments
    if end <= start:
        raise table.error("delivery_window", f"{window!r} ends before it starts")
    return start, end
