"""A shipment's units packed into parcels of a service's load: first-fit decreasing.

Units are placed heaviest first, each in the first parcel it fits in, a new parcel when none
has room (Johnson's first-fit decreasing, at most 11/9 of the fewest parcels plus one).
Units of one weight are placed together: a parcel takes as many as its room allows before
the next one is tried, which is what placing them one by one would do.
"""

from __future__ import annotations

from typing import Final, cast

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
    parcels = _first_fit_sorted(runs, load)
    if parcels is None:
        runs.sort()
        parcels = _first_fit_sorted(runs, load)
        assert parcels is not None
    _sort_heaviest_first(parcels)
    return tuple(parcels)


def _first_fit_sorted(runs: list[int], load: int) -> list[int] | None:
    """The parcels of `runs` in the order first fit opens them, or None if `runs` is unsorted.

    Sorted runs are checked as they are packed rather than sorted first: compiled,
    `list.sort()` compares these two-digit ints through the generic rich comparison even
    when they are in order. Each run is placed as read, without merging runs of one weight:
    first fit places units one by one, so two runs of one weight fill as one would. The
    parcel last filled is held as a native int and written back only when another is: a
    write to the list boxes a new int and frees the old one.
    """
    parcels: list[int] = []
    held = -1
    held_weight = 0
    previous = -1
    for run in reversed(runs):
        if run > previous and previous >= 0:
            return None
        previous = run
        grams, left = run >> RUN_SHIFT, run & _COUNT
        if left == 0:
            continue
        for index, weight in enumerate(parcels):
            if index == held:
                weight = held_weight
            # A sum tests for room; a division only when not all the units fit.
            if weight + grams <= load:
                if left == 1 or weight + left * grams <= load:
                    taken = left
                else:
                    taken = (load - weight) // grams
                if index != held:
                    if held >= 0:
                        parcels[held] = held_weight
                    held = index
                held_weight = weight + taken * grams
                left -= taken
                if left == 0:
                    break
        if left != 0:
            per_parcel = 1 if grams > load else load // grams
            while left > per_parcel:
                parcels.append(per_parcel * grams)
                left -= per_parcel
            if held >= 0:
                parcels[held] = held_weight
            # The last parcel opened is held, its place kept by a small int (not boxed anew).
            parcels.append(0)
            held, held_weight = len(parcels) - 1, left * grams
    if held >= 0:
        parcels[held] = held_weight
    return parcels


def _sort_heaviest_first(parcels: list[int]) -> None:
    """Insertion sort, heaviest first: parcels opened by first fit mostly are already, and
    `list.sort()` then `reverse()` cost more than the few moves needed here."""
    # The same list seen as objects: a weight is moved as it is, not unboxed and boxed anew.
    slots = cast(list[object], parcels)
    for at in range(1, len(parcels)):
        weight = parcels[at]
        if parcels[at - 1] >= weight:
            continue
        moved = slots[at]
        to = at
        while to > 0 and parcels[to - 1] < weight:
            slots[to] = slots[to - 1]
            to -= 1
        slots[to] = moved


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
