"""GraphQL subscriptions over WebSocket on `/graphql`: strawberry's graphql-transport-ws
handler, with the gateway's admission on the connection and on each subscription.

The API key comes in `connection_init`'s payload (`{"authorization": "Bearer KEY"}` or
`{"apiKey": "KEY"}`), or else in the handshake's `Authorization` header, and is checked then:
an unknown key closes the connection with 4403 (in dev mode no key is the dev client, as over
HTTP). Each `subscribe` goes through the checks of an HTTP request (document, validation,
scopes, cost, the rate limiters; gateway/http/documents.py) and is refused alone, with an
`error` message naming the problem's code; only subscriptions are served here. A connection
holds at most `MAX_SUBSCRIPTIONS_PER_CONNECTION` subscriptions at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import strawberry
from starlette.datastructures import Headers
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.admission.api_keys import Caller, ClientKind, bearer_key
from gateway.api.context import Context
from gateway.fastpath.compat import (
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    BaseGraphQLTransportWSHandler,
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)
from gateway.http.documents import WEBSOCKET, OperationChecks
from gateway.http.protocol import Refusal
from gateway.http.rate_limits import admit
from gateway.http.shoppers import shopper_id
from gateway.ops.outage_log import OutageLog
from gateway.service import deadline
from gateway.service.promise_service import PromiseService
from gateway.service.resources import Platform

log = logging.getLogger("gateway.live")
_keys_unreachable = OutageLog(log, "API keys unreachable")

FORBIDDEN = 4403
# RFC 6455's "try again later": the keys could not be checked.
TRY_AGAIN_LATER = 1013
INIT_WAIT = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class Handshake:
    """What the connection's opening request says, kept for its `connection_init`."""

    headers: Headers
    peer: str | None


def key_in(payload: dict[str, Any], headers: Headers) -> str | None:
    """The API key of a `connection_init` payload, else of the handshake; None: none given."""
    authorization = payload.get("authorization", payload.get("Authorization"))
    if authorization is not None:
        return bearer_key(authorization) if isinstance(authorization, str) else ""
    api_key = payload.get("apiKey")
    if api_key is not None:
        # Present but unusable (blank, not a string): never the dev caller.
        return api_key.strip() if isinstance(api_key, str) else ""
    return bearer_key(headers.get("authorization"))


class LiveHandler(BaseGraphQLTransportWSHandler[Any, None]):
    """strawberry's graphql-transport-ws handler, admitting the connection and each start."""

    view: LiveEndpoint
    caller: Caller | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        handshake = self.context
        if (
            isinstance(payload, dict)
            and isinstance(handshake, Handshake)
            and not self.connection_init_received
        ):
            refused = await self._admit_connection(payload, handshake)
            if refused is not None:
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                self.connection_init_received = True
                await self.websocket.close(code=refused[0], reason=refused[1])
                return
        await super().handle_connection_init(message)

    async def _admit_connection(
        self, payload: dict[str, Any], handshake: Handshake
    ) -> tuple[int, str] | None:
        platform = self.view.platform
        try:
            async with asyncio.timeout(platform.request_timeout_seconds):
                caller = await platform.keys.caller(key_in(payload, handshake.headers))
        except Exception:
            _keys_unreachable.warn()
            platform.metrics.redis_errors.labels("api_keys").inc()
            return TRY_AGAIN_LATER, "the gateway cannot check API keys now; retry shortly"
        if caller is None:
            platform.metrics.refusals.labels("UNAUTHENTICATED").inc()
            return FORBIDDEN, "Forbidden"
        self.caller = caller
        languages = handshake.headers.get("accept-language", "")
        shopper = shopper_id(handshake.headers, handshake.peer, platform.trusted_proxies)
        self.context = Context(
            service=self.view.holder["service"],
            client_id=caller.client_id,
            channel=caller.channel,
            scopes=caller.scopes,
            request_id=f"{random.getrandbits(128):032x}",
            accept_language=languages,
            platform=platform,
            shopper_id=shopper,
            exact_stock=caller.kind is not ClientKind.STOREFRONT,
        )
        return None

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        caller = self.caller
        ready = caller is not None and self.connection_acknowledged
        if not ready or message["id"] in self.operations:
            # strawberry's own answers: 4401 before the ack, 4409 for an id in use.
            await super().handle_subscribe(message)
            return
        assert caller is not None
        refusal = await self._admit_subscription(message, caller)
        if refusal is not None:
            self.view.platform.metrics.refusals.labels(refusal.code).inc()
            refused: ErrorMessage = {
                "id": message["id"],
                "type": "error",
                "payload": refusal.errors(),  # type: ignore[typeddict-item]
            }
            await self.send_message(refused)
            return
        await super().handle_subscribe(message)

    async def _admit_subscription(
        self, message: SubscribeMessage, caller: Caller
    ) -> Refusal | None:
        platform = self.view.platform
        most = platform.max_subscriptions
        if len(self.operations) >= most:
            return Refusal(
                400,
                "SUBSCRIPTION_LIMIT_EXCEEDED",
                f"a connection holds at most {most} subscriptions: complete one first",
                extensions={"maximum": most},
            )
        budget = deadline.begin(platform.request_timeout_seconds)
        try:
            prepared = await self.view.checks.prepare(message.get("payload"), caller, WEBSOCKET)
            context = self.context
            shopper = context.shopper_id if isinstance(context, Context) else None
            throttle = await admit(platform, caller, prepared.cost, shopper)
        except Refusal as refusal:
            return refusal
        finally:
            deadline.end(budget)
        if isinstance(throttle, Refusal):
            return throttle
        # A document named by id runs as its text.
        message["payload"]["query"] = prepared.text
        return None


class LiveEndpoint(GraphQL[Any, None]):
    """The ASGI endpoint of `/graphql` for WebSocket connections."""

    graphql_transport_ws_handler_class = LiveHandler

    def __init__(
        self,
        schema: strawberry.Schema,
        holder: dict[str, PromiseService],
        platform: Platform,
        checks: OperationChecks,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=INIT_WAIT,
            # Counted by LiveHandler first, with the gateway's own error.
            max_subscriptions_per_connection=None,
        )
        self.holder = holder
        self.platform = platform
        self.checks = checks

    async def get_context(self, request: Any, response: Any) -> Any:
        if isinstance(request, WebSocket):
            peer = request.client.host if request.client is not None else None
            return Handshake(request.headers, peer)
        return None
