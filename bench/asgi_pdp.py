"""A worker's CPU per product-page (or checkout) request, HTTP layer included, in process.

    .venv/bin/python -m bench.asgi_pdp [--requests 2000] [--callgrind] [--checkout LINES]
    valgrind --tool=callgrind --instr-atstart=no .venv/bin/python -m bench.asgi_pdp \
        --requests 300 --distinct 100 --callgrind

The app `serve` runs (production mode, a server API key, the reference network in a Redis of
its own) gets the PDP bodies of `bench.over_http` (or, with --checkout, its carts) straight
through its ASGI interface: starlette, the endpoint and its admission steps, the fast path, the
store and the domain, everything a worker does but uvicorn's parsing. Each body is answered
twice before the timed rounds, as over HTTP; the background loops are held off. Prints CPU time
a request and the commands and CPU the Redis server spent on it (INFO); with --callgrind it
switches callgrind's instrumentation on around the timed rounds only, so that callgrind's total
divided by the requests is the instructions a request. Under callgrind a request takes a tenth
of a second or more: the rate limiter's lease is made long, so that the count does not depend
on how the wall clock moves."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

from bench import scenarios
from bench.network_gen import Shape, generate, load_stock
from bench.over_http import _env
from bench.redis_probe import CommandStats
from bench.run_settings import API_KEY
from bench.scenarios import Workload
from gateway.app import create_app_from_env
from tests.redis_server import running_redis

_HEADERS = [
    (b"host", b"127.0.0.1"),
    (b"content-type", b"application/json"),
    (b"accept", b"application/graphql-response+json"),
    (b"authorization", f"Bearer {API_KEY}".encode()),
]


async def _answer(app: Any, body: bytes) -> tuple[int, bytes]:
    """One POST through the app's ASGI interface: its status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [*_HEADERS, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    received = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def _callgrind(switch: str) -> None:
    subprocess.run(["callgrind_control", "-i", switch, str(os.getpid())], check=True)


async def _measure(arguments: argparse.Namespace) -> None:
    app = create_app_from_env()
    async with app.router.lifespan_context(app):
        await app.state.published.wait()
        app.state.platform.state._lease_seconds = 3600.0
        workload = Workload(app.state.promise_service.network, seed=23)
        lines = arguments.checkout
        bodies = [
            json.dumps(
                {"query": scenarios.CHECKOUT, "variables": workload.cart(lines)}
                if lines
                else {"query": scenarios.PDP, "variables": workload.pdp()}
            ).encode()
            for _ in range(arguments.distinct)
        ]
        for body in bodies + bodies:
            status, answer = await _answer(app, body)
            if status != 200 or b'"errors"' in answer:
                raise RuntimeError(f"the gateway refused a benchmark request: {answer!r}")
        rounds = [bodies[n % len(bodies)] for n in range(arguments.requests)]
        if arguments.callgrind:
            _callgrind("on")
        before = CommandStats.read(arguments.redis_port)
        started = time.process_time()
        for body in rounds:
            await _answer(app, body)
        spent = time.process_time() - started
        if arguments.callgrind:
            _callgrind("off")
        commands, redis_usec, mix = (
            CommandStats.read(arguments.redis_port).since(before).per_request(arguments.requests)
        )
        what = f"checkout {lines} lines" if lines else "PDP"
        print(
            f"{arguments.requests} {what} requests: CPU {spent / arguments.requests * 1e6:.0f} us"
            f" each; Redis {commands:.1f} commands, {redis_usec:.0f} us CPU each ({mix})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--distinct", type=int, default=500)
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument(
        "--checkout", type=int, default=0, metavar="LINES", help="checkouts of LINES lines"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-asgi-pdp-") as temp, running_redis() as redis:
        network = Path(temp) / "reference"
        generate(network, Shape(skus=2_000))
        load_stock(network, redis.url())
        os.environ.update(_env())
        os.environ.update(
            {
                "STOCK_STORE_URL": redis.url(),
                "NETWORK_DIR": str(network),
                # The background loops wait an hour: only the requests are measured.
                "PUBLISH_EVERY_MS": "3600000",
                "LIVE_EVERY_MS": "3600000",
                "REQUEST_TIMEOUT_SECONDS": "120",
            }
        )
        arguments.redis_port = redis.port
        # As `serve` runs it: uvicorn picks uvloop where it is installed.
        uvloop.run(_measure(arguments))


if __name__ == "__main__":
    main()
