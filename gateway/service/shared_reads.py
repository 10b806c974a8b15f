"""Stock one operation has read, or is reading, for its other root fields to reuse.

A product page asks, in one operation, `availability` of a SKU near the shopper and
`deliveryOptions` for it: both read the same SKU at the same nearest nodes under the same
channel. The root fields of a query run concurrently and `availability` starts first (document
order), so it announces its read before sending it; `deliveryOptions` then awaits that read
instead of sending the same two round trips again, and both fields answer from the very same
levels. A read that fails is withdrawn: whoever waited on it reads for itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass

Levels = dict[str, dict[str, int]]
"""ATP per SKU per node."""


@dataclass(frozen=True, slots=True)
class _Read:
    channel: str | None
    skus: frozenset[str]
    nodes: frozenset[str]
    levels: asyncio.Future[Levels | None]


class SharedReads:
    """The reads of one request (a new one per request: levels are never kept longer)."""

    def __init__(self) -> None:
        self._reads: list[_Read] = []

    def announce(
        self, channel: str | None, skus: Collection[str], nodes: Collection[str]
    ) -> asyncio.Future[Levels | None]:
        """A read about to be sent: settle the future with its levels, or None if it fails."""
        levels: asyncio.Future[Levels | None] = asyncio.get_running_loop().create_future()
        self._reads.append(_Read(channel, frozenset(skus), frozenset(nodes), levels))
        return levels

    async def levels(
        self, channel: str | None, skus: Collection[str], nodes: Collection[str]
    ) -> Mapping[str, Mapping[str, int]] | None:
        """The levels of a read of this request that covers these SKUs and nodes, if any."""
        for read in self._reads:
            if read.channel == channel and read.skus >= set(skus) and read.nodes >= set(nodes):
                found = await asyncio.shield(read.levels)
                if found is not None:
                    return {sku: {node: found[sku][node] for node in nodes} for sku in skus}
        return None
