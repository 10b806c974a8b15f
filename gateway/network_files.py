"""Load the static network from plain files and refuse anything that does not hold together.

A network directory holds `network.toml` (settings), `services.toml` (carrier services and
emission factors), `nodes.csv`, `skus.csv`, `postcodes.csv` and `stock.csv`, and optionally
`pickups.csv` (carrier collection times per node) and `pickup_points.csv` (relay points and
lockers); its README documents every column. Everything is checked at load time, and the
first problem raises `NetworkDataError` naming the file, the row (the 1-based line an editor
shows) and the column, e.g. `network/demo/nodes.csv row 7 column latitude: '200' is not a
latitude in [-90, 90]`. TOML problems name the file, the line of the table and the key.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from carriers.emissions import CustomerTrip, EmissionFactor
from carriers.errors import CarrierDataError
from carriers.services import CarrierService, DeliveryKind, Price
from carriers.transit import TransitBand, TransitTable
from gateway.csv_rows import CsvRow, missing_file, read_rows
from promise.errors import NetworkDataError
from promise.geo import GeoPoint
from promise.network import (
    Capability,
    Network,
    Node,
    NodeType,
    OpeningHours,
    PickupPoint,
    PickupTimes,
    PointType,
    Sku,
)
from promise.profiles import Filters, RuleProfile, parse_objective
from stock_cache.rules import Channel, Protection, StockRules

NETWORK_FILE = "network.toml"
SERVICES_FILE = "services.toml"
NODES_FILE = "nodes.csv"
SKUS_FILE = "skus.csv"
POSTCODES_FILE = "postcodes.csv"
STOCK_FILE = "stock.csv"
PICKUPS_FILE = "pickups.csv"
PICKUP_POINTS_FILE = "pickup_points.csv"

NODE_COLUMNS = (
    "id",
    "name",
    "type",
    "city",
    "latitude",
    "longitude",
    "timezone",
    "opening_hours",
    "preparation_minutes",
    "capabilities",
    "services",
    "priority",
)
SKU_COLUMNS = ("sku", "name", "weight_grams")
POSTCODE_COLUMNS = ("country", "postcode", "city", "latitude", "longitude")
STOCK_COLUMNS = ("node_id", "sku", "on_hand")
PICKUP_COLUMNS = ("node_id", "service", "days", "times")
PICKUP_POINT_COLUMNS = (
    "id",
    "name",
    "type",
    "city",
    "postcode",
    "latitude",
    "longitude",
    "opening_hours",
    "services",
)

WEEKDAYS = {"Mon": 1, "Tue": 2, "Wed": 3, "Thu": 4, "Fri": 5, "Sat": 6, "Sun": 7}

_IDENTIFIER = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_FRENCH_POSTCODE = re.compile(r"\d{5}")
_CLOCK = re.compile(r"(\d{2}):(\d{2})")

_E = TypeVar("_E", bound=enum.Enum)


def load_network(directory: Path) -> Network:
    """The network described by the files in `directory`, fully validated."""
    services, customer_trip = _load_services(directory / SERVICES_FILE)
    settings = _load_settings(directory / NETWORK_FILE, services)
    nodes = _load_nodes(directory / NODES_FILE, services)
    if (directory / PICKUPS_FILE).exists():
        nodes = _with_pickups(directory / PICKUPS_FILE, nodes)
    points = (
        _load_pickup_points(directory / PICKUP_POINTS_FILE, services)
        if (directory / PICKUP_POINTS_FILE).exists()
        else {}
    )
    profiles, capacity = (
        _load_profiles(directory, nodes) if (directory / PROFILES_FILE).exists() else ({}, {})
    )
    return Network(
        version=settings.version,
        nodes=MappingProxyType(nodes),
        skus=MappingProxyType(_load_skus(directory / SKUS_FILE)),
        services=MappingProxyType(services),
        postcodes=MappingProxyType(_load_postcodes(directory / POSTCODES_FILE)),
        country=settings.country,
        safety_stock_by_type=MappingProxyType(settings.safety_stock),
        reservation_ttl_seconds=settings.reservation_ttl_seconds,
        transfer_service=settings.transfer_service,
        pickup_points=MappingProxyType(points),
        customer_trip=customer_trip,
        profiles=MappingProxyType(profiles),
        daily_capacity=MappingProxyType(capacity),
    )


def load_stock_levels(
    directory: Path, *, network: Network | None = None
) -> dict[str, dict[str, int]]:
    """On-hand units per node and SKU from `stock.csv`, checked against the network.

    The network is loaded from the same directory unless the caller already has it.
    """
    known = network if network is not None else load_network(directory)
    # Every node, those without a row too: seeding writes each, so readiness finds them all.
    levels: dict[str, dict[str, int]] = {node_id: {} for node_id in known.nodes}
    first_seen: dict[tuple[str, str], int] = {}
    for row in read_rows(directory / STOCK_FILE, columns=STOCK_COLUMNS):
        node_id = row.text("node_id")
        if node_id not in known.nodes:
            raise row.error("node_id", f"{node_id!r} is not a node of {NODES_FILE}")
        sku = row.text("sku")
        if sku not in known.skus:
            raise row.error("sku", f"{sku!r} is not a SKU of {SKUS_FILE}")
        key = (node_id, sku)
        if key in first_seen:
            raise row.error(
                "sku", f"{sku!r} at {node_id} is already given on row {first_seen[key]}"
            )
        first_seen[key] = row.line
        on_hand = row.integer("on_hand")
        if on_hand < 0:
            raise row.error("on_hand", f"{row.values['on_hand'].strip()!r} is negative")
        levels.setdefault(node_id, {})[sku] = on_hand
    return levels


def parse_opening_hours(text: str) -> OpeningHours:
    """Opening hours from `Mon-Fri 06:00-22:00; Sat 08:00-12:00`.

    Clauses are separated by `;`. Each names days (a day, a range `Mon-Fri` or a comma list
    of both) and one local window `HH:MM-HH:MM` that ends after it starts. A day may appear
    in one clause only; days that appear in none are closed. Raises ValueError on bad syntax.
    """
    by_weekday: dict[int, tuple[time, time]] = {}
    for clause in text.split(";"):
        parts = clause.split()
        if len(parts) != 2:
            raise ValueError(f"clause {clause.strip()!r} is not 'DAYS HH:MM-HH:MM'")
        days, window = parts
        opens, closes = _window(window)
        for day in _days(days):
            if day in by_weekday:
                raise ValueError(f"{_day_name(day)} appears in more than one clause")
            by_weekday[day] = (opens, closes)
    return OpeningHours(MappingProxyType(by_weekday))


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, dash, last = part.partition("-")
        start = _weekday(first)
        end = _weekday(last) if dash else start
        if end < start:
            raise ValueError(f"day range {part!r} runs backwards")
        days.extend(range(start, end + 1))
    return days


def _weekday(name: str) -> int:
    if name not in WEEKDAYS:
        raise ValueError(f"{name!r} is not a day ({', '.join(WEEKDAYS)})")
    return WEEKDAYS[name]


def _day_name(day: int) -> str:
    return next(name for name, number in WEEKDAYS.items() if number == day)


def _window(text: str) -> tuple[time, time]:
    first, dash, last = text.partition("-")
    if not dash:
        raise ValueError(f"{text!r} is not a window HH:MM-HH:MM")
    opens, closes = _clock(first), _clock(last)
    if closes <= opens:
        raise ValueError(f"window {text!r} closes before it opens")
    return opens, closes


def _clock(text: str) -> time:
    match = _CLOCK.fullmatch(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{text!r} is not a time HH:MM")
    return time(int(match[1]), int(match[2]))


# --- CSV files --------------------------------------------------------------------------


def _load_nodes(path: Path, services: Mapping[str, CarrierService]) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    lines: dict[str, int] = {}
    for row in read_rows(path, columns=NODE_COLUMNS):
        node_id = _identifier(row, "id")
        if node_id in nodes:
            raise row.error("id", f"{node_id!r} is already defined on row {lines[node_id]}")
        lines[node_id] = row.line
        nodes[node_id] = Node(
            id=node_id,
            name=row.text("name"),
            type=_member(row, "type", NodeType, row.text("type")),
            city=row.text("city"),
            location=GeoPoint(row.latitude(), row.longitude()),
            timezone=_timezone(row, "timezone"),
            opening=_opening_hours(row, "opening_hours"),
            preparation_minutes=row.integer("preparation_minutes", minimum=0),
            capabilities=frozenset(
                _member(row, "capabilities", Capability, item) for item in row.items("capabilities")
            ),
            services=frozenset(_service_codes(row, "services", services)),
            priority=row.integer("priority"),
        )
    return nodes


def _with_pickups(path: Path, nodes: dict[str, Node]) -> dict[str, Node]:
    """The nodes with the carrier collection times of `pickups.csv` attached.

    A row gives, for one node and one service it dispatches, days (as in opening hours) and
    a `|`-list of local times; a (node, service, day) appears once.
    """
    times: dict[str, dict[str, dict[int, tuple[time, ...]]]] = {}
    for row in read_rows(path, columns=PICKUP_COLUMNS):
        node_id = row.text("node_id")
        node = nodes.get(node_id)
        if node is None:
            raise row.error("node_id", f"{node_id!r} is not a node of {NODES_FILE}")
        code = row.text("service")
        if code not in node.services:
            raise row.error("service", f"{code!r} is not a service {node_id} dispatches")
        try:
            days = _days(row.text("days"))
            moments = tuple(sorted(_clock(item) for item in row.items("times")))
        except ValueError as exc:
            raise row.error("days", f"{exc}") from None
        by_day = times.setdefault(node_id, {}).setdefault(code, {})
        for day in days:
            if day in by_day:
                raise row.error("days", f"{_day_name(day)} is already given for {code}")
            by_day[day] = moments
    return {
        node_id: dataclasses.replace(
            node,
            pickups=MappingProxyType(
                {
                    code: PickupTimes(MappingProxyType(by_day))
                    for code, by_day in times.get(node_id, {}).items()
                }
            ),
        )
        for node_id, node in nodes.items()
    }


def _load_pickup_points(
    path: Path, services: Mapping[str, CarrierService]
) -> dict[str, PickupPoint]:
    points: dict[str, PickupPoint] = {}
    lines: dict[str, int] = {}
    for row in read_rows(path, columns=PICKUP_POINT_COLUMNS):
        point_id = _identifier(row, "id")
        if point_id in points:
            raise row.error("id", f"{point_id!r} is already defined on row {lines[point_id]}")
        lines[point_id] = row.line
        codes = _service_codes(row, "services", services)
        for code in codes:
            if services[code].kind is not DeliveryKind.PICKUP_POINT:
                raise row.error("services", f"{code!r} is not a PICKUP_POINT service")
        points[point_id] = PickupPoint(
            id=point_id,
            name=row.text("name"),
            type=_member(row, "type", PointType, row.text("type")),
            city=row.text("city"),
            postcode=row.text("postcode"),
            location=GeoPoint(row.latitude(), row.longitude()),
            opening=_opening_hours(row, "opening_hours"),
            services=frozenset(codes),
        )
    return points


def _load_skus(path: Path) -> dict[str, Sku]:
    skus: dict[str, Sku] = {}
    lines: dict[str, int] = {}
    for row in read_rows(path, columns=SKU_COLUMNS):
        sku = _identifier(row, "sku")
        if sku in skus:
            raise row.error("sku", f"{sku!r} is already defined on row {lines[sku]}")
        lines[sku] = row.line
        skus[sku] = Sku(sku, row.text("name"), row.integer("weight_grams", minimum=1))
    return skus


def _load_postcodes(path: Path) -> dict[tuple[str, str], GeoPoint]:
    postcodes: dict[tuple[str, str], GeoPoint] = {}
    lines: dict[tuple[str, str], int] = {}
    for row in read_rows(path, columns=POSTCODE_COLUMNS):
        country = row.text("country")
        if not _COUNTRY.fullmatch(country):
            raise row.error("country", f"{country!r} is not an ISO 3166 alpha-2 code like 'FR'")
        postcode = row.text("postcode")
        if country == "FR" and not _FRENCH_POSTCODE.fullmatch(postcode):
            raise row.error("postcode", f"{postcode!r} is not a French postcode of 5 digits")
        key = (country, postcode)
        if key in postcodes:
            raise row.error("postcode", f"{postcode!r} is already defined on row {lines[key]}")
        lines[key] = row.line
        row.text("city")
        postcodes[key] = GeoPoint(row.latitude(), row.longitude())
    return postcodes


def _identifier(row: CsvRow, column: str) -> str:
    value = row.text(column)
    if not _IDENTIFIER.fullmatch(value):
        raise row.error(column, f"{value!r} is not an UPPER-KEBAB identifier like 'OAK-TABLE-120'")
    return value


def _member(row: CsvRow, column: str, kind: type[_E], name: str) -> _E:
    try:
        return kind[name]
    except KeyError:
        allowed = ", ".join(member.name for member in kind)
        raise row.error(column, f"{name!r} is not one of {allowed}") from None


def _timezone(row: CsvRow, column: str) -> str:
    name = row.text(column)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise row.error(column, f"{name!r} is not an IANA time zone like 'Europe/Paris'") from None
    return name


def _opening_hours(row: CsvRow, column: str) -> OpeningHours:
    text = row.text(column)
    try:
        return parse_opening_hours(text)
    except ValueError as exc:
        raise row.error(column, f"{text!r} is not valid opening hours: {exc}") from None


def _service_codes(row: CsvRow, column: str, services: Mapping[str, CarrierService]) -> list[str]:
    codes = row.items(column)
    for code in codes:
        if code not in services:
            raise row.error(
                column,
                f"{code!r} is not a service of {SERVICES_FILE} ({', '.join(sorted(services))})",
            )
    return codes


# --- TOML files -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Settings:
    version: str
    country: str
    reservation_ttl_seconds: int
    transfer_service: str | None
    safety_stock: dict[NodeType, int]


@dataclass(frozen=True, slots=True)
class _Table:
    """A TOML table with the place it came from, and typed accessors that report it."""

    file: str
    name: str
    line: int | None
    data: Mapping[str, object]

    def error(self, key: str, message: str) -> NetworkDataError:
        return NetworkDataError(f"{self.place()} key {key}: {message}")

    def place(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        return f"{where} [{self.name}]" if self.name else where

    def only(self, allowed: Collection[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unexpected key, expected only {', '.join(allowed)}")

    def require(self, key: str) -> object:
        if key not in self.data:
            raise self.error(key, "the key is missing")
        return self.data[key]

    def string(self, key: str) -> str:
        value = self.require(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"{value!r} is not a non-empty string")
        return value.strip()

    def integer(self, key: str, *, minimum: int) -> int:
        value = self.require(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, f"{value!r} is not a whole number")
        if value < minimum:
            raise self.error(key, f"{value!r} is below the minimum {minimum}")
        return value

    def number(self, key: str, *, minimum: float = 0.0) -> float:
        return _number(self, key, self.require(key), minimum=minimum)

    def clock(self, key: str) -> time:
        value = self.require(key)
        if not isinstance(value, time):
            raise self.error(key, f"{value!r} is not a TOML local time like 15:00:00")
        return value

    def table(self, key: str) -> _Table:
        value = self.require(key)
        if not isinstance(value, dict):
            raise self.error(key, f"{value!r} is not a table")
        return _Table(self.file, f"{self.name}.{key}" if self.name else key, self.line, value)

    def array(self, key: str) -> list[object]:
        value = self.require(key)
        if not isinstance(value, list) or not value:
            raise self.error(key, f"{value!r} is not a non-empty array")
        return value


def _number(table: _Table, key: str, value: object, *, minimum: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        raise table.error(key, f"{value!r} is not a number")
    if value < minimum:
        raise table.error(key, f"{value!r} is below the minimum {minimum:g}")
    return float(value)


def _read_toml(path: Path) -> tuple[_Table, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise missing_file(path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NetworkDataError(f"{path}: not valid TOML: {exc}") from None
    return _Table(str(path), "", None, data), text.splitlines()


def _header_line(lines: list[str], header: str, occurrence: int = 0) -> int | None:
    """The 1-based line of the `occurrence`-th table header `header`, when it is written out."""
    found = [number for number, line in enumerate(lines, start=1) if line.strip() == header]
    return found[occurrence] if occurrence < len(found) else None


def _load_settings(path: Path, services: Mapping[str, CarrierService]) -> _Settings:
    root, _ = _read_toml(path)
    root.only(
        (
            "name",
            "version",
            "country",
            "reservation_ttl_seconds",
            "transfer_service",
            "safety_stock",
        )
    )
    root.string("name")
    country = root.string("country")
    if not _COUNTRY.fullmatch(country):
        raise root.error("country", f"{country!r} is not an ISO 3166 alpha-2 code like 'FR'")
    transfer: str | None = None
    if "transfer_service" in root.data:
        transfer = root.string("transfer_service")
        if transfer not in services:
            raise root.error(
                "transfer_service",
                f"{transfer!r} is not a service of {SERVICES_FILE} ({', '.join(sorted(services))})",
            )
    safety: dict[NodeType, int] = {}
    if "safety_stock" in root.data:
        table = root.table("safety_stock")
        for name in table.data:
            if name not in NodeType.__members__:
                allowed = ", ".join(member.name for member in NodeType)
                raise table.error(name, f"{name!r} is not a node type ({allowed})")
            safety[NodeType[name]] = table.integer(name, minimum=0)
    return _Settings(
        version=root.string("version"),
        country=country,
        reservation_ttl_seconds=root.integer("reservation_ttl_seconds", minimum=1),
        transfer_service=transfer,
        safety_stock=safety,
    )


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
)


def _load_services(path: Path) -> tuple[dict[str, CarrierService], CustomerTrip | None]:
    root, lines = _read_toml(path)
    root.only(("emission_factors", "services", "customer_trip"))
    factors = _load_factors(root.table("emission_factors"), lines)
    services_table = root.table("services")
    services: dict[str, CarrierService] = {}
    for code in services_table.data:
        if not _IDENTIFIER.fullmatch(code):
            raise services_table.error(code, f"{code!r} is not an UPPER-KEBAB service code")
        table = services_table.table(code)
        table = _Table(
            table.file, table.name, _header_line(lines, f"[services.{code}]"), table.data
        )
        services[code] = _service(code, table, factors, lines)
    if not services:
        raise NetworkDataError(f"{path} [services]: no service is defined")
    return services, _customer_trip(root, lines) if "customer_trip" in root.data else None


def _customer_trip(root: _Table, lines: list[str]) -> CustomerTrip:
    table = root.table("customer_trip")
    table = _Table(table.file, table.name, _header_line(lines, "[customer_trip]"), table.data)
    table.only(("mode", "grams_per_km", "walk_below_km", "source"))
    return CustomerTrip(
        mode=table.string("mode"),
        grams_per_km=table.number("grams_per_km"),
        walk_below_km=table.number("walk_below_km"),
        source=table.string("source"),
    )


def _load_factors(table: _Table, lines: list[str]) -> dict[str, EmissionFactor]:
    factors: dict[str, EmissionFactor] = {}
    for mode in table.data:
        entry = table.table(mode)
        entry = _Table(entry.file, entry.name, _header_line(lines, f"[{entry.name}]"), entry.data)
        entry.only(("grams_per_tonne_km", "source"))
        factors[mode] = EmissionFactor(
            mode=mode,
            grams_per_tonne_km=entry.number("grams_per_tonne_km"),
            source=entry.string("source"),
        )
    return factors


def _service(
    code: str, table: _Table, factors: Mapping[str, EmissionFactor], lines: list[str]
) -> CarrierService:
    table.only(_SERVICE_KEYS)
    kind_name = table.string("kind")
    if kind_name not in DeliveryKind.__members__:
        allowed = ", ".join(member.name for member in DeliveryKind)
        raise table.error("kind", f"{kind_name!r} is not a delivery kind ({allowed})")
    price = table.table("price")
    price.only(("base_cents", "per_kg_cents"))
    max_distance = table.number("max_distance_km") if "max_distance_km" in table.data else None
    try:
        return CarrierService(
            code=code,
            name=table.string("name"),
            carrier=table.string("carrier"),
            kind=DeliveryKind[kind_name],
            cutoff=table.clock("cutoff"),
            transit=_transit(code, table, lines),
            delivery_weekdays=frozenset(_weekdays(table, "delivery_weekdays")),
            price=Price(
                base_cents=price.integer("base_cents", minimum=0),
                per_kg_cents=price.integer("per_kg_cents", minimum=0),
            ),
            linehaul=_factor(table, "linehaul", factors),
            last_mile=_factor(table, "last_mile", factors),
            last_mile_grams_per_parcel=table.number("last_mile_grams_per_parcel"),
            packaging_grams=table.integer("packaging_grams", minimum=0),
            max_distance_km=max_distance,
            delivery_window=_delivery_window(table) if "delivery_window" in table.data else None,
            max_parcel_grams=(
                table.integer("max_parcel_grams", minimum=1)
                if "max_parcel_grams" in table.data
                else None
            ),
        )
    except CarrierDataError as exc:
        raise NetworkDataError(f"{table.place()}: {exc}") from None


def _transit(code: str, table: _Table, lines: list[str]) -> TransitTable:
    bands: list[TransitBand] = []
    for index, entry in enumerate(table.array("transit")):
        header = f"[[services.{code}.transit]]"
        band = _Table(
            table.file, f"services.{code}.transit[{index}]", _header_line(lines, header, index), {}
        )
        if not isinstance(entry, dict):
            raise band.error("transit", f"{entry!r} is not a table")
        band = _Table(band.file, band.name, band.line, entry)
        band.only(("max_km", "days"))
        max_km = band.number("max_km")
        days = [_number(band, "days", day, minimum=0.0) for day in band.array("days")]
        try:
            bands.append(TransitBand(max_km, tuple(days)))
        except CarrierDataError as exc:
            raise NetworkDataError(f"{band.place()}: service {code}: {exc}") from None
    try:
        return TransitTable(tuple(bands))
    except CarrierDataError as exc:
        raise NetworkDataError(f"{table.place()}: service {code}: {exc}") from None


def _weekdays(table: _Table, key: str) -> list[int]:
    days: list[int] = []
    for name in table.array(key):
        if not isinstance(name, str) or name not in WEEKDAYS:
            raise table.error(key, f"{name!r} is not a day ({', '.join(WEEKDAYS)})")
        days.append(WEEKDAYS[name])
    return days


def _factor(table: _Table, key: str, factors: Mapping[str, EmissionFactor]) -> EmissionFactor:
    mode = table.string(key)
    if mode not in factors:
        raise table.error(
            key, f"{mode!r} is not an emission factor of [emission_factors] ({', '.join(factors)})"
        )
    return factors[mode]


def _delivery_window(table: _Table) -> tuple[time, time]:
    window = table.array("delivery_window")
    moments = [moment for moment in window if isinstance(moment, time)]
    if len(window) != 2 or len(moments) != 2:
        raise table.error("delivery_window", f"{window!r} is not [start, end] local times")
    start, end = moments
    if end <= start:
        raise table.error("delivery_window", f"{window!r} ends before it starts")
    return start, end


# --- stock rules: channels.toml, safety.toml ----------------------------------------------

CHANNELS_FILE = "channels.toml"
SAFETY_FILE = "safety.toml"
_SHARE = re.compile(r"(\d+(?:\.\d{1,2})?)%")


@dataclass(frozen=True, slots=True)
class StockRulesConfig:
    """The store's rules, and which channel a client sells on when its key names none."""

    rules: StockRules
    clients: Mapping[str, str]
    default_channel: str

    def channel_of(self, client_id: str, channel: str | None = None) -> str:
        """The channel of the rules a caller sells on: its own if the rules know it."""
        if channel is not None and channel in self.rules.channels:
            return channel
        return self.clients.get(client_id, self.default_channel)


