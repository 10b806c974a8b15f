"""Benchmark `promise-gateway import-stock`: 1M rows into a Redis of its own.

    .venv/bin/python -m bench.import_stock [--rows 1000000] [--nodes 40]

Writes a seeded CSV of node snapshots to a temp dir (the demo network's nodes, made-up SKUs),
starts a redis-server on a free loopback port (tests/redis_server.py: never the machine's
Redis), and runs the CLI on a quarter of the rows and then on all of them, each in a child
process, printing wall time, rows per second and the child's peak RSS: memory stays flat
when the peak does not grow with the file.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gateway.ops.settings import DEFAULT_NETWORK_DIR
from network_loader.network_files import load_network
from tests.redis_server import running_redis


def write_snapshots(path: Path, *, rows: int, nodes: int, seed: int = 20261122) -> None:
    rng = random.Random(seed)
    node_ids = sorted(load_network(DEFAULT_NETWORK_DIR).nodes)[:nodes]
    per_node = rows // len(node_ids)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["node_id", "sku", "on_hand"])
        for node in node_ids:
            for number in range(per_node):
                writer.writerow([node, f"BENCH-SKU-{number:07}", rng.randint(0, 250)])


def run_import(path: Path, store_url: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one `import-stock` child process."""
    command = [
        sys.executable,
        "-m",
        "gateway.cli",
        "import-stock",
        str(path),
        "--store",
        store_url,
        "--quiet",
    ]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"import-stock failed with exit code {child.returncode}")
    return elapsed, usage.ru_maxrss


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--rows", type=int, default=1_000_000)
    arguments.add_argument("--nodes", type=int, default=40)
    args = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-") as directory, running_redis() as redis:
        for rows in (args.rows // 4, args.rows):
            path = Path(directory) / f"snapshots-{rows}.csv"
            write_snapshots(path, rows=rows, nodes=args.nodes)
            # Each run into a database of its own: a first import, not an update.
            url = redis.url(db=1 if rows == args.rows else 2)
            elapsed, peak_kib = run_import(path, url)
            size_mb = path.stat().st_size / 1e6
            print(
                f"{rows:>9,} rows ({size_mb:.1f} MB, {args.nodes} nodes): {elapsed:6.1f} s,"
                f" {rows / elapsed:>8,.0f} rows/s, peak RSS {peak_kib / 1024:.0f} MiB"
            )


if __name__ == "__main__":
    main()
