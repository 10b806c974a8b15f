"""A server process moves what its start-up built out of the collector's sight; tests don't."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gateway.app import YOUNG_COLLECTION_EVERY, create_app
from gateway.ops.settings import Settings, settings_from_env


@pytest.fixture
def thawed() -> Iterator[None]:
    """Nothing frozen during the test; afterwards, frozen again if the session had frozen its
    start-up (tests/conftest.py)."""
    was_frozen = gc.get_freeze_count() > 0
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        if was_frozen:
            gc.freeze()


def test_server_processes_freeze_the_heap_and_in_process_apps_do_not() -> None:
    assert settings_from_env({}).freeze_heap_at_start is True
    assert Settings().freeze_heap_at_start is False


@pytest.mark.usefixtures("thawed")
async def test_an_app_that_freezes_leaves_its_start_up_objects_frozen() -> None:
    app = create_app(Settings(store_url="memory://", freeze_heap_at_start=True))
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        # The demo network alone is thousands of objects (nodes, stock, calendars).
        assert frozen > 10_000
        # Requests' short-lived objects are collected less often than CPython's 700.
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY


@pytest.mark.usefixtures("thawed")
async def test_an_app_that_does_not_freeze_leaves_the_collector_alone() -> None:
    app = create_app(Settings(store_url="memory://"))
    threshold = gc.get_threshold()
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == threshold
