"""The beam ranks by flat keys: `Judge.keyed` must rate as `Judge.rate` does and its flat key
must order as the rating; comparing without a rating (`Judge.against`, `Judge.flat_against`)
must tell what comparing the ratings would; the rounding written out in the judge must give
`round`'s floats."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from promise.beam import _before
from promise.judge import Judge, Part, ShipmentParts
from promise.plan_problem import Problem
from promise.plan_search import Search
from promise.plans import PlannedShipment, ShipmentScore
from promise.profiles import Criterion
from promise.rounding import round_scaled
from tests.budget import budget
from tests.promise.search_support import CRITERIA, candidates, judge, random_world


@settings(max_examples=budget(200), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_a_flat_key_holds_the_rating_and_orders_as_it_does(seed: int) -> None:
    rnd = random.Random(seed)
    cart, world, stock = random_world(seed, lines=rnd.randint(1, 6), nodes=rnd.randint(1, 8))
    objective = tuple(rnd.sample(CRITERIA, rnd.randint(0, len(CRITERIA))))
    the_judge = judge(world, objective, stock)
    problem = Problem(the_judge, cart, candidates(world), stock)
    search = Search(problem, the_judge, problem.size)
    rated = []
    for _ in range(6):
        # Each line to one node drawn at random: some plans can't be shipped, and are skipped.
        codes: dict[int, int] = {}
        for j in range(len(cart)):
            i = rnd.randrange(problem.size)
            codes[i] = codes.get(i, 0) + cart[j].quantity * problem.place[j]
        parts = search.parts(tuple(sorted(codes.items())))
        if parts is None:
            continue
        rating, flat = the_judge.keyed(parts)
        assert rating == the_judge.rate(parts)
        values, likely, distance = rating
        assert flat == (*values, float(likely), distance)
        rated.append((rating, flat))
    for rating, flat in rated:
        for other, other_flat in rated:
            assert (flat < other_flat) == (rating < other)
            assert _before(flat, other_flat) == (flat < other_flat)


# Parts drawn from few values, so that plans tie on some criteria and differ on the next.
_PART = st.tuples(
    st.integers(0, 3),
    st.integers(738_000, 738_003),
    st.sampled_from((0, 390, 490, 990)),
    st.sampled_from((0.0, 1.25, 1250.05, 0.1 + 0.2)),
    st.sampled_from((0.0, 12.34, 12.35, 600.0)),
    st.integers(-3, 3),
    st.integers(0, 2),
)


def _sign(a: tuple[float, ...], b: tuple[float, ...]) -> int:
    return (a > b) - (a < b)


@settings(max_examples=budget(1000), deadline=None)
@given(
    objective=st.permutations(CRITERIA).flatmap(
        lambda every: st.integers(0, len(every)).map(lambda n: tuple(every[:n]))
    ),
    parts=st.lists(_PART, max_size=4).map(tuple),
    extra=_PART,
    other=st.lists(_PART, min_size=1, max_size=4).map(tuple),
)
def test_comparing_without_a_rating_tells_what_the_ratings_would(
    objective: tuple[Criterion, ...],
    parts: tuple[Part, ...],
    extra: Part,
    other: tuple[Part, ...],
) -> None:
    the_judge = Judge(
        objective,
        ShipmentParts(_unscored, {}, priorities={}, stores=frozenset(), keep_store_units=0),
    )
    values, flat = the_judge.rate(other)[0], the_judge.keyed(other)[1]
    assert the_judge.against(parts, extra, values) == _sign(
        the_judge.rate((*parts, extra))[0], values
    )
    assert the_judge.against(other, extra, the_judge.rate((*other, extra))[0]) == 0
    grown = (*parts, extra)
    assert the_judge.flat_against(grown, flat) == _sign(the_judge.keyed(grown)[1], flat)
    assert the_judge.flat_against(other, flat) == 0


def _unscored(_shipment: PlannedShipment) -> ShipmentScore | None:
    return None


@settings(max_examples=budget(2000), deadline=None)
@given(x=st.floats(-1e7, 1e7) | st.integers(-(10**7), 10**7).map(lambda n: n / 2000))
def test_the_judges_rounding_gives_rounds_floats(x: float) -> None:
    assert round_scaled(x, 10.0, 1) == round(x, 1)
    assert round_scaled(x, 1000.0, 3) == round(x, 3)
