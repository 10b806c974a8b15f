"""Fixtures of the API tests: the app on a fixed clock, clients, and fresh Redis databases."""

from __future__ import annotations

import functools
import itertools
import json
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from gateway.admission.api_keys import key_digest
from gateway.app import create_app, safety_by_node, seed_stock
from gateway.ops.settings import DEFAULT_NETWORK_DIR, Limits, Secret, Settings
from gateway.service.promise_service import PromiseService
from network_loader.network_files import NetworkFiles
from promise.network import Network
from stock_cache.url import store_from_url
from tests.gateway.graphql_client import JSON, GraphQLClient, line
from tests.redis_server import RedisServer
from tests.stock_cache.support import FakeClock

PARIS = ZoneInfo("Europe/Paris")
# Monday 23 November 2026, 10:00 in Paris: before every cut-off of the day, no holiday near.
MONDAY_10_PARIS = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)

GRAPHQL_RESPONSE = "application/graphql-response+json"
STOREFRONT = "storefront-fr"
MARKETPLACE = "marketplace-eu"

# The API keys of the tests' clients: (key, client, channel, scopes, kind). The two checkout
# clients are server-kind (a storefront's backend), so that tests may send any document;
# test_api_auth.py covers browser storefront keys, held to trusted documents in production.
CHECKOUT_SCOPES = ["promise:read", "allocation:write"]
TEST_KEYS: tuple[tuple[str, str, str, list[str], str], ...] = (
    ("key-storefront-fr-0001", STOREFRONT, "web-fr", CHECKOUT_SCOPES, "server"),
    ("key-marketplace-eu-0002", MARKETPLACE, "marketplace", CHECKOUT_SCOPES, "server"),
    ("key-browser-shop-0003", "browser-shop", "web-fr", CHECKOUT_SCOPES, "storefront"),
    ("key-product-page-0004", "product-page", "web-fr", ["promise:read"], "storefront"),
    ("key-stock-feed-0005", "stock-feed", "default", ["stock:write"], "server"),
    ("key-admin-0006", "ops-admin", "default", ["admin"], "server"),
)
KEY_OF = {client: key for key, client, _, _, _ in TEST_KEYS}


def api_keys_setting() -> str:
    """`API_KEYS` for the test keys: their SHA-256, never the keys themselves."""
    return json.dumps(
        [
            {
                "sha256": key_digest(key),
                "client": client,
                "channel": channel,
                "scopes": scopes,
                "kind": kind,
            }
            for key, client, channel, scopes, kind in TEST_KEYS
        ]
    )


# The API tests send many requests in a row: their bucket is large (test_api_limits.py
# tests the production-sized one).
ROOMY_LIMITS = Limits(
    bucket_points=100_000,
    points_per_second=10_000,
    shopper_bucket_points=100_000,
    shopper_points_per_second=10_000,
)


# A loaded test machine must not turn a slow request into a 503: tests of the budget set one.
ROOMY_REQUEST_SECONDS = 30.0


def production_settings(**given: Any) -> Settings:
    """Production-mode settings with the test keys (and a roomy request budget)."""
    defaults = {
        "api_keys": Secret(api_keys_setting()),
        "limits": ROOMY_LIMITS,
        "request_timeout_seconds": ROOMY_REQUEST_SECONDS,
    }
    return Settings(**{**defaults, **given})


# Three SKUs that LYON-PART-DIEU holds beyond its safety stock (stock.csv: 6, 7 and 12 on hand,
# 2 held back), so that a Lyon address gets a same-day courier from that store.
LYON_CART = (("OAK-CHAIR", 1), ("LINEN-DUVET-220", 2), ("DOWN-PILLOW-65", 3))

# Database 0 belongs to the stock_cache tests (they use key prefixes); each test here that
# needs Redis gets one of databases 1-15 of the session's own server, flushed before and after.
_REDIS_DATABASES = itertools.cycle(range(1, 16))


@functools.cache
def demo_files() -> NetworkFiles:
    """The demo network's files, read once a process: every app a test starts on them shares
    them read-only (each app gets its own store, seeded from them)."""
    return NetworkFiles.read(DEFAULT_NETWORK_DIR)


def monday_clock() -> FakeClock:
    """The clock of every app the tests start: Monday 10:00 in Paris until a test moves it."""
    return FakeClock(MONDAY_10_PARIS.timestamp())


@pytest.fixture
def clock() -> FakeClock:
    """The app's clock: Monday 10:00 in Paris until a test moves it."""
    return monday_clock()


async def _flush(url: str) -> None:
    client = Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@pytest.fixture
async def fresh_redis_url(redis_server: RedisServer) -> AsyncIterator[str]:
    """An empty database of the test session's redis-server (never the machine's Redis)."""
    url = redis_server.url(next(_REDIS_DATABASES))
    await _flush(url)
    yield url
    await _flush(url)


@pytest.fixture
async def seeded_redis_url(fresh_redis_url: str) -> str:
    """A fresh database holding the demo network's stock levels."""
    files = demo_files()
    store = store_from_url(fresh_redis_url, safety_by_node=safety_by_node(files.network))
    try:
        await seed_stock(store, files.stock_levels)
    finally:
        await store.close()
    return fresh_redis_url


@pytest.fixture(scope="session")
def demo() -> Network:
    """The demo network, loaded once a process: tests only read it."""
    return demo_files().network


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the demo network, to break one cell at a time."""
    return Path(shutil.copytree(DEFAULT_NETWORK_DIR, tmp_path / "network"))


@pytest.fixture
def store_url() -> str:
    """The store the app opens; a test module overrides this fixture to run on others too."""
    return "memory://"


@pytest.fixture
def lyon_cart() -> list[JSON]:
    return [line(sku, quantity) for sku, quantity in LYON_CART]


@pytest.fixture
def monday_10() -> str:
    """The order time the tests pass, so that promised dates are exact."""
    return MONDAY_10_PARIS.isoformat()


@pytest.fixture
async def service() -> AsyncIterator[PromiseService]:
    """The promise service of an app on the demo network and the embedded store, started."""
    app = create_app(Settings(store_url="memory://"), clock=monday_clock(), files=demo_files())
    async with app.router.lifespan_context(app):
        found: PromiseService = app.state.promise_service
        yield found


@pytest.fixture
async def app(store_url: str, clock: FakeClock) -> AsyncIterator[Starlette]:
    """The gateway, its lifespan running (ASGITransport does not run it)."""
    gateway = create_app(production_settings(store_url=store_url), clock=clock, files=demo_files())
    async with gateway.router.lifespan_context(gateway):
        yield gateway


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    # A client of GraphQL over HTTP's own media type: request errors are 400s (httpx's default,
    # `Accept: */*`, is answered as application/json: test_api_protocol.py).
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://gateway.test",
        headers={"accept": GRAPHQL_RESPONSE},
    ) as client:
        yield client


@pytest.fixture
def storefront(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, api_key=KEY_OF[STOREFRONT])


@pytest.fixture
def marketplace(http: httpx.AsyncClient) -> GraphQLClient:
    """Another client of the same gateway: it must never see the storefront's allocations."""
    return GraphQLClient(http, api_key=KEY_OF[MARKETPLACE])
