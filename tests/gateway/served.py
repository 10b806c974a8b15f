"""The real server as a subprocess: `promise-gateway serve` started in a clean environment,
polled until it answers, and stopped gracefully (killed only if it hangs)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import api_keys_setting
from tests.redis_server import free_port

REPO = Path(__file__).resolve().parents[2]
# Each process builds the places tables before it answers (seconds of CPU, many more on a
# machine busy with other test processes).
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
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
    "SHOPPER_RATE_LIMIT_POINTS",
    "SHOPPER_RATE_LIMIT_POINTS_PER_SECOND",
    "TRUSTED_PROXIES",
    "TRUSTED_DOCUMENTS_FILE",
    "GEOCODER_URL",
)


def gateway_command(*args: str) -> list[str]:
    """`promise-gateway ARGS` with this interpreter, whatever virtualenv runs the tests."""
    return [sys.executable, "-m", "gateway.cli", *args]


def clean_environment() -> dict[str, str]:
    """The test runner's environment less the gateway's settings, plus the test API keys."""
    env = {name: value for name, value in os.environ.items() if name not in GATEWAY_VARIABLES}
    # The journeys read ATP at 50 nodes several times: more than a production bucket holds.
    roomy = {
        "RATE_LIMIT_POINTS": "100000",
        "RATE_LIMIT_POINTS_PER_SECOND": "10000",
        "SHOPPER_RATE_LIMIT_POINTS": "100000",
        "SHOPPER_RATE_LIMIT_POINTS_PER_SECOND": "10000",
    }
    return {**env, **roomy, "API_KEYS": api_keys_setting()}


def wait_until(
    process: subprocess.Popen[bytes], log: Path, ready: str, check: Callable[[], bool]
) -> None:
    """Poll `check` until it holds (bounded); fail with the server's log if it exits first."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the gateway exited with {process.returncode}:\n{output_of(log)}")
        if check():
            return
        time.sleep(0.02)
    pytest.fail(f"not {ready} in {STARTUP_TIMEOUT_SECONDS:.0f} s:\n{output_of(log)}")


def output_of(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return output_of(self.log)

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200
        except httpx.TransportError:
            return False

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


@contextmanager
def serving_process(
    args: list[str], log: Path, *, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`promise-gateway serve ARGS` on a free loopback port, healthy, until the block ends."""
    port = free_port()
    command = gateway_command("serve", "--host", "127.0.0.1", "--port", str(port), *args)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env or clean_environment(), cwd=REPO
        )
    started = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until(process, log, "answering /healthz", started.healthy)
        yield started
    finally:
        started.stop()
