"""Live answers (GraphQL subscriptions): a promise pushed again when what the shopper sees
changes, an allocation pushed as its status moves.

Both look again at a bounded interval (`LIVE_EVERY_MS`), never per event, so a storm of stock
events costs a subscription at most one look per interval. `allocationChanged` reads the
caller's own allocation (one key) and ends after a final status. `promiseChanged` computes the
options, then at each look reads only the ATP of the cart's SKUs at the nodes its options use
and the clock: it computes the options again when that stock moved, when the earliest order-by
passed, or every `FULL_EVERY_LOOKS` looks (stock arriving elsewhere may make a better option),
and pushes them when what a shopper sees differs (`seen_by_shopper`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
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
FULL_EVERY_LOOKS = 30
_DEFAULT_EVERY_SECONDS = 1.0
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
            option.earliest_date,
            option.likely_date,
            option.promised_date,
            option.order_by,
            option.ready_at,
            option.price_cents,
            option.committable,
            option.partial,
            tuple(shipment.node_id for shipment in option._quoted.option.shipments),
            option._quoted.option.collect_store_id,
        )
        for option in answer.options
    )


@dataclass(frozen=True, slots=True)
class _Watch:
    """What a look reads to tell whether the options may have changed."""

    skus: tuple[str, ...]
    nodes: tuple[str, ...]
    # The earliest order-by of the options, in epoch seconds (None: no options).
    order_by: float | None


def _watch(answer: Any) -> _Watch:
    if not isinstance(answer, DeliveryOptions):
        return _Watch((), (), None)
    skus: dict[str, None] = {}
    nodes: dict[str, None] = {}
    for option in answer.options:
        for shipment in option._quoted.option.shipments:
            nodes[shipment.node_id] = None
            for line in shipment.lines:
                skus[line.sku] = None
    order_by = min((option.order_by.timestamp() for option in answer.options), default=None)
    return _Watch(tuple(skus), tuple(nodes), order_by)


async def _levels(info: Info, watch: _Watch) -> dict[str, dict[str, int]] | None:
    """The ATP behind the options, as the caller's channel sees it; None when unread."""
    if not watch.skus:
        return None
    service, context = info.context.service, info.context
    channel = service.store_channel(context.client_id, context.channel)
    try:
        with _budget(info):
            return await service.store.atp(list(watch.skus), list(watch.nodes), channel=channel)
    except StoreUnavailable:
        return None


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
        answer = await _options(info, input)
        seen = seen_by_shopper(answer)
        yield answer
        if isinstance(answer, FINAL_PROBLEMS):
            return
        watch = _watch(answer)
        levels = await _levels(info, watch)
        looks = 0
        while True:
            await asyncio.sleep(_every(info))
            looks += 1
            now_levels = await _levels(info, watch)
            passed = watch.order_by is not None and service.clock() >= watch.order_by
            if not passed and now_levels == levels and looks < FULL_EVERY_LOOKS:
                continue
            answer = await _options(info, input)
            looks = 0
            watch = _watch(answer)
            levels = await _levels(info, watch)
            if seen_by_shopper(answer) != seen:
                seen = seen_by_shopper(answer)
                yield answer

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
        shown_status: AllocationStatus | None = None
        outage = False
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
            await asyncio.sleep(_every(info))
