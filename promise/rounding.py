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
from typing import Final

# Final: compiled, each is a constant of the module, not a lookup in its dict per call.
# Below 2**30 a scaled value's rounding error is under 2**-22: far inside this margin.
_LIMIT: Final = 1_073_741_824.0
_TIE_MARGIN: Final = 1e-6


def round_to(x: float, digits: int) -> float:
    """The same float as `round(x, digits)` (0 <= digits <= 15)."""
    # 10**digits by products, each exact (as far as 10**22), not a generic pow call.
    scale = 1.0
    for _ in range(digits):
        scale *= 10.0
    return round_scaled(x, scale, digits)


def round_scaled(x: float, scale: float, digits: int) -> float:
    """`round_to(x, digits)` with `scale` = 10.0 ** digits given, for callers that know it."""
    scaled = x * scale
    if -_LIMIT < scaled < _LIMIT:
        whole = math.floor(scaled + 0.5)
        if whole != 0 and abs(scaled - math.floor(scaled) - 0.5) > _TIE_MARGIN:
            return whole / scale
    return round(x, digits)
