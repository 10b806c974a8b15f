"""Write operations: commit a quoted option, confirm it with an order, release it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry

from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.domain_errors import EXPECTED, as_problem
from gateway.api.texts.shopper import shopper_of
from gateway.api.types.allocation import Allocation
from gateway.api.types.inputs import (
    CommitAllocationInput,
    ConfirmAllocationInput,
    FulfilAllocationInput,
    ReleaseAllocationInput,
)
from gateway.api.types.problems import (
    AllocationNotFound,
    AllocationStateConflict,
    HoldLimitReached,
    IdempotencyConflict,
    InvalidInput,
    ProblemCode,
    QuoteAlreadyCommitted,
    QuoteExpired,
    QuoteInvalid,
    QuoteNotCommittable,
    QuoteOrderByPassed,
    StockChanged,
    TemporarilyUnavailable,
    order_by_passed,
)
from gateway.service.answers import QuotedOption
from gateway.service.promise_service import PromiseService
from promise.network import Network
from promise.quotes import Quote
from promise.quotes import QuoteOrderByPassed as DomainOrderByPassed
from stock_cache.base import Allocation as DomainAllocation
from stock_cache.base import InsufficientStock
from stock_cache.errors import (
    StoreUnavailable,
)

MAX_ORDER_REFERENCE = 128

CommitAllocationResult = Annotated[
    Allocation
    | InvalidInput
    | QuoteInvalid
    | QuoteExpired
    | QuoteNotCommittable
    | QuoteOrderByPassed
    | QuoteAlreadyCommitted
    | HoldLimitReached
    | StockChanged
    | IdempotencyConflict
    | TemporarilyUnavailable,
    strawberry.union("CommitAllocationResult"),
]
ChangeAllocationResult = Annotated[
    Allocation
    | InvalidInput
    | AllocationNotFound
    | AllocationStateConflict
    | TemporarilyUnavailable,
    strawberry.union("ChangeAllocationResult"),
]


async def _fresh(service: PromiseService, quote: Quote, info: Info) -> list[QuotedOption]:
    """Options for the quote's cart now, none when the store can't be read."""
    try:
        return await service.fresh_options(
            quote, client_id=info.context.client_id, channel=info.context.channel
        )
    except StoreUnavailable:
        return []


async def _changed(change: Awaitable[DomainAllocation], network: Network) -> ChangeAllocationResult:
    """The result of a state change of an allocation, its expected failures as problems."""
    try:
        allocation = await change
    except EXPECTED as error:
        return as_problem(error)  # type: ignore[return-value]
    return Allocation.from_domain(allocation, network)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Reserve what a quote names, all lines or none.",
        permission_classes=[needs(Scope.ALLOCATION_WRITE)],
    )
    async def commit_allocation(
        self, info: Info, input: CommitAllocationInput
    ) -> CommitAllocationResult:
        service = info.context.service
        try:
            quote, outcome = await service.commit(
                input.quote_token,
                input.idempotency_key,
                client_id=info.context.client_id,
                channel=info.context.channel,
                shopper_id=info.context.shopper_id,
            )
        except DomainOrderByPassed as error:
            fresh = await _fresh(service, error.quote, info)
            return order_by_passed(error, fresh, service.network)
        except EXPECTED as error:
            return as_problem(error)  # type: ignore[return-value]
        if isinstance(outcome, InsufficientStock):
            fresh = await _fresh(service, quote, info)
            full = [c.node_id for c in outcome.capacity]
            return StockChanged.from_domain(
                outcome.shortages, fresh, service.network, full, shopper=shopper_of(info)
            )
        return Allocation.from_domain(
            outcome.allocation, service.network, replayed=outcome.replayed
        )

    @strawberry.mutation(
        description="Attach an order to a held allocation; it stops expiring.",
        permission_classes=[needs(Scope.ALLOCATION_WRITE)],
    )
    async def confirm_allocation(
        self, info: Info, input: ConfirmAllocationInput
    ) -> ChangeAllocationResult:
        service = info.context.service
        reference = input.order_reference.strip()
        if not 1 <= len(reference) <= MAX_ORDER_REFERENCE:
            return InvalidInput(
                code=ProblemCode.INVALID_INPUT,
                message=f"the order reference must have 1 to {MAX_ORDER_REFERENCE} characters",
                field="input.orderReference",
            )
        return await _changed(
            service.store.confirm(info.context.client_id, str(input.allocation_id), reference),
            service.network,
        )

    @strawberry.mutation(
        description="Give the allocation's units back to availability.",
        permission_classes=[needs(Scope.ALLOCATION_WRITE)],
    )
    async def release_allocation(
        self, info: Info, input: ReleaseAllocationInput
    ) -> ChangeAllocationResult:
        service = info.context.service
        return await _changed(
            service.store.release(info.context.client_id, str(input.allocation_id)),
            service.network,
        )

    @strawberry.mutation(
        description="Mark a confirmed allocation shipped: its units leave on hand for good.",
        permission_classes=[needs(Scope.ALLOCATION_WRITE)],
    )
    async def fulfil_allocation(
        self, info: Info, input: FulfilAllocationInput
    ) -> ChangeAllocationResult:
        service = info.context.service
        return await _changed(
            service.store.fulfil(info.context.client_id, str(input.allocation_id)),
            service.network,
        )
