"""What a channel publishes: the quantity of each SKU it may sell, and the changes to it.

A channel publishes, per SKU, the sum of what it sees at the nodes it may ship from (its pool
less collect-only stores, as the network loader decides), its caps and safety stock applied
as for any read, less a buffer of its own held back on the total (a marketplace oversold
costs more than a sale missed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PublishedChannel:
    """A channel's publication rules: the nodes whose stock it may sell, and its buffer."""

    name: str
    nodes: tuple[str, ...]
    buffer: int = 0

    def quantity(self, total: int) -> int:
        """What the channel publishes of a SKU whose ATP over its nodes is `total`."""
        return max(0, total - self.buffer)


@dataclass(frozen=True, slots=True)
class PublicationRules:
    """Every channel that publishes, by name."""

    channels: Mapping[str, PublishedChannel] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChannelChange:
    """A SKU's published quantity, as changed at `at_ms` (epoch milliseconds)."""

    sku: str
    quantity: int
    at_ms: int


@dataclass(frozen=True, slots=True)
class ChannelPage:
    """The changes after a cursor, oldest first, each SKU once (its latest); `cursor` is where
    the next page starts (the cursor given, when nothing changed since)."""

    changes: tuple[ChannelChange, ...]
    cursor: str


@dataclass(frozen=True, slots=True)
class ChannelExport:
    """A channel's whole publication: every SKU's quantity, and the cursor of the change feed
    to follow from. Changes made during the export come again after that cursor."""

    cursor: str
    quantities: tuple[ChannelChange, ...]
