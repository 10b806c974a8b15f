"""The in-process commit scenario alone, with what the serving process's own loops cost it.

    .venv/bin/python -m bench.commit_lag [--repeat 3] [--skus 2000]

Same network, Redis, settings and commits as `bench.run`'s in-process commit (a fresh quote
committed, then released, sequentially, about 12 s a round). Besides commit's p50 and p99 it
prints, per role (the publisher, the live follower, the promise watcher and webhook sender,
the requests), how long the event loop's longest callbacks ran without yielding, and per
publisher pass its wall time and the CPU its callbacks took. Callbacks are timed by wrapping
asyncio's `Handle._run` for the run's duration: a measuring tool, not part of the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import gc
import hashlib
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from bench import scenarios
from bench.network_gen import Shape, generate, load_stock
from bench.run_settings import settings_for
from bench.scenarios import Figures, Workload, run_query, timed
from gateway.app import create_app
from gateway.service.live_changes import LiveChanges
from gateway.service.promise_service import PromiseService
from gateway.service.promise_watches import PromiseWatcher
from gateway.service.webhooks import WebhookSender
from stock_cache.publishing_store import PublishingStore
from stock_cache.redis_functions import script_of, script_source
from tests.redis_server import running_redis

_SLOWER_THAN_US = 500

_ROLE: contextvars.ContextVar[str] = contextvars.ContextVar("role", default="requests")


@dataclass
class Steps:
    """Callbacks run by one role: (wall ms, CPU ms) each."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


@dataclass
class Passes:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    skus: list[int] = field(default_factory=list)


