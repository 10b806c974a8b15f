"""The three request kinds of issue 7, their seeded workloads, and in-process timing.

PDP: `availability` of one SKU near a postcode plus the headline home-delivery date
(`deliveryOptions` for that SKU with `kinds: [HOME_STANDARD, HOME_TWO_PERSON]`), in one
operation (a product page's one call; the cart page asks for every kind). Checkout:
`deliveryOptions` for a cart of N lines (5 by default). Commit: `commitAllocation` of a
fresh quote token.
Destinations are postcodes of the benchmark towns and SKUs are drawn uniformly from the
catalogue, both from `random.Random(seed)`: the same seed gives the same requests, in process
and over HTTP.
"""

from __future__ import annotations

import random
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from graphql import parse, validate

from bench.network_gen import cities
from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.fastpath.compat import core_schema
from gateway.fastpath.execution import CheckedDocument, check_document, run_checked
from gateway.service.destinations import at_postcode
from gateway.service.promise_service import PromiseService
from promise.cart import CartLine
from promise.network import Network
from promise.quotes import quote_of

K = TypeVar("K")


def _next_monday_10_paris() -> str:
    """Next Monday 10:00 in Paris: a morning before every cut-off, within the order-time
    window the gateway accepts (a day back to a year ahead of its clock)."""
    now = datetime.now(ZoneInfo("Europe/Paris"))
    monday = (now + timedelta(days=7 - now.weekday())).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return monday.isoformat()


ORDER_TIME = _next_monday_10_paris()
CLIENT = "bench"

# A product page's home delivery: by parcel, or by two-person delivery for what no parcel takes.
PDP = """query Pdp($sku: String!, $lines: [CartLineInput!]!, $pc: String!) {
  availability(skus: [$sku], near: {postcode: {country: "FR", postcode: $pc}}, first: 5) {
    ... on Availability { items { sku total nodes { node { id } atp distanceKm } } } }
  deliveryOptions(input: {lines: $lines, orderTime: "ORDER_TIME",
    kinds: [HOME_STANDARD, HOME_TWO_PERSON],
    destination: {postcode: {country: "FR", postcode: $pc}}}) {
    ... on DeliveryOptions { options { kind promisedDate likelyDate priceCents } }
    ... on Problem { code } } }""".replace("ORDER_TIME", ORDER_TIME)
CHECKOUT = """query Checkout($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  ... on DeliveryOptions { options { kind serviceCode promisedDate likelyDate priceCents
  co2eGrams labels shipments { node { id } lines { sku quantity } distanceKm } quoteToken } }
  ... on Problem { code } } }"""
# A checkout page that also shows the carbon nudge: each home service searches a second time.
CHECKOUT_NUDGE = CHECKOUT.replace("quoteToken }", "quoteToken nudge { text daysLater } }")
COMMIT = """mutation Commit($t: String!, $k: String!) { commitAllocation(input: {quoteToken: $t,
  idempotencyKey: $k}) { __typename ... on Allocation { id status }
  ... on StockChanged { shortLines { nodeId sku } } ... on Problem { code } } }"""
RELEASE = """mutation Release($id: ID!) { releaseAllocation(input: {allocationId: $id}) {
  __typename } }"""


@dataclass(frozen=True, slots=True)
class Figures:
    p50_ms: float
    p99_ms: float
    per_second: float

    @staticmethod
    def of(samples: Sequence[float]) -> Figures:
        """Percentiles of sequential durations (seconds); throughput is their inverse mean."""
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return Figures(statistics.median(ordered) * 1000, p99 * 1000, len(ordered) / sum(ordered))


class Workload:
    """Seeded request variables over one network."""

    def __init__(self, network: Network, *, seed: int = 11) -> None:
        self._rng = random.Random(seed)
        self._skus = sorted(network.skus)
        self.postcodes = sorted({town.postcode for town in cities()})

    def _postcode(self) -> str:
        return self._rng.choice(self.postcodes)

    def pdp(self) -> dict[str, Any]:
        sku = self._rng.choice(self._skus)
        return {"sku": sku, "lines": [{"sku": sku, "quantity": 1}], "pc": self._postcode()}

    def listing(self, count: int) -> dict[str, Any]:
        """A listing page: `count` SKUs of the catalogue to a postcode."""
        return {"skus": self._rng.sample(self._skus, count), "pc": self._postcode()}

    def cart(self, lines: int) -> dict[str, Any]:
        chosen = self._rng.sample(self._skus, lines)
        return {
            "input": {
                "lines": [{"sku": sku, "quantity": 1} for sku in chosen],
                "destination": {"postcode": {"country": "FR", "postcode": self._postcode()}},
                "orderTime": ORDER_TIME,
            }
        }


_CHECKED: dict[str, CheckedDocument] = {}


