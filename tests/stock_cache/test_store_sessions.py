"""A store call's session: a turn of the connections taken and always given back, and a
failure to reach Redis raised as the store's error (a read's, or a change's)."""

from __future__ import annotations

import pytest
import redis.exceptions

from stock_cache.errors import StoreOutcomeUnknown, StoreUnavailable
from stock_cache.redis_connection import MAX_CONNECTIONS
from stock_cache.redis_store import RedisStore


def _store() -> RedisStore:
    # Nothing connects until a command is sent: a session alone sends none.
    return RedisStore.from_url("redis://127.0.0.1:1/0")


async def test_a_session_takes_a_turn_and_gives_it_back() -> None:
    store = _store()
    async with store._session():
        assert store._turns._value == MAX_CONNECTIONS - 1
    assert store._turns._value == MAX_CONNECTIONS


@pytest.mark.parametrize(
    ("writes", "raised"), [(False, StoreUnavailable), (True, StoreOutcomeUnknown)]
)
async def test_redis_unreachable_inside_is_the_stores_error(
    writes: bool, raised: type[Exception]
) -> None:
    store = _store()
    lost = redis.exceptions.ConnectionError("Error while reading from 127.0.0.1:1")
    with pytest.raises(raised) as caught:
        async with store._session(writes=writes):
            raise lost
    assert caught.value.__cause__ is lost
    assert store._turns._value == MAX_CONNECTIONS


async def test_other_errors_pass_as_they_are() -> None:
    store = _store()
    with pytest.raises(KeyError):
        async with store._session(writes=True):
            raise KeyError("a bug, not an outage")
    assert store._turns._value == MAX_CONNECTIONS


async def test_an_outage_while_settling_is_a_read_error_and_gives_the_turn_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = _store()

    async def unreachable() -> None:
        raise redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:1")

    store._unsettled = [object()]  # type: ignore[list-item]
    monkeypatch.setattr(store, "_settle", unreachable)
    ran = False
    with pytest.raises(StoreUnavailable):
        async with store._session(writes=True):
            ran = True
    assert not ran
    assert store._turns._value == MAX_CONNECTIONS
