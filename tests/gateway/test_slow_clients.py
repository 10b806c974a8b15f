"""Slow clients lose their connection: real sockets on loopback against a real uvicorn server
running the gateway, with the read timeouts injected short so that the tests run fast.

Each test asserts what the server did (answered 408 and closed, or closed), never how long it
took; every read is bounded far beyond the timeouts, so a connection left open fails the
test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from gateway.app import create_app
from gateway.ops.settings import Settings
from gateway.ops.slow_clients import guarded_protocol, server_options
from tests.gateway.http_support import served_by_uvicorn

# Short, so that the tests that wait for them wait little; long beside a loaded machine's
# pauses, so that a request sent in one write is read before its headers' time is up.
TIMEOUT_SECONDS = 0.5
# Far beyond the timeouts: only a connection the server never closes reaches it.
NEVER = 30.0
MAX_CONNECTIONS = 3
HEADERS = b"POST /graphql HTTP/1.1\r\nhost: gateway.test\r\naccept: application/json\r\n"


async def served(*, read_seconds: float) -> AsyncIterator[int]:
    """A gateway served by uvicorn on a loopback port of its own, stopped at the end."""
    settings = Settings(
        dev_mode=True,
        header_timeout_seconds=read_seconds,
        body_timeout_seconds=read_seconds,
        max_connections=MAX_CONNECTIONS,
    )
    options = server_options(settings)
    options["http"] = guarded_protocol(header_timeout=read_seconds, body_timeout=read_seconds)
    async with served_by_uvicorn(create_app(settings), options=options, bound=NEVER) as port:
        yield port


@pytest.fixture
async def port() -> AsyncIterator[int]:
    async for port in served(read_seconds=TIMEOUT_SECONDS):
        yield port


@pytest.fixture
async def patient_port() -> AsyncIterator[int]:
    """The same server with timeouts no test reaches: what it shows holds whatever the pace."""
    async for port in served(read_seconds=NEVER):
        yield port


async def everything_until_closed(reader: asyncio.StreamReader) -> bytes:
    """What the server sends until it closes the connection (bounded by NEVER)."""
    return await asyncio.wait_for(reader.read(), NEVER)


@contextlib.asynccontextmanager
async def connection(
    port: int,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def dribble(writer: asyncio.StreamWriter, data: bytes) -> None:
    """A byte at a time, as a slowloris client sends its headers, until the server hangs up."""
    with contextlib.suppress(ConnectionError):
        for i in range(len(data)):
            writer.write(data[i : i + 1])
            await writer.drain()
            await asyncio.sleep(TIMEOUT_SECONDS / 5)


async def test_headers_sent_a_byte_at_a_time_get_a_408_and_the_connection_closed(
    port: int,
) -> None:
    async with connection(port) as (reader, writer):
        sending = asyncio.create_task(dribble(writer, HEADERS * 10))
        answer = await everything_until_closed(reader)
        sending.cancel()

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in answer


async def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    async with connection(port) as (reader, _):
        answer = await everything_until_closed(reader)

    assert answer.startswith(b"HTTP/1.1 408 ")


async def test_a_body_that_stops_coming_loses_its_connection_without_an_answer(
    port: int,
) -> None:
    async with connection(port) as (reader, writer):
        writer.write(HEADERS + b"content-type: application/json\r\ncontent-length: 100\r\n\r\n{")
        await writer.drain()
        answer = await everything_until_closed(reader)

    assert answer == b""


async def test_a_kept_alive_connection_gets_the_timeout_again_for_its_next_request(
    port: int,
) -> None:
    query = b'{"query": "{ __typename }"}'
    request = HEADERS + b"content-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(query)
    async with connection(port) as (reader, writer):
        writer.write(request + query + b"POST /graphql HTTP/1.1\r\nho")
        await writer.drain()
        answer = await everything_until_closed(reader)

    first, _, rest = answer.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 ")
    assert b"HTTP/1.1 408 " in rest


async def test_beyond_the_cap_of_connections_a_request_is_answered_503(
    patient_port: int,
) -> None:
    port = patient_port
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(MAX_CONNECTIONS - 1):
            _, slow = await stack.enter_async_context(connection(port))
            slow.write(b"POST /graphql HTTP/1.1\r\n")
            await slow.drain()
        reader, writer = await stack.enter_async_context(connection(port))
        writer.write(b"GET /healthz HTTP/1.1\r\nhost: gateway.test\r\nconnection: close\r\n\r\n")
        await writer.drain()
        answer = await everything_until_closed(reader)

    assert answer.startswith(b"HTTP/1.1 503 ")
