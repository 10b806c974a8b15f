"""The sourcing search's beam: each line in turn to the best few partial plans so far.

A partial plan is extended by the nodes it already uses that hold the line in full, and by
the `NODES_PER_LINE` nearest other such nodes; a line held in full nowhere is split greedily
(nodes already used first, then largest holding first). The `BEAM_WIDTH` best extensions,
by the whole key, go on to the next line.

Each entry carries its shipments' parts and the lines its nodes hold, so an extension rates
from one new part. Extensions onto nodes already used come first: they keep the parcel count
and usually rank best, so the step soon knows `BEAM_WIDTH` good ratings. From then on an
extension is not scored when it is known to rank after them: its parent already does
(growing never helps), or the criteria known without scoring say so, or, for the nodes a
parent does not use yet, its parts plus a part no lower than any such node's for the line
do. The beam kept is the one scoring every extension would give.
"""

from __future__ import annotations

import bisect

from promise.cart import CartLine
from promise.judge import Part, Rating, ties
from promise.plan_problem import Partial
from promise.plan_search import Search
from promise.search_limits import BEAM_WIDTH, NODES_PER_LINE

Entry = tuple[tuple[float, ...], Rating | None, Partial, tuple[Part, ...], int]
"""A partial plan with its rating as one flat tuple of floats (`Judge.keyed`), the rating
itself (None before any line), shipment parts and holding mask."""


def beam(search: Search, *, cut: bool = True) -> None:
    """Give the lines out in the search's order, keeping the best partial plans.

    `cut` False scores every extension, which keeps the same beam, more slowly.
    """
    if search.settled():
        return
    entries: list[Entry] = [((), None, (), (), 0)]
    for given, j in enumerate(search.p.order, start=1):
        step = _Step(search, given, j, cut=cut)
        for entry in entries:
            step.reuse(entry)
        for entry in entries:
            step.spread(entry)
        entries = step.kept()
        if not entries:
            return
    for _, rating, plan, _, _ in entries:
        assert rating is not None
        search.keep(plan, rating)


