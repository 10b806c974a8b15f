"""The stock store as a request sees it: every call answers by the request's deadline.

A call still running at the deadline is not cancelled: cancelling a reserve between its
steps would leave its holds without the bookkeeping the store does when a call fails (it
gives them back at its next call). The call goes on in the background, bounded by the
store's own socket timeouts, and the request gets its answer now: for a change,
`StoreOutcomeUnknown` (retry with the same idempotency key: the key settles it); for a read,
`StoreUnavailable` (a read changes nothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from gateway.service.deadline import remaining
from stock_cache.base import (
    Allocation,
    FeedResult,
    Inbound,
    NodeStock,
    OutboxEntry,
    ReserveOutcome,
    ReserveRequest,
    SkuAvailability,
    StockEvent,
    StockStore,
)
from stock_cache.errors import StoreOutcomeUnknown, StoreUnavailable

T = TypeVar("T")


class BoundedStore:
    """Wraps a `StockStore`; each call is bounded by the request's deadline, if any."""

    def __init__(self, store: StockStore) -> None:
        self.inner = store
        # Calls under way, kept referenced until they finish.
        self._finishing: set[asyncio.Future[Any]] = set()
        # Calls whose request was answered at its deadline, since the start.
        self.past_deadline = 0

    def __getattr__(self, name: str) -> Any:
        # Anything beyond the protocol (a backend's own tools) is the backend's.
        return getattr(self.inner, name)

    @property
    def finishing(self) -> int:
        """Calls under way (those whose request was answered at its deadline included)."""
        return len(self._finishing)

    async def _bounded(self, call: Awaitable[T], *, writes: bool, what: str) -> T:
        return await self._started(call, what=what, writes=writes)

    def _started(self, call: Awaitable[T], *, what: str, writes: bool = False) -> Awaitable[T]:
        """A call, under way from now: its answer, or at the deadline StoreUnavailable for a
        read, StoreOutcomeUnknown for a change.

        Started in the caller's step, not at the caller's first await: a read started beside
        another (a product page's capacity beside its stock) joins it in one round trip
        (stock_cache/redis_scripts.py). The answer is a future the read's end or the
        deadline settles, whichever comes first; the read's task settles it in its own last
        step, so that its caller resumes at the next turn of the loop.
        """
        left = remaining()
        if left is None:
            return call
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()
        timer: asyncio.TimerHandle | None = None
        if left <= 0:
            self._late(answer, what, writes)
        else:
            timer = loop.call_later(left, self._late, answer, what, writes)
        task = loop.create_task(_settling(call, answer, timer))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)
        return answer

    def _late(self, answer: asyncio.Future[Any], what: str, writes: bool) -> None:
        if answer.done():  # answered, or its caller went
            return
        self.past_deadline += 1
        said = f"the stock store did not answer {what} within the request's time"
        answer.set_exception(
            StoreOutcomeUnknown(f"{said}; the change may have been made")
            if writes
            else StoreUnavailable(said)
        )

    # -- writes -------------------------------------------------------------------------

    async def set_levels(self, node_id: str, levels: Mapping[str, int]) -> None:
        await self._bounded(self.inner.set_levels(node_id, levels), writes=True, what="set_levels")

    async def replace_node_stock(
        self, node_id: str, levels: Iterable[Mapping[str, int]], *, watermark: int | None
    ) -> FeedResult:
        return await self._bounded(
            self.inner.replace_node_stock(node_id, levels, watermark=watermark),
            writes=True,
            what="a snapshot",
        )

    async def apply_events(self, events: Sequence[StockEvent]) -> list[FeedResult]:
        return await self._bounded(
            self.inner.apply_events(events), writes=True, what="stock events"
        )

    async def set_inbound(self, node_id: str, sku: str, inbound: Sequence[Inbound]) -> None:
        await self._bounded(
            self.inner.set_inbound(node_id, sku, inbound), writes=True, what="inbound stock"
        )

    async def reserve(self, request: ReserveRequest) -> ReserveOutcome:
        return await self._bounded(self.inner.reserve(request), writes=True, what="the commit")

    async def confirm(self, client_id: str, allocation_id: str, order_reference: str) -> Allocation:
        return await self._bounded(
            self.inner.confirm(client_id, allocation_id, order_reference),
            writes=True,
            what="the confirm",
        )

    async def release(self, client_id: str, allocation_id: str) -> Allocation:
        return await self._bounded(
            self.inner.release(client_id, allocation_id), writes=True, what="the release"
        )

    async def fulfil(self, client_id: str, allocation_id: str) -> Allocation:
        return await self._bounded(
            self.inner.fulfil(client_id, allocation_id), writes=True, what="the fulfilment"
        )

    async def repair(self) -> int:
        return await self._bounded(self.inner.repair(), writes=True, what="repair")

    # -- reads --------------------------------------------------------------------------

    async def missing_nodes(self, node_ids: Sequence[str]) -> list[str]:
        return await self._bounded(
            self.inner.missing_nodes(node_ids), writes=False, what="the nodes' stock"
        )

    def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> Awaitable[dict[str, dict[str, int]]]:
        return self._started(self.inner.atp(skus, node_ids, channel=channel), what="ATP")

    async def stock(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, NodeStock]]:
        return await self._bounded(
            self.inner.stock(skus, node_ids, channel=channel), writes=False, what="stock"
        )

    def availability(
        self,
        skus: Sequence[str],
        node_ids: Sequence[str],
        *,
        network: Sequence[str],
        channel: str | None = None,
    ) -> Awaitable[dict[str, SkuAvailability]]:
        return self._started(
            self.inner.availability(skus, node_ids, network=network, channel=channel),
            what="availability",
        )

    def capacity_used(self, node_ids: Sequence[str], day: str) -> Awaitable[dict[str, int]]:
        return self._started(self.inner.capacity_used(node_ids, day), what="capacity")

    async def read_outbox(self) -> list[OutboxEntry]:
        return await self._bounded(self.inner.read_outbox(), writes=False, what="the outbox")

    async def get_allocation(self, client_id: str, allocation_id: str) -> Allocation | None:
        return await self._bounded(
            self.inner.get_allocation(client_id, allocation_id), writes=False, what="allocation"
        )

    async def ping(self) -> None:
        await self._bounded(self.inner.ping(), writes=False, what="ping")

    async def close(self) -> None:
        await self.inner.close()


async def _settling(
    call: Awaitable[T], answer: asyncio.Future[T], timer: asyncio.TimerHandle | None
) -> None:
    """Runs `call` and gives its outcome to `answer`, unless the deadline (or the caller's
    going) settled that first. Its error is taken here, so that asyncio never logs it as
    never retrieved."""
    try:
        result = await call
    except asyncio.CancelledError:
        answer.cancel()
        raise
    except Exception as error:
        if not answer.done():
            answer.set_exception(error)
    else:
        if not answer.done():
            answer.set_result(result)
    finally:
        if timer is not None:
            timer.cancel()


def unbounded(store: StockStore) -> StockStore:
    """The store a `BoundedStore` wraps, for the tools of a backend beyond the protocol."""
    return store.inner if isinstance(store, BoundedStore) else store