async def run_query(
    service: PromiseService, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """One operation as the HTTP layer executes it, as client `bench`: the document parsed,
    validated and checked once per text (the endpoint remembers its documents), then run by
    `run_checked` with the request's variables. No HTTP, key, rate limit or JSON."""
    checked = _CHECKED.get(query)
    if checked is None:
        document = parse(query)
        errors = validate(core_schema(schema), document)
        if errors:
            raise RuntimeError(errors[0].message)
        checked = _CHECKED[query] = check_document(core_schema(schema), document)
    context = Context(service=service, client_id=CLIENT)
    result = await run_checked(
        schema, checked, variables=variables, operation_name=None, context=context
    )
    if result.errors:
        raise RuntimeError(result.errors[0].message)
    assert result.data is not None
    refuse_problems(result.data)
    return result.data


# What the stock a run spends may answer, and what the demo's catalogue answers for a cart
# with a unit no service carries (its decking boards are longer than every parcel); any other
# problem is the benchmark's own mistake.
_STOCK_OUTCOMES = frozenset({"STOCK_CHANGED", "NOTHING_IN_STOCK", "TOO_HEAVY"})


def refuse_problems(data: dict[str, Any]) -> None:
    """A benchmark times answers, not refusals: a root field answering a problem (a bad
    order time, an unserved postcode) stops it."""
    for field, value in data.items():
        if isinstance(value, dict) and value.get("code") not in (None, *_STOCK_OUTCOMES):
            raise RuntimeError(f"the benchmark request got a problem at {field}: {value}")


async def timed(
    call: Callable[[int], Awaitable[float | None]],
    *,
    rounds: int,
    warmup: int,
    budget_seconds: float = 12.0,
) -> Figures:
    """Run `call(i)` sequentially; a call may return its own duration, else it is timed whole.

    Warm-up stops after a quarter of the budget and the rounds after the whole of it (with at
    least 30 samples), so that a slow scenario still ends in bounded time.
    """
    deadline = time.perf_counter() + budget_seconds / 4
    for i in range(warmup):
        await call(i)
        if time.perf_counter() > deadline:
            break
    samples: list[float] = []
    deadline = time.perf_counter() + budget_seconds
    for i in range(warmup, warmup + rounds):
        start = time.perf_counter()
        own = await call(i)
        samples.append(time.perf_counter() - start if own is None else own)
        if len(samples) >= 30 and time.perf_counter() > deadline:
            break
    return Figures.of(samples)


async def interleaved(
    calls: Mapping[K, Callable[[int], Awaitable[None]]],
    *,
    rounds: int,
    warmup: int,
    budget_seconds: float,
    block: int = 1,
) -> dict[K, Figures]:
    """Run the calls of `calls` in turn, `block` rounds of each at a time, and time each.

    Timed one after the other, two sizes of one scenario meet other conditions (caches, the
    other core's load), and their ratio moves between runs of the same code; in turn, every
    size is measured under the same conditions, so the ratio is the code's. A request also
    leaves work behind (tasks it scheduled, garbage, cold caches) that the next one meets:
    between sizes of unlike cost, `block` > 1 keeps that to the first request of a block,
    out of the median. The rounds stop after `budget_seconds` (at least 30 of them).
    """
    for i in range(warmup):
        for warm in calls.values():
            await warm(i)
    samples: dict[K, list[float]] = {key: [] for key in calls}
    deadline = time.perf_counter() + budget_seconds
    for first in range(warmup, warmup + rounds, block):
        numbers = range(first, min(first + block, warmup + rounds))
        for key, call in calls.items():
            for i in numbers:
                start = time.perf_counter()
                await call(i)
                samples[key].append(time.perf_counter() - start)
        if first - warmup >= 30 and time.perf_counter() > deadline:
            break
    return {key: Figures.of(found) for key, found in samples.items()}


async def quote_tokens(
    service: PromiseService, workload: Workload, *, count: int, lines: int = 2, copies: int = 3
) -> list[tuple[str, int]]:
    """`count` fresh quote tokens for client `bench`, with the hash slots each commit touches.

    Each cart's options come from the promise service itself; every option is signed again
    with distinct expiry instants, so one option yields several different tokens (each a
    valid quote naming the same lines). Slots: one per SKU, the allocation's order bucket, the
    quote's claim, the snapshot generations' slot, and one per capacity-bound node.
    """
    tokens: list[tuple[str, int]] = []
    run = secrets.token_hex(6)
    expires = int(service.clock()) + service.quote_ttl_seconds
    while len(tokens) < count:
        variables = workload.cart(lines)["input"]
        cart = tuple(CartLine(line["sku"], line["quantity"]) for line in variables["lines"])
        postcode = variables["destination"]["postcode"]["postcode"]
        destination = at_postcode("FR", postcode, field="destination").destination
        quoted = await service.delivery_options(
            cart,
            destination,
            client_id=CLIENT,
            order_time=None,
            confidence=0.95,
        )
        for option in quoted:
            shipments = option.option.shipments
            skus = {line.sku for s in shipments for line in s.lines}
            bound = {s.node_id for s in shipments} & set(service.network.daily_capacity)
            slots = len(skus) + 3 + len(bound)
            for offset in range(copies):
                quote = quote_of(
                    option.option,
                    client_id=CLIENT,
                    network_version=service.network.version,
                    expires_at=expires + offset,
                    # Each token commits once, claiming its id as production's do: ids
                    # unique across the runs that share one store.
                    quote_id=f"bench-{run}-{len(tokens)}",
                )
                tokens.append((service.keys.sign(quote), slots))
    return tokens[:count]
