"""A request that does not ask for the trace gets the same options without it.

The trace (profile, nodes rejected, the best plans compared) is built only for a request that
sets `explain`; the plans, dates, prices, CO2e and greener alternatives do not depend on it.
"""

from __future__ import annotations

import dataclasses

from promise.promise_builder import Option
from tests.promise.test_kinds_asked import lamp_options


def options_of(*, explain: bool) -> list[Option]:
    return lamp_options(2, explain=explain)


def test_the_options_are_the_same_with_or_without_the_trace() -> None:
    traced = options_of(explain=True)
    untraced = options_of(explain=False)

    assert len(traced) >= 3
    assert [dataclasses.replace(o, explanation=None) for o in traced] == untraced


def test_only_a_request_that_asks_gets_the_trace() -> None:
    traced = options_of(explain=True)
    untraced = options_of(explain=False)

    assert all(o.explanation is None for o in untraced)
    trace = traced[0].explanation
    assert trace is not None
    assert trace.compared, "the plans compared are listed"
    assert [p.chosen for p in trace.compared].count(True) == 1
    assert trace.considered
