"""`make soak`: memory under a mix of distinct requests, then a Redis pause, a worker killed and
a gateway restarted under concurrent commits, each with its count of wrong outcomes.

1. The mix: N requests (100,000 by default, bounded by --max-seconds too) over 32
   connections, each a distinct document (a comment numbered per request), with random SKUs
   (some unknown), postcodes, coordinates and, for the commits, idempotency keys; a commit is
   released at once, so that stock does not run out. RSS of each worker after the warm-up
   (--warmup requests) and at the end (target: flat within 10%), and the throughput.
2. The faults (bench/soak_faults.py): 200 concurrent one-unit commits while Redis is stopped
   (SIGSTOP) for 5 s; while a worker is killed (SIGKILL); while the gateway restarts. Every
   commit is retried with its key until settled; printed: lost, duplicated, stranded units
   and wrong answers (all must be 0) and the worst latency.

Loopback only; the Redis is the soak's own (tests/redis_server.py), never the machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from bench.network_gen import cities
from bench.soak_faults import run_faults
from bench.soak_gateway import Gateway, graphql, seed
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from tests.gateway.graphql_client import AVAILABILITY, COMMIT, DELIVERY_OPTIONS, RELEASE
from tests.redis_server import restartable_redis

CONNECTIONS = 32


def _column(name: str, column: str) -> list[str]:
    with (DEFAULT_NETWORK_DIR / name).open(encoding="utf-8") as rows:
        return [row[column] for row in csv.DictReader(rows)]


SKUS = _column("skus.csv", "sku")
# The benchmark towns' postcodes: any French postcode resolves, these are the bench's.
POSTCODES = [town.postcode for town in cities()]


class Mix:
    """The requests of the memory mix, the n-th one made from n alone."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.errors = 0
        self.done = 0

    def _destination(self, rng: random.Random) -> dict[str, object]:
        if rng.random() < 0.5:
            return {"postcode": {"postcode": rng.choice(POSTCODES)}}
        point = {"latitude": rng.uniform(43.3, 50.6), "longitude": rng.uniform(-1.2, 7.4)}
        return {"coordinates": point}

    def _sku(self, rng: random.Random, n: int) -> str:
        return rng.choice(SKUS) if rng.random() < 0.95 else f"SOAK-UNKNOWN-{n}"

    async def one(self, http: httpx.AsyncClient, n: int) -> None:
        rng = random.Random(n)
        comment = f"\n# soak request {n}\n"
        kind = n % 10
        if kind < 4:
            lines = [{"sku": self._sku(rng, n), "quantity": rng.randint(1, 2)}]
            variables: dict[str, Any] = {
                "input": {"lines": lines, "destination": self._destination(rng)}
            }
            await self._expect(http, DELIVERY_OPTIONS + comment, variables, "deliveryOptions")
        elif kind < 8:
            variables = {"skus": [self._sku(rng, n)], "near": self._destination(rng)}
            await self._expect(http, AVAILABILITY + comment, variables, "availability")
        else:
            await self._commit_and_release(http, rng, n, comment)

    async def _expect(
        self, http: httpx.AsyncClient, query: str, variables: Mapping[str, Any], field: str
    ) -> dict[str, Any] | None:
        self.done += 1
        status, answer = await graphql(http, self.url, query, variables)
        result = answer.get("data", {}).get(field) if isinstance(answer, dict) else None
        if status != 200 or not isinstance(result, dict) or answer.get("errors"):
            self.errors += 1
            if self.errors <= 5:
                print(f"  unexpected answer ({status}): {str(answer)[:300]}", file=sys.stderr)
            return None
        return result

    async def _commit_and_release(
        self, http: httpx.AsyncClient, rng: random.Random, n: int, comment: str
    ) -> None:
        lines = [{"sku": rng.choice(SKUS), "quantity": 1}]
        destination = {"postcode": {"postcode": rng.choice(POSTCODES)}}
        variables = {"input": {"lines": lines, "destination": destination}}
        options = await self._expect(http, DELIVERY_OPTIONS + comment, variables, "deliveryOptions")
        if not options or not options.get("options"):
            return
        token = options["options"][0]["quoteToken"]
        commit = {"input": {"quoteToken": token, "idempotencyKey": f"soak-{n}"}}
        held = await self._expect(http, COMMIT + comment, commit, "commitAllocation")
        if held and held.get("__typename") == "Allocation":
            release = {"input": {"allocationId": held["id"]}}
            await self._expect(http, RELEASE + comment, release, "releaseAllocation")


async def memory_mix(gateway: Gateway, requests: int, warmup: int, max_seconds: float) -> None:
    mix = Mix(gateway.url)
    counter = iter(range(requests))
    stop_at = time.monotonic() + max_seconds
    marks: dict[str, tuple[float, int, list[float]]] = {}

    async def worker(http: httpx.AsyncClient) -> None:
        for n in counter:
            if time.monotonic() > stop_at:
                return
            await mix.one(http, n)
            if n == warmup:
                marks["warm"] = (time.monotonic(), mix.done, gateway.rss_mib())

    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        started = time.monotonic()
        await asyncio.gather(*(worker(http) for _ in range(CONNECTIONS)))
    ended, end_rss = time.monotonic(), gateway.rss_mib()
    warm_at, warm_done, warm_rss = marks.get("warm", (started, 0, end_rss))
    rate = (mix.done - warm_done) / max(ended - warm_at, 1e-9)
    print(f"memory mix: {mix.done:,} requests in {ended - started:.0f} s, {mix.errors} errors")
    print(f"  throughput after warm-up: {rate:.0f} req/s")
    for index, (before, after) in enumerate(zip(warm_rss, end_rss, strict=False)):
        change = 100 * (after - before) / before if before else 0.0
        print(
            f"  worker {index + 1} RSS: {before:.0f} MiB after warm-up, {after:.0f} MiB at the end"
            f" ({change:+.1f}%)"
        )
    async with httpx.AsyncClient(timeout=10) as http:
        metrics = (await http.get(f"{gateway.url}/metrics", headers=_admin())).text
    for line in metrics.splitlines():
        if line.startswith(("gateway_cache_entries{", "gateway_cache_bytes{")):
            print(f"  {line}")


def _admin() -> dict[str, str]:
    from bench.soak_gateway import HEADERS

    return {"authorization": HEADERS["authorization"]}


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--requests", type=int, default=100_000)
    # Past the document cache's fill (its bytes bound holds about 300 checkout documents).
    arguments.add_argument("--warmup", type=int, default=5_000)
    arguments.add_argument("--max-seconds", type=float, default=1_800.0)
    arguments.add_argument("--skip-mix", action="store_true")
    given = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as temp, restartable_redis() as redis:
        seed(redis.url())
        gateway = Gateway(redis.url(), Path(temp) / "gateway.log")
        gateway.start()
        try:
            if not given.skip_mix:
                asyncio.run(memory_mix(gateway, given.requests, given.warmup, given.max_seconds))
            wrong = asyncio.run(run_faults(gateway, redis))
        finally:
            gateway.stop()
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
