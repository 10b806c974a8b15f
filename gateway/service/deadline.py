"""The time a request has left: one deadline, set when the request arrives, shared by its calls.

The endpoint sets the deadline (`REQUEST_TIMEOUT_SECONDS` after the request's first byte
came in, as the HTTP protocol stamped it: time spent queued in a busy worker counts) in a
context variable, so every await of the request sees the same one: the API-key lookup, the rate
limiter and each stock-store call spend one budget in series instead of each having its own
timeout. Outside a request (start-up, scripts, tests calling the service) there is none and
calls run unbounded, as before.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

# time.monotonic() instant by which the request must be answered; None outside a request.
_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)


class DeadlinePassed(Exception):
    """The request's deadline passed before a call finished."""


def now() -> float:
    """The clock deadlines are on (the HTTP protocol stamps arrivals with it)."""
    return time.monotonic()


def begin(seconds: float, *, since: float | None = None) -> Token[float | None]:
    """The calls of this context share a budget of `seconds` from `since` (a `now()` instant,
    the request's arrival; default: now); `end` it after."""
    return _deadline.set((now() if since is None else since) + seconds)


def end(token: Token[float | None]) -> None:
    _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline (never below 0); None outside a request."""
    instant = _deadline.get()
    if instant is None:
        return None
    return max(0.0, instant - now())


def capped(share: float) -> float | None:
    """What a call that may spend at most `share` of the time left gets; None: unbounded."""
    left = remaining()
    return None if left is None else left * share
