"""The GraphQL-over-HTTP endpoint: authenticate, refuse early, price, execute, answer.

A request goes through these steps, each able to answer on its own with a 4xx (steps 3 to 6
in `protocol` and `documents`, step 7 in `rate_limits`, beside this module):

1. the method (GET or POST, else 405) and what the client accepts (`Accept`, else 406);
2. the API key (`Authorization: Bearer KEY`, else 401);
3. the parameters: from the query string for GET, from a JSON body for POST (another media
   type is 415; a body larger than `MAX_BODY_BYTES` is 413, refused from `Content-Length` or
   while reading, before any parsing); a JSON list is a batch of up to `MAX_BATCH_OPERATIONS`;
4. the document: by trusted-document id or APQ hash, or as text (in production a storefront
   key may send only trusted documents);
5. parsing (at most `MAX_QUERY_TOKENS` tokens), validation against the schema, then the
   gateway's own rules: no introspection for storefronts in production, depth and aliases;
   the variables are coerced here too, so every request error is known before execution
   (the operation then runs on these coerced values);
6. the operation: a mutation by GET is 405; each root field's scope (403 naming it);
7. the cost in points (`gateway/admission/cost.py`), admitted by the client's leaky bucket (429 with
   `Retry-After` when full);
8. execution by strawberry's schema, inside which each resolver checks its scope again.

Answers are `application/graphql-response+json` (request errors are 400 without `data`)
unless the client accepts only `application/json` or names no media type (no `Accept`, or
`*/*`), where GraphQL request errors are 200 as that media type asks. Every answer carries
`x-request-id` and `extensions.cost`; an unexpected error is logged with that id and shown
only as "Unexpected error." with the id. In production validation messages lose
graphql-core's "Did you mean ...?" hints, which would reveal the schema to clients that may
not introspect it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Mapping
from typing import Any

import orjson
import strawberry
from graphql import ExecutionResult, GraphQLError, GraphQLSchema
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.types import ExecutionResult as StrawberryResult

from gateway.admission.api_keys import Caller, ClientKind, bearer_key
from gateway.api.context import Context
from gateway.fastpath.compat import core_schema, get_graphql_ide_html
from gateway.fastpath.execution import UNEXPECTED, run_checked
from gateway.http.caches import watch_caches
from gateway.http.documents import OperationChecks, Prepared
from gateway.http.protocol import (
    GRAPHQL_RESPONSE,
    JSON_MEDIA,
    Outcome,
    Refusal,
    header_values,
    json_answer,
    media_type,
    read_body,
)
from gateway.http.rate_limits import admit
from gateway.http.shoppers import shopper_id
from gateway.ops.logs import request_id_var
from gateway.ops.outage_log import OutageLog
from gateway.ops.slow_clients import ARRIVED
from gateway.service import deadline
from gateway.service.promise_service import PromiseService
from gateway.service.resources import Platform

log = logging.getLogger("gateway.http")
_keys_unreachable = OutageLog(log, "API keys unreachable")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# The API-key lookup and the rate limiter may each spend at most this share of the time a
# request has left, so that a Redis that stopped answering leaves the store calls the rest.
_LOOKUP_SHARE = 0.25
# Beyond its budget, a request still waiting on something other than the store is answered
# 503 after this much more (the store's calls answer at the deadline itself).
_GRACE_SECONDS = 0.25


class GraphQLEndpoint:
    """The ASGI endpoint of `/graphql`; `holder` gets the promise service in the lifespan."""

    def __init__(
        self,
        schema: strawberry.Schema,
        holder: dict[str, PromiseService],
        platform: Platform,
    ) -> None:
        self.schema = schema
        self.graphql_schema: GraphQLSchema = core_schema(schema)
        self.holder = holder
        self.platform = platform
        self.checks = OperationChecks(self.graphql_schema, platform)
        watch_caches(platform.metrics.caches, self.checks, platform.keys, holder)

    # -- the request -------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        headers = header_values(request.scope)
        given = headers.get("x-request-id", "")
        # A request id correlates lines, it guards nothing: 128 random bits of the process's
        # generator (reseeded in a forked child) rather than a system call per request.
        request_id = given if _REQUEST_ID.match(given) else f"{random.getrandbits(128):032x}"
        reset = request_id_var.set(request_id)
        # Every call of this request spends one budget (gateway/service/deadline.py), from
        # its first byte when the protocol stamped it (a server of our own) or from now.
        arrived = request.scope.get("state", {}).get(ARRIVED)
        started = arrived if isinstance(arrived, float) else deadline.now()
        budget = deadline.begin(self.platform.request_timeout_seconds, since=started)
        media = media_type(headers.get("accept", ""))
        caller: Caller | None = None
        try:
            if self._wants_graphiql(request):
                return HTMLResponse(get_graphql_ide_html("graphiql"))
            if media is None:
                outcome = Outcome(
                    406, Refusal(406, "NOT_ACCEPTABLE", self._accept_hint()).payload()
                )
            elif deadline.remaining() == 0.0:
                outcome = self._shed(media)
            else:
                key = bearer_key(headers.get("authorization"))
                settled, caller = self.platform.keys.at_once(key)
                try:
                    if not settled:
                        async with asyncio.timeout(deadline.capped(_LOOKUP_SHARE)):
                            caller = await self.platform.keys.caller(key)
                except Exception:
                    # Keys kept in Redis can't be checked: nobody is let in, but it is an
                    # outage (503, retry), not a refusal of the key.
                    _keys_unreachable.warn()
                    self.platform.metrics.redis_errors.labels("api_keys").inc()
                    unavailable = Refusal(
                        503,
                        "SERVICE_UNAVAILABLE",
                        "the gateway cannot check API keys now; retry shortly",
                        headers={"retry-after": "1"},
                    )
                    return self._response(self._refused(unavailable, media), media, request_id)
                outcome = await self._bounded_answer(request, headers, caller, media, request_id)
        except Exception:
            log.exception("unexpected failure serving a request")
            outcome = Outcome(500, self._internal_error(request_id))
        finally:
            deadline.end(budget)
            request_id_var.reset(reset)
        elapsed = deadline.now() - started
        self._observe(outcome, caller, elapsed, request_id)
        return self._response(outcome, media or JSON_MEDIA, request_id)

    async def _bounded_answer(
        self,
        request: Request,
        headers: Mapping[str, str],
        caller: Caller | None,
        media: str,
        request_id: str,
    ) -> Outcome:
        """The answer, or a 503 once the request's budget (and a little grace) is spent.

        The store's calls answer by the deadline themselves (gateway/service/bounded_store.py),
        with a typed problem; this bound catches what else may wait (documents kept in Redis,
        a geocoder), so that no request outlives its budget by more than the grace.
        """
        try:
            async with asyncio.timeout((deadline.remaining() or 0.0) + _GRACE_SECONDS):
                return await self._answer(request, headers, caller, media, request_id)
        except TimeoutError:
            self.platform.metrics.redis_errors.labels("deadline").inc()
            late = Refusal(
                503,
                "REQUEST_TIMEOUT",
                f"the request did not finish within {self.platform.request_timeout_seconds:g} s; "
                "retry (a change may have been made: retry it with the same idempotency key)",
                headers={"retry-after": "1"},
            )
            return self._refused(late, media)

    def _shed(self, media: str) -> Outcome:
        """A request queued in a busy worker past its whole budget: its client has likely
        given up. Answered before any work: nothing was done, so a plain retry is safe."""
        shed = Refusal(
            503,
            "REQUEST_TIMEOUT",
            f"the request waited {self.platform.request_timeout_seconds:g} s before it could "
            "be served; nothing was done: retry",
            headers={"retry-after": "1"},
        )
        return self._refused(shed, media)

    def _accept_hint(self) -> str:
        return f"this endpoint answers {GRAPHQL_RESPONSE} or {JSON_MEDIA}"

    def _wants_graphiql(self, request: Request) -> bool:
        return (
            self.platform.dev_mode
            and request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _answer(
        self,
        request: Request,
        headers: Mapping[str, str],
        caller: Caller | None,
        media: str,
        request_id: str,
    ) -> Outcome:
        try:
            if request.method not in ("GET", "POST"):
                raise Refusal(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"{request.method} is not allowed: use POST, or GET for queries",
                    headers={"allow": "GET, POST"},
                )
            if caller is None:
                raise Refusal(
                    401,
                    "UNAUTHENTICATED",
                    "a valid API key is required: Authorization: Bearer KEY",
                    headers={"www-authenticate": 'Bearer realm="promise-gateway"'},
                )
            if request.method == "GET":
                batch: list[Any] = [dict(request.query_params)]
                is_batch = False
            else:
                body = await read_body(request, self.platform.limits.max_body_bytes, headers)
                is_batch = isinstance(body, list)
                batch = body if isinstance(body, list) else [body]
                if is_batch and not 1 <= len(batch) <= self.platform.limits.max_batch:
                    raise Refusal(
                        400,
                        "BATCH_LIMIT_EXCEEDED",
                        f"a batch holds 1 to {self.platform.limits.max_batch} operations",
                    )
        except Refusal as refusal:
            return self._refused(refusal, media)
        prepared: list[Prepared | Refusal] = []
        for params in batch:
            try:
                prepared.append(await self.checks.prepare(params, caller, request.method))
            except Refusal as refusal:
                prepared.append(refusal)
        cost = sum(p.cost for p in prepared if isinstance(p, Prepared))
        peer = request.client.host if request.client is not None else None
        # A storefront key is called from shoppers' browsers: the address names the shopper. A
        # server key is one storefront backend's, whose address every shopper shares: there
        # only the forwarded shopper id does.
        seen_from = peer if caller.kind is ClientKind.STOREFRONT else None
        shopper = shopper_id(headers, seen_from, self.platform.trusted_proxies)
        throttle = await admit(self.platform, caller, cost, shopper) if cost else None
        if throttle is not None and isinstance(throttle, Refusal):
            return self._refused(throttle, media)
        languages = headers.get("accept-language", "")
        outcomes = [
            self._refused(p, media)
            if isinstance(p, Refusal)
            else await self._execute(p, caller, request_id, shopper, languages)
            for p in prepared
        ]
        for outcome in outcomes:
            if throttle is not None:
                outcome.payload.setdefault("extensions", {})["cost"] = {
                    **throttle,
                    "requestedQueryCost": outcome.cost,
                }
        if not is_batch:
            return outcomes[0]
        label = ",".join(o.label for o in outcomes)
        return Outcome(200, {"batch": [o.payload for o in outcomes]}, label=label, cost=cost)

    # -- one operation -----------------------------------------------------------------

    async def _execute(
        self,
        prepared: Prepared,
        caller: Caller,
        request_id: str,
        shopper: str | None = None,
        languages: str = "",
    ) -> Outcome:
        context = Context(
            service=self.holder["service"],
            client_id=caller.client_id,
            channel=caller.channel,
            scopes=caller.scopes,
            request_id=request_id,
            accept_language=languages,
            platform=self.platform,
            shopper_id=shopper,
            memo=prepared.document.memo,
            exact_stock=caller.kind is not ClientKind.STOREFRONT,
        )
        result: ExecutionResult | StrawberryResult
        if self.platform.fast_path:
            result = await run_checked(
                self.schema,
                prepared.document,
                variables=prepared.variables,
                operation_name=prepared.operation_name,
                context=context,
                coerced=prepared.coerced,
            )
        else:
            result = await self.schema.execute(
                prepared.text,
                variable_values=prepared.variables,
                context_value=context,
                operation_name=prepared.operation_name,
            )
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [self._formatted(error, request_id) for error in result.errors]
        payload["data"] = result.data
        return Outcome(
            200,
            payload,
            label=prepared.label,
            cost=prepared.cost,
            cacheable=prepared.cacheable and not result.errors,
        )

    def _formatted(self, error: GraphQLError, request_id: str) -> dict[str, Any]:
        formatted = dict(error.formatted)
        if formatted.get("message") == UNEXPECTED:
            formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return formatted

    @staticmethod
    def _internal_error(request_id: str) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "message": "Unexpected error.",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                }
            ]
        }

    def _refused(self, refusal: Refusal, media: str) -> Outcome:
        payload = {"errors": refusal.errors()}
        status = refusal.status
        if refusal.graphql_error and media == JSON_MEDIA:
            status = 200
        self.platform.metrics.refusals.labels(refusal.code).inc()
        return Outcome(status, payload, label="-", headers=refusal.headers)

    # -- the answer --------------------------------------------------------------------

    def _response(self, outcome: Outcome, media: str, request_id: str) -> Response:
        body = outcome.payload.get("batch", outcome.payload)
        headers = {
            "x-request-id": request_id,
            "vary": "Accept, Accept-Language, Authorization",
            "cache-control": (
                f"public, max-age={self.platform.cache_max_age_seconds}"
                if outcome.cacheable and outcome.status == 200
                else "no-store"
            ),
            **outcome.headers,
        }
        return json_answer(orjson.dumps(body), outcome.status, f"{media}; charset=utf-8", headers)

    def _observe(
        self, outcome: Outcome, caller: Caller | None, elapsed: float, request_id: str
    ) -> None:
        self.platform.metrics.served(outcome.label, outcome.status, elapsed)
        if not log.isEnabledFor(logging.INFO):
            return
        log.info(
            "graphql request",
            extra={
                "request_id": request_id,
                "client": caller.client_id if caller else None,
                "operation": outcome.label,
                "status": outcome.status,
                "cost": outcome.cost,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
