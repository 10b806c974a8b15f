"""A shipment's weight, parcel count, CO2e and price, by the carrier's own figures.

The reference arithmetic: `service_terms.ServiceTerms` repeats the price and CO2e natively for
the search's inner loop and is tested against these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from carriers.emissions import ROAD_CIRCUITY, EmissionFactor
from carriers.services import CarrierService
from promise.cart import CartLine
from promise.network import Network
from promise.parcel_bound import fewest_parcels_for
from promise.rounding import round_to


def weight_grams(network: Network, lines: Sequence[CartLine]) -> int:
    skus, grams = network.skus, 0
    for line in lines:
        grams += skus[line.sku].weight_grams * line.quantity
    return grams


def fewest_parcels(
    network: Network,
    cart: Sequence[CartLine],
    by: Iterable[CarrierService],
    *,
    known: dict[object, object] | None = None,
) -> int:
    """The fewest shipments that can carry the cart when they go by these services.

    Only services that take a bounded number of parcels a shipment bound it: a parcel holds
    at most the service's weight limit less the packaging, a shipment that many parcels.
    1 when some service takes any number of parcels (or no service is given). `known` is a
    request's memo: the services of the request's searches share a few loads.
    """
    largest, per_shipment = 0, 0
    for service in by:
        if service.max_parcel_grams is None or service.parcels_per_shipment is None:
            return 1
        largest = max(largest, service.max_parcel_grams - service.packaging_grams)
        per_shipment = max(per_shipment, service.parcels_per_shipment)
    if largest <= 0:
        return 1
    key = ("fewest parcels", id(cart), largest)
    held = known.get(key) if known is not None else None
    # The entry holds the cart, so its id names it while the entry lives.
    if isinstance(held, tuple) and held[0] is cart:
        parcels: int = held[1]
    else:
        parcels = max(1, fewest_parcels_for(_units_by_weight(network, cart), largest))
        if known is not None:
            known[key] = (cart, parcels)
    return -(-parcels // per_shipment)


def _units_by_weight(network: Network, lines: Sequence[CartLine]) -> dict[int, int]:
    """How many units of the lines weigh each weight (grams -> units)."""
    skus = network.skus
    units: dict[int, int] = {}
    for line in lines:
        grams = skus[line.sku].weight_grams
        units[grams] = units.get(grams, 0) + line.quantity
    return units


def co2e_grams(service: CarrierService, weight: int, km: float, parcels: int = 1) -> float:
    """The shipment's CO2e over `km` (0 for none: no transport leg, no last mile).

    The linehaul carries the goods and the parcels' packaging over the whole distance; the
    last mile costs a drop per parcel and the mass delivered over the service's last-mile km.
    """
    mass = weight + service.packaging_grams * parcels
    grams = _leg_grams(service.linehaul, mass, km)
    if km > 0:
        grams += service.last_mile_grams_per_parcel * parcels
        if service.last_mile_km:
            grams += _leg_grams(service.last_mile, mass, service.last_mile_km)
    return round_to(grams, 1)


def _leg_grams(factor: EmissionFactor, mass_grams: int, great_circle_km: float) -> float:
    """`factor.leg_grams`, the same arithmetic in the same order, compiled: the search
    weighs every shipment it scores, and a call of the interpreted method with keywords
    costs more than the figure."""
    tonnes = mass_grams / 1_000_000
    return tonnes * great_circle_km * ROAD_CIRCUITY * factor.grams_per_tonne_km


def parcels_price(service: CarrierService, parcels: tuple[int, ...]) -> int:
    """The carrier's price of the parcels (goods' grams each), packaging included."""
    price, packaging = service.price, service.packaging_grams
    if len(parcels) == 1:
        return price.for_weight(parcels[0] + packaging)
    return sum(price.for_weight(grams + packaging) for grams in parcels)