def load_stock_rules(directory: Path, network: Network) -> StockRulesConfig:
    """Channels and safety stock from channels.toml and safety.toml (both optional)."""
    node_types = {node.id: node.type.value for node in network.nodes.values()}
    by_type = {kind.value: Protection(units=u) for kind, u in network.safety_stock_by_type.items()}
    by_node: dict[str, Protection] = {}
    by_node_sku: dict[tuple[str, str], Protection] = {}
    future: frozenset[str] = frozenset()
    if (directory / SAFETY_FILE).exists():
        root, lines = _read_toml(directory / SAFETY_FILE)
        root.only(("future_stock_nodes", "nodes", "skus"))
        if "future_stock_nodes" in root.data:
            future = frozenset(_node_ids(root, "future_stock_nodes", node_types))
        if "nodes" in root.data:
            table = dataclasses.replace(root.table("nodes"), line=_header_line(lines, "[nodes]"))
            for node_id in table.data:
                _known_node(table, node_id, node_types)
                by_node[node_id] = _protection(table, node_id)
        if "skus" in root.data:
            for index, item in enumerate(root.array("skus")):
                if not isinstance(item, dict):
                    raise root.error("skus", f"entry {index + 1} is not a table")
                rule = _Table(root.file, "skus", _header_line(lines, "[[skus]]", index), item)
                rule.only(("node", "sku", "units", "share"))
                node_id = rule.string("node")
                _known_node(rule, "node", node_types, node_id)
                sku = rule.string("sku")
                if sku not in network.skus:
                    raise rule.error("sku", f"{sku!r} is not a SKU of {SKUS_FILE}")
                by_node_sku[(node_id, sku)] = _protection(
                    rule, "units" if "units" in item else "share"
                )
    channels: dict[str, Channel] = {}
    clients: dict[str, str] = {}
    default = ""
    if (directory / CHANNELS_FILE).exists():
        root, lines = _read_toml(directory / CHANNELS_FILE)
        root.only(("default_channel", "channels", "clients"))
        table = root.table("channels")
        for name in table.data:
            line = _header_line(lines, f"[channels.{name}]")
            entry = dataclasses.replace(table.table(name), line=line)
            entry.only(("nodes", "node_types", "cap_per_store"))
            pool: set[str] | None = set()
            if entry.data.get("nodes") == "*":
                pool = None
            elif "nodes" in entry.data:
                pool = set(_node_ids(entry, "nodes", node_types))
            if pool is not None and "node_types" in entry.data:
                types = entry.array("node_types")
                for kind in types:
                    if kind not in {t.value for t in NodeType}:
                        raise entry.error("node_types", f"{kind!r} is not a node type")
                pool |= {node for node, t in node_types.items() if t in types}
            caps: dict[str, int] = {}
            if "cap_per_store" in entry.data:
                cap = entry.integer("cap_per_store", minimum=0)
                stores = (n for n, t in node_types.items() if t == NodeType.STORE.value)
                caps = {n: cap for n in stores if pool is None or n in pool}
            channels[name] = Channel(name, None if pool is None else frozenset(pool), caps)
        default = root.string("default_channel")
        if default not in channels:
            raise root.error("default_channel", f"{default!r} is not a channel of [channels]")
        if "clients" in root.data:
            client_table = dataclasses.replace(
                root.table("clients"), line=_header_line(lines, "[clients]")
            )
            for client, channel in client_table.data.items():
                if channel not in channels:
                    raise client_table.error(client, f"{channel!r} is not a channel of [channels]")
                clients[client] = str(channel)
    rules = StockRules(
        node_types=node_types,
        by_type=by_type,
        by_node=by_node,
        by_node_sku=by_node_sku,
        channels=channels,
        future_stock_nodes=future,
        known_nodes=frozenset(network.nodes),
        known_skus=frozenset(network.skus),
    )
    return StockRulesConfig(rules, clients, default)


