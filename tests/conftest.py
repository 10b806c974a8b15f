"""Fixtures shared by every test package, and the marks that keep `--fast` in process.

A test is marked `redis` when it uses a Redis of the session (by its fixtures or by a parameter
naming one) and `subprocess` when its module starts processes. `pytest --fast` (make
test-fast) leaves both out and fails any test that starts a process all the same, so that a
test needing Redis cannot slip into the fast set unmarked.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

import places
import promise
from tests.budget import FAST, WHOLE
from tests.redis_cluster import RedisClusterNodes, running_cluster
from tests.redis_server import RedisServer, restartable_redis, running_redis

REDIS_FIXTURES = frozenset(
    {
        "redis_server",
        "redis_url",
        "redis_cluster",
        "redis_cluster_url",
        "fresh_redis_url",
        "seeded_redis_url",
    }
)
# What a test module holds when it starts processes of its own.
_PROCESS_STARTERS = (running_redis, restartable_redis, running_cluster)
_PROCESS_MODULES = ("subprocess", "multiprocessing")
_PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn"})
_PROCESS_EVENT_PREFIXES = ("os.exec", "os.spawn", "os.system")
_fast = False
# Whether a test is running: with pytest-xdist, the process that starts the workers runs none.
_testing = False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fast",
        action="store_true",
        help="only the tests that need no Redis and start no process (make test-fast)",
    )


def _refuse_processes(event: str, args: tuple[Any, ...]) -> None:
    if (
        _fast
        and _testing
        and (event in _PROCESS_EVENTS or event.startswith(_PROCESS_EVENT_PREFIXES))
    ):
        raise RuntimeError(
            f"--fast starts no process ({event}): mark the test `redis` or `subprocess`"
        )


def pytest_configure(config: pytest.Config) -> None:
    global _fast
    # The postcode table, built from its sources once and then read from pytest's cache
    # directory in a fraction of a second (places/stored.py names it for those sources).
    cache = getattr(config, "cache", None)
    if cache is not None:
        places.keep_table_in(Path(cache.mkdir("places")))
    if config.getoption("--fast"):
        _fast = True
        sys.addaudithook(_refuse_processes)
        # Property tests draw a fixed, smaller budget (tests/budget.py).
        settings.load_profile(FAST)
    else:
        settings.load_profile(WHOLE)


def pytest_report_header(config: pytest.Config) -> str:
    build = promise.BUILD
    if build.running:
        return f"promise: compiled ({len(build.running)} modules)"
    reasons = [
        *(["PROMISE_INTERPRETED is set"] if build.forced_interpreted else []),
        *([f"changed since the build: {', '.join(build.stale)}"] if build.stale else []),
        *([f"compiled without a source: {', '.join(build.orphans)}"] if build.orphans else []),
    ]
    return "promise: from source" + (f" ({'; '.join(reasons)})" if build.refused else "")


# Backend parameters of fixtures that pick their Redis with request.getfixturevalue.
_BACKEND_NAMES = frozenset({"redis", "cluster", "redis_cluster"})


def _names_redis(value: object) -> bool:
    named = getattr(value, "url_fixture", value)
    return isinstance(named, str) and (named in REDIS_FIXTURES or named in _BACKEND_NAMES)


def _starts_processes(module: ModuleType | None) -> bool:
    held = vars(module).values() if module is not None else ()
    return any(
        (isinstance(value, ModuleType) and value.__name__ in _PROCESS_MODULES)
        or any(value is starter for starter in _PROCESS_STARTERS)
        or getattr(value, "__module__", None) == "tests.gateway.served"
        for value in held
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Each module is looked through once, not once per test it holds.
    starters: dict[ModuleType | None, bool] = {}
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if REDIS_FIXTURES.intersection(getattr(item, "fixturenames", ())) or any(
            _names_redis(value) for value in params.values()
        ):
            item.add_marker(pytest.mark.redis)
        module = getattr(item, "module", None)
        if module not in starters:
            starters[module] = _starts_processes(module)
        if starters[module]:
            item.add_marker(pytest.mark.subprocess)
    if not config.getoption("--fast"):
        return
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        out = any(item.iter_markers("redis")) or any(item.iter_markers("subprocess"))
        (left if out else kept).append(item)
    config.hook.pytest_deselected(items=left)
    items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    global _testing
    _testing = True
    try:
        return (yield)
    finally:
        _testing = False


def pytest_collection_finish(session: pytest.Session) -> None:
    # What every test shares and none frees (the modules, the postcode table) moves out of
    # the collector's sight, as a server process's start-up does (gateway/app.py): else each
    # full collection walks it all again, a third of the CPU of `make test-fast`.
    if session.items:
        places.load()
        gc.collect()
        gc.freeze()


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
