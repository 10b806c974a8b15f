"""Probes and metrics: `/healthz` (the process answers), `/readyz` (the store answers and the
network is loaded), `/metrics` (Prometheus text; in production only for an `admin` key, since
its labels name clients and operations)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.admission.api_keys import bearer_key
from gateway.admission.scopes import Scope
from gateway.ops.metrics import CONTENT_TYPE
from gateway.service.promise_service import PromiseService
from gateway.service.resources import Platform

log = logging.getLogger("gateway.health")
_PING_TIMEOUT_SECONDS = 1.0

Endpoint = Callable[[Request], Awaitable[Response]]


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readyz(holder: dict[str, PromiseService], platform: Platform) -> Endpoint:
    async def ready(_: Request) -> Response:
        service = holder.get("service")
        checks: dict[str, str] = {"network": "loaded" if service else "not loaded"}
        if service is not None:
            try:
                await asyncio.wait_for(service.store.ping(), _PING_TIMEOUT_SECONDS)
                checks["store"] = "reachable"
            except Exception as error:
                log.warning("readiness: store unreachable (%s)", type(error).__name__)
                platform.metrics.redis_errors.labels("stock_store").inc()
                checks["store"] = "unreachable"
        ok = checks.get("store") == "reachable"
        return JSONResponse(
            {"status": "ready" if ok else "not ready", **checks}, 200 if ok else 503
        )

    return ready


def metrics(platform: Platform) -> Endpoint:
    async def exposition(request: Request) -> Response:
        if not platform.dev_mode:
            caller = await platform.keys.caller(bearer_key(request.headers.get("authorization")))
            if caller is None:
                return JSONResponse({"error": "UNAUTHENTICATED"}, 401)
            if Scope.ADMIN not in caller.scopes:
                return JSONResponse({"error": "FORBIDDEN", "scope": Scope.ADMIN.value}, 403)
        return Response(platform.metrics.exposition(), media_type=CONTENT_TYPE)

    return exposition
