"""How plans compare under a rule profile: a plan's values from what each shipment contributes.

Each shipment contributes to every criterion at once: the days to its promised date, its
likely day, its cost, CO2e and distance, its node's priority and the store units it takes
out of those kept for walk-in shoppers. A plan's values combine its shipments' parts (a
count, maxima, sums, a minimum) in the order of the profile's objective, then the tie-break:
likely day, distance, and the plan's nodes and lines, so equal inputs always give the same
plan. The search rates a plan from cached parts, so a plan costs a few additions, whatever
the size of its shipments; `key` rates one from scratch with the same arithmetic.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache

from promise.cart import CartLine
from promise.plans import (
    PlanKey,
    PlannedShipment,
    Scorer,
    ShipmentScore,
    Stock,
    available,
)
from promise.profiles import Criterion
from promise.rounding import round_scaled

Part = tuple[int, int, int, float, float, int, int]
"""One shipment's contribution: days to its promised date, likely day (ordinal), cost in
cents, CO2e grams, km, node priority, store units taken from the last ones kept."""

Rating = tuple[tuple[float, ...], int, float]
"""A plan's objective values, likely day and distance: its key without nodes and lines."""

# The order in which `Judge.rate` computes every criterion, before picking the objective's.
_EVERY = tuple(Criterion)


def ties(shipments: Sequence[PlannedShipment]) -> tuple[tuple[str, tuple[CartLine, ...]], ...]:
    """The last tie-break: the plan's nodes and their lines, sorted."""
    return tuple(sorted((s.node_id, s.lines) for s in shipments))


class ShipmentParts:
    """What one shipment contributes to every criterion, from its score.

    Apart from the judge, so that the problems a judge keeps in its memo can score shipments
    without pointing back at it: a judge and its problems in a cycle were left for the
    garbage collector with every score they cached (580 objects a checkout, 6% of it).
    """

    def __init__(
        self,
        score: Scorer,
        stock: Stock,
        *,
        priorities: Mapping[str, int],
        stores: frozenset[str],
        keep_store_units: int,
        day_zero: date = date.min,
        unit_grams: Callable[[str], int] | None = None,
    ) -> None:
        # DELIVERY_DATE counts days from here (the order's day), so traces read as days.
        self.day_zero = day_zero
        self._zero = day_zero.toordinal()
        # Days by their ordinal: a shipment's days from day zero and its likely day come from
        # it, where a date subtraction would make a timedelta each time.
        self._ordinals: dict[date, int] = {}
        self.score = score
        self.stock = stock
        self.priorities = priorities
        # A dict read natively for every shipment scored (a Mapping's `get` is a generic
        # method call compiled); the network's priorities already are one.
        self._priority_of: dict[str, int] = (
            priorities if isinstance(priorities, dict) else dict(priorities)
        )
        self.stores = stores
        self.keep = keep_store_units
        # A unit's grams by SKU, the scorer's: with it the search weighs a shipment as it
        # grows (`plan_problem`), line by line, and the scorer need not weigh it again.
        self.unit_grams = unit_grams

    def part(self, shipment: PlannedShipment) -> Part | None:
        """The shipment's contribution, scored afresh (searches cache it under their own keys)."""
        found = self.score(shipment)
        return None if found is None else self.of(shipment, found)

    def of(self, shipment: PlannedShipment, found: ShipmentScore) -> Part:
        return (
            self._ordinal(found.promised) - self._zero,
            self._ordinal(found.likely),
            found.cost_cents,
            found.co2e_grams,
            shipment.distance_km,
            self._priority_of.get(shipment.node_id, 0),
            self._depth(shipment),
        )

    def _ordinal(self, day: date) -> int:
        found = self._ordinals.get(day)
        if found is None:
            found = self._ordinals[day] = day.toordinal()
        return found

    def _depth(self, shipment: PlannedShipment) -> int:
        """Units taken out of the last `keep` of a store, kept for walk-in shoppers."""
        if shipment.node_id not in self.stores:
            return 0
        taken = 0
        for line in shipment.lines:
            left = available(self.stock, line.sku, shipment.node_id) - line.quantity
            taken += min(line.quantity, max(0, self.keep - left))
        return taken


