"""Where a request's time goes: cProfile over in-process requests on the reference network.

    .venv/bin/python -m bench.profile [pdp|checkout|commit ...] [--rounds 50] [--skus 2000]

Same network, Redis and requests as `bench.run` (seeded); prints the top functions by own
time and by cumulative time for each scenario named. Not part of `make bench`: profiling
slows every call down, so its figures are shares, not timings.
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
from bench.network_gen import Shape, generate, load_stock
from bench.run import CART_LINES, _settings
from bench.scenarios import Workload, run_query
from gateway.app import create_app
from gateway.promising import PromiseService
from tests.redis_server import running_redis


async def _profile(network: Path, url: str, names: list[str], rounds: int, top: int) -> None:
    app = create_app(_settings(network, url))
    async with app.router.lifespan_context(app):
        service: PromiseService = app.state.promise_service
        workload = Workload(service.network)
        for name in names:
            calls: list[tuple[str, dict[str, Any]]]
            if name == "pdp":
                calls = [(scenarios.PDP, workload.pdp()) for _ in range(rounds)]
            elif name == "checkout":
                calls = [(scenarios.CHECKOUT, workload.cart(CART_LINES)) for _ in range(rounds)]
            else:
                tokens = await scenarios.quote_tokens(service, workload, count=rounds)
                stamp = time.time_ns()
                calls = [
                    (scenarios.COMMIT, {"t": token, "k": f"profile-{stamp}-{i}"})
                    for i, (token, _) in enumerate(tokens)
                ]
            for query, variables in calls[:3]:
                await run_query(service, query, variables)
            profiler = cProfile.Profile()
            profiler.enable()
            for query, variables in calls:
                await run_query(service, query, variables)
            profiler.disable()
            for order in ("tottime", "cumulative"):
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
                print(f"\n=== {name}: {rounds} requests, by {order} ===")
                print(text.getvalue().split("\n\n", 1)[1] if "\n\n" in text.getvalue() else "")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("scenarios", nargs="*", default=["pdp", "checkout", "commit"])
    arguments.add_argument("--rounds", type=int, default=50)
    arguments.add_argument("--skus", type=int, default=2_000)
    arguments.add_argument("--top", type=int, default=25)
    args = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as temp, running_redis() as redis:
        network = Path(temp) / "reference"
        generate(network, Shape(skus=args.skus))
        load_stock(network, redis.url())
        asyncio.run(_profile(network, redis.url(), args.scenarios, args.rounds, args.top))


if __name__ == "__main__":
    main()
