"""Carts packed into parcels by each service's limits: priced and dropped per parcel, bulky
goods by two-person delivery, a unit no parcel holds refused with its reason."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carriers.regions import postcode_region
from promise.cart import CartLine, Destination
from promise.destinations import destination_in
from promise.errors import NothingInStock, TooHeavy
from promise.explain import ReasonCode
from promise.geo import GeoPoint
from promise.network import Network
from promise.packing import RUN_SHIFT, packed, packed_runs
from promise.rounding import round_to
from promise.shipment_costs import co2e_grams
from tests.budget import budget
from tests.promise.conftest import home, promise_to

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
LYON = Destination(GeoPoint(45.7597, 4.8422), region=postcode_region("FR", "69003"))
Stock = dict[str, dict[str, int]]


def test_units_of_one_weight_fill_each_parcel_before_the_next() -> None:
    assert packed({6_500: 7}, 39_750) == (39_000, 6_500)


def test_the_heaviest_units_go_first_and_light_ones_fill_the_room_left() -> None:
    assert packed({24_000: 2, 5_000: 4, 1_000: 3}, 30_000) == (30_000, 30_000, 11_000)


def first_fit_decreasing_unit_by_unit(units: dict[int, int], load: int) -> tuple[int, ...]:
    """The textbook packing, one unit at a time: what `packed` must give."""
    parcels: list[int] = []
    for grams in sorted((g for g, n in units.items() for _ in range(n)), reverse=True):
        for index, weight in enumerate(parcels):
            if weight + grams <= load:
                parcels[index] = weight + grams
                break
        else:
            parcels.append(grams)
    return tuple(sorted(parcels, reverse=True))


def test_packing_by_weight_gives_the_parcels_of_packing_unit_by_unit() -> None:
    rng = random.Random(7)
    several = 0
    for _ in range(400):
        load = rng.choice((4_750, 29_750, 39_750))
        units = {rng.randrange(200, load + 1): rng.randint(1, 9) for _ in range(rng.randint(1, 8))}
        parcels = packed(units, load)
        assert parcels == first_fit_decreasing_unit_by_unit(units, load), (units, load)
        several += len(parcels) > 2
    assert several > 100


def test_packing_runs_of_units_gives_the_parcels_of_packing_them_by_weight() -> None:
    # The scorer packs a run per line, several lines possibly of one weight, in cart order.
    rng = random.Random(13)
    for _ in range(400):
        load = rng.choice((4_750, 29_750, 39_750))
        weights = [rng.randrange(200, load + 1) for _ in range(rng.randint(1, 5))]
        chosen = [(rng.choice(weights), rng.randint(0, 9)) for _ in range(rng.randint(1, 9))]
        runs = [grams << RUN_SHIFT | count for grams, count in chosen]
        units: dict[int, int] = {}
        for grams, count in chosen:
            units[grams] = units.get(grams, 0) + count
        assert packed_runs(list(runs), load) == packed(units, load), (runs, load)


# Runs as the scorer builds them (weights up to past the heaviest load, a few units a line,
# some lines of one weight), sorted or in cart order, in the two loads carts usually take.
_RUNS = st.lists(
    st.tuples(
        st.sampled_from((300, 1_200, 6_500, 14_875, 29_750)) | st.integers(1, 45_000),
        st.integers(0, 7),
    ),
    max_size=20,
)


@settings(max_examples=budget(300), derandomize=True, deadline=None)
@given(
    chosen=_RUNS,
    load=st.sampled_from((29_750, 39_750)) | st.integers(1, 60_000),
    in_order=st.booleans(),
)
def test_packing_runs_gives_the_parcels_of_first_fit_unit_by_unit(
    chosen: list[tuple[int, int]], load: int, in_order: bool
) -> None:
    runs = [grams << RUN_SHIFT | count for grams, count in chosen]
    if in_order:
        runs.sort()
    units: dict[int, int] = {}
    for grams, count in chosen:
        units[grams] = units.get(grams, 0) + count
    expected = first_fit_decreasing_unit_by_unit(units, load)

    given_runs = list(runs)
    assert packed_runs(given_runs, load) == expected
    assert given_runs == sorted(runs)
    assert packed(units, load) == expected


def test_a_parcel_load_must_be_positive() -> None:
    with pytest.raises(ValueError, match="-1 g"):
        packed({1_000: 1}, -1)
    with pytest.raises(ValueError, match="-1 g"):
        packed_runs([1_000 << RUN_SHIFT | 1], -1)


def test_a_62_kg_sofa_is_no_express_parcel_but_a_two_person_delivery(
    demo: Network, stock: Stock
) -> None:
    found = promise_to(demo, stock, LYON, MONDAY, (CartLine("SOFA-3-SEAT-LINEN", 1),))

    [option] = home(found)
    assert option.service.code == "TWO-PERSON-HOME"
    assert option.shipments[0].timing.window_start is not None
    refused = {u.service_code: u.reason.code for u in found.unavailable}
    assert refused["CHRONO-EXPRESS-24H"] is ReasonCode.TOO_HEAVY
    assert refused["COLISSIMO-48H"] is ReasonCode.TOO_HEAVY


def test_seven_chairs_go_as_two_parcels_priced_and_dropped_each(
    demo: Network, stock: Stock
) -> None:
    found = promise_to(demo, stock, LYON, MONDAY, (CartLine("OAK-CHAIR", 7),))

    [standard] = [o for o in home(found) if o.service.code == "COLISSIMO-48H"]
    [shipment] = standard.shipments
    assert shipment.parcels == 2
    # 6 chairs (39 kg) and 1 (6.5 kg), 250 g of packaging each: 4.90 € + 0.60 € a kg past one.
    assert shipment.price_cents == (490 + 60 * 39) + (490 + 60 * 6)
    one_parcel = co2e_grams(standard.service, 45_500, shipment.distance_km, 1)
    assert shipment.co2e_grams == pytest.approx(one_parcel + 180 + 0.3, abs=1.0)


def test_four_hundred_chairs_are_no_parcels_but_two_person_freight(
    demo: Network, stock: Stock
) -> None:
    found = promise_to(demo, stock, LYON, MONDAY, (CartLine("BEECH-CHAIR", 400),))

    codes = {o.service.code for o in home(found)}
    refused = {u.service_code: u.reason.code for u in found.unavailable}
    assert "COLISSIMO-48H" not in codes
    assert refused["COLISSIMO-48H"] is ReasonCode.TOO_HEAVY
    [freight] = [o for o in home(found) if o.service.code == "TWO-PERSON-HOME"]
    assert sum(s.weight_grams for s in freight.shipments) == 400 * 5_200


def test_last_mile_co2e_of_freight_follows_the_mass_delivered(demo: Network) -> None:
    freight = demo.services["TWO-PERSON-HOME"]
    sofa, two_sofas = (co2e_grams(freight, grams, 100.0) for grams in (62_000, 124_000))
    linehaul = freight.linehaul.leg_grams(mass_grams=64_000, great_circle_km=100.0)
    last_mile = freight.last_mile.leg_grams(mass_grams=64_000, great_circle_km=30.0)

    assert sofa == pytest.approx(linehaul + last_mile, abs=0.1)
    assert two_sofas > 1.9 * sofa


def test_a_decking_board_too_long_for_every_parcel_is_refused_as_too_long(
    demo: Network, stock: Stock
) -> None:
    found = promise_to(demo, stock, LYON, MONDAY, (CartLine("DECKING-BOARD-240", 1),))

    refused = {u.service_code: u.reason.code for u in found.unavailable}
    assert refused["COLISSIMO-48H"] is ReasonCode.TOO_LONG
    assert not home(found)


def test_a_sofa_to_berlin_fits_no_european_parcel_and_is_refused_as_too_heavy(
    demo: Network, stock: Stock
) -> None:
    berlin = destination_in(demo, GeoPoint(52.52, 13.405), country="DE", field="input.destination")

    with pytest.raises(TooHeavy) as refused:
        promise_to(demo, stock, berlin, MONDAY, (CartLine("SOFA-3-SEAT-LINEN", 1),))

    assert refused.value.field == "input.lines"
    assert "EU-ROAD-PARCEL TOO_HEAVY" in refused.value.message


AUXERRE = Destination(GeoPoint(47.7986, 3.5672), region=postcode_region("FR", "89000"))
AJACCIO = Destination(GeoPoint(41.9192, 8.7386), region=postcode_region("FR", "20000"))


def test_a_decking_board_far_from_every_same_day_store_is_too_long_not_unserved(
    demo: Network, stock: Stock
) -> None:
    # Auxerre is out of the courier's range: the parcel services that do reach it decide.
    cart = (CartLine("DECKING-BOARD-240", 1), CartLine("FRYING-PAN-28", 1))

    with pytest.raises(TooHeavy) as refused:
        promise_to(demo, stock, AUXERRE, MONDAY, cart)

    assert refused.value.field == "input.lines"
    assert "COLISSIMO-48H TOO_LONG" in refused.value.message
    assert "COURIER-SAME-DAY" not in refused.value.message


def test_an_armchair_no_node_shipping_to_corsica_holds_is_nothing_in_stock(
    demo: Network, stock: Stock
) -> None:
    # Held on the mainland, but the one service to Corsica ships from nodes that lack it.
    with pytest.raises(NothingInStock) as refused:
        promise_to(demo, stock, AJACCIO, MONDAY, (CartLine("ARMCHAIR-VELVET-GREEN", 1),))

    assert refused.value.field == "input.lines"
    assert "CORSICA-SEA-PARCEL NOT_IN_STOCK" in refused.value.message


def test_a_table_with_small_items_no_two_person_node_holds_is_nothing_in_stock(
    demo: Network, stock: Stock
) -> None:
    # Parcels cannot carry the table; two-person delivery has not the whole cart near Saumur.
    saumur = Destination(GeoPoint(47.2600, -0.0769), region=postcode_region("FR", "49400"))
    cart = tuple(
        CartLine(sku, 1)
        for sku in ("OAK-TABLE-160", "CUSHION-VELVET-45", "STEP-LADDER-3", "CAST-IRON-POT-24")
    )

    with pytest.raises(NothingInStock) as refused:
        promise_to(demo, stock, saumur, MONDAY, (*cart, CartLine("COTTON-SHEET-180", 1)))

    assert "COLISSIMO-48H TOO_HEAVY" in refused.value.message
    assert "TWO-PERSON-HOME NOT_IN_STOCK" in refused.value.message


@pytest.mark.parametrize(
    ("grams", "km", "parcels"), [(1, 0.4, 1), (9_870, 412.35, 3), (62_000, 7.1, 1)]
)
def test_a_shipment_weighs_its_legs_exactly_as_the_carriers_emission_factors_do(
    demo: Network, grams: int, km: float, parcels: int
) -> None:
    for service in demo.services.values():
        mass = grams + service.packaging_grams * parcels
        expected = service.linehaul.leg_grams(mass_grams=mass, great_circle_km=km)
        expected += service.last_mile_grams_per_parcel * parcels
        if service.last_mile_km:
            expected += service.last_mile.leg_grams(
                mass_grams=mass, great_circle_km=service.last_mile_km
            )

        assert co2e_grams(service, grams, km, parcels) == round_to(expected, 1)
