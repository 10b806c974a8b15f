"""The stores a cart can be collected at, nearest first, each with its shelves and its option.

A store's option is the one `deliveryOptions` gives the same cart with the store as its
destination: `build_promise` runs on a request naming the store, with the stock of the
store and of the nodes that can send it stock (the nodes that request reads), so the dates,
the plan (from the shelves, or by transfer) and the quote agree. What the store's shelves
hold is told per line (ALL, SOME or NONE of the cart there). A store that cannot serve the
cart at all is left out.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from carriers.services import DeliveryKind
from promise.cart import CartLine, Destination
from promise.errors import PromiseError
from promise.network import Network, Node
from promise.option_values import Option, PromiseRequest
from promise.profiles import RuleProfile
from promise.promise_builder import build_promise
from promise.sourcing import Stock


class ShelfCover(enum.Enum):
    ALL = "ALL"
    SOME = "SOME"
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class ShelfLine:
    """A cart line at a store: how many were asked, how many its shelves hold (ATP)."""

    sku: str
    requested: int
    on_shelf: int

    @property
    def covered(self) -> bool:
        return self.on_shelf >= self.requested


@dataclass(frozen=True, slots=True)
class StoreCollect:
    store: Node
    distance_km: float
    lines: tuple[ShelfLine, ...]
    option: Option

    @property
    def cover(self) -> ShelfCover:
        return cover_of(self.lines)


def cover_of(lines: Sequence[ShelfLine]) -> ShelfCover:
    """ALL when every line is on the shelves in full, NONE when no unit of any is, else SOME."""
    if all(line.covered for line in lines):
        return ShelfCover.ALL
    if not any(line.on_shelf > 0 for line in lines):
        return ShelfCover.NONE
    return ShelfCover.SOME


def shelf_lines(cart: Sequence[CartLine], stock: Stock, store_id: str) -> tuple[ShelfLine, ...]:
    return tuple(
        ShelfLine(line.sku, line.quantity, stock.get(line.sku, {}).get(store_id, 0))
        for line in cart
    )


def store_request(
    cart: tuple[CartLine, ...],
    store: Node,
    now: datetime,
    *,
    confidence: float,
    profile: RuleProfile,
) -> PromiseRequest:
    """The request `deliveryOptions` makes for the cart with `store` as its destination."""
    return PromiseRequest(
        cart,
        Destination(store.location, store_id=store.id),
        now,
        confidence,
        profile=profile,
        explain=False,
    )


def collect_at_stores(
    network: Network,
    cart: tuple[CartLine, ...],
    stores: Sequence[tuple[str, float]],
    now: datetime,
    *,
    stock_for: Callable[[str], Stock],
    profile: RuleProfile,
    confidence: float = 0.95,
    capacity_used: Mapping[str, int] | None = None,
) -> list[StoreCollect]:
    """Each store of `stores` (id, km, nearest first) that can serve the cart, in that order.

    `stock_for(store_id)` is the stock of the nodes a collect request to that store reads.
    """
    found = []
    for store_id, km in stores:
        store = network.nodes[store_id]
        stock = stock_for(store_id)
        request = store_request(cart, store, now, confidence=confidence, profile=profile)
        try:
            promise = build_promise(network, request, [], stock, capacity_used=capacity_used)
        except PromiseError:
            continue
        collect = [o for o in promise.options if o.kind is DeliveryKind.CLICK_AND_COLLECT]
        if not collect:
            continue
        found.append(StoreCollect(store, km, shelf_lines(cart, stock, store_id), collect[0]))
    return found
