"""A shipment's units packed into parcels of a service's load: first-fit decreasing.

Units are placed heaviest first, each in the first parcel it fits in, a new parcel when none
has room (Johnson's first-fit decreasing, at most 11/9 of the fewest parcels plus one).
Units of one weight are placed together: a parcel takes as many as its room allows before
the next one is tried, which is what placing them one by one would do.
"""

from __future__ import annotations

from typing import Final

# A run of units of one weight in one int, `grams << RUN_SHIFT | count`: a list of runs
# sorts by weight as ints do, natively, where (grams, count) pairs would compare as tuples.
# Built by a shift, not `grams * RUN`: compiled, a product with a factor this large takes
# the generic (boxed) path.
RUN_SHIFT: Final = 32
RUN: Final = 1 << RUN_SHIFT
_COUNT: Final = RUN - 1


def packed(units: dict[int, int], load: int) -> tuple[int, ...]:
    """The parcels' weights, heaviest first, for `units` (grams -> how many weigh that) in
    parcels of at most `load` grams; a unit above the load (refused before) gets its own."""
    _check(load)
    parcels: list[int] = []
    # Sorted up then read down, and the parcels sorted then reversed: the same orders as
    # `sorted(..., reverse=True)` (equal ints are alike), which compiled is a generic call.
    weights = list(units)
    weights.sort()
    for at in range(len(weights) - 1, -1, -1):
        grams = weights[at]
        _place(parcels, grams, units[grams], load)
    return _heaviest_first(parcels)


def packed_runs(runs: list[int], load: int) -> tuple[int, ...]:
    """`packed` of units given as runs (`grams << RUN_SHIFT | count`, grams positive, counts
    from 0 to below RUN), in any order, one weight possibly in several runs; sorts `runs`.

    What the scorer packs: a list of ints it builds without a dict of boxed keys."""
    _check(load)
    parcels: list[int] = []
    runs.sort()
    at = len(runs) - 1
    while at >= 0:
        grams, left = runs[at] >> RUN_SHIFT, runs[at] & _COUNT
        at -= 1
        while at >= 0 and runs[at] >> RUN_SHIFT == grams:
            left += runs[at] & _COUNT
            at -= 1
        _place(parcels, grams, left, load)
    return _heaviest_first(parcels)


def _check(load: int) -> None:
    if load <= 0:
        raise ValueError(f"a parcel's load must be positive, not {load} g")


def _place(parcels: list[int], grams: int, left: int, load: int) -> None:
    """`left` units of `grams` each, first fit: in the parcels there are, then new ones."""
    if left <= 0:
        return
    for index, weight in enumerate(parcels):
        fits = (load - weight) // grams
        if fits > 0:
            taken = min(fits, left)
            parcels[index] = weight + taken * grams
            left -= taken
            if left == 0:
                return
    per_parcel = max(1, load // grams)
    while left > 0:
        taken = min(per_parcel, left)
        parcels.append(taken * grams)
        left -= taken


def _heaviest_first(parcels: list[int]) -> tuple[int, ...]:
    parcels.sort()
    parcels.reverse()
    return tuple(parcels)
