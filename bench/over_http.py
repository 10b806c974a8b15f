"""`bench.run` over HTTP: `promise-gateway serve` and the floor app side by side under wrk.

Both servers up, driven on the same bodies in alternate slices; PDP also paced toward its
target rate; peak RSS per worker and each worker's share of the CPU.
"""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.http_load import Pauses, Server, WrkResult, post, run_wrk, serving
from bench.redis_probe import CommandStats
from bench.report import Report, ratio
from bench.run_settings import (
    API_KEY,
    CART_LINES,
    HEADERS,
    PDP_TARGET_RPS,
    SIGNING_KEYS,
    Plan,
    commands_since,
    settings_for,
)
from bench.scenarios import Workload, refuse_problems
from gateway.admission.api_keys import key_digest
from gateway.app import create_app
from gateway.service.promise_service import PromiseService

# Each wrk run of the side by side (see `_side_by_side`).
_SLICE_SECONDS = 2
_CONNECTIONS = 32
# Short runs that find the pause giving the paced PDP run its target rate (see `_paced`).
_PACING_ROUNDS = 8
_PACING_TOLERANCE = 0.015
# Full-length paced runs run again with a corrected pause when they miss the window.
_FULL_RUN_CORRECTIONS = 2
# The target is judged on random pauses: shoppers arrive independently of each other, and
# at 1,400/s their arrivals are near a Poisson stream. Even pauses are printed beside it: all
# 32 connections in step, each worker gets its 16 requests at once, and the last of them
# waits for the 15 before it, so that their p99 is about 16 requests' time.
PACINGS: tuple[Pauses, ...] = ("random", "even")


def _bodies_file(path: Path, query: str, variables: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps({"query": query, "variables": v}) + "\n" for v in variables),
        encoding="utf-8",
    )
    return path


@dataclass(frozen=True, slots=True)
class HttpRun:
    scenario: str
    workers: int
    gateway: WrkResult
    floor: WrkResult
    commands: float
    redis_usec: float
    rss_mib: list[float]
    # PDP at 2 workers, paced toward PDP_TARGET_RPS: with random pauses (the target's load)
    # and with even ones (connections in lockstep).
    paced: dict[Pauses, WrkResult] = field(default_factory=dict)
    # Each worker's share of its server's CPU, the gateway's then the floor's.
    cpu_split: str = ""


async def _http_tokens(network: Path, store_url: str, count: int) -> list[str]:
    app = create_app(settings_for(network, store_url))
    async with app.router.lifespan_context(app):
        service: PromiseService = app.state.promise_service
        found = await scenarios.quote_tokens(
            service, Workload(service.network, seed=99), count=count, lines=1, copies=10
        )
        return [token for token, _ in found]


def _env() -> dict[str, str]:
    return {
        "API_KEYS": json.dumps(
            [
                {
                    "sha256": key_digest(API_KEY),
                    "client": scenarios.CLIENT,
                    "channel": "web-fr",
                    "scopes": ["promise:read", "allocation:write"],
                    "kind": "server",
                }
            ]
        ),
        "QUOTE_SIGNING_KEYS": SIGNING_KEYS,
        "QUOTE_TTL_SECONDS": "86400",
        "RATE_LIMIT_POINTS": "1000000000",
        "RATE_LIMIT_POINTS_PER_SECOND": "1000000000",
    }


