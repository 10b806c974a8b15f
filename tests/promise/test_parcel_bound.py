"""The fewest parcels a cart's weight needs, and the searches it spares.

The bound is checked against the true fewest, found by trying every way to pack a few
units; the services of `test_option_kinds` carry parcels of 30 kg at most (relay) or of any
weight (home delivery).
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.services import DeliveryKind
from promise.candidates import CandidateFinder
from promise.cart import Destination
from promise.explain import ReasonCode
from promise.parcel_bound import fewest_parcels_for
from promise.promise_builder import PromiseRequest, build_promise
from tests.promise.builders import (
    BRASS_LAMP,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    OAK_TABLE,
    RELAY,
    TUESDAY_MORNING,
    cart,
)
from tests.promise.test_option_kinds import relay_network

RELAY_LOAD = 29_800  # 30 kg less 200 g of packaging


def true_fewest(weights: list[int], load: int) -> int:
    """The fewest parcels of `load` that hold every unit, by trying every assignment."""
    for parcels in range(1, len(weights) + 1):
        for assignment in itertools.product(range(parcels), repeat=len(weights)):
            loads = [0] * parcels
            for grams, parcel in zip(weights, assignment, strict=True):
                loads[parcel] += grams
            if max(loads) <= load:
                return parcels
    return len(weights)


def test_three_units_of_exactly_one_load_each_need_three_parcels() -> None:
    assert fewest_parcels_for({RELAY_LOAD: 3}, RELAY_LOAD) == 3


def test_units_over_half_a_parcel_each_need_their_own_even_when_the_weight_would_fit() -> None:
    # 86.0 kg fits three 29.8 kg parcels by weight, but 21.5, 21.8 and 22.7 kg cannot share
    # one, and 13.7 kg then fits beside none of them: four parcels.
    units = Counter([21_500, 21_800, 22_700, 13_700, 6_200])

    assert -(-sum(units.elements()) // RELAY_LOAD) == 3
    assert fewest_parcels_for(units, RELAY_LOAD) == 4


def test_light_units_fill_the_room_beside_the_heavy_ones_first() -> None:
    # Three 24 kg tables leave 5.8 kg each: nine 1.8 kg lamps fit beside them, a tenth does not.
    assert fewest_parcels_for({24_000: 3, 1_800: 9}, RELAY_LOAD) == 3
    assert fewest_parcels_for({24_000: 3, 1_800: 10}, RELAY_LOAD) == 4


def test_no_units_need_no_parcel_and_a_load_must_be_positive() -> None:
    assert fewest_parcels_for({}, RELAY_LOAD) == 0
    with pytest.raises(ValueError, match="-5 g"):
        fewest_parcels_for({1_000: 1}, -5)


@given(st.lists(st.integers(min_value=1, max_value=1_000), min_size=1, max_size=6))
def test_the_bound_is_never_above_the_true_fewest_and_never_below_the_weight_over_a_load(
    weights: list[int],
) -> None:
    load = 1_000

    bound = fewest_parcels_for(Counter(weights), load)

    assert -(-sum(weights) // load) <= bound <= true_fewest(weights, load)


def test_a_cart_too_heavy_for_three_relay_parcels_gets_no_pickup_point_option_and_says_why() -> (
    None
):
    network = relay_network()
    stock = {OAK_TABLE: {DC_SQF: 4}, BRASS_LAMP: {DC_SQF: 5}}
    request = PromiseRequest(
        cart((OAK_TABLE, 4)), Destination(HOME_LYON_BROTTEAUX), TUESDAY_MORNING
    )
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)

    found = build_promise(network, request, candidates, stock)

    assert DeliveryKind.PICKUP_POINT not in {o.kind for o in found.options}
    assert DeliveryKind.HOME_STANDARD in {o.kind for o in found.options}
    [relay] = [u for u in found.unavailable if u.service_code == RELAY]
    assert relay.reason.code is ReasonCode.TOO_HEAVY
