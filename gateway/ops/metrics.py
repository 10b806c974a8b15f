"""Prometheus metrics, in a registry of the app's own (tests build many apps in one process).

Request counts and latency per operation name and outcome, promise and reservation outcomes
(the `__typename` a resolver returned), stock events applied or skipped, Redis errors, and
the size of every per-process cache.
"""

from __future__ import annotations

from collections.abc import Awaitable
from types import CoroutineType
from typing import Any

from graphql import GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema, default_field_resolver
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gateway.ops.cache_sizes import CacheSizes

CONTENT_TYPE = CONTENT_TYPE_LATEST
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "gateway_requests",
            "GraphQL requests served, by operation and HTTP status.",
            ["operation", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_request_duration_seconds",
            "Time to answer a GraphQL request, by operation.",
            ["operation"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.promises = Counter(
            "gateway_promise_outcomes",
            "Availability and delivery-option answers, by field and result type.",
            ["field", "outcome"],
            registry=self.registry,
        )
        self.reservations = Counter(
            "gateway_reservation_outcomes",
            "Commit, confirm and release answers, by field and result type.",
            ["field", "outcome"],
            registry=self.registry,
        )
        self.stock_events = Counter(
            "gateway_stock_events",
            "Stock feed events, by outcome (applied, skipped, rejected).",
            ["outcome"],
            registry=self.registry,
        )
        self.redis_errors = Counter(
            "gateway_redis_errors",
            "Calls to Redis that failed (the stock store or the gateway's own state).",
            ["component"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "gateway_refusals",
            "Requests refused before execution, by error code.",
            ["code"],
            registry=self.registry,
        )
        # Every per-process cache's size, by name (gateway/ops/cache_sizes.py).
        self.caches = CacheSizes()
        self.registry.register(self.caches)
        # The children of `requests` and `latency` per (operation, status): `.labels()` looks
        # them up with a lock and a few conversions, on every request. No more entries than
        # the metrics hold children themselves.
        self._served: dict[tuple[str, int], tuple[Counter, Histogram]] = {}
        # The same for the outcomes of root fields, per (field, result type).
        self._outcomes: dict[tuple[str, str], Counter | None] = {}

    def served(self, operation: str, status: int, seconds: float) -> None:
        """Count a request answered with `status` and observe how long it took."""
        children = self._served.get((operation, status))
        if children is None:
            children = (
                self.requests.labels(operation, str(status)),
                self.latency.labels(operation),
            )
            self._served[(operation, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def outcome(self, field: str, typename: str) -> None:
        """Count a root field's answer as a promise or a reservation outcome."""
        key = (field, typename)
        if key in self._outcomes:
            child = self._outcomes[key]
        else:
            child = self._outcome_child(field, typename)
            # Root fields times their result types: a few dozen at most.
            self._outcomes[key] = child
        if child is not None:
            child.inc()

    def _outcome_child(self, field: str, typename: str) -> Counter | None:
        if field in ("availability", "deliveryOptions"):
            return self.promises.labels(field, typename)
        if field in (
            "commitAllocation",
            "confirmAllocation",
            "releaseAllocation",
            "fulfilAllocation",
        ):
            return self.reservations.labels(field, typename)
        return None


def count_outcomes(schema: GraphQLSchema) -> None:
    """Count the result type each root field returns (e.g. `StockChanged`), and store outages
    (`TemporarilyUnavailable`), in the metrics of the request's platform.

    Only root fields are counted, so only their resolvers are wrapped: a schema extension's
    `resolve` hook would run as middleware around every field of every answer (about 90 for
    a checkout) to skip all but one or two.
    """
    for root in (schema.query_type, schema.mutation_type):
        for name, field in (root.fields if root is not None else {}).items():
            field.resolve = Counting(field.resolve or default_field_resolver, name)


class Counting:
    """A root field's resolver, then the count of the result type it returns."""

    __slots__ = ("field", "resolve")

    def __init__(self, resolve: GraphQLFieldResolver, field: str) -> None:
        self.resolve = resolve
        self.field = field

    def __call__(self, root: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        return self.counted(self.resolve(root, info, **kwargs), info.context)

    def counted(self, result: Any, context: Any) -> Any:
        """`result` (awaitable or not), counted once known, for a context with a platform."""
        platform = getattr(context, "platform", None)
        if platform is None:
            return result
        return _counted(result, self.field, platform.metrics)


async def _counted(result: Any, field: str, metrics: Metrics) -> Any:
    # A coroutine, mostly: known without the ABC's instance check.
    if type(result) is CoroutineType or isinstance(result, Awaitable):
        result = await result
    typename = type(result).__name__
    metrics.outcome(field, typename)
    if typename == "TemporarilyUnavailable":
        metrics.redis_errors.labels("stock_store").inc()
    return result
