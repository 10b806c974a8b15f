"""Static availability rules: safety stock, channel pools and caps, future stock per node.

Safety stock ("protection") is found by the most specific rule: (node, SKU), then node, then
node type, else none. A rule holds back either whole units or a share of on hand (rounded
up, in basis points so that every backend computes the same integer).

A channel sells from a pool of nodes (all nodes when the pool is None), optionally capped
per node: it sees min(cap, ATP). ATP itself is shared physical stock less every live
reservation whatever its channel, so a unit is never counted twice across channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from carriers.echo import shown
from stock_cache.errors import UnknownChannel


@dataclass(frozen=True, slots=True)
class Protection:
    """Held back: `units`, or `share_bp` basis points of on hand, rounded up."""

    units: int = 0
    share_bp: int = 0

    def of(self, on_hand: int) -> int:
        if self.share_bp:
            return max(0, -(-on_hand * self.share_bp // 10_000))
        return self.units


NO_PROTECTION = Protection()


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    nodes: frozenset[str] | None = None  # None: every node
    caps: Mapping[str, int] = field(default_factory=dict)
    # Caps of units held (HELD) at once by one client and by one shopper; None: no cap.
    held_units_per_client: int | None = None
    held_units_per_shopper: int | None = None

    def sells_from(self, node_id: str) -> bool:
        return self.nodes is None or node_id in self.nodes

    def cap(self, node_id: str) -> int | None:
        return self.caps.get(node_id)


@dataclass(frozen=True, slots=True)
class StockRules:
    node_types: Mapping[str, str] = field(default_factory=dict)
    by_type: Mapping[str, Protection] = field(default_factory=dict)
    by_node: Mapping[str, Protection] = field(default_factory=dict)
    by_node_sku: Mapping[tuple[str, str], Protection] = field(default_factory=dict)
    channels: Mapping[str, Channel] = field(default_factory=dict)
    future_stock_nodes: frozenset[str] = frozenset()
    # The network's nodes and SKUs: a feed naming any other is refused. None: not checked.
    known_nodes: frozenset[str] | None = None
    known_skus: frozenset[str] | None = None

    @classmethod
    def from_safety_by_node(cls, safety_by_node: Mapping[str, int] | None) -> StockRules:
        return cls(
            by_node={node: Protection(units=u) for node, u in (safety_by_node or {}).items()}
        )

    def protection(self, node_id: str, sku: str) -> Protection:
        return self.by_node_sku.get((node_id, sku)) or self.node_protection(node_id)

    def node_protection(self, node_id: str) -> Protection:
        """The rule of a node for the SKUs without one of their own there."""
        found = self.by_node.get(node_id)
        if found is None:
            node_type = self.node_types.get(node_id)
            found = self.by_type.get(node_type) if node_type is not None else None
        return found or NO_PROTECTION

    def channel(self, name: str | None) -> Channel | None:
        """The named channel; None (no channel rules) for None. Raises UnknownChannel."""
        if name is None:
            return None
        try:
            return self.channels[name]
        except KeyError:
            raise UnknownChannel(name) from None

    def unknown_node(self, node_id: str) -> str | None:
        """Why a feed may not name this node (it is not the network's), or None."""
        if self.known_nodes is not None and node_id not in self.known_nodes:
            return f"nodeId {shown(node_id)} is not a node of the network"
        return None

    def unknown_sku(self, sku: str) -> str | None:
        """Why a feed may not name this SKU (it is not the network's), or None."""
        if self.known_skus is not None and sku not in self.known_skus:
            return f"sku {shown(sku)} is not a SKU of the network"
        return None

    def allows_future_stock(self, node_id: str) -> bool:
        return node_id in self.future_stock_nodes


def visible(atp: int, channel: Channel | None, node_id: str) -> int:
    """What a channel sees of `atp` at a node."""
    if channel is None:
        return atp
    if not channel.sells_from(node_id):
        return 0
    cap = channel.cap(node_id)
    return atp if cap is None else min(cap, atp)
