"""`bench.run`'s service times: each scenario run in process through the real schema on Redis,
beside a strawberry schema that returns the same body from memory, with Redis round trips,
commands and CPU per request; and checkout's p50 as the network grows.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import strawberry
from strawberry.scalars import JSON

from bench import scenarios
from bench.network_gen import Shape, generate, load_stock
from bench.redis_probe import CommandStats, counting_round_trips
from bench.report import Report, ratio
from bench.run_settings import CART_LINES, PROBES, Plan, commands_since, settings_for
from bench.scenarios import Figures, Workload, interleaved, run_query, timed
from gateway.app import create_app
from gateway.service.promise_service import PromiseService

_GROWTH_SECONDS_PER_SIZE = 12.0
# Distinct PDP and checkout requests, each answered once before the timed rounds cycle
# through them (as many as the HTTP runs send).
_DISTINCT = 500


@strawberry.type
class _FloorQuery:
    @strawberry.field
    def body(self, info: strawberry.Info) -> JSON:
        body: JSON = info.context["body"]
        return body


_floor = strawberry.Schema(query=_FloorQuery)


@dataclass(frozen=True, slots=True)
class Measured:
    figures: Figures
    floor: Figures
    round_trips: float
    commands: float
    redis_usec: float
    mix: str


async def _floor_of(body: Any, plan: Plan) -> Figures:
    context = {"body": body}

    async def call(_: int) -> None:
        await _floor.execute("{ body }", context_value=context)

    return await timed(call, rounds=plan.rounds, warmup=plan.warmup)


async def _probe(port: int, call: Callable[[int], Awaitable[Any]], count: int) -> tuple[float, ...]:
    """Round trips, commands and Redis microseconds per request over `count` calls."""
    before = CommandStats.read(port)
    with counting_round_trips() as trips:
        for i in range(count):
            await call(i)
    commands, usec, _ = CommandStats.read(port).since(before).per_request(count)
    return trips.count / count, commands, usec


async def in_process(
    network: Path, store_url: str, port: int, plan: Plan, report: Report
) -> dict[str, Measured]:
    app = create_app(settings_for(network, store_url))
    results: dict[str, Measured] = {}
    async with app.router.lifespan_context(app):
        # The start-up publication of every SKU is not the requests' work.
        await app.state.published.wait()
        service: PromiseService = app.state.promise_service
        workload = Workload(service.network)
        total = plan.rounds + plan.warmup
        kinds: dict[str, tuple[str, list[dict[str, Any]]]] = {
            "PDP": (scenarios.PDP, [workload.pdp() for _ in range(_DISTINCT)]),
            f"checkout {CART_LINES} lines": (
                scenarios.CHECKOUT,
                [workload.cart(CART_LINES) for _ in range(_DISTINCT)],
            ),
        }
        for name, (query, variables) in kinds.items():
            # Each request answered once first, as over HTTP: a SKU's first read fills its
            # network-wide total (every section of the network), which the rounds would
            # otherwise time for most SKUs instead of the requests' own work.
            for each in variables:
                await run_query(service, query, each)

            async def call(i: int, query: str = query, variables: list[Any] = variables) -> None:
                await run_query(service, query, variables[i % len(variables)])

            figures = await timed(call, rounds=plan.rounds, warmup=plan.warmup)
            body = await run_query(service, query, variables[0])
            before = CommandStats.read(port)
            trips, _, _ = await _probe(port, call, PROBES)
            _, commands, usec, mix = commands_since(before, port, PROBES)
            results[name] = Measured(
                figures, await _floor_of(body, plan), trips, commands, usec, mix
            )
        results["commit"] = await _commit(service, workload, port, plan)
        # 1 and 20 lines in turn, as the network sizes of `growth`, in blocks: a 1-line request
        # right after a 20-line one meets the work that one left, and reads slower than it is.
        by_lines: dict[int, Callable[[int], Awaitable[None]]] = {}
        for lines in (1, 20):
            carts = [workload.cart(lines) for _ in range(total)]

            async def cart_call(i: int, carts: list[Any] = carts) -> None:
                await run_query(service, scenarios.CHECKOUT, carts[i])

            by_lines[lines] = cart_call
        timings = await interleaved(
            by_lines, rounds=plan.rounds, warmup=plan.warmup, budget_seconds=24.0, block=25
        )
        for lines, figures in timings.items():
            results[f"checkout {lines} lines"] = Measured(figures, figures, 0, 0, 0, "")
        carts = [workload.cart(CART_LINES) for _ in range(total)]

        async def nudge_call(i: int, carts: list[Any] = carts) -> None:
            await run_query(service, scenarios.CHECKOUT_NUDGE, carts[i])

        figures = await timed(nudge_call, rounds=plan.rounds, warmup=plan.warmup)
        results["checkout nudge"] = Measured(figures, figures, 0, 0, 0, "")
    return results


async def _commit(service: PromiseService, workload: Workload, port: int, plan: Plan) -> Measured:
    tokens = await scenarios.quote_tokens(service, workload, count=plan.rounds + plan.warmup + 200)
    stamp = time.time_ns()

    async def commit(i: int) -> float:
        start = time.perf_counter()
        data = await run_query(
            service, scenarios.COMMIT, {"t": tokens[i][0], "k": f"in-process-{stamp}-{i}"}
        )
        spent = time.perf_counter() - start
        allocation = data["commitAllocation"]
        if allocation["__typename"] == "Allocation":
            await run_query(service, scenarios.RELEASE, {"id": allocation["id"]})
        return spent

    figures = await timed(commit, rounds=plan.rounds, warmup=plan.warmup)
    rest = tokens[-200:]
    # A quote commits once: the floor's answer is a commit of a quote no probe takes.
    body = await run_query(service, scenarios.COMMIT, {"t": rest[-1][0], "k": f"floor-{stamp}"})

    async def bare(i: int) -> None:
        await run_query(service, scenarios.COMMIT, {"t": rest[i][0], "k": f"probe-{stamp}-{i}"})

    before = CommandStats.read(port)
    trips, _, _ = await _probe(port, bare, PROBES)
    _, commands, usec, mix = commands_since(before, port, PROBES)
    slots = sum(slot for _, slot in rest[:PROBES]) / PROBES
    return Measured(
        figures, await _floor_of(body, plan), trips, commands, usec, f"{mix}; slots {slots:.2f}"
    )


async def growth(base: Path, url_of: Callable[[int], str], plan: Plan) -> dict[int, Figures]:
    """Checkout p50 per network size, the sizes' requests interleaved one by one.

    Timed one size after the other, the same code gave ratios from 1.5x to 2.4x between runs
    of the whole benchmark: each size met other conditions (caches, the other core's load).
    Interleaved, every size is measured under the same conditions, so the ratio is the code's.
    """
    sizes = (100, 1_000, 10_000)
    calls: dict[int, Callable[[int], Awaitable[None]]] = {}
    async with contextlib.AsyncExitStack() as apps:
        for db, nodes in enumerate(sizes, start=1):
            directory = base / f"growth-{nodes}"
            generate(directory, Shape(nodes=nodes, skus=200))
            load_stock(directory, url_of(db))
            app = create_app(settings_for(directory, url_of(db)))
            await apps.enter_async_context(app.router.lifespan_context(app))
            await app.state.published.wait()
            service: PromiseService = app.state.promise_service
            workload = Workload(service.network)
            carts = [workload.cart(CART_LINES) for _ in range(plan.rounds + plan.warmup)]

            async def call(
                i: int, carts: list[Any] = carts, service: PromiseService = service
            ) -> None:
                await run_query(service, scenarios.CHECKOUT, carts[i])

            calls[nodes] = call
        return await interleaved(
            calls,
            rounds=plan.rounds,
            warmup=plan.warmup,
            budget_seconds=3 * _GROWTH_SECONDS_PER_SIZE,
        )


def print_in_process(report: Report, found: dict[str, Measured], rtt: float | None) -> None:
    report.heading("In process (service time, sequential, Redis on loopback)")
    widths = (20, 8, 8, 8, 10, 10, 7, 7, 7, 9, 10)
    report.row("scenario", "p50 ms", "p99 ms", "req/s", "floor p50", "floor r/s", "ratio",
               "RT/req", "cmd/req", "Redis us", "Redis floor", widths=widths)  # fmt: skip
    for name in ("PDP", f"checkout {CART_LINES} lines", "commit"):
        m = found[name]
        redis_floor = "-" if rtt is None else f"{m.round_trips * rtt + m.redis_usec / 1000:.2f} ms"
        report.row(
            name, f"{m.figures.p50_ms:.2f}", f"{m.figures.p99_ms:.2f}",
            f"{m.figures.per_second:.0f}", f"{m.floor.p50_ms:.2f}", f"{m.floor.per_second:.0f}",
            ratio(m.figures.per_second, m.floor.per_second), f"{m.round_trips:.1f}",
            f"{m.commands:.1f}", f"{m.redis_usec:.0f}", redis_floor, widths=widths,
        )  # fmt: skip
    report.say("ratio = throughput / floor throughput; RT = Redis round trips (redis-py sends);")
    report.say("cmd/req counts the commands scripts run; Redis us = the Redis process's CPU")
    report.say("per request (INFO cpu, user + system); Redis floor = RT x PING round trip")
    report.say(f"from redis-benchmark ({rtt} ms) + that CPU")
    for name in ("PDP", f"checkout {CART_LINES} lines", "commit"):
        report.say(f"  {name} commands per request: {found[name].mix}")
    one, twenty = found["checkout 1 lines"].figures, found["checkout 20 lines"].figures
    report.say(f"checkout 1 line: p50 {one.p50_ms:.2f} ms, p99 {one.p99_ms:.2f} ms; "
               f"20 lines: p50 {twenty.p50_ms:.2f} ms, p99 {twenty.p99_ms:.2f} ms")  # fmt: skip
    nudge = found["checkout nudge"].figures
    report.say(f"checkout {CART_LINES} lines selecting `nudge` (a second search per home "
               f"service): p50 {nudge.p50_ms:.2f} ms, p99 {nudge.p99_ms:.2f} ms")  # fmt: skip
