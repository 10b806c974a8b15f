"""The Lua scripts of the Redis store (lua/*.lua), loaded once and run in pipelined batches."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from typing import Any

import redis.exceptions
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.typing import EncodableT

Call = tuple[str, list[str], list[EncodableT]]
"""A script by name, its keys (all of one hash slot) and its arguments."""

Client = Redis | RedisCluster


@functools.cache
def script_source(name: str) -> str:
    """A script of the package's `lua/` folder, preceded by the helpers it needs."""
    folder = resources.files("stock_cache") / "lua"
    common = (folder / "_common.lua").read_text(encoding="utf-8")
    order = (folder / "_order.lua").read_text(encoding="utf-8")
    return "\n".join([common, order, (folder / f"{name}.lua").read_text(encoding="utf-8")])


class Scripts:
    """Runs the scripts of one client, remembering their SHA1 once loaded."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._shas: dict[str, str] = {}

    async def run(self, calls: Sequence[Call], *, atomic: bool = False) -> list[Any]:
        """Run scripts by name, all in one pipelined round trip (per node on a cluster).

        redis-py's own pipelined scripts ask SCRIPT EXISTS first, a second round trip on every
        call. Instead send EVALSHA directly; only if the server answers NOSCRIPT (it restarted
        or flushed its scripts) load the scripts and send again the calls that failed so,
        which never ran. `atomic` (a standalone Redis only) sends them as one MULTI/EXEC, so
        that no other command runs between them; a NOSCRIPT then sends them all again.
        """
        if len(calls) == 1:
            # A script runs atomically on its own: one call needs neither a MULTI/EXEC nor a
            # pipeline, whose bookkeeping cost the client more than the command it sends.
            return [await self._one(*calls[0])]
        replies: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))
        for attempt in range(2):
            async with self._client.pipeline(transaction=atomic) as pipe:
                for position in pending:
                    name, keys, args = calls[position]
                    sha = self._shas.get(name) or await self._load(name)
                    pipe.execute_command("EVALSHA", sha, len(keys), *keys, *args)
                answers: list[Any] = await pipe.execute(raise_on_error=False)
            missing = []
            for position, answer in zip(pending, answers, strict=True):
                replies[position] = answer
                if isinstance(answer, redis.exceptions.NoScriptError) and attempt == 0:
                    missing.append(position)
            if not missing:
                break
            for name in {calls[position][0] for position in missing}:
                await self._load(name)
            pending = list(range(len(calls))) if atomic else missing
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies

    async def _one(self, name: str, keys: list[str], args: list[EncodableT]) -> Any:
        sha = self._shas.get(name) or await self._load(name)
        try:
            return await self._client.execute_command("EVALSHA", sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            # Nothing ran: the server lost its scripts (restart, SCRIPT FLUSH).
            sha = await self._load(name)
        return await self._client.execute_command("EVALSHA", sha, len(keys), *keys, *args)

    async def _load(self, name: str) -> str:
        sha: str = await self._client.script_load(script_source(name))
        self._shas[name] = sha
        return sha
