"""The change feed of a channel's published quantities: `channelStock(channel, after, first)`.

A connector starts from the full export (`promise-gateway export-channel-stock`) and its
cursor, then asks for the changes after it, page by page: each SKU once, at its latest
quantity. A caller reads its own channel; a key with the admin scope reads any.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.types.problems import (
    InvalidInput,
    ProblemCode,
    TemporarilyUnavailable,
    unavailable,
)
from gateway.service.bounded_store import unbounded
from stock_cache.errors import BadCursor, NotPublished, StoreUnavailable
from stock_cache.publication import MAX_PAGE
from stock_cache.publication_rules import ChannelChange
from stock_cache.publishing_store import PublishingStore


@strawberry.type(description="A SKU's quantity the channel may sell, as of `changedAt`.")
class ChannelStockChange:
    sku: str
    quantity: int
    changed_at: datetime

    @classmethod
    def from_domain(cls, change: ChannelChange) -> ChannelStockChange:
        at = datetime.fromtimestamp(change.at_ms / 1000, tz=UTC)
        return cls(sku=change.sku, quantity=change.quantity, changed_at=at)


@strawberry.type(description="Changes after a cursor, oldest first, each SKU once.")
class ChannelStockPage:
    channel: str
    changes: list[ChannelStockChange]
    cursor: str = strawberry.field(description="Where the next page starts: pass it as `after`.")


ChannelStockResult = Annotated[
    ChannelStockPage | InvalidInput | TemporarilyUnavailable,
    strawberry.union("ChannelStockResult"),
]


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(code=ProblemCode.INVALID_INPUT, message=message, field=field)


@strawberry.type
class ChannelStockQuery:
    @strawberry.field(
        description=(
            f"The changes to the quantities `channel` may sell, after the cursor `after` (none:"
            f" from the start), at most `first` (1 to {MAX_PAGE})."
        ),
        permission_classes=[needs(Scope.PROMISE_READ)],
    )
    async def channel_stock(
        self, info: Info, channel: str, after: str | None = None, first: int = 100
    ) -> ChannelStockResult:
        service = info.context.service
        own = service.store_channel(info.context.client_id, info.context.channel)
        if channel != own and Scope.ADMIN not in info.context.scopes:
            return _invalid(f"this API key reads the channel {own!r} only", "channel")
        if not 1 <= first <= MAX_PAGE:
            return _invalid(f"first must be between 1 and {MAX_PAGE}, got {first}", "first")
        store = unbounded(service.store)
        if not isinstance(store, PublishingStore):
            return _invalid("this gateway publishes no channel quantities", "channel")
        try:
            page = await store.publisher.changes(channel, after, first)
        except NotPublished as error:
            return _invalid(str(error), "channel")
        except BadCursor as error:
            return _invalid(str(error), "after")
        except StoreUnavailable:
            return unavailable()
        return ChannelStockPage(
            channel=channel,
            changes=[ChannelStockChange.from_domain(c) for c in page.changes],
            cursor=page.cursor,
        )
