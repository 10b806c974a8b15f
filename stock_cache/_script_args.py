"""What the Redis SKU scripts need to know of each node, worked out once per process.

A node's safety rule and a channel's pool and cap are static for the life of a store (its
StockRules), so the (safety units, safety share, cap) of each node under each channel is
computed the first time it is asked and kept; only the few (node, SKU) rules are looked up
per SKU. A network (a list of nodes) asked about under a channel gets the same treatment:
its nodes, each once, and the fingerprint that names its cached totals in Redis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

from stock_cache.redis_keys import gen_field
from stock_cache.rules import Channel, Protection, StockRules


class KeptArgument:
    """A long script argument a standalone server may keep (kept_argument in _common.lua):
    its text, its name there (a digest of it), and whether this process sent it there. A
    server turns every argument into a Lua string, reading all its bytes, before the script
    runs: one it keeps goes by its name."""

    __slots__ = ("name", "sent", "text")

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.name = hashlib.blake2b(text, digest_size=16).hexdigest()
        self.sent = False

    def sent_as(self, kept: bool) -> bytes:
        """The argument to send: none (b'') once sent to a server that keeps it (`kept`: the
        script runs there as a function, whose library lasts from call to call)."""
        return b"" if kept and self.sent else self.text


NodeArgs = tuple[int, int, int]
"""Safety units, safety share (basis points), cap (-1 none, -2 outside the channel)."""

# Networks kept per store: a gateway asks about one, tests about a few.
_NETWORKS_KEPT = 64

SECTIONS = 32
"""How many sections a network's nodes are split into (see section_of)."""


def section_of(node: str) -> int:
    """The section of a node, by its id alone (the same as section_of in lua/_common.lua).

    A SKU's network-wide total is cached as one subtotal per section, and a change at a node
    forgets its section's: with 32 sections, the next reader reads a thirty-second of the
    network's nodes, and sums 32 subtotals.
    """
    # SHA-1, which scripts have (redis.sha1hex): node ids are alike (STORE-0001, ...) and a
    # plain string hash left some sections empty and others four times the mean.
    return int(hashlib.sha1(node.encode()).hexdigest()[:8], 16) % SECTIONS


@dataclass(frozen=True, slots=True)
class Network:
    """A network's nodes under one channel: each once, in order."""

    nodes: tuple[str, ...]
    # Each node's position in `nodes`.
    index: Mapping[str, int]
    # Their fields in the `{gens}` hash.
    gen_fields: tuple[str, ...]
    # The field of a SKU's totals hash that holds this network's total: it changes with the
    # channel, the rules and the set of nodes, so no two of them ever share a total.
    field: str
    # The nodes of each section that holds some (section_of), by section id as text.
    sections: Mapping[str, tuple[str, ...]]
    # Their ids, as the scripts take them: "0,3,17".
    sections_text: str


class ScriptArgs:
    """The per-node arguments of the SKU scripts under the rules of one store."""

    def __init__(self, rules: StockRules) -> None:
        self._rules = rules
        self._by_channel: dict[str | None, dict[str, NodeArgs]] = {}
        self._by_sku: dict[str, dict[str, Protection]] = {}
        for (node, sku), protection in rules.by_node_sku.items():
            self._by_sku.setdefault(sku, {})[node] = protection
        self._networks: dict[tuple[str | None, tuple[str, ...]], Network] = {}
        # (channel, id of the sequence) -> the sequence, held so that its id stays its own.
        self._by_identity: dict[tuple[str | None, int], tuple[Sequence[str], Network]] = {}
        self._rules_text = _rules_text(rules)

    def node(self, channel: str | None, node: str, sku: str) -> NodeArgs:
        """A node's arguments for one SKU; UnknownChannel for a channel the rules lack."""
        found = self._base(channel, node)
        specific = self._by_sku.get(sku)
        if specific is not None and node in specific:
            protection = specific[node]
            return protection.units, protection.share_bp, found[2]
        return found

    def own_rules_at(self, sku: str, nodes: Container[str]) -> bool:
        """Whether a (node, SKU) rule of this SKU names one of these nodes."""
        specific = self._by_sku.get(sku)
        return specific is not None and any(node in nodes for node in specific)

    def network(self, channel: str | None, nodes: Sequence[str]) -> Network:
        """A network's nodes and cache field; UnknownChannel for a channel the rules lack."""
        # A caller passes the same tuple on every read: found by identity first, as hashing
        # a tuple of 10,000 node ids took 40 us a read. Only tuples: a list may change.
        same = self._by_identity.get((channel, id(nodes)))
        if same is not None and same[0] is nodes:
            return same[1]
        key = (channel, tuple(nodes))
        found = self._networks.get(key)
        if found is None:
            if len(self._networks) >= _NETWORKS_KEPT:
                self._networks.clear()
                self._by_identity.clear()
            unique = tuple(dict.fromkeys(nodes))
            seen = self._rules.channel(channel)
            text = json.dumps([self._rules_text, _channel_text(seen), sorted(unique)])
            sections: dict[int, list[str]] = {}
            for node in unique:
                sections.setdefault(section_of(node), []).append(node)
            found = self._networks[key] = Network(
                nodes=unique,
                index={node: position for position, node in enumerate(unique)},
                gen_fields=tuple(gen_field(node) for node in unique),
                field=hashlib.blake2b(text.encode(), digest_size=12).hexdigest(),
                sections={str(k): tuple(sections[k]) for k in sorted(sections)},
                sections_text=",".join(str(k) for k in sorted(sections)),
            )
        if isinstance(nodes, tuple):
            if len(self._by_identity) >= _NETWORKS_KEPT:
                self._by_identity.clear()
            self._by_identity[(channel, id(nodes))] = (nodes, found)
        return found

    def _base(self, channel: str | None, node: str) -> NodeArgs:
        known = self._by_channel.get(channel)
        if known is None:
            self._rules.channel(channel)  # UnknownChannel before anything is kept
            known = self._by_channel[channel] = {}
        found = known.get(node)
        if found is None:
            found = known[node] = self._compute(self._rules.channel(channel), node)
        return found

    def _compute(self, channel: Channel | None, node: str) -> NodeArgs:
        # Without the (node, SKU) rules, which node() and for_sku() apply per SKU.
        protection = self._rules.node_protection(node)
        cap = -1
        if channel is not None:
            if not channel.sells_from(node):
                cap = -2
            elif (node_cap := channel.cap(node)) is not None:
                cap = node_cap
        return protection.units, protection.share_bp, cap


def _rules_text(rules: StockRules) -> str:
    """The safety rules, canonical: equal rules give equal text whatever their order."""

    def of(protection: Protection) -> list[int]:
        return [protection.units, protection.share_bp]

    return json.dumps(
        [
            sorted(rules.node_types.items()),
            sorted((kind, of(p)) for kind, p in rules.by_type.items()),
            sorted((node, of(p)) for node, p in rules.by_node.items()),
            sorted(([node, sku], of(p)) for (node, sku), p in rules.by_node_sku.items()),
        ]
    )


def _channel_text(channel: Channel | None) -> str:
    if channel is None:
        return "null"
    pool = None if channel.nodes is None else sorted(channel.nodes)
    return json.dumps([channel.name, pool, sorted(channel.caps.items())])
