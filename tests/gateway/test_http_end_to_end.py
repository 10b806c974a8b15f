"""The real server, started as `promise-gateway serve`, answering over real HTTP.

Once on the embedded store it seeds itself, and once on the test session's own Redis after
`promise-gateway seed-stock` filled it. A shopper's whole journey runs against each:
availability, delivery options, commit, a replayed commit, release.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import KEY_OF, LYON_CART, api_keys_setting
from tests.gateway.graphql_client import JSON, GraphQLClient
from tests.redis_server import free_port

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0
CART_SKUS = [sku for sku, _ in LYON_CART]
# Settings the server would otherwise take from the environment of whoever runs the tests.
GATEWAY_VARIABLES = (
    "STOCK_STORE_URL",
    "NETWORK_DIR",
    "QUOTE_SIGNING_KEYS",
    "QUOTE_TTL_SECONDS",
    "GATEWAY_DEV_MODE",
    "API_KEYS",
    "RATE_LIMIT_POINTS",
    "RATE_LIMIT_POINTS_PER_SECOND",
    "TRUSTED_DOCUMENTS_FILE",
    "GEOCODER_URL",
)


def gateway_command(*args: str) -> list[str]:
    """`promise-gateway ARGS` with this interpreter, whatever virtualenv runs the tests."""
    return [sys.executable, "-m", "gateway.cli", *args]


def clean_environment() -> dict[str, str]:
    """The test runner's environment less the gateway's settings, plus the test API keys."""
    env = {name: value for name, value in os.environ.items() if name not in GATEWAY_VARIABLES}
    # The journey reads ATP at 50 nodes several times: more than a production bucket holds.
    roomy = {"RATE_LIMIT_POINTS": "100000", "RATE_LIMIT_POINTS_PER_SECOND": "10000"}
    return {**env, **roomy, "API_KEYS": api_keys_setting()}


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until_healthy(self) -> None:
        """Poll /healthz until it answers (bounded); fail with the server's log otherwise."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the gateway exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        pytest.fail(f"the gateway did not answer /healthz in time:\n{self.output()}")

    def stop(self) -> int:
        """SIGTERM, then wait for the graceful shutdown; kill only if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture(params=["memory", "redis"])
def store_option(request: pytest.FixtureRequest) -> list[str]:
    """The `--store` the server runs with; Redis is seeded first by the seed-stock command."""
    if request.param == "memory":
        return []
    url = str(request.getfixturevalue("fresh_redis_url"))
    seeded = subprocess.run(
        gateway_command("seed-stock", "--store", url),
        capture_output=True,
        text=True,
        env=clean_environment(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith("seeded "), seeded.stdout
    return ["--store", url]


@pytest.fixture
def server(store_option: list[str], tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / "gateway.log"
    command = gateway_command("serve", "--host", "127.0.0.1", "--port", str(port), *store_option)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=clean_environment(), cwd=REPO
        )
    started = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        started.wait_until_healthy()
        yield started
    finally:
        started.stop()


async def test_a_shopper_commits_replays_and_releases_over_real_http(
    server: Server, lyon_cart: list[JSON]
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as http:
        shopper = GraphQLClient(http, api_key=KEY_OF["storefront-fr"])
        before = await shopper.total_atp(CART_SKUS)
        assert all(atp > 0 for atp in before.values()), before

        # Quoted for now (the server runs on the real clock): a quote for another instant is
        # a what-if, never committed. Home delivery is offered at any hour of any day.
        result = await shopper.delivery_options(lyon_cart, {"postcode": {"postcode": "69003"}})
        assert result["__typename"] == "DeliveryOptions", result
        [same_day] = [o for o in result["options"] if o["kind"] == "HOME_STANDARD"]
        assert same_day["committable"] is True
        node = same_day["shipments"][0]["node"]
        at_node = await shopper.atp_at(node, CART_SKUS)

        held = await shopper.commit(same_day["quoteToken"], "web-order-3001")
        assert (held["__typename"], held["status"], held["replayed"]) == (
            "Allocation",
            "HELD",
            False,
        )
        after_commit = await shopper.total_atp(CART_SKUS)
        assert after_commit == {sku: before[sku] - quantity for sku, quantity in LYON_CART}
        assert await shopper.atp_at(node, CART_SKUS) == {
            sku: at_node[sku] - quantity for sku, quantity in LYON_CART
        }

        replayed = await shopper.commit(same_day["quoteToken"], "web-order-3001")
        assert (replayed["id"], replayed["replayed"]) == (held["id"], True)
        assert await shopper.total_atp(CART_SKUS) == after_commit

        released = await shopper.release(held["id"])
        assert (released["id"], released["status"]) == (held["id"], "RELEASED")
        assert await shopper.total_atp(CART_SKUS) == before
        assert await shopper.atp_at(node, CART_SKUS) == at_node

    code = server.stop()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to end the process.
    assert code in (0, -signal.SIGTERM), server.output()
    assert "Application shutdown complete" in server.output()
    assert "Traceback" not in server.output()
    # One JSON line per request, the endpoint's: uvicorn's access line is not repeated.
    lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    assert sum(line["message"] == "graphql request" for line in lines) >= 8
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
