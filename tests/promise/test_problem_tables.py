"""A problem's tables (who holds each line in full, the order lines are given out in, each
node's mask, what a split reads) as their definitions state them, whatever the cart: SKUs
listed twice, lines held in full nowhere, nodes holding nothing, a Mapping for stock."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from promise.cart import CartLine
from promise.plan_problem import Problem
from tests.budget import budget
from tests.promise.search_support import CRITERIA, candidates, judge, random_world


class _Levels(Mapping[str, Mapping[str, int]]):
    """Stock that is a Mapping, not a dict."""

    def __init__(self, levels: dict[str, dict[str, int]]) -> None:
        self._levels = levels

    def __getitem__(self, sku: str) -> Mapping[str, int]:
        return self._levels[sku]

    def __iter__(self) -> Iterator[str]:
        return iter(self._levels)

    def __len__(self) -> int:
        return len(self._levels)


@settings(max_examples=budget(300), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_tables_follow_their_definitions(seed: int) -> None:
    rnd = random.Random(seed)
    cart, world, stock = random_world(seed, lines=rnd.randint(1, 9), nodes=rnd.randint(1, 14))
    # Some SKUs twice (a cart as sent), some quantities above every holding, a node with none.
    lines = list(cart)
    for _ in range(rnd.randint(0, 2)):
        twin = rnd.choice(lines)
        lines.insert(rnd.randint(0, len(lines)), CartLine(twin.sku, rnd.randint(1, 5)))
    for node in rnd.sample(sorted(world), rnd.randint(0, 1)):
        for levels in stock.values():
            levels.pop(node, None)
    the_judge = judge(world, CRITERIA, stock)
    ask = stock if rnd.random() < 0.5 else _Levels(stock)
    p = Problem(the_judge, lines, candidates(world), ask)

    def units(j: int, i: int) -> int:
        return stock.get(lines[j].sku, {}).get(p.node_ids[i], 0)

    n, nodes = len(lines), range(p.size)
    full = [[i for i in nodes if units(j, i) >= lines[j].quantity] for j in range(n)]
    assert p.full == full
    assert p.holders == sum(1 for i in nodes if any(units(j, i) > 0 for j in range(n)))
    # Fewest holders in full first, then by SKU, then by cart position.
    assert p.order == sorted(range(n), key=lambda j: (len(full[j]), lines[j].sku, j))
    for i in nodes:
        assert p.full_mask[i] == sum(1 << t for t, j in enumerate(p.order) if i in full[j])
    # What a split reads, for the lines held in full nowhere.
    for j in range(n):
        if not full[j]:
            assert p.partial[j] == [i for i in nodes if units(j, i) > 0]
            assert p.held[j] == {i: units(j, i) for i in nodes if units(j, i) > 0}
    assert p.whole_code == sum(q * p.place[j] for j, q in enumerate(p.quantity))
