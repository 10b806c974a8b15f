"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.ops.compiled import stale_modules
from tests.redis_cluster import RedisClusterNodes, running_cluster
from tests.redis_server import RedisServer, running_redis


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test compiled modules older than their source: the edit would not run."""
    stale = stale_modules()
    if stale:
        pytest.exit(
            f"promise/ changed since mypyc compiled it ({', '.join(stale)}): "
            "`make compile` builds it again, `make interpreted` drops the compiled modules",
            returncode=4,
        )


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of the test session's own; never the machine's Redis."""
    with running_redis() as server:
        yield server


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url()


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisClusterNodes]:
    """A 3-master Redis Cluster of the test session's own, on free loopback ports."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def redis_cluster_url(redis_cluster: RedisClusterNodes) -> str:
    return redis_cluster.url()
