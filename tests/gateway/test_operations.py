"""Probes, Prometheus metrics and JSON logs."""

from __future__ import annotations

import json
import logging
import logging.handlers
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import cast

import httpx
import pytest

from gateway.app import create_app
from gateway.ops.logs import JsonFormatter, json_formatter, request_id_var, stamp_request_ids
from gateway.ops.settings import Settings
from stock_cache.base import StockStore
from stock_cache.errors import StoreUnavailable
from stock_cache.url import store_from_url
from tests.gateway.conftest import STOREFRONT, demo_files, production_settings
from tests.gateway.graphql_client import GraphQLClient
from tests.gateway.http_support import AVAILABILITY_DOC, auth, post, serving
from tests.stock_cache.support import FakeClock


async def test_healthz_answers_while_the_process_is_up(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_answers_when_the_store_answers_and_the_network_is_loaded(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "network": "loaded", "store": "reachable"}


class Unreachable:
    def __getattr__(self, name: str) -> object:
        async def fail(*args: object, **kwargs: object) -> None:
            raise StoreUnavailable("Redis at 10.0.0.7:6379 timed out")

        return fail


async def test_readyz_is_503_when_the_store_does_not_answer(clock: FakeClock) -> None:
    unreachable = cast(StockStore, Unreachable())
    app = create_app(production_settings(), clock=clock, store=unreachable, files=demo_files())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http,
    ):
        response = await http.get("/readyz")

    assert response.status_code == 503
    assert response.json()["store"] == "unreachable"
    assert "10.0.0.7" not in response.text


async def test_readyz_is_503_and_names_the_nodes_whose_stock_the_store_lacks(
    clock: FakeClock,
) -> None:
    # A store with one node's stock: as a Redis restarted without persistence and then fed
    # one snapshot.
    store = store_from_url("memory://", clock=clock)
    await store.set_levels("DC-MIRAMAS", {"OAK-TABLE-120": 5})
    app = create_app(production_settings(), clock=clock, store=store, files=demo_files())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http,
    ):
        response = await http.get("/readyz")
        network = app.state.promise_service.network

    assert response.status_code == 503
    body = response.json()
    assert body["store"] == "reachable"
    assert body["stock"] == f"missing at {len(network.nodes) - 1} nodes"
    assert "DC-MIRAMAS" not in body["missingNodes"]
    assert set(body["missingNodes"]) <= set(network.nodes)


