"""A shipment too heavy for its service's parcels is refused without packing it, and exactly
when packing it would have taken more parcels than the service allows.

Scored on the Lyon and Paris network of `builders` (a 24 kg table, a 1.8 kg lamp, a 600 g
cushion, a 900 g throw), by the standard service with its parcel limits changed.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime

from carriers.services import CarrierService
from promise.cart import CartLine
from promise.dates import Timing, home_delivery
from promise.network import Network, Node
from promise.packing import packed
from promise.profiles import DEFAULT_PROFILE
from promise.shipment_scoring import ShipmentScorer, Supply
from promise.sourcing import PlannedShipment
from tests.promise.builders import (
    BRASS_LAMP,
    DC_SQF,
    HOME_LYON_BROTTEAUX,
    LINEN_CUSHION,
    OAK_TABLE,
    STANDARD,
    TUESDAY_MORNING,
    WOOL_THROW,
    a_network,
    cart,
)

SKUS = (OAK_TABLE, BRASS_LAMP, LINEN_CUSHION, WOOL_THROW)


def scorer_by(network: Network, service: CarrierService) -> ShipmentScorer:
    def timer(node: Node, km: float, not_before: datetime | None) -> Timing | None:
        return home_delivery(node, service, km, TUESDAY_MORNING, confidence=0.95, country="FR")

    return ShipmentScorer(
        network, DEFAULT_PROFILE, Supply({}, {}), lambda _node: service, timer, HOME_LYON_BROTTEAUX
    )


def parcels_by_packing(
    network: Network, service: CarrierService, lines: tuple[CartLine, ...]
) -> tuple[int, ...] | None:
    """The parcels packing every shipment gives (None past the service's parcels)."""
    units: dict[int, int] = {}
    for line in lines:
        grams = network.skus[line.sku].weight_grams
        units[grams] = units.get(grams, 0) + line.quantity
    limit = service.max_parcel_grams
    assert limit is not None
    weight = sum(g * n for g, n in units.items())
    if weight + service.packaging_grams <= limit:
        return (weight,)
    parcels = packed(units, limit - service.packaging_grams)
    most = service.parcels_per_shipment
    return None if most is not None and len(parcels) > most else parcels


def test_shipments_are_refused_for_their_parcels_as_packing_them_would() -> None:
    network = a_network()
    standard = network.services[STANDARD]
    rng = random.Random(11)
    refused = 0
    # Loads below the table's 24 kg too: a unit above the load gets a parcel of its own, so
    # its weight says nothing of the parcels, and the shipment must be packed.
    for limit in (2_250, 10_250, 25_000, 40_000):
        for most in (1, 2, 3, 10):
            service = dataclasses.replace(
                standard, max_parcel_grams=limit, parcels_per_shipment=most
            )
            scorer = scorer_by(network, service)
            for _ in range(60):
                chosen = rng.sample(SKUS, rng.randint(1, len(SKUS)))
                lines = cart(*((sku, rng.randint(1, 12)) for sku in chosen))
                expected = parcels_by_packing(network, service, lines)
                found = scorer(PlannedShipment(DC_SQF, 23.4, lines))
                assert (found is None) == (expected is None), (limit, most, lines)
                refused += expected is None
                shipment = scorer.shipment(PlannedShipment(DC_SQF, 23.4, lines))
                if expected is not None:
                    assert shipment is not None
                    assert shipment.parcels == len(expected)
                    assert shipment.weight_grams == sum(expected)
    assert refused > 100


def test_a_shipment_too_heavy_for_the_parcels_is_said_too_heavy() -> None:
    network = a_network()
    service = dataclasses.replace(
        network.services[STANDARD], max_parcel_grams=30_000, parcels_per_shipment=2
    )
    scorer = scorer_by(network, service)

    # Three tables: 72 kg, over two parcels of 29.75 kg, whatever the packing.
    assert scorer(PlannedShipment(DC_SQF, 23.4, cart((OAK_TABLE, 3)))) is None
    assert scorer.failures.too_heavy
