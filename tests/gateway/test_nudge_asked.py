"""The carbon nudge's second search runs only for a selection that shows `nudge`.

Through the real schema, in process, on the demo network's embedded store: the cart of
tests/gateway/test_lazy_quotes.py (an angle grinder and a bath mat for Caen, Monday 23
November 2026 at 10:00), whose standard delivery has a greener alternative a day later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.app import create_app
from gateway.ops.settings import Settings
from gateway.service.answers import QuotedPromise
from gateway.service.destinations import at_postcode
from gateway.service.promise_service import PromiseService
from promise.cart import CartLine
from tests.gateway.conftest import MONDAY_10_PARIS, demo_files, monday_clock

CLIENT = "nudge-asked"
SKUS = ("ANGLE-GRINDER-125", "BATH-MAT-60")
INPUT = {
    "lines": [{"sku": sku, "quantity": 1} for sku in SKUS],
    "destination": {"postcode": {"country": "FR", "postcode": "14000"}},
    "orderTime": MONDAY_10_PARIS.isoformat(),
}
FIELDS = "kind serviceCode promisedDate priceCents co2eGrams labels"
WITHOUT = f"""query($input: DeliveryOptionsInput!) {{ deliveryOptions(input: $input) {{
  ... on DeliveryOptions {{ options {{ {FIELDS} }} }} }} }}"""
DIRECT = f"""query($input: DeliveryOptionsInput!) {{ deliveryOptions(input: $input) {{
  ... on DeliveryOptions {{ options {{ {FIELDS} nudge {{ daysLater }} }} }} }} }}"""
# The nudge asked under an alias, in a named fragment spread inside an inline fragment.
IN_FRAGMENT = f"""query($input: DeliveryOptionsInput!) {{ deliveryOptions(input: $input) {{
  ... on DeliveryOptions {{ options {{ ...Shown }} }} }} }}
fragment Shown on DeliveryOption {{ {FIELDS}
  ... on DeliveryOption {{ later: nudge {{ daysLater }} }} }}"""


class Recording(PromiseService):
    """The app's promise service, keeping whether each promise asked for the nudge."""

    asked: list[bool]

    async def promise(self, *args: Any, **kwargs: Any) -> QuotedPromise:
        self.asked.append(kwargs["nudge"])
        return await super().promise(*args, **kwargs)


@pytest.fixture
async def service() -> AsyncIterator[Recording]:
    app = create_app(Settings(store_url="memory://"), clock=monday_clock(), files=demo_files())
    async with app.router.lifespan_context(app):
        shared: PromiseService = app.state.promise_service
        recording = Recording(
            shared.network,
            shared.store,
            shared.keys,
            quote_ttl_seconds=900,
            clock=shared.clock,
            channels=shared.channels,
        )
        recording.asked = []
        yield recording


async def options(service: PromiseService, query: str) -> list[dict[str, Any]]:
    context = Context(service=service, client_id=CLIENT)
    result = await schema.execute(query, variable_values={"input": INPUT}, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    found: list[dict[str, Any]] = result.data["deliveryOptions"]["options"]
    return found


async def test_a_selection_without_nudge_spares_the_search_and_keeps_the_options(
    service: Recording,
) -> None:
    shown = await options(service, DIRECT)
    spared = await options(service, WITHOUT)

    assert service.asked == [True, False]
    assert any(option["nudge"] is not None for option in shown)
    assert spared == [{k: v for k, v in option.items() if k != "nudge"} for option in shown]


async def test_a_nudge_asked_in_a_fragment_under_an_alias_is_searched_as_when_asked_directly(
    service: Recording,
) -> None:
    direct = await options(service, DIRECT)
    in_fragment = await options(service, IN_FRAGMENT)

    assert service.asked == [True, True]
    assert [o.pop("later") for o in in_fragment] == [o.pop("nudge") for o in direct]
    assert in_fragment == direct


async def test_the_answer_for_a_document_is_the_same_on_every_run(service: Recording) -> None:
    for _ in range(3):
        await options(service, WITHOUT)
        await options(service, IN_FRAGMENT)

    assert service.asked == [False, True] * 3


async def test_without_the_nudge_no_option_carries_a_greener_alternative(
    service: PromiseService,
) -> None:
    destination = at_postcode("FR", "14000", field="destination").destination
    cart = tuple(CartLine(sku, 1) for sku in SKUS)

    def ask(nudge: bool) -> Any:
        return service.promise(
            cart,
            destination,
            client_id=CLIENT,
            order_time=MONDAY_10_PARIS,
            confidence=0.95,
            nudge=nudge,
        )

    searched, spared = await ask(True), await ask(False)

    assert any(q.greener is not None for q in searched.options)
    assert all(q.greener is None for q in spared.options)
    assert [q.option.greener for q in spared.options] == [None] * len(spared.options)
    assert [
        (q.option.service.code, q.option.promised, q.option.shipments) for q in spared.options
    ] == [(q.option.service.code, q.option.promised, q.option.shipments) for q in searched.options]