async def test_metrics_count_requests_latency_and_promise_and_reservation_outcomes(
    http: httpx.AsyncClient,
    storefront: GraphQLClient,
    lyon_cart: list[dict[str, object]],
    monday_10: str,
) -> None:
    options = await storefront.delivery_options(
        lyon_cart, {"postcode": {"postcode": "69003"}}, order_time=monday_10
    )
    await storefront.commit(options["options"][0]["quoteToken"], "order-metrics-1")
    await post(http, None, {"query": AVAILABILITY_DOC})

    response = await http.get("/metrics", headers=auth("ops-admin"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'gateway_requests_total{operation="deliveryOptions",status="200"} 1.0' in text
    assert 'gateway_request_duration_seconds_bucket{le="0.005",operation="deliveryOptions"}' in text
    assert (
        'gateway_promise_outcomes_total{field="deliveryOptions",outcome="DeliveryOptions"} 1.0'
        in text
    )
    assert (
        'gateway_reservation_outcomes_total{field="commitAllocation",outcome="Allocation"} 1.0'
        in text
    )
    assert 'gateway_refusals_total{code="UNAUTHENTICATED"} 1.0' in text
    assert "# TYPE gateway_stock_events_total counter" in text
    assert "gateway_redis_errors" in text


async def test_metrics_need_an_admin_key_in_production(http: httpx.AsyncClient) -> None:
    anonymous = await http.get("/metrics")
    storefront = await http.get("/metrics", headers=auth(STOREFRONT))

    assert anonymous.status_code == 401
    assert storefront.status_code == 403


async def test_metrics_are_open_in_dev_mode() -> None:
    async with serving(Settings(dev_mode=True)) as (_, http):
        response = await http.get("/metrics")

    assert response.status_code == 200


async def test_each_request_is_logged_with_its_id_client_operation_and_duration(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    capture = caplog
    with capture.at_level(logging.INFO, logger="gateway.http"):
        response = await post(http, STOREFRONT, {"query": AVAILABILITY_DOC})

    [record] = [r for r in capture.records if r.name == "gateway.http"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["x-request-id"]
    assert (line["client"], line["operation"], line["status"]) == (
        STOREFRONT,
        "availability",
        200,
    )
    assert line["duration_ms"] >= 0
    assert list(line) == [
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "client",
        "operation",
        "status",
        "cost",
        "duration_ms",
    ]
    assert line["time"] == datetime.fromtimestamp(record.created, tz=UTC).isoformat()


async def test_a_request_is_counted_even_when_its_line_is_not_logged(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway.http"):
        for _ in range(2):
            await post(http, STOREFRONT, {"query": AVAILABILITY_DOC})

    metrics = await http.get("/metrics", headers=auth("ops-admin"))

    assert [r for r in caplog.records if r.name == "gateway.http"] == []
    assert 'gateway_requests_total{operation="availability",status="200"} 2.0' in metrics.text
    assert 'gateway_request_duration_seconds_count{operation="availability"} 2.0' in metrics.text


def _times() -> Iterator[float]:
    """Timestamps of log records: whole seconds, half microseconds, a fraction rounding up
    to the next second, several in one second and random ones."""
    yield from (1_795_000_000.0, 1_795_000_000.0000005, 1_795_000_000.0000015)
    yield from (1_795_000_000.9999996, 1_795_000_001.25, 1_795_000_001.5, 0.5)
    draw = random.Random(7)
    for _ in range(2000):
        yield draw.uniform(1_700_000_000, 1_900_000_000)
        yield round(draw.uniform(1_700_000_000, 1_900_000_000), draw.randint(0, 6))


def test_a_json_log_line_is_stamped_as_datetime_isoformat_stamps_it() -> None:
    formatter = JsonFormatter()
    for created in _times():
        record = logging.makeLogRecord({"msg": "tick", "created": created})
        line = json.loads(formatter.format(record))
        assert line["time"] == datetime.fromtimestamp(created, tz=UTC).isoformat(), created


def test_a_json_log_line_is_the_same_when_records_skip_threads_processes_and_callers() -> None:
    flags = (logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
    source = logging._srcfile
    logger = logging.getLogger("tests.skipping")
    handler = logging.handlers.BufferingHandler(capacity=10)
    logger.addHandler(handler)
    extra = {"client": STOREFRONT, "status": 200, "details": {1: "one"}, "day": date(2026, 12, 4)}
    try:
        logger.warning("served", extra=extra)
        formatter = json_formatter()
        logger.warning("served", extra=extra)
    finally:
        logging.logThreads, logging.logProcesses, logging.logMultiprocessing = flags
        logging._srcfile = source
        logger.removeHandler(handler)

    before, after = handler.buffer
    assert (after.thread, after.process, after.processName) == (None, None, None)
    assert (after.pathname, after.lineno) == ("(unknown file)", 0)
    before.created = after.created
    assert formatter.format(after) == JsonFormatter().format(before)
    line = json.loads(formatter.format(after))
    # Values JSON has no form for are written as their text, as json.dumps(default=str) did.
    assert (line["details"], line["day"]) == ({"1": "one"}, "2026-12-04")


def test_a_json_log_line_carries_the_request_id_current_when_it_was_logged() -> None:
    stamp_request_ids()
    token = request_id_var.set("req-42")
    try:
        record = logging.makeLogRecord({"msg": "hello %s", "args": ("world",)})
    finally:
        request_id_var.reset(token)

    line = json.loads(JsonFormatter().format(record))  # formatted later, outside the request

    assert (line["message"], line["request_id"]) == ("hello world", "req-42")
