"""How far the sourcing search goes: where it is exact, and how wide its beam is."""

from __future__ import annotations

# The exact search runs up to these many lines and nodes holding any of them...
EXACT_MAX_LINES = 6
EXACT_MAX_NODES = 12
# ...and visits at most this many partial plans before the beam carries on.
EXACT_BUDGET = 1_000
# The beam keeps this many partial plans, each offered this many nodes it does not use yet.
BEAM_WIDTH = 8
NODES_PER_LINE = 8
# The best plans an explanation lists.
PLANS_TRACED = 5
