"""An endpoint's answer is what starlette's Response of the same body, status, media type
and headers sends, header for header."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pytest
from starlette.responses import Response

from gateway.http.protocol import json_answer

_MEDIA = "application/graphql-response+json; charset=utf-8"


async def _sent(response: Response) -> list[MutableMapping[str, Any]]:
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await response({"type": "http"}, receive, send)
    return sent


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, {"x-request-id": "abc", "vary": "Accept", "cache-control": "no-store"}),
        (429, {"x-request-id": "abc", "Retry-After": "3"}),
        (503, {"retry-after": "1", "x-request-id": "é"}),
        (204, {"x-request-id": "abc"}),
        (304, {}),
        (200, {"Content-Type": "text/plain"}),
        (200, {"content-length": "2"}),
    ],
)
async def test_the_same_answer_as_starlettes_response(status: int, headers: dict[str, str]) -> None:
    body = b'{"data":null}'
    ours = json_answer(body, status, _MEDIA, headers)
    theirs = Response(body, status_code=status, media_type=_MEDIA, headers=headers)
    assert ours.raw_headers == theirs.raw_headers
    assert ours.headers.items() == theirs.headers.items()
    assert await _sent(ours) == await _sent(theirs)
