"""What the searches of one request share through its memo: the fewest parcels a cart needs
by a load, and why a service refuses a unit of the cart; never across loads, services or carts.

On the Lyon and Paris network of `builders` (a 24 kg table, a 1.8 kg lamp).
"""

from __future__ import annotations

import dataclasses

from carriers.services import UnitRefusal
from promise.cart import CartLine, Destination
from promise.option_values import PromiseRequest
from promise.service_sourcing import _unit_refused
from promise.shipment_costs import fewest_parcels
from promise.shipment_scoring import Supply
from tests.promise.builders import (
    BRASS_LAMP,
    HOME_LYON_BROTTEAUX,
    OAK_TABLE,
    STANDARD,
    TUESDAY_MORNING,
    a_network,
    cart,
)


def a_request(lines: tuple[CartLine, ...]) -> PromiseRequest:
    return PromiseRequest(lines, Destination(HOME_LYON_BROTTEAUX), TUESDAY_MORNING)


def test_the_fewest_parcels_are_shared_by_load_and_cart_only() -> None:
    network = a_network()
    standard = network.services[STANDARD]
    tight = dataclasses.replace(standard, max_parcel_grams=25_000, parcels_per_shipment=1)
    loose = dataclasses.replace(standard, max_parcel_grams=50_000, parcels_per_shipment=1)
    tables = cart((OAK_TABLE, 4))
    memo: dict[object, object] = {}

    for services in ([tight], [loose], [tight], [loose, tight]):
        assert fewest_parcels(network, tables, services, known=memo) == fewest_parcels(
            network, tables, services
        )
    assert fewest_parcels(network, tables, [tight], known=memo) == 4
    assert fewest_parcels(network, tables, [loose], known=memo) == 2
    # Another cart of the same load is weighed again, whatever the first one's entry.
    lamps = cart((BRASS_LAMP, 4))
    assert fewest_parcels(network, lamps, [tight], known=memo) == 1


def test_a_services_refusal_is_kept_for_that_service_and_cart_only() -> None:
    network = a_network()
    standard = network.services[STANDARD]
    light = dataclasses.replace(standard, max_parcel_grams=10_000)
    supply = Supply({}, {})
    table = a_request(cart((OAK_TABLE, 1)))
    lamp = a_request(cart((BRASS_LAMP, 1)))

    assert _unit_refused(network, table, [light], supply) is UnitRefusal.TOO_HEAVY
    # The standard service (another limit) is asked itself, not answered by the light one.
    assert _unit_refused(network, table, [standard], supply) is None
    assert _unit_refused(network, table, [light], supply) is UnitRefusal.TOO_HEAVY
    assert _unit_refused(network, lamp, [light], supply) is None
    assert _unit_refused(network, table, [light, standard], supply) is None
