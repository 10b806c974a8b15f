"""What a PDP's network-wide total costs, by network size, after what may have changed it.

    .venv/bin/python -m bench.totals [--reads 40]

`availability` of one SKU near one of its holders (PromiseService, as the PDP asks it) on
seeded networks of 1,000 and 10,000 nodes (200 SKUs each), on a redis-server of its own, in
three states of the SKU's cached total (see stock_cache/redis_reads.py):

- cached: read just before; the floor of the other two;
- after a flip elsewhere: a store that holds none of the SKU flipped to a new snapshot of its
  own stock (each read after its own flip);
- after a write to the SKU: its level set again at a holder, which forgets the total and
  its section's subtotal, so the read fills that section and sums the others.

Each state prints the p50 of the call and the Redis server's CPU per read (`INFO cpu`).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.network_gen import Shape, generate, load_stock
from bench.redis_probe import CommandStats
from bench.report import Report, ratio
from bench.run_settings import settings_for
from gateway.app import create_app
from gateway.service.promise_service import PromiseService
from promise.network import NodeType
from tests.redis_server import running_redis

SIZES = (1_000, 10_000)
STATES = ("cached", "after a flip elsewhere", "after a write to the SKU")


def _stock(directory: Path) -> dict[str, dict[str, int]]:
    """On hand by node and SKU, as the network's stock.csv has it."""
    levels: dict[str, dict[str, int]] = defaultdict(dict)
    with (directory / "stock.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            levels[row["node_id"]][row["sku"]] = int(row["on_hand"])
    return levels


async def _measure(
    directory: Path, url: str, port: int, reads: int
) -> dict[str, tuple[float, float]]:
    """(p50 ms, Redis CPU us per read) of each state."""
    stock = _stock(directory)
    holders: dict[str, list[str]] = defaultdict(list)
    for node, levels in stock.items():
        for sku in levels:
            holders[sku].append(node)
    skus = sorted(holders)[:reads]
    app = create_app(settings_for(directory, url))
    found: dict[str, tuple[float, float]] = {}
    async with app.router.lifespan_context(app):
        service: PromiseService = app.state.promise_service
        store = service.store
        stores = [n.id for n in service.network.nodes.values() if n.type is NodeType.STORE]

        async def read(sku: str) -> None:
            near = service.network.nodes[holders[sku][0]].location
            await service.availability([sku], near, first=3)

        async def flip_elsewhere(i: int, sku: str) -> None:
            node = next(n for n in stores[i:] + stores if sku not in stock[n])
            await store.replace_node_stock(node, [stock[node]], watermark=None)

        async def write(i: int, sku: str) -> None:
            node = holders[sku][0]
            await store.set_levels(node, {sku: stock[node][sku]})

        async def read_first(i: int, sku: str) -> None:
            # Earlier rounds' flips may have staged this SKU (a store holding it) and their
            # writes changed it.
            await read(sku)

        before: dict[str, Callable[[int, str], Awaitable[None]]] = {
            "cached": read_first,
            "after a flip elsewhere": flip_elsewhere,
            "after a write to the SKU": write,
        }
        await read(skus[-1])  # scripts loaded
        samples: dict[str, list[float]] = {state: [] for state in STATES}
        cpu: dict[str, float] = dict.fromkeys(STATES, 0.0)
        for i, sku in enumerate(skus):
            for state in STATES:
                await before[state](i, sku)
                stats = CommandStats.read(port)
                start = time.perf_counter()
                await read(sku)
                samples[state].append(time.perf_counter() - start)
                cpu[state] += CommandStats.read(port).since(stats).cpu_usec
        for state in STATES:
            ordered = sorted(samples[state])
            found[state] = (ordered[len(ordered) // 2] * 1000, cpu[state] / len(ordered))
    return found


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--reads", type=int, default=40, help="reads per state and size")
    args = arguments.parse_args()
    report = Report()
    report.heading("Network-wide totals: one SKU's availability near a holder (200 SKUs)")
    widths = (8, 26, 30, 32)
    report.row("nodes", *(f"{state}" for state in STATES), widths=widths)
    report.row("", *(["p50 ms, Redis us/read"] * 3), widths=widths)
    with tempfile.TemporaryDirectory(prefix="bench-totals-") as temp:
        for nodes in SIZES:
            directory = Path(temp) / f"n{nodes}"
            generate(directory, Shape(nodes=nodes, skus=200))
            with running_redis() as redis:
                load_stock(directory, redis.url())
                found = asyncio.run(_measure(directory, redis.url(), redis.port, args.reads))
            floor = found["cached"][0]
            report.row(
                str(nodes),
                *(
                    f"{p50:.2f}, {usec:.0f}"
                    + ("" if state == "cached" else f" ({ratio(p50, floor)})")
                    for state, (p50, usec) in found.items()
                ),
                widths=widths,
            )
    report.say("(x) = p50 / the cached read's p50, same size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
