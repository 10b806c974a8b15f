"""`round_to` gives the very float `round` gives, ties, signs and large values included."""

from __future__ import annotations

import math
import random

import pytest

from promise.rounding import round_to
from tests.budget import draws

TRICKY = [
    0.0,
    -0.0,
    0.05,
    0.15,
    0.25,
    0.35,
    2.675,
    1.005,
    1.0049999999999999,
    -0.04,
    -0.05,
    -2.5,
    0.45,
    1e-12,
    -1e-12,
    123456.75,
    1990.95,
    1990.9499999999998,
    2.0**30,
    2.0**40 + 0.5,
    1e300,
    -1e300,
    5e-324,
    math.inf,
    -math.inf,
]


def same(a: float, b: float) -> bool:
    """Equal as floats and in sign (so 0.0 and -0.0 differ)."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize("digits", [0, 1, 2, 3, 6])
def test_tricky_values_round_as_round_does(digits: int) -> None:
    for x in TRICKY:
        assert same(round_to(x, digits), round(x, digits)), (x, digits)
    assert math.isnan(round_to(math.nan, digits))


@pytest.mark.parametrize("digits", [1, 3])
def test_drawn_values_round_as_round_does(digits: int) -> None:
    r = random.Random(digits)
    for _ in range(draws(200_000)):
        # Grams and km as sums of parts, decimal ties, and values near the fallback's limit.
        x = r.choice(
            [
                r.uniform(0, 20_000),
                round(r.uniform(-500, 500), digits + 1),
                r.randrange(10**6) / 10 ** (digits + 1),
                r.uniform(0, 2**30) / 10**digits,
            ]
        )
        assert same(round_to(x, digits), round(x, digits)), (x, digits)