class _Step:
    """One line given out to every entry of the beam."""

    def __init__(self, search: Search, given: int, j: int, *, cut: bool) -> None:
        self.search = search
        self.cut = cut
        self.given = given
        self.j = j
        self.bit = 1 << (given - 1)
        self.units = search.p.quantity[j]
        self.code = self.units * search.p.place[j]
        self.extended: dict[Partial, Entry | None] = {}
        # The best ratings of this step so far (flat keys), at most BEAM_WIDTH, best first:
        # once full, the cuts against it apply (never, when not cutting). `values` holds the
        # same ratings' objective values.
        self.top: list[tuple[float, ...]] = []
        self.values: list[tuple[float, ...]] = []

    def kept(self) -> list[Entry]:
        """The best BEAM_WIDTH entries by the whole key, as `Search.ranked` orders them."""
        top = self.top
        if len(top) == BEAM_WIDTH:
            # The rest rank after the BEAM_WIDTH ratings in `top`.
            last = top[-1]
            rated = [e for e in self.extended.values() if e is not None and not _before(last, e[0])]
        else:
            rated = [e for e in self.extended.values() if e is not None]
        rated.sort(key=_flat_key)
        kept: list[Entry] = []
        start = 0
        while start < len(rated) and len(kept) < BEAM_WIDTH:
            end = start + 1
            # Sorted: equal unless the run's first ranks before.
            while end < len(rated) and not _before(rated[start][0], rated[end][0]):
                end += 1
            if end - start == 1:
                kept.append(rated[start])
            else:
                run = rated[start:end]
                run.sort(key=self._ties)
                kept.extend(run)
            start = end
        return kept[:BEAM_WIDTH]

    def _ties(self, entry: Entry) -> tuple[tuple[str, tuple[CartLine, ...]], ...]:
        return ties(self.search.p.shipments(entry[2]))

    def _outranked(self, values: tuple[float, ...]) -> bool:
        """Whether BEAM_WIDTH extensions of this step are known to rank before `values`."""
        return len(self.top) == BEAM_WIDTH and values > self.values[-1]

    def reuse(self, entry: Entry) -> None:
        """The line to each node the entry uses that holds it in full."""
        _, rating, plan, parts, mask = entry
        if not self.search.p.full[self.j] or (rating is not None and self._outranked(rating[0])):
            return
        full_mask = self.search.p.full_mask
        for k, (i, code) in enumerate(plan):
            if full_mask[i] & self.bit:
                nodes = list(plan)
                nodes[k] = (i, code + self.code)
                grown = tuple(nodes)
                self._offer(grown, mask, parts, k, i, code, replace=True)

    def spread(self, entry: Entry) -> None:
        """The line to the nearest nodes the entry does not use, or split over several."""
        _, rating, plan, parts, mask = entry
        search = self.search
        holders = search.p.full[self.j]
        if not holders:
            self._split(entry)
            return
        if len(plan) >= search.cap or (rating is not None and self._outranked(rating[0])):
            return
        reach = NODES_PER_LINE + search.cap
        if (
            rating is not None
            and len(self.top) == BEAM_WIDTH
            and self._after_top(plan, parts, reach)
        ):
            return
        if rating is not None and not search.may_open(plan, parts, self.j, reach):
            return
        used = [i for i, _ in plan]
        others = [i for i in holders if i not in used][:NODES_PER_LINE]
        full_mask = search.p.full_mask
        for i in others:
            k = bisect.bisect(used, i)
            nodes = list(plan)
            nodes.insert(k, (i, self.code))
            grown = tuple(nodes)
            self._offer(grown, mask | full_mask[i], parts, k, i, 0, replace=False)

    def _after_top(self, plan: Partial, parts: tuple[Part, ...], reach: int) -> bool:
        """Whether every extension of `plan` onto a new node ranks after this step's top."""
        search, values = self.search, self.values[-1]
        if search.unscored(plan, len(plan) + 1, values) == 1:
            return True
        if search.judge.against(parts, search.p.bound(self.j, reach), values) > 0:
            return True
        floor = search.p.floor(self.j, reach)
        return floor is None or search.judge.against(parts, floor, values) > 0

    def _split(self, entry: Entry) -> None:
        plan = entry[2]
        search = self.search
        for choice in search.choices(plan, self.j, exhaustive=False):
            grown = search.grow(plan, self.j, choice)
            if grown in self.extended:
                continue
            rating = search.judged(grown, self.given)
            parts = search.parts(grown) if rating is not None else None
            if rating is None or parts is None:
                self.extended[grown] = None
                continue
            self._add((_flat(rating), rating, grown, parts, search.mask(grown)))

    def _offer(
        self,
        grown: Partial,
        mask: int,
        parts: tuple[Part, ...],
        k: int,
        i: int,
        base: int,
        *,
        replace: bool,
    ) -> None:
        """Rate `grown`: the entry's plan with the line added to candidate `i` (its k-th node),
        which shipped `base` before."""
        if grown in self.extended:
            return
        entry = self._rated(grown, mask, parts, k, i, base, replace)
        if entry is None:
            self.extended[grown] = None
        else:
            self._add(entry)

    def _rated(
        self,
        grown: Partial,
        mask: int,
        parts: tuple[Part, ...],
        k: int,
        i: int,
        base: int,
        replace: bool,
    ) -> Entry | None:
        """The entry `_offer` adds, or None when it is cut or can't be shipped."""
        search = self.search
        shipments = search.admissible(grown, mask, self.given)
        if shipments is None:
            return None
        if len(self.top) == BEAM_WIDTH and search.unscored(grown, len(grown), self.values[-1]) == 1:
            return None
        part = search.p.grown_part(i, base, self.j, self.units)
        if part is None:
            return None
        shipped = list(parts)
        if replace:
            shipped[k] = part
        else:
            shipped.insert(k, part)
        grown_parts = tuple(shipped)
        search.judge.evaluations += 1
        # After the step's top it is never kept (the top only gets better): known without
        # making its rating, which most extensions would make for nothing once the top is full.
        if (
            self.cut
            and len(self.top) == BEAM_WIDTH
            and search.judge.flat_against(grown_parts, self.top[-1]) > 0
        ):
            return None
        rating, flat = search.judge.keyed(grown_parts)
        if not search.keeps(rating, shipments):
            return None
        return flat, rating, grown, grown_parts, mask

    def _add(self, entry: Entry) -> None:
        flat, rating = entry[0], entry[1]
        assert rating is not None
        self.extended[entry[2]] = entry
        top = self.top
        if self.cut and (len(top) < BEAM_WIDTH or _before(flat, top[-1])):
            # `bisect.insort` written out, the same halving: compiled, a call through the
            # module costs more than its few comparisons.
            low, high = 0, len(top)
            while low < high:
                middle = (low + high) // 2
                if _before(flat, top[middle]):
                    high = middle
                else:
                    low = middle + 1
            top.insert(low, flat)
            self.values.insert(low, rating[0])
            if len(top) > BEAM_WIDTH:
                top.pop()
                self.values.pop()


def _flat_key(entry: Entry) -> tuple[float, ...]:
    return entry[0]


def _flat(rating: Rating) -> tuple[float, ...]:
    """The rating as `Judge.keyed` flattens it."""
    values, likely, distance = rating
    return (*values, float(likely), distance)


def _before(key: tuple[float, ...], other: tuple[float, ...]) -> bool:
    """`key < other` for flat keys of as many floats, compared unboxed, not as objects."""
    for at in range(len(key)):
        value, against = key[at], other[at]
        if value != against:
            return value < against
    return False
