"""What the parts of `bench.run` share: the run's plan, the gateway's settings and keys, sizes.

The signing keys and API key are the benchmark's own, never a deployment's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.redis_probe import CommandStats
from gateway.ops.settings import Secret, Settings

SIGNING_KEYS = "bench:bench-signing-secret-0123456789"
API_KEY = "bench-api-key"
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/graphql-response+json",
    "Authorization": f"Bearer {API_KEY}",
}
PDP_TARGET_RPS = 1_400
CART_LINES = 5
PROBES = 20


@dataclass(frozen=True, slots=True)
class Plan:
    rounds: int
    warmup: int
    seconds: int
    tokens: int


def settings_for(network: Path, store_url: str) -> Settings:
    return Settings(
        store_url=store_url,
        network_dir=network,
        quote_keys=Secret(SIGNING_KEYS),
        quote_ttl_seconds=86_400,
        # As `promise-gateway serve` does (settings_from_env).
        freeze_heap_at_start=True,
    )


def commands_since(before: CommandStats, port: int, count: int) -> tuple[None, float, float, str]:
    commands, usec, mix = CommandStats.read(port).since(before).per_request(count)
    return None, commands, usec, mix
