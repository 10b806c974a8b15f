"""One persistent connection per store to a standalone Redis, for the single script calls.

redis-py's pooled path costs a call to a script more in the client than the script costs the
server: a pool's condition and lock to take and give back a connection, a timeout object for
the write and one per reply, stream reads, and a task per batch. Here the calls of a turn of
the loop are written at once on one connection (an asyncio protocol) and the replies, parsed
by hiredis as they arrive, go to their callers in the order the calls went out, so calls of
concurrent requests share the connection and its writes without waiting for each other.

The connection is opened, and its handshake made, by redis-py's own connection from the pool's
settings (TLS, unix socket, AUTH or a credential provider, HELLO and the RESP version, client
name, database, timeouts, keepalive), then its transport is handed to this protocol: what the
URL configures is honoured as on the pool, and connect errors are redis-py's own. A URL that
asks for what this path does not do (health checks) keeps redis-py's path (`lean_wire`).

One deadline watches the connection: while calls are out, a reply must come within the
URL's socket_timeout of the last one (or of the first call out); else every call out fails
with redis-py's TimeoutError and the connection is dropped, to be made again on next use. A
connection lost fails the calls out with redis-py's ConnectionError. A caller cancelled
leaves its reply to be read and dropped, so the others stay in step.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import hiredis
import redis.exceptions
from redis._parsers import BaseParser
from redis.asyncio.connection import (
    AbstractConnection,
    Connection,
    ConnectionPool,
    SSLConnection,
    UnixDomainSocketConnection,
)

# What hiredis returns while a reply is incomplete (False is a RESP3 reply).
_MORE = object()
# redis-py's words for a server that closed the connection.
_CLOSED = "Connection closed by server."
_CONNECTIONS = (Connection, SSLConnection, UnixDomainSocketConnection)


def lean_wire(pool: ConnectionPool) -> Wire | None:
    """A wire for the pool's server, or None where redis-py's path must stay: a connection
    class of a caller's own, or health checks before commands (not done here)."""
    if pool.connection_class not in _CONNECTIONS:
        return None
    if pool.connection_kwargs.get("health_check_interval"):
        return None
    return Wire(pool)


