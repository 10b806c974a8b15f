"""uvicorn's HTTP protocol with read timeouts, so that slow clients cannot hold connections.

uvicorn closes a connection idle between requests after its keep-alive timeout, but once a
byte of a request has come in it waits for the rest for ever: 200 connections sending their
headers a byte every half second stay open as long as they like. Here a request's headers
must arrive within `header_timeout` of its first byte (or of the connection, for the first
request: a connection that sends nothing is closed too), and its body within `body_timeout`
of its headers. A client too slow with its headers is answered 408 and the connection closed;
one too slow with its body has its connection closed (the app sees the client disconnect).
The cap on connections per worker is uvicorn's own `limit_concurrency`: beyond it a request
is answered 503 (see `server_options`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.ops.settings import Settings, settings_from_env

# The key in a request's `scope["state"]` (Starlette's `request.state`) holding the instant
# (gateway.service.deadline's clock) its first byte came in.
ARRIVED = "gateway_arrived"

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 43\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"the request's headers came in too slowly.\r\n"
)


class GuardedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a header and a body read timeout (seconds, class attributes)."""

    header_timeout: float = Settings.header_timeout_seconds
    body_timeout: float = Settings.body_timeout_seconds

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, *, headers: bool) -> None:
        self._disarm()
        self._reading = self.loop.call_later(seconds, self._too_slow, headers)

    def _disarm(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None

    def _too_slow(self, headers: bool) -> None:
        self._reading = None
        if self.transport.is_closing():
            return
        if headers:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout, headers=True)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # The request's budget runs from here, not from when a busy worker gets to it.
        self.scope["state"][ARRIVED] = time.monotonic()
        # The first byte of a request that follows another on a kept-alive connection.
        if self._reading is None:
            self._arm(self.header_timeout, headers=True)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout, headers=False)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def guarded_protocol(*, header_timeout: float, body_timeout: float) -> type[GuardedProtocol]:
    """The protocol class with these timeouts (for a server built in this process)."""
    return type(
        "GuardedProtocol",
        (GuardedProtocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout},
    )


class ProtocolFromEnvironment(GuardedProtocol):
    """The protocol with the timeouts of the environment's settings: worker processes name it
    by its import path, as the settings reach them through the environment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        if not getattr(cls, "_read", False):
            settings = settings_from_env()
            cls.header_timeout = settings.header_timeout_seconds
            cls.body_timeout = settings.body_timeout_seconds
            cls._read = True
        super().__init__(*args, **kwargs)

    _read = False


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config's options for slow clients and the cap on connections per worker."""
    return {
        "http": "gateway.ops.slow_clients:ProtocolFromEnvironment",
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": settings.keep_alive_seconds,
    }