def _node_ids(table: _Table, key: str, node_types: Mapping[str, str]) -> list[str]:
    ids = []
    for value in table.array(key):
        if not isinstance(value, str):
            raise table.error(key, f"{value!r} is not a node id")
        _known_node(table, key, node_types, value)
        ids.append(value)
    return ids


def _known_node(
    table: _Table, key: str, node_types: Mapping[str, str], node_id: str | None = None
) -> None:
    node_id = key if node_id is None else node_id
    if node_id not in node_types:
        raise table.error(key, f"{node_id!r} is not a node of {NODES_FILE}")


def _protection(table: _Table, key: str) -> Protection:
    value = table.require(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return Protection(units=value)
    if isinstance(value, str) and (match := _SHARE.fullmatch(value.strip())):
        share_bp = round(float(match.group(1)) * 100)
        if share_bp <= 10_000:
            return Protection(share_bp=share_bp)
    raise table.error(key, f"{value!r} is neither whole units >= 0 nor a share like '10%'")


# --- rule profiles: profiles.toml ----------------------------------------------------------

PROFILES_FILE = "profiles.toml"
_PROFILE_KEYS = ("objective", "max_shipments", "handling_cents", "keep_store_units", "filters")
_FILTER_KEYS = (
    "node_types",
    "max_distance_km",
    "capacity",
    "excluded_nodes",
    "ship_from_store",
)


def _load_profiles(
    directory: Path, nodes: Mapping[str, Node]
) -> tuple[dict[str, RuleProfile], dict[str, int]]:
    """Rule profiles by channel and daily capacity by node, from profiles.toml.

    Every profile must name a channel of channels.toml when that file exists; errors name
    the file, the profile's table and the key.
    """
    root, lines = _read_toml(directory / PROFILES_FILE)
    root.only(("version", "daily_capacity", "profiles"))
    version = root.string("version")
    capacity: dict[str, int] = {}
    if "daily_capacity" in root.data:
        table = dataclasses.replace(
            root.table("daily_capacity"), line=_header_line(lines, "[daily_capacity]")
        )
        by_type = {k: table.integer(k, minimum=0) for k in table.data if k in NodeType.__members__}
        for key in table.data:
            if key not in NodeType.__members__ and key not in nodes:
                raise table.error(key, f"{key!r} is neither a node type nor a node of {NODES_FILE}")
        for node in nodes.values():
            if node.type.value in by_type:
                capacity[node.id] = by_type[node.type.value]
        for key in table.data:
            if key in nodes:
                capacity[key] = table.integer(key, minimum=0)
    channels: set[str] | None = None
    if (directory / CHANNELS_FILE).exists():
        channel_root, _ = _read_toml(directory / CHANNELS_FILE)
        channels = set(channel_root.table("channels").data)
    profiles: dict[str, RuleProfile] = {}
    table = root.table("profiles")
    for name in table.data:
        entry = dataclasses.replace(
            table.table(name), line=_header_line(lines, f"[profiles.{name}]")
        )
        if channels is not None and name not in channels:
            raise entry.error(name, f"{name!r} is not a channel of {CHANNELS_FILE}")
        profiles[name] = _profile(name, version, entry, nodes, lines)
    return profiles, capacity


def _profile(
    name: str, version: str, entry: _Table, nodes: Mapping[str, Node], lines: list[str]
) -> RuleProfile:
    entry.only(_PROFILE_KEYS)
    try:
        objective = parse_objective([str(item) for item in entry.array("objective")])
    except ValueError as exc:
        raise entry.error("objective", str(exc)) from None
    handling: dict[NodeType, int] = {}
    if "handling_cents" in entry.data:
        costs = entry.table("handling_cents")
        for kind in costs.data:
            if kind not in NodeType.__members__:
                raise costs.error(kind, f"{kind!r} is not a node type")
            handling[NodeType[kind]] = costs.integer(kind, minimum=0)
    filters = Filters()
    if "filters" in entry.data:
        table = dataclasses.replace(
            entry.table("filters"), line=_header_line(lines, f"[profiles.{name}.filters]")
        )
        table.only(_FILTER_KEYS)
        filters = Filters(
            node_types=(
                frozenset(_node_type(table, item) for item in table.array("node_types"))
                if "node_types" in table.data
                else None
            ),
            max_distance_km=(
                table.number("max_distance_km") if "max_distance_km" in table.data else None
            ),
            require_capacity=_flag(table, "capacity"),
            excluded_nodes=frozenset(_excluded(table, nodes)),
            ship_from_store=_flag(table, "ship_from_store"),
        )
    return RuleProfile(
        name=name,
        version=version,
        filters=filters,
        objective=objective,
        max_shipments=(
            entry.integer("max_shipments", minimum=1) if "max_shipments" in entry.data else 3
        ),
        handling_cents=MappingProxyType(handling),
        keep_store_units=(
            entry.integer("keep_store_units", minimum=0) if "keep_store_units" in entry.data else 2
        ),
    )


def _node_type(table: _Table, value: object) -> NodeType:
    if not isinstance(value, str) or value not in NodeType.__members__:
        allowed = ", ".join(NodeType.__members__)
        raise table.error("node_types", f"{value!r} is not a node type ({allowed})")
    return NodeType[value]


def _flag(table: _Table, key: str) -> bool:
    value = table.data.get(key, True)
    if not isinstance(value, bool):
        raise table.error(key, f"{value!r} is not true or false")
    return value


def _excluded(table: _Table, nodes: Mapping[str, Node]) -> list[str]:
    value = table.data.get("excluded_nodes", [])
    if not isinstance(value, list):
        raise table.error("excluded_nodes", f"{value!r} is not an array of node ids")
    for node_id in value:
        if node_id not in nodes:
            raise table.error("excluded_nodes", f"{node_id!r} is not a node of {NODES_FILE}")
    return [str(node_id) for node_id in value]
