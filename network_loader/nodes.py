"""The CSV files of a network: nodes, carrier pickups, pickup points and SKUs."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from carriers.calendar import subdivisions_of
from carriers.services import CarrierService, DeliveryKind
from network_loader.csv_rows import CsvRow, read_rows
from network_loader.layout import (
    COUNTRY,
    FRENCH_POSTCODE,
    IDENTIFIER,
    NODE_COLUMNS,
    NODE_OPTIONAL_COLUMNS,
    NODES_FILE,
    PICKUP_COLUMNS,
    PICKUP_POINT_COLUMNS,
    SERVICES_FILE,
    SKU_COLUMNS,
    SKU_OPTIONAL_COLUMNS,
)
from network_loader.opening_hours import clock, day_name, days, parse_opening_hours
from promise.geo import GeoPoint
from promise.network import (
    Capability,
    Node,
    NodeType,
    OpeningHours,
    PickupPoint,
    PickupTimes,
    PointType,
    Sku,
)

_E = TypeVar("_E", bound=enum.Enum)


def load_nodes(
    path: Path, services: Mapping[str, CarrierService], *, country: str = "FR"
) -> dict[str, Node]:
    """The nodes of `nodes.csv`; a click & collect store needs an address and a postcode."""
    nodes: dict[str, Node] = {}
    lines: dict[str, int] = {}
    for row in read_rows(path, columns=NODE_COLUMNS, optional=NODE_OPTIONAL_COLUMNS):
        node_id = _identifier(row, "id")
        if node_id in nodes:
            raise row.error("id", f"{node_id!r} is already defined on row {lines[node_id]}")
        lines[node_id] = row.line
        capabilities = frozenset(
            _member(row, "capabilities", Capability, item) for item in row.items("capabilities")
        )
        collect = Capability.CLICK_AND_COLLECT in capabilities
        nodes[node_id] = Node(
            id=node_id,
            name=row.text("name"),
            type=_member(row, "type", NodeType, row.text("type")),
            city=row.text("city"),
            location=GeoPoint(row.latitude(), row.longitude()),
            timezone=_timezone(row, "timezone"),
            opening=_opening_hours(row, "opening_hours"),
            preparation_minutes=row.integer("preparation_minutes", minimum=0),
            capabilities=capabilities,
            services=frozenset(_service_codes(row, "services", services)),
            priority=row.integer("priority"),
            country=_country(row),
            subdivision=_subdivision(row),
            address=_optional_text(row, "address", required=collect),
            postcode=_postcode(row, "postcode", country=_country(row) or country, required=collect),
        )
    return nodes


def _country(row: CsvRow) -> str | None:
    country = row.optional("country")
    if country is not None and not COUNTRY.fullmatch(country):
        raise row.error("country", f"{country!r} is not an ISO 3166 alpha-2 code like 'DE'")
    return country


def _subdivision(row: CsvRow) -> str | None:
    """A subdivision with its own public holidays, checked against the `holidays` package."""
    subdivision = row.optional("subdivision")
    if subdivision is None:
        return None
    country = row.optional("country")
    if country is None:
        raise row.error("subdivision", "a subdivision needs the node's country")
    known = subdivisions_of(country)
    if subdivision not in known:
        raise row.error(
            "subdivision",
            f"{subdivision!r} is not a holiday subdivision of {country} ({', '.join(known)})",
        )
    return subdivision


def _optional_text(row: CsvRow, column: str, *, required: bool) -> str:
    return row.text(column) if required else row.values[column].strip()


def _postcode(row: CsvRow, column: str, *, country: str, required: bool) -> str:
    """A node's postcode: required of a collect store, 5 digits in France when given."""
    postcode = _optional_text(row, column, required=required)
    if postcode and country == "FR" and not FRENCH_POSTCODE.fullmatch(postcode):
        raise row.error(column, f"{postcode!r} is not a French postcode of 5 digits")
    return postcode


def with_pickups(path: Path, nodes: dict[str, Node]) -> dict[str, Node]:
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
            weekdays = days(row.text("days"))
            moments = tuple(sorted(clock(item) for item in row.items("times")))
        except ValueError as exc:
            raise row.error("days", f"{exc}") from None
        by_day = times.setdefault(node_id, {}).setdefault(code, {})
        for day in weekdays:
            if day in by_day:
                raise row.error("days", f"{day_name(day)} is already given for {code}")
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


def load_pickup_points(
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


def load_skus(path: Path) -> dict[str, Sku]:
    skus: dict[str, Sku] = {}
    lines: dict[str, int] = {}
    for row in read_rows(path, columns=SKU_COLUMNS, optional=SKU_OPTIONAL_COLUMNS):
        sku = _identifier(row, "sku")
        if sku in skus:
            raise row.error("sku", f"{sku!r} is already defined on row {lines[sku]}")
        lines[sku] = row.line
        length = row.integer("length_mm", minimum=1) if row.optional("length_mm") else None
        skus[sku] = Sku(sku, row.text("name"), row.integer("weight_grams", minimum=1), length)
    return skus


def _identifier(row: CsvRow, column: str) -> str:
    value = row.text(column)
    if not IDENTIFIER.fullmatch(value):
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
