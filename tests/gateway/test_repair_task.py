"""The gateway's periodic store repair keeps going whatever the store answers."""

from __future__ import annotations

import asyncio
from typing import cast

from gateway.app import repair_periodically
from stock_cache import StockStore
from stock_cache.errors import StoreUnavailable


class FlakyStore:
    def __init__(self) -> None:
        self.calls = 0
        self.third = asyncio.Event()

    async def repair(self) -> int:
        self.calls += 1
        if self.calls == 3:
            self.third.set()
        if self.calls == 1:
            raise StoreUnavailable("Redis at 127.0.0.1:6379 did not answer")
        return 1


async def test_the_repair_task_runs_again_after_a_failure_until_cancelled() -> None:
    store = FlakyStore()
    task = asyncio.create_task(repair_periodically(cast(StockStore, store), 0.001))
    await asyncio.wait_for(store.third.wait(), timeout=5)
    task.cancel()

    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
