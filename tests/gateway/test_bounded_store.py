"""A store call bounded by the request's deadline: its answer, its error, or the deadline's."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import pytest

from gateway.service import deadline
from gateway.service.bounded_store import BoundedStore
from stock_cache import StockStore
from stock_cache.errors import StoreUnavailable


class HeldStore:
    """A store whose ATP read answers when the test says so."""

    def __init__(self) -> None:
        self.reply: asyncio.Future[dict[str, dict[str, int]]] = (
            asyncio.get_running_loop().create_future()
        )

    async def atp(
        self, skus: Sequence[str], node_ids: Sequence[str], *, channel: str | None = None
    ) -> dict[str, dict[str, int]]:
        return await self.reply


def bounded(store: HeldStore) -> BoundedStore:
    return BoundedStore(cast("StockStore", store))


async def test_a_read_answered_within_the_budget_gives_the_stores_answer() -> None:
    held = HeldStore()
    store = bounded(held)
    budget = deadline.begin(60.0)
    try:
        answer = store.atp(["OAK-TABLE-120"], ["DC-MIRAMAS"])
        held.reply.set_result({"OAK-TABLE-120": {"DC-MIRAMAS": 7}})
        assert await answer == {"OAK-TABLE-120": {"DC-MIRAMAS": 7}}
    finally:
        deadline.end(budget)
    await asyncio.sleep(0)  # the finished call's bookkeeping runs at the next turn
    assert store.finishing == 0
    assert store.past_deadline == 0


async def test_a_store_error_reaches_the_caller_as_raised() -> None:
    held = HeldStore()
    store = bounded(held)
    budget = deadline.begin(60.0)
    try:
        answer = store.atp(["OAK-TABLE-120"], ["DC-MIRAMAS"])
        failure = StoreUnavailable("Redis at LYON-PART-DIEU refused the connection")
        held.reply.set_exception(failure)
        with pytest.raises(StoreUnavailable) as raised:
            await answer
    finally:
        deadline.end(budget)
    assert raised.value is failure
    await asyncio.sleep(0)
    assert store.finishing == 0


async def test_a_read_past_the_deadline_is_unavailable_at_once_and_runs_on_to_its_end() -> None:
    held = HeldStore()
    store = bounded(held)
    budget = deadline.begin(1.0, since=deadline.now() - 2.0)
    try:
        answer: Any = store.atp(["OAK-TABLE-120"], ["DC-MIRAMAS"])
        with pytest.raises(StoreUnavailable, match="did not answer ATP"):
            await answer
    finally:
        deadline.end(budget)
    assert store.past_deadline == 1
    assert store.finishing == 1  # not cancelled: the read goes on
    held.reply.set_result({"OAK-TABLE-120": {"DC-MIRAMAS": 7}})
    for _ in range(3):
        await asyncio.sleep(0)
    assert store.finishing == 0
