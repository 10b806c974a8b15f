"""Service-time benchmark of the three request kinds, each beside its floor, in one run.

In process, through the real GraphQL schema (parse, validate, execute, serialise): PDP
(`availability` of one SKU near a postcode), checkout (`deliveryOptions` for a 3-line cart)
and commit (`commitAllocation` of a fresh quote, then its release so stock never runs out).
The floor is a plain strawberry schema whose single resolver returns the very same response
body from memory, so the ratio shows what the promise logic and the store cost above GraphQL.
Run on the embedded store and on a Redis server started for the run on a free loopback port.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.app import create_app
from gateway.context import Context
from gateway.schema import schema
from gateway.settings import Settings
from tests.redis_server import running_redis

ROUNDS = 1000
WARMUP = 100
POSTCODES = ["69001", "69003", "69007", "75011", "75015", "13001", "31000", "33000", "59000"]
PDP = """query($sku: String!, $pc: String!) { availability(skus: [$sku],
  near: {postcode: {country: "FR", postcode: $pc}}, first: 5) {
  ... on Availability { items { sku total nodes { node { id } atp distanceKm } } } } }"""
CHECKOUT = """query($input: DeliveryOptionsInput!) { deliveryOptions(input: $input) {
  ... on DeliveryOptions { options { kind serviceCode promisedDate likelyDate priceCents
  co2eGrams labels shipments { node { id } lines { sku quantity } distanceKm } quoteToken } }
  ... on Problem { code } } }"""
COMMIT = """mutation($t: String!, $k: String!) { commitAllocation(input: {quoteToken: $t,
  idempotencyKey: $k}) { __typename ... on Allocation { id status } } }"""
RELEASE = """mutation($id: ID!) { releaseAllocation(input: {allocationId: $id}) {
  __typename } }"""


@strawberry.type
class _FloorQuery:
    @strawberry.field
    def body(self, info: strawberry.Info) -> JSON:
        body: JSON = info.context["body"]
        return body


_floor = strawberry.Schema(query=_FloorQuery)


@dataclass
class Figures:
    p50_ms: float
    p99_ms: float
    per_second: float


def _figures(samples: list[float]) -> Figures:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Figures(statistics.median(ordered) * 1000, p99 * 1000, len(ordered) / sum(ordered))


async def _measure(call: Callable[[int], Awaitable[None]]) -> Figures:
    for i in range(WARMUP):
        await call(i)
    samples = []
    for i in range(ROUNDS):
        start = time.perf_counter()
        await call(i)
        samples.append(time.perf_counter() - start)
    return _figures(samples)


async def _floor_of(body: Any) -> Figures:
    context = {"body": body}

    async def call(_: int) -> None:
        await _floor.execute("{ body }", context_value=context)

    return await _measure(call)


async def _scenarios(store_url: str) -> list[tuple[str, Figures, Figures]]:
    app = create_app(Settings(store_url=store_url))
    rows = []
    async with app.router.lifespan_context(app):
        holder = app.state.promise_service
        context = Context(service=holder, client_id="bench")
        rng = random.Random(7)
        skus = list(holder.network.skus)

        async def run(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            result = await schema.execute(query, variable_values=variables, context_value=context)
            if result.errors:
                raise RuntimeError(result.errors[0].message)
            assert result.data is not None
            return result.data

        def pdp_vars(i: int) -> dict[str, Any]:
            return {"sku": skus[i % len(skus)], "pc": POSTCODES[i % len(POSTCODES)]}

        def cart_vars(i: int) -> dict[str, Any]:
            lines = [{"sku": sku, "quantity": 1} for sku in rng.sample(skus, 3)]
            destination = {"postcode": {"country": "FR", "postcode": POSTCODES[i % 9]}}
            return {"input": {"lines": lines, "destination": destination}}

        async def pdp(i: int) -> None:
            await run(PDP, pdp_vars(i))

        async def checkout(i: int) -> None:
            await run(CHECKOUT, cart_vars(i))

        tokens: list[str] = []
        while len(tokens) < ROUNDS + WARMUP:
            data = await run(CHECKOUT, cart_vars(len(tokens)))
            tokens += [o["quoteToken"] for o in data["deliveryOptions"].get("options", [])]
        commit_ms: list[float] = []

        async def commit(i: int) -> None:
            start = time.perf_counter()
            data = await run(COMMIT, {"t": tokens[i], "k": f"bench-{i}-{time.time_ns()}"})
            commit_ms.append(time.perf_counter() - start)
            allocation = data["commitAllocation"]
            if allocation["__typename"] == "Allocation":
                await run(RELEASE, {"id": allocation["id"]})

        for name, call, body in (
            ("PDP availability", pdp, await run(PDP, pdp_vars(0))),
            ("checkout options", checkout, await run(CHECKOUT, cart_vars(0))),
        ):
            rows.append((name, await _measure(call), await _floor_of(body)))
        commit_ms.clear()
        await _measure(commit)
        commit_figures = _figures(commit_ms[WARMUP:])
        body = await run(COMMIT, {"t": tokens[0], "k": "floor"})
        rows.append(("commit (+release)", commit_figures, await _floor_of(body)))
    return rows


def _print(store: str, rows: list[tuple[str, Figures, Figures]]) -> None:
    print(f"\n{store}: {ROUNDS} sequential requests each, in process, service time")
    print(
        f"{'scenario':<20}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}   {'floor p50':>9}"
        f"{'floor req/s':>12}{'ratio':>7}"
    )
    for name, got, floor in rows:
        print(
            f"{name:<20}{got.p50_ms:>9.2f}{got.p99_ms:>9.2f}{got.per_second:>9.0f}   "
            f"{floor.p50_ms:>9.2f}{floor.per_second:>12.0f}"
            f"{got.per_second / floor.per_second:>7.2f}"
        )


def main() -> int:
    print(f"python {sys.version.split()[0]}; ratio = throughput / floor throughput")
    _print("memory://", asyncio.run(_scenarios("memory://")))
    with running_redis() as redis:
        url = redis.url()
        from gateway.cli import main as cli

        cli(["seed-stock", "--store", url])
        _print("redis (loopback)", asyncio.run(_scenarios(url)))
    print(json.dumps({"rounds": ROUNDS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