class Judge:
    """A plan's objective values under a profile, with cached shipment scores."""

    def __init__(self, objective: Sequence[Criterion], parts: ShipmentParts) -> None:
        self.objective = tuple(objective)
        self.parts = parts
        self._cache: dict[PlannedShipment, ShipmentScore | None] = {}
        # What searches prepare about a cart, kept for the next search of the same family.
        self.memo: dict[object, object] = {}
        self._pick, self._where = _picker_of(self.objective)
        self.evaluations = 0

    def with_objective(self, objective: Sequence[Criterion]) -> Judge:
        """The same judge (and caches) comparing by another objective."""
        other = Judge(objective, self.parts)
        other._cache = self._cache
        other.memo = self.memo
        return other

    def priority(self, node_id: str) -> int:
        return self.parts.priorities.get(node_id, 0)

    def score(self, shipment: PlannedShipment) -> ShipmentScore | None:
        if shipment not in self._cache:
            self._cache[shipment] = self.parts.score(shipment)
        return self._cache[shipment]

    def key(self, shipments: Sequence[PlannedShipment]) -> PlanKey | None:
        """Objective values then the tie-break; None when a shipment can't be made."""
        self.evaluations += 1
        parts = []
        for shipment in shipments:
            found = self.score(shipment)
            if found is None:
                return None
            parts.append(self.parts.of(shipment, found))
        values, likely, distance = self.rate(parts)
        return (values, likely, distance, ties(shipments))

    def pick(self, every: tuple[float, ...]) -> tuple[float, ...]:
        """The objective's values out of every criterion's (in `Criterion` order)."""
        return self._pick(every)

    def rate(self, parts: Sequence[Part]) -> Rating:
        """Values, likely day and distance of a plan from its shipments' parts, in plan order.

        Sums run in the plan's shipment order, so a plan rated from cached parts and one
        rated from scratch get the same floats.
        """
        values, likely, distance = self._values(parts if isinstance(parts, tuple) else tuple(parts))
        return tuple(values), likely, distance

    def keyed(self, parts: Sequence[Part]) -> tuple[Rating, tuple[float, ...]]:
        """The rating, and the same as one flat tuple of floats, which orders as the rating
        does (every rating of a judge has as many values) and compares natively."""
        values, likely, distance = self._values(parts if isinstance(parts, tuple) else tuple(parts))
        rating = (tuple(values), likely, distance)
        values.append(float(likely))
        values.append(distance)
        return rating, tuple(values)

    def against(self, parts: tuple[Part, ...], extra: Part, values: tuple[float, ...]) -> int:
        """How the objective values of the plan of `parts` and then `extra` compare with
        `values` (the same judge's): -1 before, 0 equal, 1 after, as `rate` would give them,
        compared as tuples; nothing is made (a search asks this of bounds far more often than
        it keeps their ratings)."""
        count, days, _, cost, co2e, km, priority, depth = _summed(parts, extra, True)
        return self._versus(count, days, cost, co2e, km, priority, depth, values)

    def flat_against(self, parts: tuple[Part, ...], flat: tuple[float, ...]) -> int:
        """How the plan of `parts` (one or more) compares with a flat key of `keyed` (the same
        judge's): -1 before, 0 equal, 1 after, as its own flat key would; nothing is made."""
        count, days, likely, cost, co2e, km, priority, depth = _summed(parts, parts[0], False)
        found = self._versus(count, days, cost, co2e, km, priority, depth, flat)
        if found != 0:
            return found
        at = len(self._where)
        for value in (float(likely), round_scaled(km, 1000.0, 3)):
            if value != flat[at]:
                return 1 if value > flat[at] else -1
            at += 1
        return 0

    def _versus(
        self,
        count: int,
        days: int,
        cost: int,
        co2e: float,
        km: float,
        priority: int,
        depth: int,
        values: tuple[float, ...],
    ) -> int:
        """The objective's values of these totals against the first of `values`, as `_values`
        computes them, criterion by criterion: the first that differs tells."""
        for k, at in enumerate(self._where):
            value = _value(at, count, days, cost, co2e, km, priority, depth)
            against = values[k]
            if value != against:
                return 1 if value > against else -1
        return 0

    def _values(self, parts: tuple[Part, ...]) -> tuple[list[float], int, float]:
        # A tuple, not a Sequence: compiled, its items are read natively, not by a generic
        # `__getitem__` (the search's parts are tuples already).
        if not parts:
            return [0.0] * len(self._where), 0, 0.0
        count, days, likely, cost, co2e, km, priority, depth = _summed(parts, parts[0], False)
        # Only the objective's values, in its order (positions in `Criterion` order): no
        # tuple of every criterion boxed, no picker called.
        values: list[float] = []
        for at in self._where:
            values.append(_value(at, count, days, cost, co2e, km, priority, depth))
        return values, likely, round_scaled(km, 1000.0, 3)


