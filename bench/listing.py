"""The listing page's benchmark: `listingPromises` of 48 SKUs to a postcode, beside its floor.

    .venv/bin/python -m bench.listing [--skus 2000] [--quick]

On the seeded reference network (bench/network_gen.py, capacity on) with its stock in a
redis-server started for the run, the service time of `listingPromises` for 48 SKUs drawn
from the catalogue to a postcode of the benchmark towns, in process through the real schema;
beside a floor: stock strawberry answering the very same 48-item selection (typed objects,
built from the gateway's answers) from memory. `bench.run` runs it too.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

import strawberry

from bench.network_gen import Shape, generate, load_stock
from bench.report import Report
from bench.run_settings import Plan, settings_for
from bench.scenarios import Figures, Workload, run_query, timed
from gateway.app import create_app
from gateway.service.promise_service import PromiseService
from tests.redis_server import running_redis

LISTING_SKUS = 48
LISTING = """query Listing($skus: [String!]!, $pc: String!) {
  listingPromises(skus: $skus, destination: {postcode: {country: "FR", postcode: $pc}}) {
    ... on ListingPromises { items { __typename
      ... on ListingPromise { sku headlines { kind promisedDate likelyDate orderBy priceCents
        node { id } } }
      ... on Problem { code field } } }
    ... on Problem { code } } }"""
FLOOR = """{ items { __typename sku code field
  headlines { kind promisedDate likelyDate orderBy priceCents node { id } } } }"""


@strawberry.type
class _Node:
    id: str


@strawberry.type
class _Headline:
    kind: str
    promised_date: str
    likely_date: str
    order_by: str
    price_cents: int
    node: _Node


@strawberry.type
class _Item:
    sku: str | None
    code: str | None
    field: str | None
    headlines: list[_Headline]


@strawberry.type
class _FloorQuery:
    @strawberry.field
    def items(self, info: strawberry.Info) -> list[_Item]:
        found: list[_Item] = info.context["items"]
        return found


_floor = strawberry.Schema(query=_FloorQuery)


def _items(body: dict[str, Any]) -> list[_Item]:
    return [
        _Item(
            sku=item.get("sku"),
            code=item.get("code"),
            field=item.get("field"),
            headlines=[
                _Headline(
                    kind=h["kind"],
                    promised_date=h["promisedDate"],
                    likely_date=h["likelyDate"],
                    order_by=h["orderBy"],
                    price_cents=h["priceCents"],
                    node=_Node(id=h["node"]["id"]),
                )
                for h in item.get("headlines", [])
            ],
        )
        for item in body["listingPromises"]["items"]
    ]


async def listing_figures(service: PromiseService, plan: Plan) -> tuple[Figures, Figures, str]:
    """The gateway's figures, the floor's, and what the answers held (promised/problems)."""
    workload = Workload(service.network)
    pages = [workload.listing(LISTING_SKUS) for _ in range(plan.rounds + plan.warmup)]

    async def call(i: int) -> None:
        await run_query(service, LISTING, pages[i % len(pages)])

    figures = await timed(call, rounds=plan.rounds, warmup=plan.warmup)
    body = await run_query(service, LISTING, pages[0])
    context = {"items": _items(body)}
    promised = sum(1 for item in body["listingPromises"]["items"] if "sku" in item)

    async def floor_call(_: int) -> None:
        result = await _floor.execute(FLOOR, context_value=context)
        assert not result.errors, result.errors

    floor = await timed(floor_call, rounds=plan.rounds, warmup=plan.warmup)
    return figures, floor, f"{promised} of {LISTING_SKUS} SKUs promised in the first page"


def print_listing(report: Report, figures: Figures, floor: Figures, held: str) -> None:
    report.heading(f"Listing: listingPromises of {LISTING_SKUS} SKUs to a postcode (service time)")
    report.say(f"gateway p50 {figures.p50_ms:.2f} ms, p99 {figures.p99_ms:.2f} ms, "
               f"{figures.per_second:.0f}/s; floor p50 {floor.p50_ms:.2f} ms, "
               f"p99 {floor.p99_ms:.2f} ms, {floor.per_second:.0f}/s; "
               f"ratio {figures.per_second / floor.per_second:.2f}x; {held}")  # fmt: skip


def listing_targets(report: Report, figures: Figures, floor: Figures) -> None:
    report.target(f"listing {LISTING_SKUS} SKUs service p99", "<= 40 ms",
                  f"{figures.p99_ms:.1f} ms", figures.p99_ms <= 40)  # fmt: skip
    share = figures.per_second / floor.per_second
    report.target(f"listing {LISTING_SKUS} SKUs vs floor", ">= 0.6x", f"{share:.2f}x",
                  share >= 0.6)  # fmt: skip


async def listing_in_process(network: Path, url: str, plan: Plan) -> tuple[Figures, Figures, str]:
    app = create_app(settings_for(network, url))
    async with app.router.lifespan_context(app):
        # The start-up publication of every SKU is not the requests' work.
        await app.state.published.wait()
        return await listing_figures(app.state.promise_service, plan)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--skus", type=int, default=2_000, help="catalogue of the reference")
    arguments.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    args = arguments.parse_args()
    plan = (
        Plan(rounds=60, warmup=10, seconds=2, tokens=0)
        if args.quick
        else Plan(rounds=500, warmup=50, seconds=0, tokens=0)
    )
    report = Report()
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as temp, running_redis() as redis:
        network = Path(temp) / "reference"
        generate(network, Shape(skus=args.skus))
        load_stock(network, redis.url())
        figures, floor, held = asyncio.run(listing_in_process(network, redis.url(), plan))
    print_listing(report, figures, floor, held)
    listing_targets(report, figures, floor)
    report.verdicts()
    return 0


if __name__ == "__main__":
    sys.exit(main())
