"""What each channel publishes (channels.toml): the nodes it may ship from and its buffer.

A channel publishes from the nodes of its pool that ship parcels: a collect-only store sells
to shoppers who come in, not to a marketplace or a storefront's index. `publish_buffer`
(units, default 0) is held back from each SKU's total.
"""

from __future__ import annotations

from pathlib import Path

from network_loader.layout import CHANNELS_FILE
from network_loader.stock_rules import StockRulesConfig
from network_loader.toml_tables import read_toml
from promise.network import Network
from promise.nodes import Capability
from stock_cache.publication_rules import PublicationRules, PublishedChannel


def load_publication(
    directory: Path, network: Network, config: StockRulesConfig
) -> PublicationRules:
    """Every channel of the rules, publishing from its shipping nodes less its buffer."""
    buffers: dict[str, int] = {}
    if (directory / CHANNELS_FILE).exists():
        root, _ = read_toml(directory / CHANNELS_FILE)
        table = root.table("channels")
        for name in table.data:
            entry = table.table(name)
            if "publish_buffer" in entry.data:
                buffers[name] = entry.integer("publish_buffer", minimum=0)
    shipping = [
        node.id for node in network.nodes.values() if Capability.SHIPS_PARCELS in node.capabilities
    ]
    channels = {}
    for name, channel in config.rules.channels.items():
        nodes = tuple(node for node in shipping if channel.sells_from(node))
        channels[name] = PublishedChannel(name, nodes, buffers.get(name, 0))
    return PublicationRules(channels)
