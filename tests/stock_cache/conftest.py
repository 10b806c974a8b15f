"""The backends the contract suite runs against, each on a clock the tests move by hand."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from stock_cache import StockStore, store_from_url
from tests.stock_cache.support import RULES, FakeClock


@dataclass(frozen=True, slots=True)
class Backend:
    """How the suite reaches one backend: a fixed URL, or the fixture that yields one."""

    url: str = ""
    url_fixture: str = ""


# One row per backend: a new backend gets the whole contract by adding a row.
BACKENDS = [
    pytest.param(Backend(url="memory://"), id="memory"),
    pytest.param(Backend(url_fixture="redis_url"), id="redis"),
    pytest.param(Backend(url_fixture="redis_cluster_url"), id="cluster"),
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[StockStore]:
    """A fresh, empty store on the fake clock; on Redis, under a key prefix of its own."""
    backend: Backend = request.param
    url = backend.url or str(request.getfixturevalue(backend.url_fixture))
    opened = store_from_url(
        url,
        rules=RULES,
        clock=clock,
        key_prefix=f"test-{uuid.uuid4().hex}",
    )
    yield opened
    await opened.close()
