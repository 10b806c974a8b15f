"""What a call costs Redis: round trips this process sent and commands the servers ran.

Round trips are counted by wrapping redis-py's `send_packed_command` (one call sends one
command or a whole pipeline: one round trip per server) and the write of the store's own
connection for single script calls (redis_wire.py: one write a turn of the loop), those the
measured call sends (its task and the tasks it starts), not a background loop's; commands
are `INFO commandstats` deltas of every server, commands run inside scripts included, read
over raw sockets so that reading them is neither sent through redis-py nor counted.
"""

from __future__ import annotations

import contextvars
import re
import socket
from collections import Counter
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from redis.asyncio.connection import AbstractConnection

from stock_cache import redis_wire

T = TypeVar("T")

_STAT = re.compile(r"cmdstat_([^:]+):calls=(\d+)")
# Set while a call is measured: tasks it starts inherit it, loops started before do not.
_MEASURED: contextvars.ContextVar[bool] = contextvars.ContextVar("measured", default=False)


@dataclass(frozen=True, slots=True)
class Cost:
    round_trips: int
    commands: dict[str, int]


def _commandstats(port: int) -> Counter[str]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"INFO commandstats\r\n")
        reply = sock.makefile("rb")
        size = int(reply.readline()[1:])
        text = reply.read(size).decode()
    return Counter({name: int(calls) for name, calls in _STAT.findall(text)})


class CostMeter:
    """Measures calls against the Redis servers on `ports` (one, or a cluster's masters)."""

    def __init__(self, ports: Sequence[int], monkeypatch: pytest.MonkeyPatch) -> None:
        self._ports = ports
        self._sent = 0
        original = AbstractConnection.send_packed_command

        async def counted(
            self: AbstractConnection, command: Any, check_health: bool = True
        ) -> None:
            meter._sent += _MEASURED.get()
            await original(self, command, check_health)

        flush = redis_wire._Link.flush

        def flushed(self: redis_wire._Link) -> None:
            # Called back in the context of the call that started the batch.
            meter._sent += _MEASURED.get()
            flush(self)

        meter = self
        monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
        monkeypatch.setattr(redis_wire._Link, "flush", flushed)

    def _stats(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for port in self._ports:
            total.update(_commandstats(port))
        return total

    async def measure(self, call: Awaitable[T]) -> tuple[T, Cost]:
        before, sent = self._stats(), self._sent
        token = _MEASURED.set(True)
        try:
            result = await call
        finally:
            _MEASURED.reset(token)
        round_trips = self._sent - sent
        after = self._stats()
        commands = {
            name: after[name] - before[name]
            for name in sorted(after)
            if after[name] > before[name] and name != "info"
        }
        return result, Cost(round_trips, commands)


def node_names(count: int) -> Iterator[str]:
    """Node ids of a made-up network, none of them holding anything."""
    return (f"TOWN-{n:05}" for n in range(count))
