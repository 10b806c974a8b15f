"""A listing page's batch: candidates found once, stock read once, then `promise.listing`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from carriers.services import DeliveryKind
from gateway.service.promise_service import PromiseService
from promise.cart import CartLine, Destination
from promise.errors import InvalidInput
from promise.listing import ListedSku, listing_promises
from promise.listing_services import listing_nodes
from promise.option_values import PromiseRequest

DEFAULT_LISTING_KINDS = (DeliveryKind.HOME_STANDARD,)


async def listing(
    service: PromiseService,
    skus: Sequence[str],
    destination: Destination,
    *,
    kinds: Sequence[DeliveryKind],
    client_id: str,
    channel: str | None,
    order_time: datetime | None = None,
    confidence: float = 0.95,
) -> list[ListedSku]:
    """Headlines for one unit of each SKU (known to the network) to a home destination.

    One store call reads the ATP of every SKU at the destination's candidates that the kinds
    asked may serve from (with the capacity the capacity-bound ones used today, when the
    profile filters on it).
    """
    if destination.store_id is not None:
        raise InvalidInput(
            "a listing is promised to where the shopper is: a postcode, coordinates or an "
            "address, not a store",
            field="destination.storeId",
        )
    now = order_time or service.now()
    profile = service.profile_for(client_id, channel)
    # The cart of the request is not read by the batch; one line keeps the value well formed.
    request = PromiseRequest(
        (CartLine(skus[0], 1),),
        destination,
        now,
        confidence,
        profile=profile,
        kinds=frozenset(kinds),
        explain=False,
        nudge=False,
    )
    candidates = service.finder.around(destination.point, field="destination")
    # The stock of the nodes the kinds asked may serve from: about a third of the candidates.
    nodes = listing_nodes(service.network, request, candidates, kinds=kinds)
    store_channel = service.store_channel(client_id, channel)
    bound = (
        [n for n in nodes if n in service.network.daily_capacity]
        if profile.filters.require_capacity
        else []
    )
    used: list[dict[str, int]] = []
    if bound:
        days: dict[str, list[str]] = {}
        for node in bound:
            days.setdefault(service.node_day(node, now), []).append(node)
        reads = [service.store.capacity_used(group, day) for day, group in days.items()]
        stock, used = await asyncio.gather(
            service.store.atp(list(skus), nodes, channel=store_channel), asyncio.gather(*reads)
        )
    else:
        stock = await service.store.atp(list(skus), nodes, channel=store_channel)
    return listing_promises(
        service.network,
        request,
        skus,
        candidates,
        stock,
        kinds=kinds,
        capacity_used={node: n for group in used for node, n in group.items()},
    )
