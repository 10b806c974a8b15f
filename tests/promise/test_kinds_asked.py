"""A request may ask for some kinds of option only; the others are then not searched."""

from __future__ import annotations

from typing import Any

import pytest

from carriers.services import DeliveryKind
from promise.candidates import CandidateFinder
from promise.cart import Destination
from promise.errors import InvalidInput
from promise.promise_builder import Option, PromiseRequest, build_options
from tests.promise.builders import (
    BRASS_LAMP,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    PART_DIEU,
    TUESDAY_MORNING,
    cart,
)
from tests.promise.test_option_kinds import relay_network

LAMP_AT_THE_DC_AND_PART_DIEU = {BRASS_LAMP: {DC_SQF: 5, PART_DIEU: 4}}


def lamp_options(lamps: int = 1, **asked: Any) -> list[Option]:
    """The options for `lamps` brass lamps to a Lyon home, the request's other fields given."""
    network = relay_network()
    request = PromiseRequest(
        cart((BRASS_LAMP, lamps)), Destination(HOME_LYON_BROTTEAUX), TUESDAY_MORNING, **asked
    )
    candidates = CandidateFinder(network).around(HOME_LYON_BROTTEAUX)
    return build_options(network, request, candidates, LAMP_AT_THE_DC_AND_PART_DIEU)


def options_of(kinds: frozenset[DeliveryKind] | None) -> list[Option]:
    return lamp_options(kinds=kinds)


def test_every_kind_is_offered_when_none_is_named() -> None:
    kinds = {option.kind for option in options_of(None)}

    assert {
        DeliveryKind.HOME_STANDARD,
        DeliveryKind.CLICK_AND_COLLECT,
        DeliveryKind.PICKUP_POINT,
    } <= kinds


def test_asking_for_home_standard_gives_the_same_option_alone() -> None:
    everything = options_of(None)
    [standard] = [o for o in everything if o.kind is DeliveryKind.HOME_STANDARD]

    [alone] = options_of(frozenset({DeliveryKind.HOME_STANDARD}))

    assert alone.kind is DeliveryKind.HOME_STANDARD
    assert (alone.promised, alone.likely, alone.price_cents, alone.co2e_grams) == (
        standard.promised,
        standard.likely,
        standard.price_cents,
        standard.co2e_grams,
    )
    assert alone.shipments == standard.shipments


def test_asking_for_collect_and_pickup_points_leaves_home_delivery_out() -> None:
    kinds = frozenset({DeliveryKind.CLICK_AND_COLLECT, DeliveryKind.PICKUP_POINT})

    found = {option.kind for option in options_of(kinds)}

    assert found == kinds


def test_an_empty_list_of_kinds_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        options_of(frozenset())

    assert refused.value.field == "input.kinds"


def test_a_store_asked_for_home_delivery_only_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        PromiseRequest(
            cart((BRASS_LAMP, 1)),
            Destination(HOME_LYON_BROTTEAUX, store_id=PART_DIEU),
            TUESDAY_MORNING,
            kinds=frozenset({DeliveryKind.HOME_STANDARD}),
        )

    assert refused.value.field == "input.kinds"
    assert PART_DIEU in str(refused.value)