def over_http(
    network: Path,
    store_url: str,
    port: int,
    plan: Plan,
    work: Path,
    report: Report,
    *,
    workers_list: tuple[int, ...] = (1, 2),
    commits: bool = True,
    label: str = "",
) -> list[HttpRun]:
    """The scenarios on `network` (stock at `store_url`), gateway and floor side by side at
    each number of workers; `label` names the network in the scenarios' names."""
    probe_app = Workload(_network_of(network), seed=23)
    pdp = [probe_app.pdp() for _ in range(500)]
    carts = [probe_app.cart(CART_LINES) for _ in range(500)]
    runs: list[HttpRun] = []
    for workers in workers_list:
        bodies: dict[str, tuple[str, list[dict[str, Any]]]] = {
            f"PDP{label}": (scenarios.PDP, pdp),
            f"checkout {CART_LINES} lines{label}": (scenarios.CHECKOUT, carts),
        }
        if commits:
            tokens = asyncio.run(_http_tokens(network, store_url, plan.tokens + 50))
            spent = [{"t": t, "k": f"http-w{workers}-{n}"} for n, t in enumerate(tokens)]
            bodies[f"commit{label}"] = (scenarios.COMMIT, spent)
        # Commit tokens are spent once: the gateway gets those after the first 50, which the
        # floor replays (their answers recorded below).
        files = {
            name: _bodies_file(
                work / f"{n}.jsonl", query, variables[50:] if _spends(name) else variables
            )
            for n, (name, (query, variables)) in enumerate(bodies.items())
        }
        arguments = ["gateway.cli", "serve", "--workers", str(workers)]
        arguments += ["--network", str(network), "--store", store_url]
        log = work / f"gateway-w{workers}.log"
        with serving(
            arguments, ready_path="/readyz", env=_env(), log=log, workers=workers
        ) as server:
            # Every body the floor gets, answered by the gateway first: its warm-up too (see
            # `_warm`).
            answers = [
                {
                    "query": query,
                    "variables": v,
                    "data": _answer(server.url, query, v),
                }
                for name, (query, variables) in bodies.items()
                for v in (variables[:50] if _spends(name) else variables)
            ]
            (work / "floor-answers.json").write_text(json.dumps(answers), encoding="utf-8")
            floor_files = {
                name: _bodies_file(work / f"floor-{n}.jsonl", query, variables[:50])
                if _spends(name)
                else files[name]
                for n, (name, (query, variables)) in enumerate(bodies.items())
            }
            floor_arguments = ["bench.floor_app", "--answers", str(work / "floor-answers.json")]
            with serving(
                [*floor_arguments, "--workers", str(workers)],
                ready_path="/graphql?query=%7B__typename%7D",
                env={},
                log=work / "floor.log",
                workers=workers,
            ) as floor:
                for name, path in files.items():
                    _warm(floor.url, floor_files[name])
                    before = CommandStats.read(port)
                    result, floor_result, split = _side_by_side(
                        server, path, floor, floor_files[name], plan.seconds
                    )
                    _, commands, usec, _ = commands_since(before, port, max(1, result.requests))
                    paced: dict[Pauses, WrkResult] = {}
                    if name == "PDP" and workers == 2:
                        for pauses in PACINGS:
                            paced[pauses] = _paced(
                                server.url, path, result.per_second, plan.seconds, pauses
                            )
                    rss = server.peak_rss_mib()
                    runs.append(
                        HttpRun(
                            name, workers, result, floor_result, commands, usec, rss, paced, split
                        )
                    )
    return runs


def _spends(scenario: str) -> bool:
    return scenario.startswith("commit")


def _answer(url: str, query: str, variables: dict[str, Any]) -> Any:
    """The data of the gateway's answer to one request."""
    answer = post(url, json.dumps({"query": query, "variables": variables}), HEADERS)
    if not isinstance(answer, dict) or answer.get("errors"):
        raise RuntimeError(f"the gateway refused a benchmark request: {answer}")
    refuse_problems(answer["data"])
    return answer["data"]


def _paced(url: str, bodies: Path, unpaced_rps: float, seconds: int, pauses: Pauses) -> WrkResult:
    """A run at about PDP_TARGET_RPS: each of wrk's 32 connections pauses before each request.

    A pause of one cycle at the target (32 / 1,400 s) less one response time at full load
    overshoots: with the pause, responses come faster, and the first guess ran at 1,578/s.
    Short runs (at most 8) correct the pause by the cycle they missed by, until at the target
    or at most 1.5% above it (wrk_bodies.lua carries the fractions of a millisecond that wrk
    drops, so the pause is not rounded to whole milliseconds, 4-5% of the rate each). When
    none lands there (the machine's speed moves between probes), the run takes the pause of
    the probe nearest above the target: two runs of 4 Dec went at 1,478 and 1,487/s.
    The full-length run is corrected the same way, at most twice, when it misses the window:
    one of 7 Dec went at 1,369/s after a probe at the target, a p99 of another rate.
    `pauses` spreads the pause (see PACINGS): random ones need a longer mean pause for the
    same rate, since their responses come sooner.
    """
    run = functools.partial(run_wrk, url, bodies, HEADERS, connections=_CONNECTIONS, pauses=pauses)
    # Aimed a little above the target, so that the run is at 1,400/s or just over.
    target_cycle_ms = _CONNECTIONS * 1000 / (PDP_TARGET_RPS * (1 + _PACING_TOLERANCE / 2))

    def corrected(think: float, rate: float) -> float:
        return max(0.0, think + target_cycle_ms - _CONNECTIONS * 1000 / rate)

    think = max(0.0, target_cycle_ms - _CONNECTIONS * 1000 / unpaced_rps)
    # The probes at or above the target: (rate, pause). Without one in the window, the run
    # takes the pause of the slowest of them rather than an untried one.
    above: list[tuple[float, float]] = []
    for _ in range(_PACING_ROUNDS):
        probe = run(seconds=3, delay_ms=think)
        if _on_target(probe):
            break
        if probe.per_second >= PDP_TARGET_RPS:
            above.append((probe.per_second, think))
        think = corrected(think, probe.per_second)
    else:
        if above:
            think = min(above)[1]
    result = run(seconds=seconds, delay_ms=think)
    for _ in range(_FULL_RUN_CORRECTIONS):
        if _on_target(result):
            break
        think = corrected(think, result.per_second)
        result = run(seconds=seconds, delay_ms=think)
    return result


