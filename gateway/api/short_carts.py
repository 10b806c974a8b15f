"""The answer to a cart that cannot be served in full: its short lines, and what it may get.

`deliveryOptions` answers `NothingInStock` naming the first short line as before, with every
short line (how many units can be had, at which nodes) and, when the channel's rule profile
allows partial answers, the options for the servable part, each flagged `partial` with the
lines it leaves out.
"""

from __future__ import annotations

import dataclasses

from gateway.api.context import Info
from gateway.api.domain_errors import EXPECTED, as_problem
from gateway.api.types.inputs import DeliveryOptionsInput
from gateway.api.types.network import Line
from gateway.api.types.options import DeliveryOption
from gateway.api.types.problems import NothingInStock, Problem, ProblemCode
from gateway.api.types.shortages import CartShortLine
from gateway.service.disclosure import disclosure_for
from gateway.service.partial import partial_offer
from promise.cart import CartLine, Destination
from promise.errors import NothingInStock as DomainNothingInStock


async def short_cart_answer(
    info: Info,
    error: DomainNothingInStock,
    cart: tuple[CartLine, ...],
    destination: Destination,
    input: DeliveryOptionsInput,
) -> Problem:
    context = info.context
    service = context.service
    try:
        offer = await partial_offer(
            service,
            error,
            cart,
            destination,
            client_id=context.client_id,
            channel=context.channel,
            order_time=input.order_time,
            confidence=input.confidence,
            include_customer_trip=input.include_customer_trip,
            kinds=input.kind_set(),
        )
    except EXPECTED as failure:
        return as_problem(failure)
    disclosure = disclosure_for(
        service, context.client_id, context.channel, exact=context.exact_stock
    )
    options = []
    if offer is not None:
        left_out = [Line(sku=line.sku, quantity=line.quantity) for line in offer.left_out]
        for quoted in offer.options:
            shown = DeliveryOption.from_domain(quoted, service.network)
            options.append(dataclasses.replace(shown, partial=True, left_out=left_out))
    return NothingInStock(
        code=ProblemCode.NOTHING_IN_STOCK,
        message=error.message,
        field=error.field,
        short_lines=[CartShortLine.from_domain(s, disclosure) for s in error.short_lines],
        partial_options=options,
    )
