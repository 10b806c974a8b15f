"""The app's front: GraphQL requests reach their endpoint without starlette's routing layers.

Starlette passes every request through its error and exception middleware, its router, the
route and the wrapper that makes a function an ASGI app: each a coroutine, wrapping `send`
or building a `Request` of its own, on every request. The endpoint answers every error
itself, so for a request the router would give it (its path and one of its methods) the
front sends the request straight on, and answers an error that escapes the endpoint as
starlette's last resort does; anything else (other paths and methods, a `root_path`, an app
given middleware or exception handlers, or in debug mode) goes through starlette as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

# What starlette's ServerErrorMiddleware answers an error with (outside debug mode).
_SERVER_ERROR = PlainTextResponse("Internal Server Error", status_code=500)


class RequestApp:
    """`handle(request) -> response` as an ASGI app: what starlette's `request_response`
    does for a route, without its exception handling, which only maps `HTTPException`s
    (the endpoint raises none: it answers its own errors). An error before the answer is
    starlette's last resort instead, as its `ServerErrorMiddleware` answers it: a 500, then
    the error raised again for the server to log."""

    def __init__(self, handle: Callable[[Request], Awaitable[Response]]) -> None:
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self.handle(Request(scope, receive, send))
        except Exception:
            await _SERVER_ERROR(scope, receive, send)
            raise
        await response(scope, receive, send)


class Front(Starlette):
    """A starlette app whose `direct` route's requests go straight to its ASGI app."""

    def __init__(self, direct: Route, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._path = direct.path
        self._methods = frozenset(direct.methods or ())
        self._direct = direct.app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == self._path
            and scope["method"] in self._methods
            and not scope.get("root_path")
            and not self.user_middleware
            and not self.exception_handlers
            and not self.debug
        ):
            scope["app"] = self
            await self._direct(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
