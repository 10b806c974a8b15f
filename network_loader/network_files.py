"""Load the static network from plain files and refuse anything that does not hold together.

A network directory holds `network.toml` (settings), `services.toml` (carrier services and
emission factors), `nodes.csv`, `skus.csv` and `stock.csv`, and optionally
`pickups.csv` (carrier collection times per node) and `pickup_points.csv` (relay points and
lockers); its README documents every column. Everything is checked at load time, and the
first problem raises `NetworkDataError` naming the file, the row (the 1-based line an editor
shows) and the column, e.g. `network/demo/nodes.csv row 7 column latitude: '200' is not a
latitude in [-90, 90]`. TOML problems name the file, the line of the table and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from carriers.services import CarrierService
from network_loader.csv_rows import read_rows
from network_loader.layout import (
    COUNTRY,
    NETWORK_FILE,
    NODES_FILE,
    PICKUP_POINTS_FILE,
    PICKUPS_FILE,
    PROFILES_FILE,
    SERVICES_FILE,
    SKUS_FILE,
    STOCK_COLUMNS,
    STOCK_FILE,
)
from network_loader.nodes import (
    load_nodes,
    load_pickup_points,
    load_skus,
    with_pickups,
)
from network_loader.profiles import load_profiles
from network_loader.services import load_services
from network_loader.toml_tables import read_toml
from promise.network import Network, NodeType


def load_network(directory: Path) -> Network:
    """The network described by the files in `directory`, fully validated."""
    services, customer_trip, zones = load_services(directory / SERVICES_FILE)
    settings = _load_settings(directory / NETWORK_FILE, services)
    nodes = load_nodes(directory / NODES_FILE, services, country=settings.country)
    if (directory / PICKUPS_FILE).exists():
        nodes = with_pickups(directory / PICKUPS_FILE, nodes)
    points = (
        load_pickup_points(directory / PICKUP_POINTS_FILE, services)
        if (directory / PICKUP_POINTS_FILE).exists()
        else {}
    )
    profiles, capacity = (
        load_profiles(directory, nodes) if (directory / PROFILES_FILE).exists() else ({}, {})
    )
    return Network(
        version=settings.version,
        nodes=MappingProxyType(nodes),
        skus=MappingProxyType(load_skus(directory / SKUS_FILE)),
        services=MappingProxyType(services),
        country=settings.country,
        safety_stock_by_type=MappingProxyType(settings.safety_stock),
        reservation_ttl_seconds=settings.reservation_ttl_seconds,
        transfer_service=settings.transfer_service,
        pickup_points=MappingProxyType(points),
        customer_trip=customer_trip,
        profiles=MappingProxyType(profiles),
        daily_capacity=MappingProxyType(capacity),
        zones=zones,
    )


@dataclass(frozen=True)
class NetworkFiles:
    """A network directory read once: the network, and its stock levels on first use (only
    the embedded store is seeded from them). Shared read-only: every app started on it, in a
    process that starts many (the tests), reads the files once."""

    directory: Path
    network: Network

    @classmethod
    def read(cls, directory: Path) -> NetworkFiles:
        return cls(directory, load_network(directory))

    @cached_property
    def stock_levels(self) -> Mapping[str, Mapping[str, int]]:
        levels = load_stock_levels(self.directory, network=self.network)
        return MappingProxyType({node: MappingProxyType(skus) for node, skus in levels.items()})


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


@dataclass(frozen=True, slots=True)
class _Settings:
    version: str
    country: str
    reservation_ttl_seconds: int
    transfer_service: str | None
    safety_stock: dict[NodeType, int]


def _load_settings(path: Path, services: Mapping[str, CarrierService]) -> _Settings:
    root, _ = read_toml(path)
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
    if not COUNTRY.fullmatch(country):
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