class Wire:
    """Sends packed commands on one connection, opened on first use and after a loss."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        kwargs = pool.connection_kwargs
        self._timeout: float | None = kwargs.get("socket_timeout")
        # Replies decoded as the pool's connections decode them.
        self._decoding: dict[str, str] = {}
        if kwargs.get("decode_responses"):
            self._decoding = {
                "encoding": kwargs.get("encoding", "utf-8"),
                "errors": kwargs.get("encoding_errors", "strict"),
            }
        if "path" in kwargs:
            self._where = str(kwargs["path"])
        else:
            self._where = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
        self._link: _Link | None = None
        # redis-py's connection that made the link: it owns the socket until closed.
        self._connection: AbstractConnection | None = None
        self._opening: asyncio.Task[_Link] | None = None
        self._closed = False

    async def call(self, packed: bytes) -> Any:
        """The reply to one packed command; an error reply raised as redis-py raises it."""
        link = self._link
        if link is None or not link.ready:
            link = await self._ready()
        return await link.send(packed)

    async def send_all(self, packed: list[bytes]) -> list[asyncio.Future[Any]]:
        """The future replies of packed commands, written together at the end of this turn."""
        link = self._link
        if link is None or not link.ready:
            link = await self._ready()
        return [link.send(command) for command in packed]

    async def _ready(self) -> _Link:
        while True:
            if self._closed:
                raise redis.exceptions.ConnectionError("Connection closed by the store.")
            link = self._link
            if link is not None and link.ready:
                return link
            if link is not None and link.alive:
                await link.resumed()  # its writes are paused: Redis is behind
                continue
            if self._opening is None:
                self._opening = asyncio.ensure_future(self._open())
                self._opening.add_done_callback(self._opened)
            # One caller cancelled does not cancel the connect the others wait for.
            await asyncio.shield(self._opening)

    def _opened(self, opening: asyncio.Task[_Link]) -> None:
        if self._opening is opening:
            self._opening = None
        if not opening.cancelled():
            opening.exception()  # read: a connect whose callers all went is not logged

    async def _open(self) -> _Link:
        await self._release()
        connection = self._pool.make_connection()  # type: ignore[no-untyped-call]
        # redis-py connects and shakes hands; on failure it closes and raises its own error.
        await connection.connect()
        # The socket's transport, from redis-py's stream writer (it has no public accessor).
        transport = connection._writer.transport
        link = _Link(transport, self._timeout, self._where, self._decoding)
        transport.set_protocol(link)
        self._connection = connection
        self._link = link
        return link

    async def _release(self) -> None:
        link, connection = self._link, self._connection
        self._link = self._connection = None
        if link is not None:
            link.drop(redis.exceptions.ConnectionError, _CLOSED)
        if connection is not None:
            # The transport is closed already, or closes now; redis-py forgets it.
            await connection.disconnect(nowait=True)
        if link is not None:
            await link.lost()

    async def aclose(self) -> None:
        """Fail the calls out, close the connection and wait until its socket is closed."""
        self._closed = True
        opening = self._opening
        if opening is not None:
            opening.cancel()
            await asyncio.gather(opening, return_exceptions=True)
        await self._release()


class _Link(asyncio.Protocol):
    """One connection: the calls out, in the order sent, and the deadline of their replies."""

    def __init__(
        self,
        transport: asyncio.BaseTransport,
        timeout: float | None,
        where: str,
        decoding: dict[str, str],
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._transport: Any = transport
        self._timeout = timeout
        self._where = where
        self._reader = hiredis.Reader(
            protocolError=redis.exceptions.InvalidResponse,
            replyError=BaseParser.parse_error,
            notEnoughData=_MORE,
            **decoding,
        )
        # The callers of the commands written, oldest first; then those of this turn's.
        self._out: deque[asyncio.Future[Any]] = deque()
        self._batch: list[bytes] = []
        self._batch_futures: list[asyncio.Future[Any]] = []
        # When the oldest call out last saw progress: sent, or a reply came in.
        self._heard = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._paused: asyncio.Future[None] | None = None
        self._lost: asyncio.Future[None] = self._loop.create_future()
        self.alive = True
        self.ready = True

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        """The future reply of a command written at the end of this turn with its batch."""
        future = self._loop.create_future()
        if not self._batch:
            # The calls made in this turn of the loop, by other requests, join this write.
            self._loop.call_soon(self.flush)
        self._batch.append(packed)
        self._batch_futures.append(future)
        return future

    def flush(self) -> None:
        """Write the commands of this turn, in one write."""
        batch, futures = self._batch, self._batch_futures
        self._batch, self._batch_futures = [], []
        if not self.alive:
            return  # dropped meanwhile: its callers have their error
        out = self._out
        if not out:
            self._heard = self._loop.time()
        sent = []
        for packed, future in zip(batch, futures, strict=True):
            if not future.done():  # a caller cancelled before it left: not sent
                sent.append(packed)
                out.append(future)
        if not sent:
            return
        if self._timer is None and self._timeout:
            self._timer = self._loop.call_at(self._heard + self._timeout, self._check)
        self._transport.writelines(sent)

    def _check(self) -> None:
        """The deadline: fail all calls out if none was answered in time."""
        self._timer = None
        if not self._out or not self.alive:
            return
        assert self._timeout is not None
        due = self._heard + self._timeout
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._check)
            return
        self.drop(redis.exceptions.TimeoutError, f"Timeout reading from {self._where}")

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        reader.feed(data)
        try:
            reply = reader.gets()
            if reply is _MORE:
                return
            self._heard = self._loop.time()
            out = self._out
            while reply is not _MORE:
                if not isinstance(reply, hiredis.PushNotification):
                    # As redis-py's read_response: a connection error in a reply is raised.
                    if (
                        isinstance(reply, list)
                        and reply
                        and isinstance(reply[0], redis.exceptions.ConnectionError)
                    ):
                        reply = reply[0]
                    future = out.popleft()
                    if not future.done():  # else its caller was cancelled
                        if isinstance(reply, Exception):
                            future.set_exception(reply)
                        else:
                            future.set_result(reply)
                reply = reader.gets()
        except (redis.exceptions.InvalidResponse, IndexError) as error:
            # Bytes that parse as no reply, or a reply no call asked for: out of step.
            self.drop(redis.exceptions.InvalidResponse, f"{error!r} from {self._where}")

    def pause_writing(self) -> None:
        # Redis reads slower than calls come: new calls wait rather than pile up here.
        self.ready = False
        self._paused = self._loop.create_future()

    def resume_writing(self) -> None:
        self._unpause()

    def _unpause(self) -> None:
        paused, self._paused = self._paused, None
        self.ready = self.alive
        if paused is not None and not paused.done():
            paused.set_result(None)

    async def resumed(self) -> None:
        if self._paused is not None:
            await asyncio.shield(self._paused)

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is None:
            self.drop(redis.exceptions.ConnectionError, _CLOSED)
        else:
            message = f"Error while reading from {self._where} : {exc.args}"
            self.drop(redis.exceptions.ConnectionError, message)
        if not self._lost.done():
            self._lost.set_result(None)

    def drop(self, error: type[redis.exceptions.RedisError], message: str) -> None:
        """Fail every call out and not yet sent with `error`, and close the connection."""
        if self.alive:
            self.alive = False
            self.ready = False
            self._transport.abort()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        futures = [*self._out, *self._batch_futures]
        self._out.clear()
        self._batch, self._batch_futures = [], []
        for future in futures:
            if not future.done():
                future.set_exception(error(message))
        self._unpause()

    async def lost(self) -> None:
        """Returns once the transport has closed its socket."""
        await asyncio.shield(self._lost)
