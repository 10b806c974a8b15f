"""Issue 7's benchmark: PDP, checkout and commit, in process and over HTTP, beside their floors.

    .venv/bin/python -m bench.run [--skus 2000] [--seconds 16] [--quick]

1. Generates the seeded reference network (bench/network_gen.py: 1,000 nodes, 50 DCs) in a
   temp dir and loads its stock with `promise-gateway import-stock` into a redis-server
   started for the run on a free loopback port (never the machine's own Redis).
2. In process (service time), through the real schema on that Redis: each scenario beside a
   strawberry schema returning the same body from memory, with Redis round trips (counted in
   redis-py), commands (`INFO commandstats`) and Redis CPU (`INFO cpu`) per request and the
   `redis-benchmark` floor; checkout also with 1 and 20 lines.
3. Over HTTP (if wrk is installed): `promise-gateway serve` in production mode with 1 and 2
   workers and the floor app (bench/floor_app.py: stock strawberry at its best, a typed
   schema answering the same documents from memory) with as many, both up, driven by wrk on
   the same bodies in alternate slices (gateway, floor, floor, gateway); PDP also paced at
   1,400 requests/s, with random pauses and with even ones; peak RSS per worker. Then PDP
   and checkout on the demo network as shipped, 2 workers, beside the floor likewise.
4. Growth: checkout p50 on networks of 100, 1,000 and 10,000 nodes (200 SKUs each).
5. Every target of the issue with its figure.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.http_load import wrk_available
from bench.in_process import Measured, growth, in_process, print_in_process
from bench.listing import listing_in_process, listing_targets, print_listing
from bench.network_gen import Shape, generate, load_stock
from bench.over_http import HttpRun, over_http, print_http
from bench.redis_probe import ping_round_trip_ms
from bench.report import Report
from bench.run_settings import CART_LINES, PDP_TARGET_RPS, Plan
from bench.scenarios import Figures
from bench.steal import CpuTicks, stolen_since
from gateway.ops.compiled import compiled_modules
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from tests.redis_server import running_redis

DEMO = " (demo)"


def _targets(
    report: Report, found: dict[str, Measured], runs: list[HttpRun], grown: dict[int, Figures]
) -> None:
    by = {(r.scenario, r.workers): r for r in runs}
    pdp = by.get(("PDP", 2))
    checkout = f"checkout {CART_LINES} lines"
    if pdp is None or not pdp.paced:
        for name in ("PDP HTTP 2 workers throughput", "PDP p99 at 1,400/s", "PDP vs floor"):
            report.target(name, "", "NOT MEASURED: wrk missing", None)
    else:
        g = pdp.gateway
        report.target("PDP HTTP 2 workers throughput", ">= 1,400 req/s", f"{g.per_second:.0f}",
                      g.per_second >= PDP_TARGET_RPS)  # fmt: skip
        p, even = pdp.paced["random"], pdp.paced["even"]
        report.target("PDP p99 at 1,400/s (paced, random pauses)", "<= 20 ms",
                      f"{p.p99_ms:.1f} ms at {p.per_second:.0f}/s; even pauses: "
                      f"{even.p99_ms:.1f} ms at {even.per_second:.0f}/s",
                      p.p99_ms <= 20 and p.per_second >= PDP_TARGET_RPS * 0.99)  # fmt: skip
        share = g.per_second / pdp.floor.per_second
        report.target("PDP HTTP throughput vs floor", ">= 1.0x",
                      f"{share:.2f}x ({g.per_second:.0f} vs {pdp.floor.per_second:.0f})",
                      share >= 1.0)  # fmt: skip
    demo = by.get((f"PDP{DEMO}", 2))
    if demo is None:
        report.target("PDP on the demo network (2 workers)", "", "NOT MEASURED", None)
    else:
        g, f = demo.gateway, demo.floor
        report.target("PDP on the demo network (2 workers)", ">= 1,400 req/s and >= 1.0x floor",
                      f"{g.per_second:.0f} req/s, {g.per_second / f.per_second:.2f}x "
                      f"(floor {f.per_second:.0f})",
                      g.per_second >= PDP_TARGET_RPS and g.per_second >= f.per_second)  # fmt: skip
    c = found[checkout].figures
    report.target("checkout 5 lines service p99", "<= 25 ms", f"{c.p99_ms:.1f} ms",
                  c.p99_ms <= 25)  # fmt: skip
    for workers in (1, 2):
        run = by.get((checkout, workers))
        if run is None:
            report.target(f"checkout HTTP vs floor ({workers}w)", ">= 0.6x", "NOT MEASURED", None)
            continue
        share = run.gateway.per_second / run.floor.per_second
        report.target(f"checkout HTTP vs floor ({workers}w)", ">= 0.6x",
                      f"{share:.2f}x ({run.gateway.per_second:.0f} vs "
                      f"{run.floor.per_second:.0f})", share >= 0.6)  # fmt: skip
    commit = found["commit"]
    report.target("commit service p99", "<= 5 ms", f"{commit.figures.p99_ms:.2f} ms",
                  commit.figures.p99_ms <= 5)  # fmt: skip
    slots = float(commit.mix.rsplit("slots ", 1)[1])
    report.target("commit round trips per slot", "<= 1 per slot",
                  f"{commit.round_trips:.2f} RT for {slots:.2f} slots",
                  commit.round_trips <= slots)  # fmt: skip
    small, large = grown[100].p50_ms, grown[10_000].p50_ms
    report.target("checkout p50 100 -> 10,000 nodes", "<= 2x",
                  f"{small:.2f} -> {large:.2f} ms ({large / small:.2f}x)",
                  large <= 2 * small)  # fmt: skip
    one, twenty = (
        found["checkout 1 lines"].figures.p50_ms,
        found["checkout 20 lines"].figures.p50_ms,
    )
    report.target("checkout p50 1 -> 20 lines", "<= 4x",
                  f"{one:.2f} -> {twenty:.2f} ms ({twenty / one:.2f}x)",
                  twenty <= 4 * one)  # fmt: skip


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--skus", type=int, default=2_000, help="catalogue of the reference")
    arguments.add_argument(
        "--seconds", type=int, default=16, help="wrk time per server and scenario"
    )
    arguments.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    args = arguments.parse_args()
    plan = (
        Plan(rounds=100, warmup=20, seconds=2, tokens=3_000)
        if args.quick
        else Plan(rounds=1_000, warmup=100, seconds=args.seconds, tokens=4_000)
    )
    report = Report()
    started = time.perf_counter()
    shape = Shape(skus=args.skus)
    compiled = compiled_modules()
    report.say(f"python {sys.version.split()[0]}; promise/ "
               f"{f'compiled by mypyc ({len(compiled)} modules)' if compiled else 'interpreted'}; "
               f"reference network: {shape.nodes} nodes "
               f"({shape.dcs} DCs), {shape.skus} SKUs, seed {shape.seed}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-") as temp, running_redis() as redis:
        work = Path(temp)
        network = work / "reference"
        generate(network, shape)
        loading = time.perf_counter()
        load_stock(network, redis.url())
        rows = sum(1 for _ in (network / "stock.csv").open()) - 1
        report.say(f"import-stock: {rows:,} rows in {time.perf_counter() - loading:.1f} s")
        rtt = ping_round_trip_ms(redis.port)
        ticks = CpuTicks.read()
        found = asyncio.run(in_process(network, redis.url(), redis.port, plan, report))
        print_in_process(report, found, rtt)
        listed = asyncio.run(listing_in_process(network, redis.url(), plan))
        print_listing(report, *listed)
        report.say(f"while in process: {stolen_since(ticks)}")
        runs: list[HttpRun] = []
        if wrk_available():
            ticks = CpuTicks.read()
            # Each network's table as soon as it is measured: a later stop loses none.
            runs = over_http(network, redis.url(), redis.port, plan, work, report)
            print_http(report, runs)
            # The demo network as shipped (its capacity, channels, rules), in a database of its
            # own (the growth runs take 1 to 3), random SKUs and postcodes of its own.
            load_stock(DEFAULT_NETWORK_DIR, redis.url(5))
            demo = over_http(DEFAULT_NETWORK_DIR, redis.url(5), redis.port, plan, work, report,
                             workers_list=(2,), commits=False, label=DEMO)  # fmt: skip
            print_http(report, demo, network="the demo network")
            runs += demo
            report.say(f"while over HTTP: {stolen_since(ticks)}")
        else:
            report.say("NOT MEASURED: wrk missing (apt-get install wrk): no HTTP figures")
        ticks = CpuTicks.read()
        grown = asyncio.run(growth(work, redis.url, plan))
        report.heading("Growth: checkout 5 lines p50 by network size (200 SKUs each)")
        for nodes, figures in grown.items():
            report.say(
                f"{nodes:>6} nodes: p50 {figures.p50_ms:.2f} ms, p99 {figures.p99_ms:.2f} ms"
            )
        report.say(f"while growing: {stolen_since(ticks)}")
        _targets(report, found, runs, grown)
        listing_targets(report, listed[0], listed[1])
        report.verdicts()
    report.say(f"\nbench.run took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