def _on_target(result: WrkResult) -> bool:
    """Whether a paced run went at the target rate or at most the tolerance above it."""
    return 0 <= result.per_second / PDP_TARGET_RPS - 1 <= _PACING_TOLERANCE


def _warm(floor_url: str, floor_bodies: Path) -> None:
    """One pass over the floor's bodies before anything is measured, as the gateway had.

    Throughput is the steady state's: the first read of a SKU fills its network-wide total
    (every node read once; a commit of the SKU forgets it), which a 2 s slice of cold reads
    paid hundreds of times (764 req/s where the same slice warm gave 1,006).
    """
    for line in floor_bodies.read_text(encoding="utf-8").splitlines():
        post(floor_url, line, HEADERS)


def _side_by_side(
    server: Server, bodies: Path, floor: Server, floor_bodies: Path, seconds: int
) -> tuple[WrkResult, WrkResult, str]:
    """The gateway and its floor in the same minutes, both servers up, in slices of
    `_SLICE_SECONDS` each, `seconds` on each side: gateway, floor, floor, gateway, repeated.
    A machine getting slower or faster over the run weighs on both alike, and each slice
    opens its own connections, which the kernel shares between the workers as it likes:
    eight draws a side average out a slice where one worker got most of them (with four, the
    same code's PDP ratio moved between 0.80x and 0.88x from one run to the next). The
    gateway's slices go on with the bodies where the previous one stopped (commit tokens are
    spent once). Also returns each worker's share of its server's CPU over the slices
    ("51/49% vs 50/50%")."""
    rounds = max(1, seconds // (2 * _SLICE_SECONDS))
    part = min(seconds, _SLICE_SECONDS)
    mine: list[WrkResult] = []
    theirs: list[WrkResult] = []
    # Each server idles while the other is driven: its CPU over all slices is its own load's.
    before = server.cpu_ticks(), floor.cpu_ticks()
    for side in (server, floor, floor, server) * rounds:
        if side is server:
            offset = sum(r.requests for r in mine)
            mine.append(
                run_wrk(side.url, bodies, HEADERS, seconds=part, connections=32, offset=offset)
            )
        else:
            theirs.append(run_wrk(side.url, floor_bodies, HEADERS, seconds=part, connections=32))

    def shares(ticks: list[int], start: list[int]) -> str:
        used = [a - b for a, b in zip(ticks, start, strict=True)]
        total = sum(used) or 1
        return "/".join(f"{u / total:.0%}".rstrip("%") for u in used) + "%"

    split = f"{shares(server.cpu_ticks(), before[0])} vs {shares(floor.cpu_ticks(), before[1])}"
    return WrkResult.merged(mine), WrkResult.merged(theirs), split


def _network_of(directory: Path) -> Any:
    from network_loader.network_files import load_network

    return load_network(directory)


def print_http(report: Report, runs: list[HttpRun], *, network: str = "the reference") -> None:
    report.heading(
        f"Over HTTP on {network} (wrk -t1 -c32, loopback; floor = bench/floor_app.py, same bodies)"
    )
    widths = (20, 4, 9, 8, 8, 11, 9, 7, 8, 9, 8, 14)
    report.row("scenario", "w", "req/s", "p50 ms", "p99 ms", "floor req/s", "floor p99",
               "ratio", "cmd/req", "Redis us", "errors", "peak RSS MiB", widths=widths)  # fmt: skip
    for run in runs:
        g, f = run.gateway, run.floor
        report.row(
            run.scenario, str(run.workers), f"{g.per_second:.0f}", f"{g.p50_ms:.1f}",
            f"{g.p99_ms:.1f}", f"{f.per_second:.0f}", f"{f.p99_ms:.1f}",
            ratio(g.per_second, f.per_second), f"{run.commands:.1f}", f"{run.redis_usec:.0f}",
            str(g.problems + g.socket_errors), "/".join(f"{r:.0f}" for r in run.rss_mib),
            widths=widths,
        )  # fmt: skip
        if run.workers > 1:
            report.say(f"  {run.scenario}: CPU per worker, gateway vs floor: {run.cpu_split}")
        if g.stock_changed:
            report.say(f"  {run.scenario}: {g.stock_changed} of {g.requests} were StockChanged")
        for pauses, p in run.paced.items():
            report.say(f"  {run.scenario} paced toward {PDP_TARGET_RPS}/s, {pauses} pauses: "
                       f"{p.per_second:.0f} req/s, p50 {p.p50_ms:.1f} ms, "
                       f"p99 {p.p99_ms:.1f} ms")  # fmt: skip
