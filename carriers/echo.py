"""Callers' values as messages echo them: cut to a bounded length, then quoted.

It lives in the package every other imports (promise, stock_cache, gateway), so that every
problem and feed reason cuts a value the same way (docs/api.md, "Problems").
"""

from __future__ import annotations

ECHO_LIMIT = 64
"""The most characters of a caller's value a message echoes."""


def cut(value: str, limit: int = ECHO_LIMIT) -> str:
    """A caller's value cut to `limit` characters, "..." marking the cut."""
    return value if len(value) <= limit else value[:limit] + "..."


def shown(value: str, limit: int = ECHO_LIMIT) -> str:
    """A caller's value for a message: cut (see `cut`), then quoted."""
    return repr(cut(value, limit))
