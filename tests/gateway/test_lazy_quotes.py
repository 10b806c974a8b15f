"""Quote tokens are signed when a query reads them, once per option, and commit as before.

Through the real schema, in process, on the demo network's embedded store. An angle grinder
and a bath mat for Caen (14000), ordered on Monday 23 November 2026 at 10:00: standard
delivery ships two parcels and has a greener alternative a day later (the carbon nudge).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.app import create_app
from gateway.ops.settings import Settings
from gateway.service.answers import QuotedOption
from gateway.service.destinations import at_postcode
from gateway.service.promise_service import PromiseService
from promise.cart import CartLine, Destination
from promise.quotes import Quote, SigningKeys, quote_of
from tests.gateway.conftest import MONDAY_10_PARIS, demo_files, monday_clock
from tests.gateway.graphql_client import COMMIT

CLIENT = "lazy-quotes"
SKUS = ("ANGLE-GRINDER-125", "BATH-MAT-60")
CART = [{"sku": sku, "quantity": 1} for sku in SKUS]
CAEN = {"postcode": {"country": "FR", "postcode": "14000"}}

HEADLINES = """query($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  ... on DeliveryOptions { options { kind serviceCode promisedDate priceCents quoteExpiresAt
    nudge { daysLater option { promisedDate } } } } } }"""
TOKENS = """query($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  ... on DeliveryOptions { options { serviceCode first: quoteToken again: quoteToken
    nudge { option { quoteToken } } } } } }"""


@dataclass(frozen=True, slots=True)
class CountingKeys(SigningKeys):
    """Real signing keys that also keep every token they signed."""

    signed: list[str] = field(default_factory=list)

    def sign_payload(self, payload: str) -> str:
        # Every token is signed here, a Quote's (`sign`) or an option's payload.
        # Named base: zero-argument super() does not work in a slots dataclass.
        token = SigningKeys.sign_payload(self, payload)
        self.signed.append(token)
        return token


@pytest.fixture
async def service() -> AsyncIterator[PromiseService]:
    """A promise service on the app's network and store, signing with counting keys."""
    app = create_app(Settings(store_url="memory://"), clock=monday_clock(), files=demo_files())
    async with app.router.lifespan_context(app):
        shared: PromiseService = app.state.promise_service
        keys = CountingKeys(shared.keys.current, shared.keys.secrets)
        yield PromiseService(
            shared.network,
            shared.store,
            keys,
            quote_ttl_seconds=900,
            clock=shared.clock,
            channels=shared.channels,
        )


def signed(service: PromiseService) -> list[str]:
    assert isinstance(service.keys, CountingKeys)
    return service.keys.signed


async def execute(service: PromiseService, query: str, variables: dict[str, Any]) -> Any:
    context = Context(service=service, client_id=CLIENT)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def options(service: PromiseService, query: str) -> list[dict[str, Any]]:
    request = {"lines": CART, "destination": CAEN, "orderTime": MONDAY_10_PARIS.isoformat()}
    data = await execute(service, query, {"input": request})
    found: list[dict[str, Any]] = data["deliveryOptions"]["options"]
    return found


async def test_options_read_without_their_tokens_sign_nothing(service: PromiseService) -> None:
    found = await options(service, HEADLINES)

    assert any(option["nudge"] is not None for option in found)
    assert all(option["quoteExpiresAt"] for option in found)
    assert signed(service) == []


async def test_each_option_read_is_signed_once_however_often_its_token_is_selected(
    service: PromiseService,
) -> None:
    found = await options(service, TOKENS)

    greener = [option["nudge"]["option"] for option in found if option["nudge"] is not None]
    assert greener
    assert all(option["first"] == option["again"] for option in found)
    assert sorted(signed(service)) == sorted(
        [option["first"] for option in found] + [option["quoteToken"] for option in greener]
    )


async def test_a_lazily_signed_token_names_what_an_eager_one_named(
    service: PromiseService,
) -> None:
    destination = at_postcode("FR", "14000", field="destination").destination
    cart = tuple(CartLine(sku, 1) for sku in SKUS)
    found = await service.promise(
        cart, destination, client_id=CLIENT, order_time=MONDAY_10_PARIS, confidence=0.95
    )
    quoted = [*found.options, *(q.greener for q in found.options if q.greener is not None)]
    assert len(quoted) > len(found.options)
    assert signed(service) == []

    for option in quoted:
        verified = service.keys.verify(option.token, client_id=CLIENT, now=service.clock())
        # Each token has an id of its own (one token, one allocation); the rest is the same.
        assert len(verified.quote_id) == 16
        assert dataclasses.replace(verified, quote_id="") == eager_quote(
            service, option, destination
        )
    assert len(signed(service)) == len(quoted)


def eager_quote(service: PromiseService, quoted: QuotedOption, destination: Destination) -> Quote:
    """The quote the gateway signed for every option before tokens were lazy."""
    return quote_of(
        quoted.option,
        client_id=CLIENT,
        network_version=service.network.version,
        expires_at=int(quoted.expires_at.timestamp()),
        destination=destination,
        confidence=0.95,
    )


async def test_the_tokens_of_an_option_and_of_its_greener_alternative_commit(
    service: PromiseService,
) -> None:
    [standard] = [o for o in await options(service, TOKENS) if o["nudge"] is not None]

    own = await commit(service, standard["first"], "lazy-own")
    greener = await commit(service, standard["nudge"]["option"]["quoteToken"], "lazy-greener")

    assert (own["__typename"], own["status"]) == ("Allocation", "HELD"), own
    assert (greener["__typename"], greener["status"]) == ("Allocation", "HELD"), greener
    assert greener["serviceCode"] == own["serviceCode"] == standard["serviceCode"]


async def commit(service: PromiseService, token: str, key: str) -> dict[str, Any]:
    variables = {"input": {"quoteToken": token, "idempotencyKey": key}}
    found: dict[str, Any] = (await execute(service, COMMIT, variables))["commitAllocation"]
    return found
