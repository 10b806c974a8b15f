"""The orders per node and day a process read from a standalone Redis, kept while exact.

A count read at capacity epoch E (redis_keys.py) holds while the epoch is still E, since
every change of any node's orders bumps it, and until the first hold among the nodes read
expires, since expiring changes a count with no write. A read whose nodes are all known
and still in time sends only the epoch it knows (cap_read.lua answers `same`, one GET);
any other reads the nodes again, sweeping their expired holds.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from stock_cache._script_args import KeptArgument

# Past this many (node, day) counts, the next read starts afresh: memory stays flat.
MAX_COUNTS = 50_000
# Past this many node lists kept encoded, the next one starts the list afresh.
MAX_ENCODED = 4_096


class CapacityCounts:
    """The counts of one epoch, good until `until` (ms, the caller's clock)."""

    def __init__(self) -> None:
        self.epoch = ""
        self._until = 0
        self._counts: dict[tuple[str, str], int] = {}
        # The answers of `known` since the last `learn`, by node list and day: a product
        # page asks the same some 30 nodes again and again between two changes.
        self._answers: dict[tuple[tuple[str, ...], str], dict[str, int]] = {}

    def known(self, nodes: tuple[str, ...], day: str, now: int) -> dict[str, int] | None:
        """The counts of `nodes` on `day` (a new dict, in their order), if all are kept and
        none can have expired."""
        if not self.epoch or now >= self._until:
            return None
        key = (nodes, day)
        answer = self._answers.get(key)
        if answer is None:
            counts = self._counts
            answer = {}
            for node in nodes:
                count = counts.get((node, day))
                if count is None:
                    return None
                answer[node] = count
            if len(self._answers) >= MAX_ENCODED:
                self._answers = {}
            self._answers[key] = answer
        return dict(answer)

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
        self._answers = {}
        for node, count in counts.items():
            self._counts[node, day] = count


class EncodedPrefixes:
    """The capacity key prefixes of a list of nodes, as the one JSON argument cap_read.lua
    takes, encoded once per list: a product page asks some 30 nodes, whose 30 arguments
    redis-py encoded one by one on every read (most reads are answered `same`, which never
    looks at them)."""

    def __init__(self, prefix_of: Callable[[str], str]) -> None:
        self._prefix_of = prefix_of
        self._encoded: dict[tuple[str, ...], KeptArgument] = {}

    def of(self, nodes: tuple[str, ...]) -> KeptArgument:
        found = self._encoded.get(nodes)
        if found is None:
            if len(self._encoded) >= MAX_ENCODED:
                self._encoded = {}
            found = KeptArgument(orjson.dumps([self._prefix_of(node) for node in nodes]))
            self._encoded[nodes] = found
        return found
