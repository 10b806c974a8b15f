"""The orders per node and day a process read from a standalone Redis, kept while exact.

A count read at capacity epoch E (redis_keys.py) holds while the epoch is still E, since
every change of any node's orders bumps it, and until the first hold among the nodes read
expires, since expiring changes a count with no write. A read whose nodes are all known
and still in time sends only the epoch it knows (cap_read.lua answers `same`, one GET);
any other reads the nodes again, sweeping their expired holds.
"""

from __future__ import annotations

from collections.abc import Sequence

# Past this many (node, day) counts, the next read starts afresh: memory stays flat.
MAX_COUNTS = 50_000


class CapacityCounts:
    """The counts of one epoch, good until `until` (ms, the caller's clock)."""

    def __init__(self) -> None:
        self.epoch = ""
        self._until = 0
        self._counts: dict[tuple[str, str], int] = {}

    def known(self, nodes: Sequence[str], day: str, now: int) -> dict[str, int] | None:
        """The counts of `nodes` on `day`, if all are kept and none can have expired."""
        if not self.epoch or now >= self._until:
            return None
        counts = self._counts
        found: dict[str, int] = {}
        for node in nodes:
            count = counts.get((node, day))
            if count is None:
                return None
            found[node] = count
        return found

    def learn(
        self, epoch: str, first_expiry: int, counts: dict[str, int], day: str, now: int
    ) -> None:
        """Counts read at `epoch`, `first_expiry` the first expiry among their nodes' holds
        (-1: none). The counts kept before go when the epoch moved or their time passed."""
        until = first_expiry if first_expiry >= 0 else 2**62
        if epoch != self.epoch or now >= self._until or len(self._counts) >= MAX_COUNTS:
            self._counts = {}
            self._until = until
        else:
            self._until = min(self._until, until)
        self.epoch = epoch
        for node, count in counts.items():
            self._counts[node, day] = count
