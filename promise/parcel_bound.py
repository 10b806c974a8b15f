"""How few parcels can carry a cart: a lower bound from the weights of its units alone.

The sourcing search bounds a partial plan's parcels from below to cut it early, and a cart
that cannot fit the profile's cap in parcels is not searched at all. The bound is Martello
and Toth's L2 for bin packing (1990): every unit heavier than half a parcel needs a parcel of
its own, those heavier than the load less `k` cannot share it with a unit of `k` or more, and
the units from `k` to half a parcel fill at best the room left beside the half-heavy ones,
then whole parcels. The best over every `k` among the light units' weights is never above
the true fewest, and is at least the cart's weight over one parcel's load.
"""

from __future__ import annotations

from collections.abc import Mapping


def fewest_parcels_for(units: Mapping[int, int], load: int) -> int:
    """A lower bound on the parcels of at most `load` grams that carry `units` (grams ->
    how many units weigh that); 0 for no units. A unit above the load counts one parcel."""
    if load <= 0:
        raise ValueError(f"a parcel's load must be positive, not {load} g")
    weights = [(grams, count) for grams, count in units.items() if count > 0]
    if not weights:
        return 0
    best = 0
    for k in {0, *(grams for grams, _ in weights if 2 * grams <= load)}:
        alone = over_half = room_used = light = 0
        for grams, count in weights:
            if grams > load - k:
                alone += count
            elif 2 * grams > load:
                over_half += count
                room_used += grams * count
            elif grams >= k:
                light += grams * count
        room = over_half * load - room_used
        best = max(best, alone + over_half + max(0, -(-(light - room) // load)))
    return best
