"""Load over HTTP: start a server, drive it with wrk, read its peak memory, stop it.

wrk (Debian's `wrk` package) sends POST bodies read from a file, one a line, in rotation
(`bench/wrk_bodies.lua`), from one thread on loopback; it reports p50, p99 and throughput,
and counts the answers that carry GraphQL `errors` or a `StockChanged`. A paced run gives each
connection a pause before each request, so that the offered load is about a target rate
(closed loop with think time: an approximation of an open-loop load generator). Random pauses
(exponential, of the same mean) make the arrivals of independent shoppers, near enough to a
Poisson stream; even pauses keep the 32 connections in step, in bursts.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tests.redis_server import free_port
from tests.worker_processes import spawned_workers

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_bodies.lua"
_START_TIMEOUT_SECONDS = 60.0
# How a paced run spreads its pauses (see wrk_bodies.lua).
Pauses = Literal["even", "random"]


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    problems: int
    stock_changed: int

    @staticmethod
    def merged(runs: Sequence[WrkResult]) -> WrkResult:
        """Runs of one load taken in slices: counts summed, throughput over their whole time,
        p50 and p99 the request-weighted means of the slices' own."""
        requests = sum(r.requests for r in runs)
        seconds = sum(r.requests / r.per_second for r in runs if r.per_second > 0)

        def weighted(value: float, run: WrkResult) -> float:
            return value * run.requests / requests if requests else 0.0

        return WrkResult(
            requests=requests,
            per_second=requests / seconds if seconds else 0.0,
            p50_ms=sum(weighted(r.p50_ms, r) for r in runs),
            p99_ms=sum(weighted(r.p99_ms, r) for r in runs),
            non_2xx=sum(r.non_2xx for r in runs),
            socket_errors=sum(r.socket_errors for r in runs),
            problems=sum(r.problems for r in runs),
            stock_changed=sum(r.stock_changed for r in runs),
        )


@dataclass(frozen=True, slots=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def workers(self) -> list[int]:
        return spawned_workers(self.process.pid) or [self.process.pid]

    def cpu_ticks(self) -> list[int]:
        """Each worker's CPU so far (utime + stime, clock ticks)."""
        return [_cpu_ticks(pid) for pid in self.workers()]

    def peak_rss_mib(self) -> list[float]:
        """VmHWM of each worker: the children uvicorn spawned, or the server itself."""
        pids = spawned_workers(self.process.pid) or [self.process.pid]
        return [_vm_hwm_kib(pid) / 1024 for pid in pids]


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; its log:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"server not ready at {url}; its log:\n{log.read_text()[-3000:]}")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # a worker replaced by its server (uvicorn restarts dead ones)
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _wait_settled(parent: int, deadline: float) -> None:
    """Wait until no worker burns CPU any more: all have imported and started.

    wrk opens its keep-alive connections once, at the start; a worker still importing then
    accepts none of them and sits idle for the whole run, which halves a 2-worker figure.
    """
    last = [_cpu_ticks(pid) for pid in spawned_workers(parent)]
    quiet = 0
    while quiet < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = [_cpu_ticks(pid) for pid in spawned_workers(parent)]
        quiet = quiet + 1 if now == last else 0
        last = now


@contextlib.contextmanager
def serving(
    arguments: Sequence[str], *, ready_path: str, env: Mapping[str, str], log: Path, workers: int
) -> Iterator[Server]:
    """Run `python -m ARGUMENTS --port P` until the block ends; ready when ready_path is 200."""
    port = free_port()
    command = [sys.executable, "-m", *arguments, "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            start_new_session=True,
        )
    server = Server(process, port)
    try:
        _wait_ready(process, f"http://127.0.0.1:{port}{ready_path}", log)
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while workers > 1 and len(spawned_workers(process.pid)) < workers:
            if time.monotonic() > deadline:
                raise TimeoutError("the workers did not all start")
            time.sleep(0.1)
        if workers > 1:
            _wait_settled(process.pid, deadline)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def post(url: str, body: str, headers: Mapping[str, str]) -> Any:
    """One POST, its decoded JSON answer (any status)."""
    request = urllib.request.Request(url, data=body.encode(), headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def run_wrk(
    url: str,
    bodies_file: Path,
    headers: Mapping[str, str],
    *,
    seconds: int,
    connections: int,
    delay_ms: float = 0.0,
    pauses: Pauses = "even",
    offset: int = 0,
) -> WrkResult:
    env = {
        **os.environ,
        "WRK_BODIES": str(bodies_file),
        "WRK_HEADERS": json.dumps(dict(headers)),
        "WRK_DELAY_MS": f"{delay_ms:.3f}",
        "WRK_PAUSES": pauses,
        "WRK_OFFSET": str(offset),
    }
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    completed = subprocess.run(
        [*command, "-s", str(WRK_SCRIPT), url], env=env, capture_output=True, text=True, check=True
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith('{"requests"'))
    data = json.loads(line)
    return WrkResult(
        requests=data["requests"],
        per_second=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        non_2xx=data["non2xx"],
        socket_errors=data["socket_errors"],
        problems=data["problems"],
        stock_changed=data["stock_changed"],
    )
