"""The time a request has left: one deadline, set when the request arrives, shared by its calls.

The endpoint sets the deadline (`REQUEST_TIMEOUT_SECONDS` after arrival) in a context
variable, so every await of the request sees the same one: the API-key lookup, the rate
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


def begin(seconds: float) -> Token[float | None]:
    """From now on, the calls of this context share a budget of `seconds`; `end` it after."""
    return _deadline.set(time.monotonic() + seconds)


def end(token: Token[float | None]) -> None:
    _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline (never below 0); None outside a request."""
    instant = _deadline.get()
    if instant is None:
        return None
    return max(0.0, instant - time.monotonic())


def capped(share: float) -> float | None:
    """What a call that may spend at most `share` of the time left gets; None: unbounded."""
    left = remaining()
    return None if left is None else left * share
