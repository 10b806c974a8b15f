"""`round(x, digits)` for the figures a search rounds by the thousand, without its text.

CPython rounds a float to `digits` decimals by writing it out as a decimal string and reading
that back (`_Py_dg_dtoa`, then `strtod`): exact, and about 1,500 instructions a call. Scaled
by 10**digits, a value whose fraction lies clearly off one half rounds to the same integer n
as the exact value does, and `n / 10**digits`, an IEEE division of two exact numbers, is
the float nearest the decimal, which is what `round` reads back. Values near a tie, zero
(its sign), very large or not finite go to `round` itself.
"""

from __future__ import annotations

import math

_SCALES = (1.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0, 1_000_000.0)
# Below 2**30 a scaled value's rounding error is under 2**-22: far inside this margin.
_LIMIT = float(2**30)
_TIE_MARGIN = 1e-6


def round_to(x: float, digits: int) -> float:
    """The same float as `round(x, digits)` (0 <= digits <= 6)."""
    scale = _SCALES[digits]
    scaled = x * scale
    if -_LIMIT < scaled < _LIMIT:
        whole = math.floor(scaled + 0.5)
        if whole != 0 and abs(scaled - math.floor(scaled) - 0.5) > _TIE_MARGIN:
            return whole / scale
    return round(x, digits)