def _summed(
    parts: tuple[Part, ...], extra: Part, with_extra: bool
) -> tuple[int, int, int, int, float, float, int, int]:
    """The count of parts, then what they combine to (the worst days and likely day, the sums,
    the lowest priority), in order: `parts`, then `extra` when `with_extra` (a part either
    way: compiled, an optional one's items would be read by generic calls). Every rating of
    a plan is made from these, so a plan rated twice gets the same floats."""
    if not parts:
        days, likely, cost, co2e, km, priority, depth = extra
        return 1, days, likely, cost, co2e, km, priority, depth
    days, likely, cost, co2e, km, priority, depth = parts[0]
    # By index: a slice of the parts would be a new tuple each time.
    for at in range(1, len(parts)):
        more = parts[at]
        days = max(days, more[0])
        likely = max(likely, more[1])
        cost += more[2]
        co2e += more[3]
        km += more[4]
        priority = min(priority, more[5])
        depth += more[6]
    if not with_extra:
        return len(parts), days, likely, cost, co2e, km, priority, depth
    # The loop's body again for `extra`, written out: choosing the part in the loop costs a
    # test a part, on the search's most frequent comparison.
    days = max(days, extra[0])
    likely = max(likely, extra[1])
    cost += extra[2]
    co2e += extra[3]
    km += extra[4]
    priority = min(priority, extra[5])
    depth += extra[6]
    return len(parts) + 1, days, likely, cost, co2e, km, priority, depth


def _value(
    at: int, count: int, days: int, cost: int, co2e: float, km: float, priority: int, depth: int
) -> float:
    """The value of the criterion at `at` (its position in `Criterion` order) of a plan of
    these totals (see `_summed`)."""
    if at == 0:
        return float(count)
    if at == 1:
        return float(days)
    if at == 2:
        return float(cost)
    if at == 3:
        return round_scaled(co2e, 10.0, 1)
    if at == 4:
        return round_scaled(km, 10.0, 1)
    if at == 5:
        return float(-priority)
    return float(depth)


_Pick = Callable[[tuple[float, ...]], tuple[float, ...]]
_PICKERS_KEPT = 64
# Pickers, with the objective's positions in `Criterion` order, by the identity of their
# objective, held with it: the profiles' objectives are tuples kept with the network, and a
# tuple of enum members hashes each member in interpreted Python (Enum's __hash__), which
# every judge of a request would repeat.
_PICKERS: dict[int, tuple[tuple[Criterion, ...], _Pick, tuple[int, ...]]] = {}


def _picker_of(objective: tuple[Criterion, ...]) -> tuple[_Pick, tuple[int, ...]]:
    held = _PICKERS.get(id(objective))
    if held is not None and held[0] is objective:
        return held[1], held[2]
    if len(_PICKERS) >= _PICKERS_KEPT:
        _PICKERS.clear()
    pick = _picker(objective)
    where = tuple([_EVERY.index(criterion) for criterion in objective])
    _PICKERS[id(objective)] = (objective, pick, where)
    return pick, where


# Every judge of a request builds one, from the few objectives the profiles name.
@lru_cache(maxsize=_PICKERS_KEPT)
def _picker(
    objective: tuple[Criterion, ...],
) -> Callable[[tuple[float, ...]], tuple[float, ...]]:
    """The objective's values out of every criterion's, in the objective's order."""
    where = [_EVERY.index(criterion) for criterion in objective]
    if len(where) == 1:
        (only,) = where
        return lambda every: (every[only],)
    if not where:
        return lambda _every: ()
    pick = operator.itemgetter(*where)
    return lambda every: tuple(pick(every))
