"""The soak's fault sequences: 200 concurrent one-unit commits under a Redis pause (SIGSTOP
5 s), a worker killed (SIGKILL) and a gateway restarted (SIGTERM, started again).

Each commit is retried with its own idempotency key until it settles (an allocation, or a
problem that is final). Then, per sequence: units held (ATP before less ATP after) against
the units of the allocations the commits were finally answered; wrong answers (a first answer
"nothing was changed" that the key then replays as made, an allocation answered first and
another one later, an untyped 500); the worst latency of a first answer; and, once every
allocation is released, units left held. All but the latency must be 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.soak_gateway import Gateway, graphql
from tests.gateway.graphql_client import AVAILABILITY, COMMIT, DELIVERY_OPTIONS, RELEASE
from tests.redis_server import RestartableRedis
from tests.stock_cache.test_store_pauses import server_pid

COMMITS = 200
SKU = "OAK-CHAIR"
DESTINATION = {"postcode": {"postcode": "75011"}}
PAUSE_SECONDS = 5.0
# A commit is retried with its key this many times at most, this far apart.
_SETTLE_TRIES = 60
_SETTLE_PAUSE = 0.5
# Final problems: a retry would answer the same.
_FINAL = {"Allocation", "StockChanged", "QuoteExpired", "QuoteInvalid", "IdempotencyConflict"}


@dataclass
class Figures:
    name: str
    lost: int = 0
    duplicated: int = 0
    stranded: int = 0
    wrong: int = 0
    unsettled: int = 0
    worst_seconds: float = 0.0
    worst_served_seconds: float = 0.0
    answers: str = ""

    def bad(self) -> int:
        return self.lost + self.duplicated + self.stranded + self.wrong + self.unsettled

    def line(self) -> str:
        return (
            f"{self.name}: lost {self.lost}, duplicated {self.duplicated}, stranded units "
            f"{self.stranded}, wrong answers {self.wrong}, unsettled {self.unsettled}; worst "
            f"latency {self.worst_seconds:.2f} s at the client, "
            f"{self.worst_served_seconds:.2f} s in the gateway; first answers {self.answers}"
        )


def worst_served(log: Path, offset: int) -> float:
    """The longest request the gateway logged past `offset` of its log: from the request's
    first byte to its answer, as the gateway counts its budget (the client's figure adds its
    own queueing, and a client of 200 concurrent requests is busy)."""
    worst = 0.0
    with log.open("rb") as lines:
        lines.seek(offset)
        for raw in lines:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict) and "duration_ms" in record:
                worst = max(worst, float(record["duration_ms"]) / 1000)
    return worst


def _result(answer: Any, field: str) -> dict[str, Any] | None:
    data = answer.get("data") if isinstance(answer, dict) else None
    found = data.get(field) if isinstance(data, dict) else None
    return found if isinstance(found, dict) else None


async def _total(http: httpx.AsyncClient, url: str) -> int:
    for _ in range(_SETTLE_TRIES):
        _, answer = await graphql(http, url, AVAILABILITY, {"skus": [SKU], "first": 1})
        found = _result(answer, "availability")
        if found and found.get("__typename") == "Availability":
            return int(found["items"][0]["total"])
        await asyncio.sleep(_SETTLE_PAUSE)
    raise RuntimeError(f"no availability answer: {answer}")


async def _quote(http: httpx.AsyncClient, url: str) -> str:
    lines = [{"sku": SKU, "quantity": 1}]
    variables = {"input": {"lines": lines, "destination": DESTINATION}}
    _, answer = await graphql(http, url, DELIVERY_OPTIONS, variables)
    found = _result(answer, "deliveryOptions")
    assert found, answer
    assert found.get("options"), answer
    return str(found["options"][0]["quoteToken"])


async def _commit(
    http: httpx.AsyncClient, url: str, token: str, key: str
) -> tuple[int, Any, float]:
    started = time.monotonic()
    variables = {"input": {"quoteToken": token, "idempotencyKey": key}}
    status, answer = await graphql(http, url, COMMIT, variables)
    return status, answer, time.monotonic() - started


def _kind(status: int, answer: Any) -> str:
    found = _result(answer, "commitAllocation")
    if found is None:
        return f"HTTP {status}" if status else "no answer"
    return str(found.get("code") or found["__typename"])


async def _settle(http: httpx.AsyncClient, url: str, token: str, key: str) -> dict[str, Any] | None:
    for _ in range(_SETTLE_TRIES):
        _, answer, _ = await _commit(http, url, token, key)
        found = _result(answer, "commitAllocation")
        if found is not None and found["__typename"] in _FINAL:
            return found
        await asyncio.sleep(_SETTLE_PAUSE)
    return None


async def sequence(
    gateway: Gateway, name: str, fault: Callable[[], Coroutine[Any, Any, None]]
) -> Figures:
    figures = Figures(name)
    limits = httpx.Limits(max_connections=COMMITS + 10, max_keepalive_connections=COMMITS)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        url = gateway.url
        tokens = [await _quote(http, url) for _ in range(COMMITS)]
        keys = [f"{name}-{i}" for i in range(COMMITS)]
        before = await _total(http, url)
        logged = gateway.log.stat().st_size
        faulting = asyncio.create_task(fault())
        firsts = await asyncio.gather(
            *(_commit(http, url, t, k) for t, k in zip(tokens, keys, strict=True))
        )
        await faulting
        figures.worst_served_seconds = worst_served(gateway.log, logged)
        finals = [await _settle(http, url, t, k) for t, k in zip(tokens, keys, strict=True)]
        kinds: dict[str, int] = {}
        held_by_answers = 0
        for (status, answer, seconds), final in zip(firsts, finals, strict=True):
            figures.worst_seconds = max(figures.worst_seconds, seconds)
            kind = _kind(status, answer)
            kinds[kind] = kinds.get(kind, 0) + 1
            first = _result(answer, "commitAllocation")
            if final is None:
                figures.unsettled += 1
                continue
            if final["__typename"] == "Allocation":
                held_by_answers += sum(
                    i["quantity"] for s in final["shipments"] for i in s["lines"]
                )
            if status >= 500 and first is None and status != 503:
                figures.wrong += 1
            if (
                first is not None
                and first["__typename"] == "Allocation"
                and (final["__typename"] != "Allocation" or final["id"] != first["id"])
            ):
                figures.duplicated += 1
            if kind == "TEMPORARILY_UNAVAILABLE" and final.get("replayed"):
                figures.wrong += 1  # said "nothing was changed" of a commit that was made
        held = before - await _total(http, url)
        figures.stranded = max(0, held - held_by_answers)
        figures.lost = max(0, held_by_answers - held)
        for final in finals:
            if final is not None and final["__typename"] == "Allocation":
                release = {"input": {"allocationId": final["id"]}}
                await graphql(http, url, RELEASE, release)
        figures.stranded += max(0, before - await _total(http, url))
        figures.answers = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    print(figures.line())
    return figures


async def run_faults(gateway: Gateway, redis: RestartableRedis) -> int:
    """Every sequence; the number of bad outcomes over them all."""

    async def pause() -> None:
        await asyncio.sleep(0.2)
        pid = server_pid(redis.port)
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(PAUSE_SECONDS)
        finally:
            os.kill(pid, signal.SIGCONT)

    async def kill() -> None:
        await asyncio.sleep(0.2)
        os.kill(gateway.workers()[0], signal.SIGKILL)

    async def restart() -> None:
        await asyncio.sleep(0.2)
        await asyncio.to_thread(gateway.stop)
        await asyncio.to_thread(gateway.start)

    bad = 0
    for name, fault in (("redis-pause", pause), ("worker-kill", kill), ("restart", restart)):
        bad += (await sequence(gateway, name, fault)).bad()
    return bad
