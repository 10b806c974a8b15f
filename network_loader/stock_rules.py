"""channels.toml and safety.toml: the stock store's channel pools and safety stock."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from network_loader.layout import CHANNELS_FILE, NODES_FILE, SAFETY_FILE, SKUS_FILE
from network_loader.storefronts import (
    DEFAULT_STOREFRONT,
    STOREFRONT_KEYS,
    Storefront,
    storefront_of,
)
from network_loader.toml_tables import TomlTable, header_line, read_toml
from promise.network import Network, NodeType
from stock_cache.rules import Channel, Protection, StockRules

_SHARE = re.compile(r"(\d+(?:\.\d{1,2})?)%")


@dataclass(frozen=True, slots=True)
class StockRulesConfig:
    """The store's rules, and which channel a client sells on when its key names none."""

    rules: StockRules
    clients: Mapping[str, str]
    default_channel: str
    # Each channel's currency and default language (channels.toml); EUR and none by default.
    storefronts: Mapping[str, Storefront] = dataclasses.field(default_factory=dict)

    def storefront(self, client_id: str, channel: str | None = None) -> Storefront:
        """The storefront of the channel a caller sells on."""
        return self.storefronts.get(self.channel_of(client_id, channel), DEFAULT_STOREFRONT)

    # Channel -> the most units a storefront key is shown of any stock figure.
    disclosure_caps: Mapping[str, int] = dataclasses.field(default_factory=dict)

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
        root, lines = read_toml(directory / SAFETY_FILE)
        root.only(("future_stock_nodes", "nodes", "skus"))
        if "future_stock_nodes" in root.data:
            future = frozenset(_node_ids(root, "future_stock_nodes", node_types))
        if "nodes" in root.data:
            table = dataclasses.replace(root.table("nodes"), line=header_line(lines, "[nodes]"))
            for node_id in table.data:
                _known_node(table, node_id, node_types)
                by_node[node_id] = _protection(table, node_id)
        if "skus" in root.data:
            for index, item in enumerate(root.array("skus")):
                if not isinstance(item, dict):
                    raise root.error("skus", f"entry {index + 1} is not a table")
                rule = TomlTable(root.file, "skus", header_line(lines, "[[skus]]", index), item)
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
    disclosure: dict[str, int] = {}
    clients: dict[str, str] = {}
    storefronts: dict[str, Storefront] = {}
    default = ""
    if (directory / CHANNELS_FILE).exists():
        root, lines = read_toml(directory / CHANNELS_FILE)
        root.only(("default_channel", "channels", "clients"))
        table = root.table("channels")
        for name in table.data:
            line = header_line(lines, f"[channels.{name}]")
            entry = dataclasses.replace(table.table(name), line=line)
            entry.only(
                (
                    "nodes",
                    "node_types",
                    "cap_per_store",
                    "held_units_per_client",
                    "held_units_per_shopper",
                    "disclosure_cap",
                    "publish_buffer",
                    *STOREFRONT_KEYS,
                )
            )
            storefronts[name] = storefront_of(entry)
            if "disclosure_cap" in entry.data:
                disclosure[name] = entry.integer("disclosure_cap", minimum=1)
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
            held = {
                key: entry.integer(key, minimum=1)
                for key in ("held_units_per_client", "held_units_per_shopper")
                if key in entry.data
            }
            channels[name] = Channel(
                name,
                None if pool is None else frozenset(pool),
                caps,
                held_units_per_client=held.get("held_units_per_client"),
                held_units_per_shopper=held.get("held_units_per_shopper"),
            )
        default = root.string("default_channel")
        if default not in channels:
            raise root.error("default_channel", f"{default!r} is not a channel of [channels]")
        if "clients" in root.data:
            client_table = dataclasses.replace(
                root.table("clients"), line=header_line(lines, "[clients]")
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
    return StockRulesConfig(
        rules, clients, default, storefronts=storefronts, disclosure_caps=disclosure
    )


def _node_ids(table: TomlTable, key: str, node_types: Mapping[str, str]) -> list[str]:
    ids = []
    for value in table.array(key):
        if not isinstance(value, str):
            raise table.error(key, f"{value!r} is not a node id")
        _known_node(table, key, node_types, value)
        ids.append(value)
    return ids


def _known_node(
    table: TomlTable, key: str, node_types: Mapping[str, str], node_id: str | None = None
) -> None:
    node_id = key if node_id is None else node_id
    if node_id not in node_types:
        raise table.error(key, f"{node_id!r} is not a node of {NODES_FILE}")


def _protection(table: TomlTable, key: str) -> Protection:
    value = table.require(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return Protection(units=value)
    if isinstance(value, str) and (match := _SHARE.fullmatch(value.strip())):
        share_bp = round(float(match.group(1)) * 100)
        if share_bp <= 10_000:
            return Protection(share_bp=share_bp)
    raise table.error(key, f"{value!r} is neither whole units >= 0 nor a share like '10%'")
