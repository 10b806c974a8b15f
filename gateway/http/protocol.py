"""GraphQL over HTTP: media types, a request's parameters and JSON body, refusals, outcomes.

A `Refusal` answers a request before anything runs: an HTTP status, a stable code and a
message, with the extensions and headers that go with it; an `Outcome` is what the endpoint
turns into a response.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from carriers.echo import shown

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_MEDIA = "application/json"


class Refusal(Exception):
    """A request answered before execution: an HTTP status, a stable code, a message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        graphql_error: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extensions = dict(extensions or {})
        self.headers = dict(headers or {})
        # A GraphQL request error (parse, validation, variables): 200 for application/json.
        self.graphql_error = graphql_error
        # Where in the document the error is (graphql-core's `locations`), when it is there.
        self.locations: list[dict[str, int]] = []
        # Further errors of the same code: (message, locations) each.
        self.more: list[tuple[str, list[dict[str, int]]]] = []

    def payload(self) -> dict[str, Any]:
        return {"errors": [self._error(self.message, self.locations)]}

    def errors(self) -> list[dict[str, Any]]:
        """Every error of the refusal, the first one and `more`."""
        return [self._error(self.message, self.locations)] + [
            self._error(message, locations) for message, locations in self.more
        ]

    def _error(self, message: str, locations: list[dict[str, int]]) -> dict[str, Any]:
        error: dict[str, Any] = {"message": message}
        if locations:
            error["locations"] = locations
        error["extensions"] = self.error_extensions()
        return error

    def error_extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extensions}


@dataclass
class Outcome:
    status: int
    payload: dict[str, Any]
    label: str = "-"
    cost: int = 0
    cacheable: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def media_type(accept: str) -> str | None:
    """The response media type for an Accept header; None when it allows neither.

    A client that names no media type (no header, or `*/*`) is answered as application/json,
    as GraphQL over HTTP asks: it may predate application/graphql-response+json.
    """
    if not accept.strip():
        return JSON_MEDIA
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if kinds & {GRAPHQL_RESPONSE, "application/*"}:
        return GRAPHQL_RESPONSE
    if kinds & {JSON_MEDIA, "*/*"}:
        return JSON_MEDIA
    return None


def string_param(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    raise Refusal(400, "BAD_REQUEST", f"the parameter {shown(name)} must be a string")


def object_param(params: Mapping[str, Any], name: str, *, from_query_string: bool) -> Any:
    value = params.get(name)
    if from_query_string and isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Refusal(400, "BAD_REQUEST", f"the parameter {shown(name)} is not JSON") from None
    if value is None or isinstance(value, dict):
        return value
    raise Refusal(400, "BAD_REQUEST", f"the parameter {shown(name)} must be a JSON object")


def header_values(scope: Scope) -> dict[str, str]:
    """A request's headers by name, the first of each name, as starlette's `Headers.get`
    answers them: found in one pass, where each `Headers.get` scans them all again (raising
    and catching a KeyError for a header the request lacks)."""
    found: dict[str, str] = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1")
        if name not in found:
            found[name] = value.decode("latin-1")
    return found


async def read_body(request: Request, limit: int, headers: Mapping[str, str]) -> Any:
    """The JSON body of a POST (`headers` its request's): an object or a list, refused past
    `limit` bytes."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON_MEDIA:
        raise Refusal(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"POST a body of type {JSON_MEDIA} (got {content_type or 'none'!r})",
        )
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    # The messages read as `Request.stream` reads them, without an async generator per body.
    chunks = bytearray()
    while True:
        message = await request.receive()
        if message["type"] == "http.request":
            chunks += message.get("body", b"")
            if len(chunks) > limit:
                raise _too_large(limit)
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
    try:
        body = orjson.loads(chunks)
    except orjson.JSONDecodeError:
        raise Refusal(400, "BAD_REQUEST", "the body is not valid JSON") from None
    if not isinstance(body, dict | list):
        raise Refusal(400, "BAD_REQUEST", "the body must be a JSON object or list")
    return body


def _too_large(limit: int) -> Refusal:
    # Made when refusing only, not for every body read.
    return Refusal(413, "BODY_TOO_LARGE", f"the body exceeds {limit} bytes")


class Answer(Response):
    """starlette's `Response` of an encoded JSON body, its raw headers given as its
    `init_headers` makes them (the names lowercased, then content-length and content-type),
    without decoding and scanning them again on every answer."""

    def __init__(self, body: bytes, status: int, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


def json_answer(
    body: bytes, status: int, content_type: str, headers: Mapping[str, str]
) -> Response:
    """What `Response(body, status, headers, media_type=content_type)` is, for a media type
    other than text/ (starlette adds no charset to it), and `headers` without a content-length
    or a content-type of their own (else starlette's own)."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    for name, _ in raw:
        if name in (b"content-length", b"content-type"):
            return Response(body, status_code=status, media_type=content_type, headers=headers)
    if not (status < 200 or status in (204, 304)):
        raw.append((b"content-length", str(len(body)).encode("latin-1")))
    raw.append((b"content-type", content_type.encode("latin-1")))
    return Answer(body, status, raw)
