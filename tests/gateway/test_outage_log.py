"""An outage's warning is said once per interval, with its traceback and the count unsaid."""

from __future__ import annotations

import logging

import pytest

from gateway.ops.outage_log import OutageLog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fail(outage: OutageLog, times: int) -> None:
    for _ in range(times):
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError:
            outage.warn()


def said(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "test.outage"]


def test_a_burst_of_failures_is_one_warning_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    outage = OutageLog(logging.getLogger("test.outage"), "store unreachable", clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.outage"):
        fail(outage, 2_000)
    [record] = said(caplog)
    assert record.getMessage() == "store unreachable"
    assert record.exc_info is not None
    assert record.exc_info[0] is ConnectionRefusedError


def test_after_the_interval_the_next_warning_counts_those_unsaid(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    outage = OutageLog(logging.getLogger("test.outage"), "store unreachable", every=10, clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.outage"):
        fail(outage, 1)
        clock.now += 9.5
        fail(outage, 41)
        clock.now += 0.5
        fail(outage, 1)
        clock.now += 10
        fail(outage, 1)
    messages = [r.getMessage() for r in said(caplog)]
    assert messages == [
        "store unreachable",
        "store unreachable (41 more since the last said)",
        "store unreachable",
    ]
