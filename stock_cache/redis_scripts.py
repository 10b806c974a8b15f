"""The Lua scripts of the Redis store (lua/*.lua), loaded once and run in pipelined batches.

A busy gateway has many requests reading stock at once, each with one script to run: on a
standalone Redis, the single calls made in the same turn of the event loop go out together
as one pipeline (each script stays atomic; the pipeline is not a transaction), so a worker
writes once for them all rather than once per request, and Redis reads one socket rather
than many. A call alone in its turn is sent directly, one turn of the loop later. Each caller
gets its own reply or its own error.

The replies of such a batch are handed out as they arrive, not once the last is in: a
pipeline's replies all at once made the worker wait, idle, while Redis ran the whole batch,
then made Redis wait while the worker served them all (checkout over HTTP at one worker:
about a tenth of the worker's time idle).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import hiredis
import redis.exceptions
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.typing import EncodableT

from stock_cache.redis_functions import (
    LIBRARY_PREFIX,
    library_source,
    script_source,
    sweep_other_versions,
)
from stock_cache.redis_wire import Wire, lean_wire

Call = tuple[str, list[str], list[EncodableT]]
"""A script by name, its keys (all of one hash slot) and its arguments."""

Client = Redis | RedisCluster


# The helpers scripts are built on, in the order they build on each other.
_log = logging.getLogger("stock_cache.scripts")


class Scripts:
    """Runs the scripts of one client, as functions (FCALL) where the server has them (Redis
    7), else by their SHA1 (EVALSHA), remembering each once loaded."""

    def __init__(self, client: Client, *, wire: bool = False) -> None:
        """`wire`: single calls to a standalone server go on a connection of their own
        (redis_wire.py), which `aclose` closes; else on the client's pool."""
        self._client = client
        # By script: its function's name (FCALL), or its SHA1 (EVALSHA).
        self._handles: dict[str, str] = {}
        # The scripts whose handle is a function: what their library keeps lasts from call to
        # call (until the server loses it), where a script run by EVALSHA starts afresh.
        self.as_functions: set[str] = set()
        # Whether scripts load as functions: until a server refuses FUNCTION LOAD.
        self._functions = True
        # Whether the libraries of other versions were swept (at the first load).
        self._swept = False
        # Loads on their way, by script: the calls that need one script at once (a follower
        # reading every partition together) wait for one load, not one each.
        self._loading: dict[str, asyncio.Future[str]] = {}
        # A cluster's pipeline sends per node and asks for the slot map: single calls go on
        # their own there. A standalone server's batches go out on a connection of its pool.
        self._pool = None if isinstance(client, RedisCluster) else client.connection_pool
        # The calls gathering in this turn of the loop, when one is; each with its caller.
        self._gathering: list[tuple[Call, asyncio.Future[Any]]] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._wire: Wire | None = None
        if wire and self._pool is not None:
            self._wire = lean_wire(self._pool)

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
            if self._wire is not None:
                return [await self._wired(calls[0])]
            if self._pool is not None:
                return [await self._joined(calls[0])]
            return [await self._one(*calls[0])]
        replies = await self._pipelined(calls, atomic=atomic)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies

    async def run_each(self, calls: Sequence[Call]) -> list[Any]:
        """As `run` without `atomic`; on a standalone server's wire the calls, packed by
        hiredis (redis-py's pipeline encodes each argument in a Python call of its own), go
        out in one write, each its own command: the server may serve others between two."""
        if self._wire is None or len(calls) <= 1:
            return await self.run(calls)
        packed = [hiredis.pack_command(await self._command(call)) for call in calls]  # type: ignore[arg-type]
        # Gathered as futures (no task each); a cancelled caller's are dropped by the link.
        replies = list(
            await asyncio.gather(*await self._wire.send_all(packed), return_exceptions=True)
        )
        # Those lost never ran (the server forgot its scripts): `run` loads them again.
        lost = [k for k, reply in enumerate(replies) if _lost(reply)]
        for k, reply in zip(lost, await self.run([calls[k] for k in lost]), strict=True):
            replies[k] = reply
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies

    async def run_beside(self, call: Call, reads: Callable[[Any], object]) -> list[Any]:
        """Run one script and the plain commands that `reads` adds to a pipeline, in one
        round trip (per node on a cluster): the script's reply first, then theirs."""
        return await self.run_all_beside([call], reads)

    async def run_all_beside(
        self, calls: Sequence[Call], reads: Callable[[Any], object]
    ) -> list[Any]:
        """`run_beside` with several scripts: their replies in order, then the reads'."""
        for attempt in range(2):
            async with self._client.pipeline(transaction=False) as pipe:
                for call in calls:
                    pipe.execute_command(*await self._command(call))
                reads(pipe)
                replies: list[Any] = await pipe.execute(raise_on_error=False)
            lost = {
                name for (name, _, _), reply in zip(calls, replies, strict=False) if _lost(reply)
            }
            if lost and attempt == 0:
                # Those never ran: the server lost its scripts (restart, a flush). All
                # go again, so a caller's scripts must bear running twice (expiries do).
                for name in lost:
                    await self._load(name)
                continue
            for reply in replies:
                if isinstance(reply, Exception):
                    raise reply
            break
        return replies

    async def aclose(self) -> None:
        """Close the connection of the single calls, if they have one of their own."""
        if self._wire is not None:
            await self._wire.aclose()

    async def _wired(self, call: Call) -> Any:
        """The reply to `call`, sent on the wire with the other calls of this turn."""
        wire = self._wire
        assert wire is not None
        name, keys, args = call
        # `_command` written out: one coroutine fewer per call.
        handle = self._handles.get(name) or await self._load(name)
        verb = "FCALL" if handle.startswith(LIBRARY_PREFIX) else "EVALSHA"
        # Packed by hiredis, as `_sent` packs (its stub types the arguments as a tuple of one).
        packed = hiredis.pack_command((verb, handle, len(keys), *keys, *args))  # type: ignore[arg-type]
        try:
            return await wire.call(packed)
        except redis.exceptions.ResponseError as error:
            if not _lost(error):
                raise
        # It never ran: the server lost its scripts (restart, SCRIPT FLUSH, FUNCTION FLUSH).
        await self._load(name)
        return await wire.call(hiredis.pack_command(await self._command(call)))  # type: ignore[arg-type]

    async def _joined(self, call: Call) -> Any:
        """The reply to `call`, sent with the other single calls made in this turn."""
        gathering = self._gathering
        if gathering is not None:
            future = asyncio.get_running_loop().create_future()
            gathering.append((call, future))
            return await future
        joined: list[tuple[Call, asyncio.Future[Any]]] = []
        self._gathering = joined
        try:
            # The tasks ready in this turn run before this one resumes: their calls join.
            await asyncio.sleep(0)
        except BaseException:
            # Cancelled: its own call is not sent, those that joined it are.
            self._gathering = None
            self._start(joined)
            raise
        self._gathering = None
        if not joined:
            return await self._one(*call)
        future = asyncio.get_running_loop().create_future()
        joined.append((call, future))
        self._start(joined)
        return await future

    def _start(self, joined: list[tuple[Call, asyncio.Future[Any]]]) -> None:
        """Send the calls by a task of their own: no caller's cancellation stops the others."""
        if joined:
            task = asyncio.ensure_future(self._send(joined))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, joined: list[tuple[Call, asyncio.Future[Any]]]) -> None:
        # A caller cancelled before the pipeline goes out does not have its call sent.
        joined = [(call, future) for call, future in joined if not future.done()]
        if not joined:
            return
        lost: list[tuple[Call, asyncio.Future[Any]]] = []
        try:
            await self._streamed(joined, lost)
            if lost:
                # Those never ran: the server lost its scripts; _pipelined loads them again.
                again = await self._pipelined([call for call, _ in lost], atomic=False)
                for (_, future), reply in zip(lost, again, strict=True):
                    _settle(future, reply)
        except Exception as error:  # the connection failed: every call left has its error
            for _, future in joined:
                _settle(future, error)
        except BaseException as error:
            for _, future in joined:
                _settle(future, error)
            raise

    async def _streamed(
        self,
        joined: list[tuple[Call, asyncio.Future[Any]]],
        lost: list[tuple[Call, asyncio.Future[Any]]],
    ) -> None:
        """Each call's reply (or error reply) to its caller as soon as that reply is read:
        the calls go out in one write on one connection, and each caller whose reply is in
        can run while Redis still runs the calls after it. The calls Redis answered NOSCRIPT
        (or 'Function not found') go to `lost`, unsettled."""
        commands = []
        for call, _ in joined:
            # Packed by hiredis, as `_sent` packs one command (redis-py's packer encodes each
            # argument in a Python call of its own).
            commands.append(hiredis.pack_command(await self._command(call)))  # type: ignore[arg-type]
        pool = self._pool
        assert pool is not None, "only a standalone Redis gathers calls"
        # redis-py leaves it untyped (a decorator that warns of old arguments).
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.send_packed_command(commands)
            for entry in joined:
                try:
                    reply = await connection.read_response()
                except redis.exceptions.ResponseError as error:
                    reply = error
                if _lost(reply):
                    lost.append(entry)
                else:
                    _settle(entry[1], reply)
        except BaseException:
            # Replies may be left on the socket: no later caller may read them as its own.
            await connection.disconnect(nowait=True)
            raise
        finally:
            await pool.release(connection)

    async def _pipelined(self, calls: Sequence[Call], *, atomic: bool) -> list[Any]:
        """Each call's reply or its error, all sent in one pipeline (again on NOSCRIPT)."""
        replies: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))
        for attempt in range(2):
            async with self._client.pipeline(transaction=atomic) as pipe:
                for position in pending:
                    pipe.execute_command(*await self._command(calls[position]))
                answers: list[Any] = await pipe.execute(raise_on_error=False)
            missing = []
            for position, answer in zip(pending, answers, strict=True):
                replies[position] = answer
                if _lost(answer) and attempt == 0:
                    missing.append(position)
            if not missing:
                break
            for name in {calls[position][0] for position in missing}:
                await self._load(name)
            pending = list(range(len(calls))) if atomic else missing
        return replies

    async def _one(self, name: str, keys: list[str], args: list[EncodableT]) -> Any:
        try:
            return await self._sent(*await self._command((name, keys, args)))
        except redis.exceptions.ResponseError as error:
            if not _lost(error):
                raise
            # Nothing ran: the server lost its scripts (restart, SCRIPT FLUSH, FUNCTION FLUSH).
            await self._load(name)
        return await self._sent(*await self._command((name, keys, args)))

    async def _command(self, call: Call) -> tuple[EncodableT, ...]:
        """The command that runs a call's script (loading it the first time)."""
        name, keys, args = call
        handle = self._handles.get(name) or await self._load(name)
        verb = "FCALL" if handle.startswith(LIBRARY_PREFIX) else "EVALSHA"
        return (verb, handle, len(keys), *keys, *args)

    async def _sent(self, *command: EncodableT) -> Any:
        """One command's reply. On a standalone server, sent on a connection of the pool as
        `_streamed` sends a batch: what `execute_command` does for a script (no reply
        callback; the store's client never retries) without its layers of calls per command."""
        pool = self._pool
        if pool is None:
            return await self._client.execute_command(*command)
        # redis-py leaves it untyped (a decorator that warns of old arguments).
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            # hiredis packs str (UTF-8), bytes and numbers to the bytes redis-py's encoder
            # and packer make, in C rather than a Python call per argument (its stub types
            # the arguments as a tuple of one).
            packed = hiredis.pack_command(command)  # type: ignore[arg-type]
            await connection.send_packed_command([packed])
            return await connection.read_response()
        except redis.exceptions.ResponseError:
            raise  # an error reply: the connection is in step
        except BaseException:
            # The reply may be left on the socket: no later caller may read it as its own.
            await connection.disconnect(nowait=True)
            raise
        finally:
            await pool.release(connection)

    async def _load(self, name: str) -> str:
        loading = self._loading.get(name)
        if loading is None:
            loading = asyncio.ensure_future(self._loaded_as(name))
            self._loading[name] = loading
            loading.add_done_callback(functools.partial(self._loaded, name))
        # One caller cancelled does not cancel the load that the others wait for.
        handle: str = await asyncio.shield(loading)
        self._handles[name] = handle
        if handle.startswith(LIBRARY_PREFIX):
            self.as_functions.add(name)
        else:
            self.as_functions.discard(name)
        return handle

    async def _loaded_as(self, name: str) -> str:
        """Loads the script: the name of its function, or its SHA1 on a server without
        functions (before Redis 7), which then runs every script by EVALSHA, or on one over
        its maxmemory, which refuses FUNCTION LOAD but not SCRIPT LOAD: that script then
        runs by EVALSHA in this process, as all did before functions."""
        if self._functions:
            function, library = library_source(name)
            try:
                if not self._swept:
                    self._swept = True
                    await self._sweep()
                await self._client.function_load(library, replace=True)
                return function
            except redis.exceptions.OutOfMemoryError:
                pass
            except redis.exceptions.ResponseError as error:
                if "unknown command" not in str(error).lower():
                    raise
                self._functions = False
                self._handles.clear()
                self.as_functions.clear()
        sha: str = await self._client.script_load(script_source(name))
        return sha

    async def _sweep(self) -> None:
        """Other versions' libraries deleted, once (see sweep_other_versions); a server that
        refuses it (an ACL) keeps them, which costs it memory, not answers."""
        try:
            await sweep_other_versions(self._client)
        except redis.exceptions.ResponseError as error:
            if "unknown command" in str(error).lower():
                raise
            _log.warning("other versions' script libraries kept: %s", error)

    def _loaded(self, name: str, loading: asyncio.Future[str]) -> None:
        if self._loading.get(name) is loading:
            del self._loading[name]
        if not loading.cancelled():
            # Read here, the error of a load whose callers all went is not logged as lost.
            loading.exception()


def _lost(reply: object) -> bool:
    """Whether an error reply says the script is not on the server (it never ran)."""
    if isinstance(reply, redis.exceptions.NoScriptError):
        return True
    return isinstance(reply, redis.exceptions.ResponseError) and str(reply).startswith(
        "Function not found"
    )


def _settle(future: asyncio.Future[Any], reply: Any) -> None:
    if future.done():  # its caller was cancelled, or it was settled already
        return
    if isinstance(reply, BaseException):
        future.set_exception(reply)
    else:
        future.set_result(reply)
