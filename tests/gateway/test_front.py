"""The app's front: its route's requests skip starlette's routing, with the same answers."""

from __future__ import annotations

import contextlib
from collections.abc import MutableMapping
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gateway.http.front import Front, RequestApp


async def _answer(request: Request) -> Response:
    if request.headers.get("x-fail"):
        raise RuntimeError("escaped the endpoint")
    # starlette's router leaves the route it chose in the scope.
    routed = "yes" if "route" in request.scope else "no"
    return PlainTextResponse(f"{request.method} {request.url.path}", headers={"x-routed": routed})


def _front() -> Front:
    route = Route("/graphql", RequestApp(_answer), methods=["GET", "POST"])
    return Front(route, routes=[route, Route("/other", _answer)])


async def _call(
    app: Front, method: str, path: str, *, root_path: str = "", fail: bool = False
) -> tuple[int, dict[str, str], bytes]:
    headers = [(b"x-fail", b"1")] if fail else []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": root_path + path,
        "raw_path": (root_path + path).encode(),
        "query_string": b"",
        "root_path": root_path,
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    # An error is re-raised after the 500, for the server to log, as starlette does.
    with contextlib.suppress(RuntimeError):
        await app(scope, receive, send)
    [start] = [m for m in sent if m["type"] == "http.response.start"]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


async def test_the_route_s_requests_are_answered_by_its_app() -> None:
    status, headers, body = await _call(_front(), "POST", "/graphql")
    assert (status, headers["x-routed"], body) == (200, "no", b"POST /graphql")


@pytest.mark.parametrize("root_path", ["", "/api"])
async def test_other_methods_and_paths_go_through_starlette(root_path: str) -> None:
    app = _front()
    status, headers, _ = await _call(app, "OPTIONS", "/graphql", root_path=root_path)
    assert (status, sorted(headers["allow"].split(", "))) == (405, ["GET", "HEAD", "POST"])
    _, headers, body = await _call(app, "GET", "/other", root_path=root_path)
    assert (headers["x-routed"], body) == ("yes", f"GET {root_path}/other".encode())
    _, headers, body = await _call(app, "GET", "/graphql", root_path=root_path)
    routed = "yes" if root_path else "no"
    assert (headers["x-routed"], body) == (routed, f"GET {root_path}/graphql".encode())


@pytest.mark.parametrize("root_path", ["", "/api"])
async def test_an_error_escaping_the_app_is_starlette_s_500_once(root_path: str) -> None:
    status, headers, body = await _call(
        _front(), "POST", "/graphql", root_path=root_path, fail=True
    )
    assert (status, body) == (500, b"Internal Server Error")
    assert headers["content-type"] == "text/plain; charset=utf-8"
