"""A request's headers and JSON body as the endpoint reads them: as starlette's `Request`
would give them, read once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request

from gateway.http.protocol import Refusal, header_values, read_body

RAW = [
    (b"content-type", b"application/json"),
    (b"x-shopper-id", b"first"),
    (b"x-shopper-id", b"second"),
    (b"accept", b"application/graphql-response+json"),
]


def request_of(messages: list[dict[str, Any]]) -> Request:
    given = iter(messages)

    async def receive() -> dict[str, Any]:
        return next(given)

    scope = {"type": "http", "method": "POST", "headers": RAW}
    return Request(scope, receive)


def test_the_headers_are_starlettes_first_of_each_name() -> None:
    found = header_values({"headers": RAW})
    starlette = Headers(raw=RAW)

    for name in ("content-type", "x-shopper-id", "accept", "x-request-id", "authorization"):
        assert found.get(name) == starlette.get(name)
        assert found.get(name, "") == starlette.get(name, "")


def test_a_body_sent_in_parts_is_read_whole() -> None:
    request = request_of(
        [
            {"type": "http.request", "body": b'{"query": ', "more_body": True},
            {"type": "http.request", "body": b"", "more_body": True},
            {"type": "http.request", "body": b'"{ __typename }"}'},
        ]
    )

    body = asyncio.run(read_body(request, 100, header_values(request.scope)))

    assert body == {"query": "{ __typename }"}


def test_a_body_past_the_limit_is_refused_before_its_end() -> None:
    request = request_of(
        [
            {"type": "http.request", "body": b"x" * 60, "more_body": True},
            {"type": "http.request", "body": b"x" * 60, "more_body": True},
        ]
    )

    with pytest.raises(Refusal) as refused:
        asyncio.run(read_body(request, 100, header_values(request.scope)))

    assert refused.value.status == 413


def test_a_client_gone_mid_body_is_a_disconnect() -> None:
    request = request_of(
        [
            {"type": "http.request", "body": b"{", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    with pytest.raises(ClientDisconnect):
        asyncio.run(read_body(request, 100, header_values(request.scope)))
