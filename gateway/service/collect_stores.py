"""The store picker's flow: the stores nearest a shopper, one stock read, a quoted option each.

The stock of every store and of the nodes that can send it stock (what a collect request
to that store reads) is read at once; `promise.collect_stores` then answers each store on
its own part of it, and each option is quoted exactly as `deliveryOptions` to that store
quotes it, so `commitAllocation` takes the token unchanged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.service.answers import QuotedOption, QuoteSigner, quoted
from gateway.service.promise_service import PromiseService
from promise.cart import CartLine, Destination
from promise.collect_stores import StoreCollect, collect_at_stores
from promise.errors import DestinationNotServed, InvalidInput
from promise.sourcing import Stock


@dataclass(frozen=True, slots=True)
class QuotedStore:
    """A store that can serve the cart, and its collect option quoted."""

    found: StoreCollect
    option: QuotedOption


async def collect_stores(
    service: PromiseService,
    cart: tuple[CartLine, ...],
    near: Destination,
    *,
    first: int,
    client_id: str,
    channel: str | None,
    confidence: float = 0.95,
) -> list[QuotedStore]:
    """Up to `first` stores nearest `near` that can serve the cart, nearest first."""
    if not 0.5 <= confidence < 1.0:
        raise InvalidInput(
            f"confidence {confidence} must be at least 0.5 and below 1", field="confidence"
        )
    network = service.network
    stores = service.finder.finder.collect_stores_near(near.point, limit=first)
    if not stores:
        raise DestinationNotServed(
            f"no click & collect store within {network.served_radius_km:.0f} km", field="near"
        )
    now = service.now()
    profile = service.profile_for(client_id, channel)
    reads = {store_id: service.finder.around_store(store_id) for store_id, _ in stores}
    nodes = list(dict.fromkeys(n for group in reads.values() for n in group))
    skus = [line.sku for line in cart]
    store_channel = service.store_channel(client_id, channel)
    bound = (
        [n for n in nodes if n in network.daily_capacity]
        if profile.filters.require_capacity
        else []
    )
    by_day: dict[str, list[str]] = {}
    for node_id in bound:
        by_day.setdefault(service.node_day(node_id, now), []).append(node_id)
    stock, used = await asyncio.gather(
        service.store.atp(skus, nodes, channel=store_channel),
        asyncio.gather(*(service.store.capacity_used(group, day) for day, group in by_day.items())),
    )

    def stock_for(store_id: str) -> Stock:
        read = reads[store_id]
        return {sku: {n: levels[n] for n in read if n in levels} for sku, levels in stock.items()}

    found = collect_at_stores(
        network,
        cart,
        stores,
        now,
        stock_for=stock_for,
        confidence=confidence,
        profile=profile,
        capacity_used={node: n for group in used for node, n in group.items()},
    )
    expires = int(service.clock()) + service.quote_ttl_seconds
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    answers = []
    for store in found:
        # The destination a quote to this store names: the store, as deliveryOptions names it.
        destination = Destination(store.store.location, store_id=store.store.id)
        signer = QuoteSigner(
            service.keys, client_id, network.version, expires, destination, confidence
        )
        answers.append(QuotedStore(store, quoted(store.option, signer, expires_at, now)))
    return answers
