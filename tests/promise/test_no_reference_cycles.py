"""A promise leaves nothing for the garbage collector: every object it builds is freed by
reference counting once the answer is dropped. A cycle (a judge keeping problems that point
back at it) left ~580 objects a checkout to the collector, whose passes cost 6% of it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tests.promise.builders import (
    BRASS_LAMP,
    DC_BONNEUIL,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    PART_DIEU,
    a_network,
    cart,
    promise_collect,
    promise_home,
)

LAMP_AND_CUSHION = cart((BRASS_LAMP, 1), (LINEN_CUSHION, 2))
# Split over the DCs and Part-Dieu, so the search weighs several plans and shipments.
STOCK = {
    BRASS_LAMP: {DC_SQF: 1, PART_DIEU: 2, DC_BONNEUIL: 4},
    LINEN_CUSHION: {DC_BONNEUIL: 3, PART_DIEU: 1},
}


@pytest.fixture
def collector_keeps_garbage() -> Iterator[None]:
    """The collector keeps what it finds unreachable in gc.garbage, for the test to see."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()


@pytest.mark.usefixtures("collector_keeps_garbage")
def test_home_and_collect_promises_leave_no_cycles() -> None:
    network = a_network()
    home = promise_home(network, LAMP_AND_CUSHION, HOME_LYON_BROTTEAUX, STOCK)
    collect = promise_collect(network, LAMP_AND_CUSHION, PART_DIEU, STOCK)
    assert home
    assert collect
    del home, collect

    gc.collect()

    left = sorted({f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage})
    assert left == []
