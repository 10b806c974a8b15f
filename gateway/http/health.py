"""Probes and metrics: `/healthz` (the process answers), `/readyz` (the store answers, holds the
stock of every node of the network, and the network is loaded), `/metrics` (Prometheus text;
in production only for an `admin` key, since its labels name clients and operations)."""

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
_MISSING_SHOWN = 20

Endpoint = Callable[[Request], Awaitable[Response]]


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readyz(holder: dict[str, PromiseService], platform: Platform) -> Endpoint:
    async def ready(_: Request) -> Response:
        service = holder.get("service")
        checks: dict[str, str] = {"network": "loaded" if service else "not loaded"}
        if service is not None:
            missing: list[str] = []
            try:
                await asyncio.wait_for(service.store.ping(), _PING_TIMEOUT_SECONDS)
                checks["store"] = "reachable"
                missing = await asyncio.wait_for(
                    service.store.missing_nodes(list(service.network.nodes)),
                    _PING_TIMEOUT_SECONDS,
                )
            except Exception as error:
                log.warning("readiness: store unreachable (%s)", type(error).__name__)
                platform.metrics.redis_errors.labels("stock_store").inc()
                checks["store"] = "unreachable"
            if missing:
                # Seeded or snapshotted never, or lost (a Redis restarted without persistence).
                checks["stock"] = f"missing at {len(missing)} nodes"
        ok = checks.get("store") == "reachable" and "stock" not in checks
        body: dict[str, object] = {"status": "ready" if ok else "not ready", **checks}
        if "stock" in checks:
            body["missingNodes"] = missing[:_MISSING_SHOWN]
        return JSONResponse(body, 200 if ok else 503)

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
