"""What a request costs Redis: round trips, commands and server CPU, and Redis's own floor.

Round trips are counted in the benchmark's own process by wrapping redis-py's
`Connection.send_packed_command` (one call sends one command or one whole pipeline, so it is
one round trip) and the write of the store's own connection for single script calls
(stock_cache/redis_wire.py: one write a turn of the loop). Commands come from
`INFO commandstats` deltas over many requests, those a script runs included. Server time is
the Redis process's CPU (`INFO cpu`, user + system) over the same requests: commandstats
cannot give it, since a script's EVALSHA time already holds the time of the commands it
runs, which are counted again under their own names.
`redis-benchmark` gives the floor: the loopback round trip of a PING from one client, so a
request's Redis floor is its round trips times that, plus its server CPU.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from redis.asyncio.connection import AbstractConnection

from stock_cache import redis_wire

_STAT = re.compile(r"cmdstat_([^:]+):calls=(\d+),usec=(\d+)")
_CPU = re.compile(r"used_cpu_(?:sys|user):([0-9.]+)")


@dataclass
class RoundTrips:
    count: int = 0


@contextlib.contextmanager
def counting_round_trips() -> Iterator[RoundTrips]:
    """Count the round trips every async redis-py connection of this process makes."""
    counter = RoundTrips()
    original = AbstractConnection.send_packed_command

    async def counted(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        counter.count += 1
        await original(self, command, check_health)

    flush = redis_wire._Link.flush

    def flushed(self: redis_wire._Link) -> None:
        counter.count += 1
        flush(self)

    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
    redis_wire._Link.flush = flushed  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
        redis_wire._Link.flush = flush  # type: ignore[method-assign]


def _command(port: int, *words: str) -> str:
    """One command over a raw socket, the bulk-string reply as text (INFO, CONFIG)."""
    request = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request.encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            header, _, rest = data.partition(b"\r\n")
            if header.startswith(b"$") and len(rest) >= int(header[1:]):
                break
            if header.startswith((b"+", b"-")):
                break
    return data.decode(errors="replace")


@dataclass(frozen=True, slots=True)
class CommandStats:
    calls: dict[str, int]
    # The server process's CPU (user + system), microseconds.
    cpu_usec: float

    @staticmethod
    def read(port: int) -> CommandStats:
        text = _command(port, "INFO", "commandstats", "cpu")
        calls = {name: int(count) for name, count, _ in _STAT.findall(text)}
        cpu = sum(float(seconds) for seconds in _CPU.findall(text)) * 1e6
        return CommandStats(calls, cpu)

    def since(self, before: CommandStats) -> CommandStats:
        return CommandStats(
            {k: v - before.calls.get(k, 0) for k, v in self.calls.items()},
            self.cpu_usec - before.cpu_usec,
        )

    def per_request(self, requests: int) -> tuple[float, float, str]:
        """Commands (a script's own included) and server CPU microseconds per request, and
        the mix ("evalsha 3.0, hget 30")."""
        shown = {k: v for k, v in self.calls.items() if v > 0 and k not in ("info", "ping")}
        mix = ", ".join(
            f"{k} {v / requests:.1f}" for k, v in sorted(shown.items(), key=lambda kv: -kv[1])
        )
        return sum(shown.values()) / requests, self.cpu_usec / requests, mix


def ping_round_trip_ms(port: int, *, requests: int = 20_000) -> float | None:
    """redis-benchmark's mean latency of PING from one client, or None without the tool."""
    binary = shutil.which("redis-benchmark")
    if binary is None:
        return None
    command = [binary, "-h", "127.0.0.1", "-p", str(port), "-c", "1", "-n", str(requests)]
    result = subprocess.run(
        [*command, "-t", "ping_mbulk", "--csv"], capture_output=True, text=True, check=True
    )
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
    last = result.stdout.strip().splitlines()[-1].replace('"', "").split(",")
    return float(last[2])
