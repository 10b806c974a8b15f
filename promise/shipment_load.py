"""A shipment's goods as packing sees them: their weight, heaviest unit and runs of units.

The search grows a shipment one line at a time; its load grows with it by one run, so a
grown shipment is weighed from its base instead of line by line.
"""

from __future__ import annotations

from collections.abc import Callable

from promise.cart import CartLine
from promise.packing import RUN, RUN_SHIFT


class Load:
    """Grams of the goods, of the heaviest unit, and the units as packing runs (`grams <<
    RUN_SHIFT | count`) sorted up; `runs` is None when a unit weighs nothing or a line has
    more units than a run counts, which `packing.packed` then takes by weight instead."""

    def __init__(self, weight: int, heaviest: int, runs: tuple[int, ...] | None) -> None:
        self.weight = weight
        self.heaviest = heaviest
        self.runs = runs
        # The parcels (or None, and whether for too many) of the last service terms that
        # packed it, and those terms: the searches over one cart's contents are one
        # service's, so a field answers where a table by the lines would need a key.
        self.packed_by: object = None
        self.parcels: tuple[int, ...] | None = None
        self.too_many = False

    def grown(self, grams: int, units: int) -> Load:
        """This load with `units` more units of `grams` each."""
        runs = self.runs
        if runs is not None:
            if grams <= 0 or not 0 <= units < RUN:
                runs = None
            else:
                run = grams << RUN_SHIFT | units
                # Where the run goes, by halving: compiled, a loop over ints, no `bisect` call.
                low, high = 0, len(runs)
                while low < high:
                    middle = (low + high) // 2
                    if run < runs[middle]:
                        high = middle
                    else:
                        low = middle + 1
                grown = list(runs)
                grown.insert(low, run)
                runs = tuple(grown)
        heaviest = grams if grams > self.heaviest else self.heaviest
        return Load(self.weight + grams * units, heaviest, runs)


NO_LOAD = Load(0, 0, ())


def load_of(lines: tuple[CartLine, ...], unit_grams: Callable[[str], int]) -> Load:
    """The load of `lines`, weighed line by line (in one pass: not grown run by run)."""
    weight, heaviest = 0, 0
    runs: list[int] | None = []
    for line in lines:
        grams, units = unit_grams(line.sku), line.quantity
        weight += grams * units
        if grams > heaviest:
            heaviest = grams
        if runs is not None:
            if grams <= 0 or not 0 <= units < RUN:
                runs = None
            else:
                runs.append(grams << RUN_SHIFT | units)
    if runs is None:
        return Load(weight, heaviest, None)
    runs.sort()
    return Load(weight, heaviest, tuple(runs))
