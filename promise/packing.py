"""A shipment's units packed into parcels of a service's load: first-fit decreasing.

Units are placed heaviest first, each in the first parcel it fits in, a new parcel when none
has room (Johnson's first-fit decreasing, at most 11/9 of the fewest parcels plus one).
Units of one weight are placed together: a parcel takes as many as its room allows before
the next one is tried, which is what placing them one by one would do.
"""

from __future__ import annotations


def packed(units: dict[int, int], load: int) -> tuple[int, ...]:
    """The parcels' weights, heaviest first, for `units` (grams -> how many weigh that) in
    parcels of at most `load` grams; a unit above the load (refused before) gets its own."""
    if load <= 0:
        raise ValueError(f"a parcel's load must be positive, not {load} g")
    parcels: list[int] = []
    # Sorted up then read down, and the parcels sorted then reversed: the same orders as
    # `sorted(..., reverse=True)` (equal ints are alike), which compiled is a generic call.
    # A dict, not a Mapping: compiled, its lookups are native rather than generic calls.
    weights = list(units)
    weights.sort()
    for at in range(len(weights) - 1, -1, -1):
        grams = weights[at]
        left = units[grams]
        if left <= 0:
            continue
        for index, weight in enumerate(parcels):
            fits = (load - weight) // grams
            if fits > 0:
                taken = min(fits, left)
                parcels[index] = weight + taken * grams
                left -= taken
                if left == 0:
                    break
        per_parcel = max(1, load // grams)
        while left > 0:
            taken = min(per_parcel, left)
            parcels.append(taken * grams)
            left -= taken
    parcels.sort()
    parcels.reverse()
    return tuple(parcels)
