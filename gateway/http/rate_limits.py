"""Step 7 of a request: the shopper's bucket, then the client's, admit the operation's cost.

The buckets live in the gateway state (Redis when the store is Redis). The shopper's
(`gateway/http/shoppers.py`) is checked first, so a shopper over budget is refused without
spending the site's; the client's (the API key's) is then reported as Shopify's
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
from gateway.ops.outage_log import OutageLog
from gateway.ops.state import BucketAnswer
from gateway.service.deadline import capped
from gateway.service.resources import Platform

log = logging.getLogger("gateway.http")
_unreachable = OutageLog(log, "rate limiter unreachable: admitting requests")


def _refusal(retry_after_seconds: float, whose: str, status: dict[str, Any]) -> Refusal:
    retry = max(1, math.ceil(retry_after_seconds))
    return Refusal(
        429,
        "RATE_LIMITED",
        f"{whose} query budget is spent; retry in {retry} s",
        extensions={"cost": status},
        headers={"retry-after": str(retry)},
    )


async def admit(
    platform: Platform, caller: Caller, cost: int, shopper: str | None = None
) -> dict[str, Any] | Refusal:
    """The client bucket's answer as Shopify's `throttleStatus`, or a 429 refusal."""
    limits = platform.limits
    try:
        # A worker's credit mostly answers at once: no bound to set then.
        quick = (
            platform.state.admit_at_once(
                caller.client_id,
                cost,
                capacity=limits.bucket_points,
                per_second=limits.points_per_second,
            )
            if shopper is None
            else None
        )
        answer = quick if quick is not None else await _admitted(platform, caller, cost, shopper)
    except Exception:
        # The limiter protects the gateway; its outage must not take checkout down.
        _unreachable.warn()
        platform.metrics.redis_errors.labels("rate_limit").inc()
        return {"requestedQueryCost": cost}
    if isinstance(answer, Refusal):
        return answer
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
    return _refusal(answer.retry_after_seconds, "this client's", status)


async def _admitted(
    platform: Platform, caller: Caller, cost: int, shopper: str | None
) -> BucketAnswer | Refusal:
    """The shopper's bucket (a refusal when full), then the client's answer."""
    limits = platform.limits
    # The limiters may spend a quarter of what the request has left, then admit.
    async with asyncio.timeout(capped(0.25)):
        if shopper is not None:
            mine = await platform.state.admit(
                f"shopper:{caller.client_id}:{shopper}",
                cost,
                capacity=limits.shopper_bucket_points,
                per_second=limits.shopper_points_per_second,
            )
            if not mine.admitted:
                platform.metrics.refusals.labels("RATE_LIMITED_SHOPPER").inc()
                return _refusal(
                    mine.retry_after_seconds, "this shopper's", {"requestedQueryCost": cost}
                )
        return await platform.state.admit(
            caller.client_id,
            cost,
            capacity=limits.bucket_points,
            per_second=limits.points_per_second,
        )
