"""Helpers of the protocol, limit and auth tests: an app of given settings, raw requests."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.ops.settings import DEFAULT_NETWORK_DIR, Settings
from network_loader.network_files import NetworkFiles
from tests.gateway.conftest import GRAPHQL_RESPONSE, KEY_OF, demo_files, monday_clock
from tests.stock_cache.support import FakeClock


class Exploding:
    """A store whose every call fails with a bug's message."""

    def __getattr__(self, name: str) -> object:
        async def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError("KeyError in /srv/gateway/stock_cache/redis_store.py")

        return fail


# How often a stopping server is asked whether its connections have closed.
CLOSING_POLL_SECONDS = 0.005
AVAILABILITY_DOC = 'query Stock { availability(skus: ["OAK-CHAIR"]) { __typename } }'


def _files(settings: Settings) -> NetworkFiles | None:
    """The demo network's files, read once a process, when the settings name its directory."""
    return demo_files() if settings.network_dir == DEFAULT_NETWORK_DIR else None


@asynccontextmanager
async def served_by_uvicorn(
    app: Any, *, options: Mapping[str, Any], bound: float = 30.0
) -> AsyncIterator[int]:
    """`app` served by a real uvicorn server of `options` in this event loop, on a loopback
    port of its own (yielded), stopped at the end; start and stop bounded by `bound`."""
    config = uvicorn.Config(app, log_level="warning", **options)
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    # What Server.serve does, without its main loop and signal handlers.
    await asyncio.wait_for(server.startup(sockets=[sock]), bound)
    try:
        yield sock.getsockname()[1]
    finally:
        await asyncio.wait_for(_stop(server), bound)
        sock.close()


async def _stop(server: uvicorn.Server) -> None:
    """What Server.shutdown does, less its fixed pause (paid by every test that serves): stop
    listening, ask each connection to close, wait until all have and their tasks are done,
    then run the app's lifespan shutdown."""
    for listening in server.servers:
        listening.close()
    for connection in list(server.server_state.connections):
        connection.shutdown()
    state = server.server_state
    # uvicorn says a connection or task is done by removing it, no event to await.
    while state.connections or state.tasks:  # noqa: ASYNC110
        await asyncio.sleep(CLOSING_POLL_SECONDS)
    for listening in server.servers:
        await listening.wait_closed()
    await server.lifespan.shutdown()


@asynccontextmanager
async def serving(
    settings: Settings, clock: FakeClock | None = None
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app of `settings` on `clock` (Monday 10:00 in Paris unless given), its lifespan
    running, and an in-process HTTP client."""
    app = create_app(settings, clock=clock or monday_clock(), files=_files(settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app),
            base_url="http://gw.test",
            headers={"accept": GRAPHQL_RESPONSE},
        ) as http,
    ):
        yield app, http


def auth(client: str) -> dict[str, str]:
    return {"authorization": f"Bearer {KEY_OF[client]}"}


async def post(
    http: httpx.AsyncClient,
    client: str | None,
    body: Any,
    *,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    given = {**(auth(client) if client else {}), **(headers or {})}
    return await http.post("/graphql", json=body, headers=given)


def error_codes(response: httpx.Response) -> list[str]:
    payload = json.loads(response.text)
    errors = payload.get("errors") or [] if isinstance(payload, dict) else []
    return [str(error.get("extensions", {}).get("code")) for error in errors]


def body_of(response: httpx.Response) -> dict[str, Any]:
    payload = json.loads(response.text)
    assert isinstance(payload, dict), response.text
    return payload
