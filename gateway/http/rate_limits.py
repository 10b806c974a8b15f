"""Step 7 of a request: the client's leaky bucket admits the operation's cost, or refuses it.

The bucket lives in the gateway state (Redis when the store is Redis), sized by
`BUCKET_POINTS` and refilled at `POINTS_PER_SECOND`; the answer is reported as Shopify's
`throttleStatus`. A full bucket is a 429 with `Retry-After`. When the state is unreachable
the request is admitted: the limiter protects the gateway, its outage must not take checkout
down. It may spend a quarter of the time the request has left (gateway/service/deadline.py).
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from gateway.admission.api_keys import Caller
from gateway.http.protocol import Refusal
from gateway.service.deadline import capped
from gateway.service.resources import Platform

log = logging.getLogger("gateway.http")


async def admit(platform: Platform, caller: Caller, cost: int) -> dict[str, Any] | Refusal:
    """The bucket's answer as Shopify's `throttleStatus`, or a 429 refusal."""
    limits = platform.limits
    try:
        # The limiter may spend a quarter of what the request has left, then admits.
        async with asyncio.timeout(capped(0.25)):
            answer = await platform.state.admit(
                caller.client_id,
                cost,
                capacity=limits.bucket_points,
                per_second=limits.points_per_second,
            )
    except Exception:
        # The limiter protects the gateway; its outage must not take checkout down.
        log.warning("rate limiter unreachable: admitting the request", exc_info=True)
        platform.metrics.redis_errors.labels("rate_limit").inc()
        return {"requestedQueryCost": cost}
    status = {
        "requestedQueryCost": cost,
        "throttleStatus": {
            "maximumAvailable": limits.bucket_points,
            "currentlyAvailable": max(0, math.floor(limits.bucket_points - answer.level)),
            "restoreRate": limits.points_per_second,
        },
    }
    if answer.admitted:
        return status
    retry = max(1, math.ceil(answer.retry_after_seconds))
    return Refusal(
        429,
        "RATE_LIMITED",
        f"this client's query budget is spent; retry in {retry} s",
        extensions={"cost": status},
        headers={"retry-after": str(retry)},
    )
