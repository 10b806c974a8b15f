"""Promise watches: an endpoint's registered carts whose promise is evaluated again when it
may have changed, a `promise.changed` event appended for the endpoint when it did.

One worker at a time (the lease of the `promise-watches` lane) follows the allocation outbox
and the publication's touched stream from positions it saves, and evaluates again the watches
whose SKUs moved, whose earliest order-by passed, and those never evaluated (every one on a
pass with no positions saved yet: what moved is then unknown). A watch changed
when the digest of what it shows (options, dates, order-by, prices, nodes; or the problem
answered) differs from the one it saw: the change goes on the promise stream, which each
endpoint's `p` lane delivers as the other events (signed, in order, retried, parked).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gateway.service.live_changes import changes_after, heads
from stock_cache._rules import now_ms
from stock_cache.outbox_reader import OutboxReader
from stock_cache.publication import ChannelFeed
from stock_cache.webhook_state import Progress, PromiseWatch, WatchSeen, WebhookState

log = logging.getLogger("gateway.webhooks")

MAX_WATCHES_PER_CLIENT = 100
LANE = "promise-watches"
LEASE_MS = 60_000


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A watch's promise now: what it shows (`answer`, JSON-ready), its digest, and its
    earliest order-by ahead (epoch ms, 0 for none)."""

    answer: dict[str, Any]
    digest: str
    deadline_ms: int


class EvaluationFailed(Exception):
    """The promise could not be evaluated now (the store unreachable): tried next pass."""


Evaluate = Callable[[PromiseWatch], Awaitable[Evaluation]]


def promise_data(watch: PromiseWatch, evaluation: Evaluation) -> str:
    """The body's `data` of a promise.changed event."""
    request = json.loads(watch.request)
    return json.dumps(
        {
            "watchId": watch.id,
            "lines": request["lines"],
            "destination": request["destination"],
            "answer": evaluation.answer,
        }
    )


class PromiseWatcher:
    """Evaluates the watches that may have changed (see the module docstring)."""

    def __init__(
        self,
        state: WebhookState,
        outbox: OutboxReader,
        feed: ChannelFeed | None,
        evaluate: Evaluate,
        *,
        clock: Callable[[], float] = time.time,
        worker: str | None = None,
    ) -> None:
        self.state = state
        self._outbox = outbox
        self._feed = feed
        self.evaluate = evaluate
        self._clock = clock
        self._worker = worker or uuid.uuid4().hex

    async def run_once(self) -> int:
        """One pass, if this worker gets the lease; how many changes it appended."""
        if not await self.state.claim(LANE, self._worker, LEASE_MS):
            return 0
        try:
            return await self._pass()
        finally:
            await self.state.let_go(LANE, self._worker)

    async def _pass(self) -> int:
        watches = await self.state.watches()
        if not watches:
            # Nothing read: the first watch's first pass reads on from where it stood.
            return 0
        saved = await self.state.progress(LANE)
        if saved is None:
            positions, touched = await heads(self._outbox, self._feed)
            moved: frozenset[str] = frozenset()
        else:
            kept = json.loads(saved.position)
            positions = {int(p): at for p, at in kept["outbox"].items()}
            changes = await changes_after(self._outbox, self._feed, positions, kept["touched"])
            touched, moved = changes.touched, changes.skus
        seen = await self.state.seen()
        now = now_ms(self._clock)
        appended = 0
        failed = False
        for watch in watches:
            last = seen.get(watch.id)
            passed = last is not None and 0 < last.deadline_ms <= now
            # Without saved positions what moved is unknown: every watch is evaluated.
            if saved and last is not None and not passed and moved.isdisjoint(watch.skus):
                continue
            try:
                evaluation = await self.evaluate(watch)
            except EvaluationFailed:
                # The positions stay: the next pass sees the same changes again.
                log.warning("promise watch %s could not be evaluated; next pass", watch.id)
                failed = True
                continue
            if last is not None and evaluation.digest != last.digest:
                data = promise_data(watch, evaluation)
                await self.state.append_promise(watch.endpoint_id, now, data)
                appended += 1
            await self.state.save_seen(
                watch.id, WatchSeen(evaluation.digest, evaluation.deadline_ms)
            )
        if not failed or saved is None:
            progress = json.dumps({"outbox": positions, "touched": touched})
            await self.state.save(LANE, self._worker, Progress(progress))
        return appended
