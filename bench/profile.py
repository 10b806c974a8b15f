"""Where a request's time goes: cProfile over in-process requests on the reference network.

    .venv/bin/python -m bench.profile [pdp|checkout|commit|listing ...] [--rounds 50]
        [--skus 2000] [--packages] [--lines 1,5,20] [--cpu]

Same network, Redis and requests as `bench.run` (seeded); prints the top functions by own
time and by cumulative time for each scenario named, or with --packages the share of own
time spent in each package (the project's four, and the libraries under them). Not part
of `make bench`: profiling slows every call down, so its figures are shares, not timings.
`--lines` profiles checkout carts of each size given; `--cpu` prints instead the process's
CPU time per request, unprofiled (best of 5 passes): a figure other processes on the
machine barely move, unlike the wall clock.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.listing import LISTING, LISTING_SKUS
from bench.network_gen import Shape, generate, load_stock
from bench.run_settings import CART_LINES, settings_for
from bench.scenarios import Workload, run_query
from gateway.app import create_app
from gateway.service.promise_service import PromiseService
from tests.redis_server import running_redis

_LIBRARIES = ("strawberry", "graphql", "redis", "asyncio", "geographiclib", "holidays", "json")


def _package(filename: str) -> str:
    """The package a profiled function belongs to; builtins are called from all of them."""
    for package in ("gateway", "promise", "carriers", "stock_cache", *_LIBRARIES):
        if f"/{package}/" in filename:
            return package
    return "builtins and other"


def _by_package(profiler: cProfile.Profile) -> str:
    spent: dict[str, float] = {}
    for (filename, _, _), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        spent[_package(filename)] = spent.get(_package(filename), 0.0) + row[2]
    total = sum(spent.values())
    return "\n".join(
        f"   {package:20s} {seconds / total * 100:5.1f}%"
        for package, seconds in sorted(spent.items(), key=lambda item: -item[1])
    )


async def _profile(
    network: Path,
    url: str,
    names: list[str],
    rounds: int,
    top: int,
    *,
    packages: bool,
    lines: list[int],
    cpu: bool,
) -> None:
    app = create_app(settings_for(network, url))
    async with app.router.lifespan_context(app):
        # The start-up publication of every SKU is not the requests' work.
        await app.state.published.wait()
        service: PromiseService = app.state.promise_service
        workload = Workload(service.network)
        runs = [(f"checkout {n} lines", n) for n in lines] if "checkout" in names else []
        runs = [(name, 0) for name in names if name != "checkout"] + runs
        for name, size in runs:
            calls: list[tuple[str, dict[str, Any]]]
            if name == "pdp":
                calls = [(scenarios.PDP, workload.pdp()) for _ in range(rounds)]
            elif size:
                calls = [(scenarios.CHECKOUT, workload.cart(size)) for _ in range(rounds)]
            elif name == "listing":
                calls = [(LISTING, workload.listing(LISTING_SKUS)) for _ in range(rounds)]
            else:
                tokens = await scenarios.quote_tokens(service, workload, count=rounds)
                stamp = time.time_ns()
                calls = [
                    (scenarios.COMMIT, {"t": token, "k": f"profile-{stamp}-{i}"})
                    for i, (token, _) in enumerate(tokens)
                ]
            # Warm-up: the same requests once, as a busy gateway has seen most of them.
            for query, variables in calls if name != "commit" else calls[:3]:
                await run_query(service, query, variables)
            if cpu and name != "commit":
                print(f"{name}: {await _cpu_ms(service, calls):.3f} ms CPU per request")
                continue
            profiler = cProfile.Profile()
            profiler.enable()
            for query, variables in calls:
                await run_query(service, query, variables)
            profiler.disable()
            if packages:
                print(f"\n=== {name}: {rounds} requests, own time by package ===")
                print(_by_package(profiler))
                continue
            for order in ("tottime", "cumulative"):
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
                print(f"\n=== {name}: {rounds} requests, by {order} ===")
                print(text.getvalue().split("\n\n", 1)[1] if "\n\n" in text.getvalue() else "")


async def _cpu_ms(service: PromiseService, calls: list[tuple[str, dict[str, Any]]]) -> float:
    """CPU ms per request, best of 5 passes over the calls (the first pass warmed them)."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for query, variables in calls:
            await run_query(service, query, variables)
        best = min(best, (time.process_time() - start) * 1000 / len(calls))
    return best


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("scenarios", nargs="*", default=["pdp", "checkout", "commit"])
    arguments.add_argument("--rounds", type=int, default=50)
    arguments.add_argument("--skus", type=int, default=2_000)
    arguments.add_argument("--top", type=int, default=25)
    arguments.add_argument("--packages", action="store_true", help="shares per package")
    arguments.add_argument("--lines", default=str(CART_LINES), help="checkout cart sizes: 1,5,20")
    arguments.add_argument("--cpu", action="store_true", help="CPU ms per request, unprofiled")
    args = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as temp, running_redis() as redis:
        network = Path(temp) / "reference"
        generate(network, Shape(skus=args.skus))
        load_stock(network, redis.url())
        asyncio.run(
            _profile(
                network,
                redis.url(),
                args.scenarios,
                args.rounds,
                args.top,
                packages=args.packages,
                lines=[int(n) for n in args.lines.split(",")],
                cpu=args.cpu,
            )
        )


if __name__ == "__main__":
    main()
