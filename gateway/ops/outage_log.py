"""A warning said at most once per interval while an outage lasts: a request path that
logged every failure with its traceback wrote thousands of them a second under load."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

EVERY_SECONDS = 10.0


class OutageLog:
    """One warning of a kind per `every` seconds, with the exception being handled; the
    ones left unsaid in between are counted in the next."""

    def __init__(
        self,
        log: logging.Logger,
        message: str,
        *,
        every: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._message = message
        self._every = every
        self._clock = clock
        self._next: float | None = None
        self._unsaid = 0

    def warn(self) -> None:
        """Called in an `except` block: its exception goes with the warning said."""
        now = self._clock()
        if self._next is not None and now < self._next:
            self._unsaid += 1
            return
        self._next = now + self._every
        unsaid, self._unsaid = self._unsaid, 0
        if unsaid:
            self._log.warning(
                "%s (%d more since the last said)", self._message, unsaid, exc_info=True
            )
        else:
            self._log.warning("%s", self._message, exc_info=True)