class Probe:
    """Times every callback the loop runs, by the role of the context it runs in."""

    def __init__(self) -> None:
        self.steps: dict[str, Steps] = {}
        self.publisher_cpu = 0.0
        self.passes = Passes()
        # Pauses (CPU ms) by the oldest generation collected.
        self.gc: dict[int, list[float]] = {}
        self._gc_start = 0.0
        self.on_reset: Callable[[], object] = lambda: None
        # Where each role's longest callback left its task (the await it stopped at).
        self.where: dict[str, str] = {}

    def _collecting(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.thread_time()
        else:
            pause = (time.thread_time() - self._gc_start) * 1000
            self.gc.setdefault(info["generation"], []).append(pause)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        handle = asyncio.events.Handle
        original = handle._run
        probe = self

        def run(self: asyncio.events.Handle) -> None:
            wall, cpu = time.perf_counter(), time.thread_time()
            original(self)
            cpu = time.thread_time() - cpu
            wall = time.perf_counter() - wall
            # A socket's read callback runs in the context its connection was opened in,
            # whoever reads the bytes: counted apart.
            if getattr(getattr(self, "_callback", None), "__name__", "").startswith("_read_ready"):
                role = "sockets"
            else:
                role = self._context.get(_ROLE, "requests")  # type: ignore[attr-defined]
            steps = probe.steps.setdefault(role, Steps())
            steps.wall.append(wall * 1000)
            steps.cpu.append(cpu * 1000)
            if role == "publisher":
                probe.publisher_cpu += cpu
            if cpu * 1000 > max(steps.cpu[:-1], default=0.0):
                probe.where[role] = _suspended_at(self)

        handle._run = run  # type: ignore[method-assign]
        gc.callbacks.append(self._collecting)
        try:
            yield
        finally:
            handle._run = original  # type: ignore[method-assign]
            gc.callbacks.remove(self._collecting)

    def reset(self) -> None:
        self.steps = {}
        self.passes = Passes()
        self.gc = {}
        self.where = {}
        self.on_reset()


def _suspended_at(handle: asyncio.Handle) -> str:
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    coro: Any = getattr(task, "get_coro", lambda: None)()
    frames = []
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        code = coro.cr_frame.f_code
        frames.append(f"{code.co_name}:{coro.cr_frame.f_lineno}")
        coro = coro.cr_await
    return " > ".join(frames[1:5])


def _tagged(role: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _ROLE.set(role)
        try:
            return await method(*args, **kwargs)
        finally:
            _ROLE.reset(token)

    return wrapper


@contextlib.contextmanager
def _roles(probe: Probe) -> Iterator[None]:
    publish = PublishingStore.publish

    async def timed_publish(self: PublishingStore) -> Any:
        token = _ROLE.set("publisher")
        wall, cpu = time.perf_counter(), probe.publisher_cpu
        try:
            result = await publish(self)
        finally:
            _ROLE.reset(token)
        if result is not None and result.recomputed:
            probe.passes.wall.append((time.perf_counter() - wall) * 1000)
            probe.passes.cpu.append((probe.publisher_cpu - cpu) * 1000)
            probe.passes.skus.append(result.recomputed)
        return result

    patched = [
        (LiveChanges, "look", _tagged("live", LiveChanges.look)),
        (PromiseWatcher, "run_once", _tagged("watcher", PromiseWatcher.run_once)),
        (WebhookSender, "run_once", _tagged("webhooks", WebhookSender.run_once)),
    ]
    originals = [(cls, name, getattr(cls, name)) for cls, name, _ in patched]
    PublishingStore.publish = timed_publish  # type: ignore[method-assign]
    for cls, name, wrapper in patched:
        setattr(cls, name, wrapper)
    try:
        yield
    finally:
        PublishingStore.publish = publish  # type: ignore[method-assign]
        for cls, name, original in originals:
            setattr(cls, name, original)


async def _commits(
    service: PromiseService, workload: Workload, rounds: int, probe: Probe
) -> Figures:
    tokens = await scenarios.quote_tokens(service, workload, count=rounds + 100)
    probe.reset()
    stamp = time.time_ns()

    async def commit(i: int) -> float:
        start = time.perf_counter()
        data = await run_query(
            service, scenarios.COMMIT, {"t": tokens[i][0], "k": f"lag-{stamp}-{i}"}
        )
        spent = time.perf_counter() - start
        allocation = data["commitAllocation"]
        if allocation["__typename"] == "Allocation":
            await run_query(service, scenarios.RELEASE, {"id": allocation["id"]})
        return spent

    return await timed(commit, rounds=rounds, warmup=100)


def _scripts_by_sha() -> dict[str, str]:
    folder = Path(__file__).parent.parent / "stock_cache" / "lua"
    names = [path.stem for path in folder.glob("*.lua") if not path.stem.startswith("_")]
    return {hashlib.sha1(script_source(n).encode()).hexdigest(): n for n in names}


def _slow_commands(client: redis.Redis) -> str:
    """Redis commands slower than _SLOWER_THAN_US since the last reset, by script."""
    names = _scripts_by_sha()
    found: dict[str, list[int]] = {}
    for entry in client.slowlog_get(10_000):
        command = entry["command"].split()
        name = command[0].decode().lower()
        if name == "evalsha" and len(command) > 1:
            name = names.get(command[1].decode(), "evalsha ?")
        elif name == "fcall" and len(command) > 1:
            # A function is named by its script and a hash of it (library_source).
            name = script_of(command[1].decode()) or "fcall ?"
        found.setdefault(name, []).append(int(entry["duration"]))
    return "; ".join(
        f"{name} {len(us)}x max {max(us) / 1000:.2f} ms"
        for name, us in sorted(found.items(), key=lambda item: -sum(item[1]))
    )


def _report(figures: Figures, probe: Probe) -> None:
    print(f"commit p50 {figures.p50_ms:.2f} ms, p99 {figures.p99_ms:.2f} ms")
    for role, steps in sorted(probe.steps.items()):
        wall = sorted(steps.wall)
        cpu = sorted(steps.cpu)
        print(
            f"  {role:10s} callbacks {len(wall):7d}, CPU {sum(cpu):8.1f} ms;"
            f" longest: wall {wall[-1]:6.2f} ms, CPU {cpu[-1]:6.2f} ms;"
            f" p99.9 wall {wall[int(len(wall) * 0.999)]:5.2f} ms"
        )
        print(f"    longest ended at {probe.where.get(role, '?')}")
    for generation, pauses in sorted(probe.gc.items()):
        pauses = sorted(pauses)
        print(
            f"  gc gen{generation}: {len(pauses)} collections, CPU {sum(pauses):.1f} ms;"
            f" median {statistics.median(pauses):.2f} ms, longest {pauses[-1]:.2f} ms"
        )
    passes = probe.passes
    if passes.wall:
        print(
            f"  publisher passes {len(passes.wall)}, SKUs/pass median"
            f" {statistics.median(passes.skus):.0f}; wall median"
            f" {statistics.median(passes.wall):.2f} ms, max {max(passes.wall):.2f} ms;"
            f" CPU median {statistics.median(passes.cpu):.2f} ms, max {max(passes.cpu):.2f} ms"
        )


async def _run(network: Path, url: str, port: int, repeat: int, rounds: int) -> None:
    probe = Probe()
    client = redis.Redis(port=port)
    client.config_set("slowlog-log-slower-than", _SLOWER_THAN_US)
    client.config_set("slowlog-max-len", 10_000)
    probe.on_reset = client.slowlog_reset
    with _roles(probe), probe.installed():
        app = create_app(settings_for(network, url))
        async with app.router.lifespan_context(app):
            await app.state.published.wait()
            service: PromiseService = app.state.promise_service
            workload = Workload(service.network)
            for _ in range(repeat):
                _report(await _commits(service, workload, rounds, probe), probe)
                print(f"  Redis > {_SLOWER_THAN_US} us: {_slow_commands(client)}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--repeat", type=int, default=3)
    arguments.add_argument("--rounds", type=int, default=1_000)
    arguments.add_argument("--skus", type=int, default=2_000)
    args = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-commit-") as temp, running_redis() as server:
        network = Path(temp) / "reference"
        generate(network, Shape(skus=args.skus))
        load_stock(network, server.url())
        asyncio.run(_run(network, server.url(), server.port, args.repeat, args.rounds))


if __name__ == "__main__":
    main()
