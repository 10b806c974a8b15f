"""Live answers (GraphQL subscriptions): a promise pushed again when what the shopper sees
changes, an allocation pushed as its status moves.

Neither polls the store per subscription: each listens to the process's follower of changes
(gateway/service/live_changes.py), which wakes `promiseChanged` when an allocation or a
recomputed publication touches a SKU of its cart or when the clock passes its earliest
order-by, and `allocationChanged` when its allocation is on the outbox. Woken, a promise is
computed again and pushed when what a shopper sees differs (`seen_by_shopper`); an
allocation is read again. Each also looks again by itself after `LIVE_FALLBACK_MS` without a
wake (what the follower cannot see: stock moved with publication off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Iterable, Iterator
from typing import Any

import strawberry

from carriers.echo import shown
from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.queries import AllocationResult, DeliveryOptionsResult, delivery_options_answer
from gateway.api.types.allocation import Allocation
from gateway.api.types.inputs import DeliveryOptionsInput
from gateway.api.types.options import DeliveryOptions
from gateway.api.types.problems import (
    AddressNotFound,
    AllocationNotFound,
    DestinationNotServed,
    InvalidInput,
    ProblemCode,
    TooHeavy,
    UnknownPostcode,
    UnknownSku,
    UnknownStore,
    unavailable,
)
from gateway.service import deadline
from gateway.service.live_changes import Listener
from gateway.service.shared_reads import SharedReads
from stock_cache.base import AllocationStatus
from stock_cache.errors import StoreUnavailable

log = logging.getLogger("gateway.live")

FINAL_STATUSES = frozenset(
    {AllocationStatus.RELEASED, AllocationStatus.EXPIRED, AllocationStatus.FULFILLED}
)
# Problems of the request itself: looking again would give the same answer.
FINAL_PROBLEMS = (
    InvalidInput,
    UnknownSku,
    UnknownPostcode,
    UnknownStore,
    AddressNotFound,
    DestinationNotServed,
    TooHeavy,
)
_DEFAULT_EVERY_SECONDS = 1.0
_DEFAULT_FALLBACK_SECONDS = 30.0
_DEFAULT_BUDGET_SECONDS = 2.0


def _every(info: Info) -> float:
    platform = info.context.platform
    return platform.live_every_seconds if platform is not None else _DEFAULT_EVERY_SECONDS


@contextlib.contextmanager
def _budget(info: Info) -> Iterator[None]:
    """Each look is bounded as one request is (gateway/service/deadline.py)."""
    platform = info.context.platform
    token = deadline.begin(
        platform.request_timeout_seconds if platform is not None else _DEFAULT_BUDGET_SECONDS
    )
    try:
        yield
    finally:
        deadline.end(token)


def seen_by_shopper(answer: Any) -> tuple[Any, ...]:
    """What a shopper sees of an answer: per option its kind, service, dates, order-by,
    price and nodes (not its quote token nor its minutes left, which change every look)."""
    if not isinstance(answer, DeliveryOptions):
        return (type(answer).__name__, getattr(answer, "code", None))
    return tuple(
        (
            option.kind,
            option.service_code,
            option._quoted.option.earliest,
            option.likely_date,
            option.promised_date,
            option._quoted.option.order_by,
            option._quoted.option.ready_at,
            option.price_cents,
            option._quoted.committable,
            option.partial,
            tuple(shipment.node_id for shipment in option._quoted.option.shipments),
            option._quoted.option.collect_store_id,
        )
        for option in answer.options
    )


def _earliest_order_by(answer: Any, now: float) -> float | None:
    """The earliest order-by still ahead among the options (epoch seconds), None for none."""
    if not isinstance(answer, DeliveryOptions):
        return None
    ahead = [at for o in answer.options if (at := o._quoted.option.order_by.timestamp()) > now]
    return min(ahead, default=None)


def _fallback(info: Info) -> float:
    platform = info.context.platform
    return platform.live_fallback_seconds if platform is not None else _DEFAULT_FALLBACK_SECONDS


async def _listen(
    info: Info, *, skus: Iterable[str] = (), allocation: str | None = None
) -> Listener | None:
    """A listener of the process's changes; None (looking again every LIVE_EVERY_MS) without."""
    live = info.context.service.live
    if live is None:
        return None
    try:
        with _budget(info):
            return await live.listen(skus=skus, allocation=allocation)
    except StoreUnavailable:
        return None


async def _wait(info: Info, listener: Listener | None) -> None:
    if listener is None:
        await asyncio.sleep(_every(info))
    else:
        await listener.wait(_fallback(info))


def _drop(info: Info, listener: Listener | None) -> None:
    live = info.context.service.live
    if listener is not None and live is not None:
        live.drop(listener)


async def _options(info: Info, input: DeliveryOptionsInput) -> DeliveryOptionsResult:
    with _budget(info):
        # A new read per look: levels are never kept from one look to the next.
        return await delivery_options_answer(info, input, SharedReads())


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Delivery options for a cart, pushed now and again whenever what a shopper sees "
            "changes: an order-by passed, the stock behind an option moved, a date slipped."
        ),
        permission_classes=[needs(Scope.PROMISE_READ)],
    )
    async def promise_changed(
        self, info: Info, input: DeliveryOptionsInput
    ) -> AsyncGenerator[DeliveryOptionsResult, None]:
        service = info.context.service
        # Listening first: a change made while the first answer is computed wakes it.
        listener = await _listen(info, skus=[line.sku for line in input.lines])
        try:
            answer = await _options(info, input)
            seen = seen_by_shopper(answer)
            yield answer
            if isinstance(answer, FINAL_PROBLEMS):
                return
            while True:
                if listener is not None:
                    listener.deadline = _earliest_order_by(answer, service.clock())
                await _wait(info, listener)
                answer = await _options(info, input)
                if seen_by_shopper(answer) != seen:
                    seen = seen_by_shopper(answer)
                    yield answer
        finally:
            _drop(info, listener)

    @strawberry.subscription(
        description=(
            "An allocation of the calling client, pushed now and at each change of its status; "
            "ends after RELEASED, EXPIRED or FULFILLED."
        ),
        permission_classes=[needs(Scope.ALLOCATION_WRITE)],
    )
    async def allocation_changed(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[AllocationResult, None]:
        service = info.context.service
        listener = await _listen(info, allocation=str(id))
        shown_status: AllocationStatus | None = None
        outage = False
        try:
            while True:
                try:
                    with _budget(info):
                        found = await service.store.get_allocation(info.context.client_id, str(id))
                except StoreUnavailable:
                    # Said once per outage; the first look after it shows the status again.
                    if not outage:
                        yield unavailable()
                    outage, shown_status = True, None
                else:
                    outage = False
                    if found is None:
                        yield AllocationNotFound(
                            code=ProblemCode.ALLOCATION_NOT_FOUND,
                            message=f"no allocation {shown(str(id))} for this client",
                            field="id",
                        )
                        return
                    if found.status is not shown_status:
                        shown_status = found.status
                        yield Allocation.from_domain(found, service.network)
                    if found.status in FINAL_STATUSES:
                        return
                await _wait(info, None if outage else listener)
        finally:
            _drop(info, listener)
