"""The store picker as the API shows it: stores, their shelves and their collect option."""

from __future__ import annotations

import strawberry

from gateway.api.types.network import NodeInfo
from gateway.api.types.opening_hours import OpeningDayHours
from gateway.api.types.options import DeliveryOption
from gateway.service.collect_stores import QuotedStore
from gateway.service.disclosure import Disclosure
from promise.collect_stores import ShelfCover
from promise.network import Network
from promise.store_hours import this_week

strawberry.enum(ShelfCover, description="How much of the cart a store's shelves hold.")


@strawberry.type
class ShelfLine:
    sku: str
    requested: int
    on_shelf: int = strawberry.field(
        description="Units on the store's shelves (ATP), capped for storefront keys."
    )
    on_shelf_capped: bool = strawberry.field(
        description="onShelf is the channel's disclosure cap: there may be more."
    )
    covered: bool = strawberry.field(description="The shelves hold the whole line.")


@strawberry.type
class CollectStore:
    store: NodeInfo
    distance_km: float = strawberry.field(description="From `near`, as the crow flies.")
    shelves: ShelfCover
    lines: list[ShelfLine]
    open_today: OpeningDayHours = strawberry.field(description="Today's hours at the store.")
    from_shelves: bool = strawberry.field(
        description="Ready from the store's own shelves, with no transfer from another node."
    )
    option: DeliveryOption = strawberry.field(
        description=(
            "The click & collect option at this store, the one deliveryOptions gives with the "
            "store as destination; its quoteToken commits it."
        )
    )

    @staticmethod
    def from_domain(answer: QuotedStore, network: Network, disclosure: Disclosure) -> CollectStore:
        found = answer.found
        store = found.store
        lines = []
        for line in found.lines:
            shown, capped = disclosure.shown(line.on_shelf)
            lines.append(
                ShelfLine(
                    sku=line.sku,
                    requested=line.requested,
                    on_shelf=shown,
                    on_shelf_capped=capped,
                    covered=line.covered,
                )
            )
        today = this_week(store, answer.option.ordered_at, country=network.country)[0]
        return CollectStore(
            store=NodeInfo.from_domain(store),
            distance_km=round(found.distance_km, 2),
            shelves=found.cover,
            lines=lines,
            open_today=OpeningDayHours.from_domain(today),
            from_shelves=all(s.node_id == store.id for s in found.option.shipments),
            option=DeliveryOption.from_domain(answer.option, network),
        )


@strawberry.type
class CollectStores:
    stores: list[CollectStore] = strawberry.field(
        description="The stores that can serve the cart by click & collect, nearest first."
    )
