"""How many cases a property or exhaustive test tries: its whole budget in `make test`, a
fixed, smaller one under `pytest --fast` (make test-fast), for the same property.

`--fast` loads the hypothesis profile FAST (tests/conftest.py): its examples are drawn from a
fixed seed, and a test that names its own budget takes `budget(n)` examples.
"""

from __future__ import annotations

from hypothesis import settings

FAST = "fast"
WHOLE = "whole"
# The most examples or draws a test tries under --fast.
FAST_EXAMPLES = 25
FAST_DRAWS = 10_000

# No per-example deadline in either profile: hypothesis's default (200 ms) is a wall-clock
# assertion, and a loaded machine fails it with no fault in the code.
settings.register_profile(WHOLE, deadline=None)
settings.register_profile(
    FAST, max_examples=FAST_EXAMPLES, derandomize=True, database=None, deadline=None
)


def fast() -> bool:
    """Whether this session runs the inner loop's budgets (`pytest --fast`)."""
    return settings.get_current_profile_name() == FAST


def budget(full: int) -> int:
    """The examples a property test draws: `full`, or at most FAST_EXAMPLES under --fast."""
    return min(full, FAST_EXAMPLES) if fast() else full


def draws(full: int) -> int:
    """The values a loop of seeded random draws tries: `full`, at most FAST_DRAWS under --fast."""
    return min(full, FAST_DRAWS) if fast() else full
