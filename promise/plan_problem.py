"""A cart over candidate nodes, as the sourcing search sees it: who holds what, and codes.

A plan being built is a tuple of (candidate index, content code) per node used, in candidate
order. A node's content is coded as the sum of units x `radix` ** (the line's cart position):
one integer, unique since no line has `radix` units, so giving a line out is an addition and
a shipment's contribution to the objective is cached under its code and index, scored
once per judge family however many searches and plans meet it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from promise.cart import CartLine
from promise.judge import Judge, Part
from promise.plans import Candidate, PlannedShipment, Stock
from promise.shipment_load import NO_LOAD, Load, load_of

Partial = tuple[tuple[int, int], ...]
"""A plan being built: (candidate index, content code) per node used, in candidate order."""


class Content:
    """What a content code holds: its lines in cart order, their cart positions as a mask
    (bit j for position j), and their load (None when the search weighs no units)."""

    def __init__(self, lines: tuple[CartLine, ...], mask: int, load: Load | None) -> None:
        self.lines = lines
        self.mask = mask
        self.load = load


class Problem:
    """A cart over candidates (a candidate listed twice counts once, at its first place)."""

    def __init__(
        self, judge: Judge, cart: Sequence[CartLine], candidates: Sequence[Candidate], stock: Stock
    ) -> None:
        # The judge's parts, not the judge: the judge's memo keeps this problem.
        self._parts_of = judge.parts
        self.cart = tuple(cart)
        self.stock = stock
        first: dict[str, Candidate] = {}
        for candidate in candidates:
            first.setdefault(candidate.node_id, candidate)
        self.node_ids = tuple(first)
        self.distances = tuple(c.distance_km for c in first.values())
        self.size = len(self.node_ids)
        # Loops, not `max` or `sum` over generators: compiled, those are generic calls.
        most = self.cart[0].quantity if self.cart else 0
        for line in self.cart:
            if line.quantity > most:
                most = line.quantity
        self.radix = most + 1
        # Powers by products: compiled, `**` on ints is a generic call.
        places = [1]
        for _ in range(1, len(self.cart)):
            places.append(places[-1] * self.radix)
        self.place = tuple(places[: len(self.cart)])
        self.quantity = tuple([line.quantity for line in self.cart])
        # Per line (cart position): who holds it in full, nearest first; for a line held in
        # full nowhere (what a split reads, and only then), units by candidate index where it
        # holds some, and who holds any, nearest first (empty for the other lines).
        n = len(self.cart)
        full: list[list[int]] = [[] for _ in range(n)]
        self.full = full
        self.held: list[dict[int, int]] = []
        self.partial: list[list[int]] = []
        # A dict per line (the stock's own when it is one): compiled, `get` on a Mapping is a
        # generic method call, on a dict a native lookup, so the stock is read as a dict when
        # it is one. Only read here.
        plain: dict[str, Mapping[str, int]] | None = stock if isinstance(stock, dict) else None
        levels: list[dict[str, int]] = []
        for line in self.cart:
            found = plain.get(line.sku) if plain is not None else stock.get(line.sku)
            levels.append(found if isinstance(found, dict) else dict(found or {}))
        # Node by node, so that what a node holds is counted in native ints: the lines it
        # holds in full as a mask by cart position (bit j), and whether it holds any.
        by_position: list[int] = []
        holders = 0
        quantity = self.quantity
        for i, node_id in enumerate(self.node_ids):
            mask, holds = 0, False
            for j in range(n):
                units = levels[j].get(node_id, 0)
                if units > 0:
                    holds = True
                    if units >= quantity[j]:
                        mask |= 1 << j
                        full[j].append(i)
            by_position.append(mask)
            if holds:
                holders += 1
        self.holders = holders
        for j in range(n):
            held: dict[int, int] = {}
            partial: list[int] = []
            if not full[j]:
                for i, node_id in enumerate(self.node_ids):
                    units = levels[j].get(node_id, 0)
                    if units > 0:
                        held[i] = units
                        partial.append(i)
            self.held.append(held)
            self.partial.append(partial)
        # Most constrained first: fewest nodes holding the line in full, then by SKU, then by
        # position. Sorted as one int per line (count, the SKU's rank, position), the SKUs
        # ranked by sorting them alone: ints and strings compare natively in a sort, where
        # tuples compare item by item through generic calls.
        skus = sorted([line.sku for line in self.cart])
        rank: dict[str, int] = {}
        # From the last: a SKU listed twice keeps its first rank.
        for r in range(n - 1, -1, -1):
            rank[skus[r]] = r
        keys = [(len(full[j]) * n + rank[self.cart[j].sku]) * n + j for j in range(n)]
        keys.sort()
        order = self.order = [key % n for key in keys]
        # Bit t of a mask stands for the line given out t-th: the lines a node holds in full,
        # from its mask by cart position.
        self.full_mask: list[int] = []
        for mask in by_position:
            given = 0
            for t in range(n):
                if mask >> order[t] & 1:
                    given |= 1 << t
            self.full_mask.append(given)
        self.whole = (1 << len(self.order)) - 1
        whole_code = 0
        # By index: compiled, `zip` is a generic iterator.
        for j in range(n):
            whole_code += quantity[j] * self.place[j]
        self.whole_code = whole_code
        # From position t on: the lines held in full somewhere (a mask), and the others.
        self.rest_full = [0] * (len(self.order) + 1)
        self.rest_split: list[tuple[int, ...]] = [()] * (len(self.order) + 1)
        for t in range(len(self.order) - 1, -1, -1):
            j = self.order[t]
            whole = bool(self.full[j])
            self.rest_full[t] = self.rest_full[t + 1] | (1 << t if whole else 0)
            self.rest_split[t] = self.rest_split[t + 1] + (() if whole else (j,))
        # Parts are kept under `code << _shift | i`: a shift, not `code * size + i`, since
        # compiled, a product with a factor past 2 ** 31 takes the generic (boxed) path.
        shift = 0
        while 1 << shift < self.size:
            shift += 1
        self._shift = shift
        self._parts: dict[int, Part | None] = {}
        self._floors: dict[tuple[int, int], Part | None] = {}
        self._bounds: dict[tuple[int, int], Part] = {}
        # Per content code, what it holds; a unit's grams per cart position, asked on first
        # use, when the judge's parts weigh units (then contents come with their load).
        self._unit_grams = judge.parts.unit_grams
        self._grams: tuple[int, ...] = ()
        empty = Content((), 0, None if self._unit_grams is None else NO_LOAD)
        self._contents: dict[int, Content] = {0: empty}

    def lines(self, code: int) -> tuple[CartLine, ...]:
        """The lines a content code stands for, in cart order."""
        return self._decoded(code).lines

    def _decoded(self, code: int) -> Content:
        found = self._contents.get(code)
        if found is None:
            lines, mask = [], 0
            for j, (line, place) in enumerate(zip(self.cart, self.place, strict=True)):
                units = code // place % self.radix
                if units:
                    # A whole line is the cart's own (equal) value: no new one to make.
                    lines.append(line if units == line.quantity else CartLine(line.sku, units))
                    mask |= 1 << j
            held = tuple(lines)
            unit_grams = self._unit_grams
            load = None if unit_grams is None else load_of(held, unit_grams)
            found = self._contents[code] = Content(held, mask, load)
        return found

    def _grown(self, base: int, code: int, j: int, units: int) -> Content:
        """The content `code`: `base` plus `units` of line `j`, which `base` does not have;
        its lines and load grown from `base`'s."""
        found = self._contents.get(code)
        if found is None:
            start = self._decoded(base)
            # Where j goes among the lines: as many as have a position below j, counted bit
            # by bit (compiled, `int.bit_count` is a generic method call).
            below, k = start.mask & ((1 << j) - 1), 0
            while below:
                below &= below - 1
                k += 1
            whole = self.cart[j]
            line = whole if units == whole.quantity else CartLine(whole.sku, units)
            # One list with the line inserted: cheaper than two slices joined.
            grown = list(start.lines)
            grown.insert(k, line)
            load = start.load
            if load is not None:
                load = load.grown(self._line_grams()[j], units)
            found = self._contents[code] = Content(tuple(grown), start.mask | 1 << j, load)
        return found

    def _line_grams(self) -> tuple[int, ...]:
        """A unit's grams per cart position (the judge's parts weigh units)."""
        if not self._grams:
            unit_grams = self._unit_grams
            assert unit_grams is not None
            self._grams = tuple([unit_grams(line.sku) for line in self.cart])
        return self._grams

    def part(self, i: int, code: int) -> Part | None:
        """What candidate `i` shipping `code` contributes; None when it can't be made."""
        key = code << self._shift | i
        # A membership test, not try/except KeyError: compiled, a miss raising costs a
        # traceback object each time, and most parts are missed once.
        if key in self._parts:
            return self._parts[key]
        return self._score(key, i, self._decoded(code))

    def grown_part(self, i: int, base: int, j: int, units: int) -> Part | None:
        """`part` of `base` plus `units` of line `j`, decoding only what `base` lacked."""
        code = base + units * self.place[j]
        key = code << self._shift | i
        if key in self._parts:
            return self._parts[key]
        return self._score(key, i, self._grown(base, code, j, units))

    def floor(self, j: int, reach: int) -> Part | None:
        """A part no higher on any criterion than line `j` alone at any of its first `reach`
        holders in full; None when none of them can ship it.

        A shipment holding the line at one of them contributes at least this much, since
        every criterion only grows as lines are added.
        """
        key = (j, reach)
        if key not in self._floors:
            # One pass over the holders' parts rather than one per criterion.
            floor: Part | None = None
            for i in self.full[j][:reach]:
                part = self.grown_part(i, 0, j, self.quantity[j])
                if part is None:
                    continue
                if floor is None:
                    floor = part
                    continue
                floor = (
                    min(floor[0], part[0]),
                    min(floor[1], part[1]),
                    min(floor[2], part[2]),
                    min(floor[3], part[3]),
                    min(floor[4], part[4]),
                    # The priority criterion is minus the plan's lowest node priority.
                    max(floor[5], part[5]),
                    min(floor[6], part[6]),
                )
            self._floors[key] = floor
        return self._floors[key]

    def bound(self, j: int, reach: int) -> Part:
        """A part no higher on any criterion than `floor(j, reach)`, known without scoring:
        the holders' least km and best priority, nothing for the criteria the scorer gives.

        A plan that ranks too late with it ranks too late with the floor, so a search asks
        for the floor, which scores every holder, only when this does not tell.
        """
        key = (j, reach)
        found = self._bounds.get(key)
        if found is None:
            # Days and the likely day below any a shipment gets; cost, CO2e and store
            # units are never negative.
            km, priority, low = 0.0, 0, -(1 << 30)
            priorities = self._parts_of.priorities
            for at, i in enumerate(self.full[j][:reach]):
                mine = priorities.get(self.node_ids[i], 0)
                if at == 0 or self.distances[i] < km:
                    km = self.distances[i]
                if at == 0 or mine > priority:
                    priority = mine
            found = self._bounds[key] = (low, low, 0, 0.0, km, priority, 0)
        return found

    def _score(self, key: int, i: int, content: Content) -> Part | None:
        shipment = PlannedShipment(self.node_ids[i], self.distances[i], content.lines, content.load)
        found = self._parts[key] = self._parts_of.part(shipment)
        return found

    def shipments(self, plan: Partial) -> tuple[PlannedShipment, ...]:
        return tuple(
            PlannedShipment(self.node_ids[i], self.distances[i], self.lines(code))
            for i, code in plan
        )


def problem_for(
    judge: Judge, cart: Sequence[CartLine], candidates: Sequence[Candidate], stock: Stock
) -> Problem:
    """The cart's problem, shared by the searches of a judge family over the same inputs."""
    # Keyed on the lines' SKUs and units, the nodes' ids and km rather than the lines and
    # candidates: strings, ints and floats hash in C, a frozen dataclass in Python.
    values: list[object] = ["problem"]
    for line in cart:
        values.append(line.sku)
        values.append(line.quantity)
    for candidate in candidates:
        values.append(candidate.node_id)
        values.append(candidate.distance_km)
    # The count of lines tells where the lines end and the candidates begin.
    values.append(len(cart))
    key = tuple(values)
    found = judge.memo.get(key)
    if isinstance(found, Problem) and found.stock is stock:
        return found
    problem = Problem(judge, cart, candidates, stock)
    judge.memo[key] = problem
    return problem
