"""What a cart that cannot be served in full may still get: its servable part, quoted.

Under a rule profile that allows it (`allow_partial`), the lines short near the destination
are cut to what can be had (every unit near it, else what the node holding most has) and
the rest of the cart is promised as usual; each option then
names the lines it leaves out. A quote of it commits exactly the part it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carriers.services import DeliveryKind
from gateway.service.answers import QuotedOption
from gateway.service.promise_service import PromiseService
from promise.cart import CartLine, Destination
from promise.errors import NothingInStock, PromiseError
from promise.partial import servable_part


@dataclass(frozen=True, slots=True)
class PartialOffer:
    lines: tuple[CartLine, ...]
    left_out: tuple[CartLine, ...]
    options: list[QuotedOption]


async def partial_offer(
    service: PromiseService,
    error: NothingInStock,
    cart: tuple[CartLine, ...],
    destination: Destination,
    *,
    client_id: str,
    channel: str | None,
    order_time: datetime | None,
    confidence: float,
    include_customer_trip: bool = False,
    kinds: frozenset[DeliveryKind] | None = None,
) -> PartialOffer | None:
    """The servable part's options, or None: not allowed, nothing to serve, or none found."""
    if not error.short_lines or not service.profile_for(client_id, channel).allow_partial:
        return None
    # Every unit near the destination first; when no plan takes them all (too many nodes
    # for the profile's shipments), what the node holding most of each short line has.
    parts = dict.fromkeys(
        servable_part(cart, error.short_lines, one_node=one) for one in (False, True)
    )
    for kept, left_out in parts:
        if not kept:
            continue
        try:
            found = await service.promise(
                kept,
                destination,
                client_id=client_id,
                channel=channel,
                order_time=order_time,
                confidence=confidence,
                include_customer_trip=include_customer_trip,
                kinds=kinds,
                explain=False,
                nudge=False,
            )
        except PromiseError:
            continue
        if found.options:
            return PartialOffer(kept, left_out, found.options)
    return None
