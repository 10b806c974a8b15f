"""Whether a single-node plan already beats every split, from bounds on the lines alone.

A plan that ships every line gives each line held in full somewhere to one of its holders in
full, so each of its criteria is at least what that line alone at its best such holder
contributes: the plan's latest day is no earlier, its cost, CO2e, km and store depth (sums of
parts that are never negative) are no lower. Over all lines, the largest of these is a lower
bound on every plan. When the incumbent ships one parcel and every criterion the objective
ranks before the parcel count is bounded at or above the incumbent's value, any plan of two
or more shipments ranks after it, so the splits need not be searched.
"""

from __future__ import annotations

from promise.plan_search import Search
from promise.profiles import Criterion
from promise.rounding import round_to

# A criterion's index in a shipment's part (see `promise.judge.Part`), for those a plan's
# value only grows with: the latest day, and sums of parts that are never negative.
_PART_INDEX = {
    Criterion.DELIVERY_DATE: 0,
    Criterion.COST: 2,
    Criterion.CO2E: 3,
    Criterion.DISTANCE: 4,
    Criterion.STOCK_DEPTH: 6,
}


def splits_lose(search: Search) -> bool:
    """Whether no plan of two or more shipments can rank before the single-node incumbent."""
    best, at = search.best, search.fewest
    if best is None or at is None or best[0][0][at] > 1.0:
        return False
    values = best[0][0]
    for position, criterion in enumerate(search.judge.objective[:at]):
        bound = _lower_bound(search, _PART_INDEX.get(criterion), values[position])
        if bound is None or bound < values[position]:
            return False
    return True


def _lower_bound(search: Search, index: int | None, target: float) -> float | None:
    """The largest over the lines of the least part (at `index`) of the line alone at any of
    its holders in full; None when unknown. A line one of whose holders cannot ship it alone
    bounds nothing: leaving a line out keeps the bound below every plan.

    Only whether the bound reaches `target` matters to the caller, so the lines stop once it
    does, and a line stops once it is known not to raise the bound: the answer is the same,
    and fewer single-line shipments are scored, work that grows with lines x holders.
    """
    if index is None:
        return None
    p = search.p
    bound: float | None = None
    for j in p.order:
        least: float | None = None
        for i in p.full[j]:
            part = p.grown_part(i, 0, j, p.quantity[j])
            if part is None:
                # Alone it cannot go from there (too light, say); with more it might.
                least = None
                break
            value = float(part[index])
            if least is None or value < least:
                least = value
                if bound is not None and least <= bound:
                    # This line cannot raise the bound, whatever its other holders give.
                    break
        if least is not None and (bound is None or least > bound):
            bound = least
            if _rounded(bound, index) >= target:
                break
    if bound is None:
        return None
    return _rounded(bound, index)


def _rounded(bound: float, index: int) -> float:
    if index in (3, 4):
        # CO2e and km are rated rounded to a tenth; rounding keeps the order.
        return round_to(bound, 1)
    return bound
