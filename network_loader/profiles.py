"""profiles.toml: the rule profiles by channel and the daily capacity by node."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from network_loader.layout import CHANNELS_FILE, NODES_FILE, PROFILES_FILE
from network_loader.toml_tables import TomlTable, header_line, read_toml
from promise.network import Node, NodeType
from promise.profiles import Filters, RuleProfile, parse_objective

_PROFILE_KEYS = (
    "objective",
    "max_shipments",
    "handling_cents",
    "keep_store_units",
    "allow_partial",
    "filters",
)
_FILTER_KEYS = (
    "node_types",
    "max_distance_km",
    "capacity",
    "excluded_nodes",
    "ship_from_store",
)


def load_profiles(
    directory: Path, nodes: Mapping[str, Node]
) -> tuple[dict[str, RuleProfile], dict[str, int]]:
    """Rule profiles by channel and daily capacity by node, from profiles.toml.

    Every profile must name a channel of channels.toml when that file exists; errors name
    the file, the profile's table and the key.
    """
    root, lines = read_toml(directory / PROFILES_FILE)
    root.only(("version", "daily_capacity", "profiles"))
    version = root.string("version")
    capacity: dict[str, int] = {}
    if "daily_capacity" in root.data:
        table = dataclasses.replace(
            root.table("daily_capacity"), line=header_line(lines, "[daily_capacity]")
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
        channel_root, _ = read_toml(directory / CHANNELS_FILE)
        channels = set(channel_root.table("channels").data)
    profiles: dict[str, RuleProfile] = {}
    table = root.table("profiles")
    for name in table.data:
        entry = dataclasses.replace(
            table.table(name), line=header_line(lines, f"[profiles.{name}]")
        )
        if channels is not None and name not in channels:
            raise entry.error(name, f"{name!r} is not a channel of {CHANNELS_FILE}")
        profiles[name] = _profile(name, version, entry, nodes, lines)
    return profiles, capacity


def _profile(
    name: str, version: str, entry: TomlTable, nodes: Mapping[str, Node], lines: list[str]
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
            entry.table("filters"), line=header_line(lines, f"[profiles.{name}.filters]")
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
        allow_partial=_flag(entry, "allow_partial") if "allow_partial" in entry.data else False,
    )


def _node_type(table: TomlTable, value: object) -> NodeType:
    if not isinstance(value, str) or value not in NodeType.__members__:
        allowed = ", ".join(NodeType.__members__)
        raise table.error("node_types", f"{value!r} is not a node type ({allowed})")
    return NodeType[value]


def _flag(table: TomlTable, key: str) -> bool:
    value = table.data.get(key, True)
    if not isinstance(value, bool):
        raise table.error(key, f"{value!r} is not true or false")
    return value


def _excluded(table: TomlTable, nodes: Mapping[str, Node]) -> list[str]:
    value = table.data.get("excluded_nodes", [])
    if not isinstance(value, list):
        raise table.error("excluded_nodes", f"{value!r} is not an array of node ids")
    for node_id in value:
        if node_id not in nodes:
            raise table.error("excluded_nodes", f"{node_id!r} is not a node of {NODES_FILE}")
    return [str(node_id) for node_id in value]
