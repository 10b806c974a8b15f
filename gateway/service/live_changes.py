"""What live answers wait on: one follower per process of the allocation outbox and of the
publication's touched stream, waking the listeners whose SKUs or allocation moved, or whose
deadline (an order-by) the clock passed.

A look reads each outbox partition and the touched stream after where it stood (one look
per `LIVE_EVERY_MS`, whatever the number of listeners; none while nobody listens). A listener
is woken at most once per look however many changes touch it: it then reads afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from stock_cache.outbox_reader import OutboxReader
from stock_cache.publication import ChannelFeed

log = logging.getLogger("gateway.live")

# Entries read per outbox partition, and of the touched stream, per look.
_BATCH = 500


@dataclass(frozen=True, slots=True)
class Moved:
    """What changed after some positions: SKUs and allocations; `touched`, where the touched
    stream now stands (the positions given are moved on in place)."""

    skus: frozenset[str]
    allocations: frozenset[str]
    touched: str | None


async def changes_after(
    outbox: OutboxReader,
    feed: ChannelFeed | None,
    positions: dict[int, str],
    touched: str | None,
) -> Moved:
    """Read the outbox partitions after `positions` and the touched stream after `touched`
    (up to a batch of each); `positions` moves on in place."""
    skus: set[str] = set()
    allocations: set[str] = set()
    reads = (await outbox.after_each(positions, _BATCH)).values()
    for read in reads:
        for item in read:
            allocations.add(item.entry.allocation_id)
            skus.update(line.sku for line in item.entry.lines)
        if read:
            positions[read[0].partition] = read[-1].position
    if feed is not None and touched is not None:
        for position, recomputed in await feed.touched_after(touched, _BATCH):
            skus.update(recomputed)
            touched = position
    return Moved(frozenset(skus), frozenset(allocations), touched)


async def heads(
    outbox: OutboxReader, feed: ChannelFeed | None
) -> tuple[dict[int, str], str | None]:
    """Where the outbox partitions and the touched stream end now."""
    return await outbox.heads(), await feed.touched_head() if feed is not None else None


@dataclass(eq=False)
class Listener:
    """One live answer's interest: SKUs, an allocation, and a deadline in epoch seconds."""

    skus: frozenset[str] = frozenset()
    allocation: str | None = None
    deadline: float | None = None
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, at_most_seconds: float) -> bool:
        """Until woken (True) or `at_most_seconds` passed (False); then ready to wait again."""
        try:
            async with asyncio.timeout(at_most_seconds):
                await self.woken.wait()
        except TimeoutError:
            return False
        self.woken.clear()
        return True


class LiveChanges:
    """The process's follower of changes (see the module docstring)."""

    def __init__(
        self,
        outbox: OutboxReader,
        feed: ChannelFeed | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._outbox = outbox
        self._feed = feed
        self._clock = clock
        self._listeners: set[Listener] = set()
        self._positions: dict[int, str] | None = None
        self._touched: str | None = None
        self._starting = asyncio.Lock()

    async def listen(self, *, skus: Iterable[str] = (), allocation: str | None = None) -> Listener:
        """A listener woken by any change after this call returns."""
        async with self._starting:
            if self._positions is None:
                self._positions, self._touched = await heads(self._outbox, self._feed)
        listener = Listener(frozenset(skus), allocation)
        self._listeners.add(listener)
        return listener

    def drop(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    async def look(self) -> int:
        """Read what changed since the last look and wake whom it concerns; how many woke."""
        positions = self._positions
        if not self._listeners or positions is None:
            # Nobody listens: the next listener starts from the ends of the streams.
            self._positions = None
            return 0
        moved = await changes_after(self._outbox, self._feed, positions, self._touched)
        self._touched = moved.touched
        skus, allocations = moved.skus, moved.allocations
        now = self._clock()
        woken = 0
        for listener in self._listeners:
            due = listener.deadline is not None and now >= listener.deadline
            if due or listener.allocation in allocations or not listener.skus.isdisjoint(skus):
                listener.deadline = None if due else listener.deadline
                listener.woken.set()
                woken += 1
        return woken

    async def run(self, every_seconds: float, stop: asyncio.Event) -> None:
        """Look every `every_seconds` until `stop` is set."""
        while not stop.is_set():
            try:
                await self.look()
            except Exception:
                # The store may be down a while: listeners fall back on their own timeouts.
                log.warning("following live changes failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_seconds)
