"""What the soak drives: a production-mode gateway with 2 workers on a Redis of its own.

The redis-server is started by the soak on a free loopback port (never the machine's Redis)
and seeded with the demo network's stock; the gateway runs `promise-gateway serve --workers
2` in production mode with the soak's own API key and signing keys, on another free loopback
port. Requests go through one httpx client; GraphQL documents are the test client's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gateway.admission.api_keys import key_digest
from gateway.ops.settings import DEFAULT_NETWORK_DIR
from tests.redis_server import free_port
from tests.worker_processes import spawned_workers

API_KEY = "soak-api-key"
HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json",
    "authorization": f"Bearer {API_KEY}",
}
_START_SECONDS = 60.0


def gateway_env(store_url: str) -> dict[str, str]:
    keys = [
        {
            "sha256": key_digest(API_KEY),
            "client": "soak",
            "channel": "default",
            "scopes": ["promise:read", "allocation:write", "admin"],
            "kind": "server",
        }
    ]
    return {
        **os.environ,
        "STOCK_STORE_URL": store_url,
        "NETWORK_DIR": str(DEFAULT_NETWORK_DIR),
        "API_KEYS": json.dumps(keys),
        "QUOTE_SIGNING_KEYS": "soak:soak-signing-secret-0123456789",
        # The soak measures memory and faults, not the limiter: a bucket it never fills.
        "RATE_LIMIT_POINTS": "100000000",
        "RATE_LIMIT_POINTS_PER_SECOND": "100000000",
        "GATEWAY_DEV_MODE": "false",
    }


def seed(store_url: str) -> None:
    command = [sys.executable, "-m", "gateway.cli", "seed-stock", "--store", store_url]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


@dataclass
class Gateway:
    """`promise-gateway serve --workers 2` on a port of its own; started, stopped, restarted."""

    store_url: str
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = self.port or free_port()
        command = [sys.executable, "-m", "gateway.cli", "serve", "--workers", "2"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--store", self.store_url]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=gateway_env(self.store_url),
                start_new_session=True,
            )
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the gateway exited; its log:\n{self.log.read_text()[-3000:]}")
            if len(self.workers()) == 2 and self._ready():
                return
            time.sleep(0.2)
        raise TimeoutError(f"the gateway did not start; its log:\n{self.log.read_text()[-3000:]}")

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def workers(self) -> list[int]:
        return spawned_workers(self.process.pid) if self.process else []

    def rss_mib(self) -> list[float]:
        """Each worker's resident memory now (VmRSS)."""
        found = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found.append(int(line.split()[1]) / 1024)
        return found

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


async def graphql(
    http: httpx.AsyncClient, url: str, query: str, variables: Mapping[str, Any]
) -> tuple[int, Any]:
    """The status and decoded answer of one POST; (0, error text) when no answer came."""
    try:
        response = await http.post(
            f"{url}/graphql", json={"query": query, "variables": dict(variables)}, headers=HEADERS
        )
    except httpx.HTTPError as error:
        return 0, f"{type(error).__name__}: {error}"
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text
