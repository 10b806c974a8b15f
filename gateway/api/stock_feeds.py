"""Stock feeds over GraphQL: delta events and node snapshots from a WMS, POS or ERP.

Each mutation takes a bounded batch and answers one result per item, in order: APPLIED,
DUPLICATE (event id already taken), STALE (a newer count, snapshot or watermark covers it)
or REJECTED (malformed: the reason names the field). A batch over the bound, or a store that
cannot be reached, is a problem for the whole call and changes nothing.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from carriers.echo import shown
from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.types.problems import (
    InvalidInput,
    ProblemCode,
    TemporarilyUnavailable,
    outcome_unknown,
    unavailable,
)
from stock_cache.base import EventKind, FeedResult, FeedStatus, StockEvent
from stock_cache.errors import StoreOutcomeUnknown, StoreUnavailable

MAX_BATCH = 500  # about 55 kB of JSON: within the 64 kB body limit
MAX_LEVELS = 1_000  # larger snapshots: `promise-gateway import-stock`

strawberry.enum(EventKind, name="StockEventKind")
strawberry.enum(FeedStatus, name="StockFeedStatus")


@strawberry.input
class StockEventInput:
    event_id: str
    node_id: str
    sku: str
    sequence: int = strawberry.field(description="Orders the events of one (node, SKU).")
    kind: EventKind
    quantity: int = strawberry.field(
        description="ADJUSTMENT: units moved (+/-); COUNT: units on hand; RETURN: units back."
    )
    resellable: bool = True


@strawberry.input
class ApplyStockEventsInput:
    events: list[StockEventInput]


@strawberry.input
class StockLevelInput:
    sku: str
    on_hand: int


@strawberry.input
class ReplaceNodeStockInput:
    node_id: str
    watermark: int | None = strawberry.field(
        default=None,
        description="The newest event sequence the snapshot includes; none: true now.",
    )
    levels: list[StockLevelInput]


@strawberry.type
class StockFeedItemResult:
    index: int
    status: FeedStatus
    reason: str | None

    @classmethod
    def from_domain(cls, index: int, result: FeedResult) -> StockFeedItemResult:
        return cls(index=index, status=result.status, reason=result.reason or None)


@strawberry.type
class StockEventsApplied:
    results: list[StockFeedItemResult]


@strawberry.type
class NodeStockReplaced:
    node_id: str
    status: FeedStatus
    reason: str | None


ApplyStockEventsResult = Annotated[
    StockEventsApplied | InvalidInput | TemporarilyUnavailable,
    strawberry.union("ApplyStockEventsResult"),
]
ReplaceNodeStockResult = Annotated[
    NodeStockReplaced | InvalidInput | TemporarilyUnavailable,
    strawberry.union("ReplaceNodeStockResult"),
]


def _too_many(field: str, count: int, bound: int) -> InvalidInput:
    return InvalidInput(
        code=ProblemCode.INVALID_INPUT,
        message=f"{count} items is over the bound of {bound} per call; split the batch",
        field=field,
    )


# Duplicates and stale events are both "skipped": the feed sent nothing new.
_OUTCOME = {
    FeedStatus.APPLIED: "applied",
    FeedStatus.DUPLICATE: "skipped",
    FeedStatus.STALE: "skipped",
    FeedStatus.REJECTED: "rejected",
}


@strawberry.type
class StockFeedMutation:
    @strawberry.mutation(
        description=f"Apply up to {MAX_BATCH} stock events in order, one result per event.",
        permission_classes=[needs(Scope.STOCK_WRITE)],
    )
    async def apply_stock_events(
        self, info: Info, input: ApplyStockEventsInput
    ) -> ApplyStockEventsResult:
        if len(input.events) > MAX_BATCH:
            return _too_many("input.events", len(input.events), MAX_BATCH)
        events = [
            StockEvent(
                e.event_id.strip(),
                e.node_id.strip(),
                e.sku.strip(),
                e.sequence,
                e.kind,
                e.quantity,
                e.resellable,
            )
            for e in input.events
        ]
        try:
            results = await info.context.service.store.apply_events(events)
        except StoreOutcomeUnknown as error:
            return outcome_unknown(error)
        except StoreUnavailable:
            return unavailable()
        if info.context.platform is not None:
            counter = info.context.platform.metrics.stock_events
            for result in results:
                counter.labels(_OUTCOME[result.status]).inc()
        return StockEventsApplied(
            results=[StockFeedItemResult.from_domain(i, r) for i, r in enumerate(results)]
        )

    @strawberry.mutation(
        description=(
            f"Replace a node's on-hand levels (up to {MAX_LEVELS}) at once; reservations stay."
        ),
        permission_classes=[needs(Scope.STOCK_WRITE)],
    )
    async def replace_node_stock(
        self, info: Info, input: ReplaceNodeStockInput
    ) -> ReplaceNodeStockResult:
        if len(input.levels) > MAX_LEVELS:
            return _too_many("input.levels", len(input.levels), MAX_LEVELS)
        node_id = input.node_id.strip()
        if node_id not in info.context.service.network.nodes:
            return InvalidInput(
                code=ProblemCode.INVALID_INPUT,
                message=f"{shown(node_id)} is not a node of the network",
                field="input.nodeId",
            )
        levels: dict[str, int] = {}
        for index, level in enumerate(input.levels):
            sku = level.sku.strip()
            if sku in levels:
                return InvalidInput(
                    code=ProblemCode.INVALID_INPUT,
                    message=f"{shown(sku)} appears twice in the snapshot",
                    field=f"input.levels[{index}].sku",
                )
            levels[sku] = level.on_hand
        try:
            result = await info.context.service.store.replace_node_stock(
                node_id, [levels], watermark=input.watermark
            )
        except StoreOutcomeUnknown as error:
            return outcome_unknown(error)
        except StoreUnavailable:
            return unavailable()
        return NodeStockReplaced(
            node_id=node_id, status=result.status, reason=result.reason or None
        )
