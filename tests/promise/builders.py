"""The test networks of the promise tests: nodes, services, SKUs and instants, built by hand.

Two distribution centres (Saint-Quentin-Fallavier near Lyon, Bonneuil near Paris), three
Lyon stores and one Paris store, the five kinds of service the demo network has, and
memorable SKUs; `a_dc`, `a_store` and `a_service` build variants of each piece. Every instant
is on the Paris wall clock, in weeks without public holidays unless a test says otherwise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime, time
from zoneinfo import ZoneInfo

from carriers.emissions import EmissionFactor
from carriers.services import CarrierService, DeliveryKind, Price
from carriers.transit import TransitBand, TransitTable
from promise.candidates import CandidateFinder
from promise.cart import CartLine, Destination
from promise.geo import GeoPoint
from promise.network import Capability, Network, Node, NodeType, OpeningHours, Sku
from promise.promise_builder import Option, PromiseRequest, build_options
from promise.sourcing import Stock

PARIS_TZ = ZoneInfo("Europe/Paris")
MON_TO_FRI = frozenset({1, 2, 3, 4, 5})
MON_TO_SAT = frozenset({1, 2, 3, 4, 5, 6})

# Stock nodes.
SAINT_QUENTIN_FALLAVIER = GeoPoint(45.6450, 5.0950)
BONNEUIL = GeoPoint(48.7814, 2.4939)
MIRAMAS = GeoPoint(43.5900, 5.0250)
LYON_PART_DIEU = GeoPoint(45.7606, 4.8593)
LYON_CONFLUENCE = GeoPoint(45.7410, 4.8180)
VILLEFRANCHE = GeoPoint(45.9897, 4.7189)
PARIS_RIVOLI = GeoPoint(48.8600, 2.3470)

# Destinations and landmarks.
HOME_LYON_BROTTEAUX = GeoPoint(45.7700, 4.8530)
# North of Lyon: 22.5 km from Part-Dieu, 5.7 from Villefranche.
HOME_ANSE = GeoPoint(45.9380, 4.7200)
NEW_YORK = GeoPoint(40.7128, -74.0060)
PARIS_CHATELET = GeoPoint(48.8584, 2.3470)
MARSEILLE_SAINT_CHARLES = GeoPoint(43.3027, 5.3806)

DC_SQF = "DC-SAINT-QUENTIN-FALLAVIER"
DC_BONNEUIL = "DC-BONNEUIL"
DC_MIRAMAS = "DC-MIRAMAS"
PART_DIEU = "LYON-PART-DIEU"
CONFLUENCE = "LYON-CONFLUENCE"
VILLEFRANCHE_STORE = "VILLEFRANCHE-CENTRE"
RIVOLI = "PARIS-RIVOLI"

STANDARD = "COLISSIMO-48H"
EXPRESS = "CHRONO-EXPRESS-24H"
SAME_DAY = "COURIER-SAME-DAY"
COLLECT = "CLICK-COLLECT"
TRANSFER = "STORE-TRANSFER"
RELAY = "RELAY-POINT-72H"

OAK_TABLE = "OAK-TABLE-120"  # 24 kg
BRASS_LAMP = "BRASS-LAMP-E27"  # 1.8 kg
LINEN_CUSHION = "LINEN-CUSHION-45"  # 600 g
WOOL_THROW = "WOOL-THROW-130"  # 900 g; held nowhere in most tests

ARTICULATED_TRUCK = EmissionFactor("ARTICULATED_TRUCK", 75.0, "GLEC v3.0, indicative")
RIGID_TRUCK = EmissionFactor("RIGID_TRUCK", 190.0, "GLEC v3.0, indicative")
DIESEL_VAN = EmissionFactor("DIESEL_VAN", 750.0, "GLEC v3.0, indicative")
ELECTRIC_VAN = EmissionFactor("ELECTRIC_VAN", 60.0, "GLEC v3.0 method, French grid")
CARGO_BIKE = EmissionFactor("CARGO_BIKE", 15.0, "GLEC v3.0 method, French grid")
NO_TRANSPORT = EmissionFactor("NONE", 0.0, "the shopper collects where the stock is")
COLISSIMO_PRICE = Price(490, 60)


def in_paris(
    year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0
) -> datetime:
    """An aware instant on the Paris wall clock: the fixed clock of every dated test."""
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS_TZ)


# Tuesday 11 March 2025: no public holiday in France from the 8th to the 23rd.
TUESDAY_MORNING = in_paris(2025, 3, 11, 10)


def hours(
    days: Iterable[int], opens: time, closes: time, **more: tuple[time, time]
) -> OpeningHours:
    """The same hours on `days` (ISO weekdays); `saturday=` or `sunday=` add other hours."""
    by_weekday = dict.fromkeys(days, (opens, closes))
    extra_days = {"saturday": 6, "sunday": 7}
    for name, span in more.items():
        by_weekday[extra_days[name]] = span
    return OpeningHours(by_weekday)


def a_service(
    code: str = STANDARD,
    *,
    kind: DeliveryKind = DeliveryKind.HOME_STANDARD,
    cutoff: time = time(15),
    transit: TransitTable | None = None,
    delivery_weekdays: frozenset[int] = MON_TO_SAT,
    price: Price = COLISSIMO_PRICE,
    delivery_window: tuple[time, time] | None = None,
    max_distance_km: float | None = None,
    name: str | None = None,
    carrier: str = "Test carrier",
    linehaul: EmissionFactor = ARTICULATED_TRUCK,
    last_mile: EmissionFactor = DIESEL_VAN,
    last_mile_grams_per_parcel: float = 180.0,
    packaging_grams: int = 250,
    max_parcel_grams: int | None = None,
) -> CarrierService:
    """A carrier service; by default 48 h home delivery, cut-off 15:00, delivered Mon-Sat.

    The default transit is one band: P(day 1) 0.55, day 2 0.35, day 3 0.08, day 4 0.02.
    """
    return CarrierService(
        code=code,
        name=name or code.replace("-", " ").title(),
        carrier=carrier,
        kind=kind,
        cutoff=cutoff,
        transit=transit or TransitTable.single((0.0, 0.55, 0.35, 0.08, 0.02)),
        delivery_weekdays=delivery_weekdays,
        price=price,
        linehaul=linehaul,
        last_mile=last_mile,
        last_mile_grams_per_parcel=last_mile_grams_per_parcel,
        packaging_grams=packaging_grams,
        max_distance_km=max_distance_km,
        delivery_window=delivery_window,
        max_parcel_grams=max_parcel_grams,
    )


def standard_service() -> CarrierService:
    """48 h home delivery: day 1 likely, day 3 at 95 % within 300 km; a day more beyond."""
    return a_service(
        name="Home delivery, 48 h",
        carrier="La Poste Colissimo",
        transit=TransitTable(
            (
                TransitBand(300.0, (0.0, 0.55, 0.35, 0.08, 0.02)),
                TransitBand(float("inf"), (0.0, 0.0, 0.55, 0.35, 0.08, 0.02)),
            )
        ),
    )


def express_service() -> CarrierService:
    """Next-day express, Monday to Friday: day 1 likely, day 2 at 95 %."""
    return a_service(
        EXPRESS,
        name="Express delivery, next working day",
        carrier="Chronopost",
        kind=DeliveryKind.HOME_EXPRESS,
        cutoff=time(13),
        transit=TransitTable.single((0.0, 0.93, 0.06, 0.01)),
        delivery_weekdays=MON_TO_FRI,
        price=Price(990, 100),
        last_mile_grams_per_parcel=220.0,
    )


def same_day_service() -> CarrierService:
    """A city courier from a store within 15 km, ordered by 14:00, delivered 18:00-22:00."""
    return a_service(
        SAME_DAY,
        name="Same-day delivery, 18:00-22:00",
        carrier="City courier",
        kind=DeliveryKind.SAME_DAY,
        cutoff=time(14),
        transit=TransitTable.single((1.0,)),
        price=Price(1290, 150),
        linehaul=ELECTRIC_VAN,
        last_mile=CARGO_BIKE,
        last_mile_grams_per_parcel=40.0,
        packaging_grams=150,
        max_distance_km=15.0,
        delivery_window=(time(18), time(22)),
    )


def collect_service() -> CarrierService:
    """Click & collect in the store that holds the stock: free, nothing transported."""
    return a_service(
        COLLECT,
        name="Click & collect in store",
        carrier="Own stores",
        kind=DeliveryKind.CLICK_AND_COLLECT,
        cutoff=time(18),
        transit=TransitTable.single((1.0,)),
        price=Price(0),
        linehaul=NO_TRANSPORT,
        last_mile=NO_TRANSPORT,
        last_mile_grams_per_parcel=0.0,
        packaging_grams=0,
    )


def transfer_service() -> CarrierService:
    """The DC-to-store shuttle: day 2 likely, day 3 at 95 %."""
    return a_service(
        TRANSFER,
        name="Transfer from a distribution centre to a store",
        carrier="Own fleet",
        kind=DeliveryKind.TRANSFER,
        cutoff=time(16),
        transit=TransitTable.single((0.0, 0.0, 0.7, 0.25, 0.05)),
        price=Price(0),
        linehaul=RIGID_TRUCK,
        last_mile=NO_TRANSPORT,
        last_mile_grams_per_parcel=0.0,
        packaging_grams=100,
    )


def relay_service() -> CarrierService:
    """Relay points and lockers from the DCs: day 2 likely, day 3 at 95 %, 30 kg at most."""
    return a_service(
        RELAY,
        name="Pickup point or locker",
        carrier="Relay network",
        kind=DeliveryKind.PICKUP_POINT,
        cutoff=time(14),
        transit=TransitTable.single((0.0, 0.30, 0.50, 0.15, 0.05)),
        price=Price(390, 40),
        last_mile_grams_per_parcel=60.0,
        packaging_grams=200,
        max_parcel_grams=30_000,
    )


def every_service() -> list[CarrierService]:
    return [
        standard_service(),
        express_service(),
        same_day_service(),
        collect_service(),
        transfer_service(),
    ]


def a_dc(
    node_id: str = DC_SQF,
    *,
    location: GeoPoint = SAINT_QUENTIN_FALLAVIER,
    opening: OpeningHours | None = None,
    preparation_minutes: int = 120,
    services: frozenset[str] = frozenset({STANDARD, EXPRESS, TRANSFER}),
) -> Node:
    """A distribution centre open Mon-Fri 06:00-22:00 and Sat 08:00-12:00, 2 h to prepare."""
    return Node(
        id=node_id,
        name=f"{node_id} distribution centre",
        type=NodeType.DC,
        city=node_id.removeprefix("DC-").replace("-", " ").title(),
        location=location,
        timezone="Europe/Paris",
        opening=opening or hours(MON_TO_FRI, time(6), time(22), saturday=(time(8), time(12))),
        preparation_minutes=preparation_minutes,
        capabilities=frozenset({Capability.SHIPS_PARCELS}),
        services=services,
        priority=20,
    )


def a_store(
    node_id: str = PART_DIEU,
    *,
    location: GeoPoint = LYON_PART_DIEU,
    opening: OpeningHours | None = None,
    preparation_minutes: int = 60,
    capabilities: frozenset[Capability] = frozenset(
        {Capability.CLICK_AND_COLLECT, Capability.SAME_DAY}
    ),
) -> Node:
    """A city store open Mon-Sat 10:00-20:00, 1 h to prepare, collect and same-day capable."""
    return Node(
        id=node_id,
        name=f"{node_id} store",
        type=NodeType.STORE,
        city="Paris" if node_id == RIVOLI else "Lyon",
        location=location,
        timezone="Europe/Paris",
        opening=opening or hours(MON_TO_SAT, time(10), time(20)),
        preparation_minutes=preparation_minutes,
        capabilities=capabilities,
        services=frozenset({COLLECT, SAME_DAY}),
        priority=5,
    )


def a_sku(sku: str, *, weight_grams: int = 1000) -> Sku:
    return Sku(sku, sku.replace("-", " ").title(), weight_grams)


def lyon_and_paris_nodes() -> list[Node]:
    """Both DCs, Part-Dieu, Confluence (collect only, no same-day), Villefranche, Rivoli."""
    return [
        a_dc(),
        a_dc(DC_BONNEUIL, location=BONNEUIL),
        a_store(),
        a_store(
            CONFLUENCE,
            location=LYON_CONFLUENCE,
            capabilities=frozenset({Capability.CLICK_AND_COLLECT}),
        ),
        a_store(VILLEFRANCHE_STORE, location=VILLEFRANCHE),
        a_store(RIVOLI, location=PARIS_RIVOLI),
    ]


SKUS = (
    Sku(OAK_TABLE, "Oak dining table 120 cm", 24_000),
    Sku(BRASS_LAMP, "Brass table lamp E27", 1_800),
    Sku(LINEN_CUSHION, "Linen cushion 45 x 45", 600),
    Sku(WOOL_THROW, "Wool throw 130 x 170", 900),
)


def a_network(
    nodes: Iterable[Node] | None = None,
    *,
    services: Iterable[CarrierService] | None = None,
    with_transfer: bool = True,
) -> Network:
    """The Lyon and Paris network, or one with the given nodes and services."""
    chosen_services = list(every_service() if services is None else services)
    return Network(
        version="lyon-paris-test-1",
        nodes={node.id: node for node in (lyon_and_paris_nodes() if nodes is None else nodes)},
        skus={sku.sku: sku for sku in SKUS},
        services={service.code: service for service in chosen_services},
        transfer_service=TRANSFER
        if with_transfer and any(s.code == TRANSFER for s in chosen_services)
        else None,
    )


def with_service(network: Network, service: CarrierService) -> Network:
    """The network with `service` added or replacing the one of the same code."""
    return dataclasses.replace(network, services={**network.services, service.code: service})


def cart(*lines: tuple[str, int]) -> tuple[CartLine, ...]:
    return tuple(CartLine(sku, quantity) for sku, quantity in lines)


def promise_home(
    network: Network,
    lines: tuple[CartLine, ...],
    point: GeoPoint,
    stock: Mapping[str, Mapping[str, int]],
    *,
    now: datetime = TUESDAY_MORNING,
) -> list[Option]:
    """Options for a home delivery at `point`, with candidates found as the gateway does."""
    candidates = CandidateFinder(network).around(point)
    request = PromiseRequest(lines, Destination(point), now)
    return build_options(network, request, candidates, stock)


def promise_collect(
    network: Network,
    lines: tuple[CartLine, ...],
    store_id: str,
    stock: Stock,
    *,
    now: datetime = TUESDAY_MORNING,
) -> list[Option]:
    """Options for click & collect at `store_id`: no candidates, stock over every node."""
    store = network.nodes[store_id]
    request = PromiseRequest(lines, Destination(store.location, store_id), now)
    return build_options(network, request, [], stock)


def by_service(options: Iterable[Option]) -> dict[str, Option]:
    """Options by service code; fails when a service appears twice."""
    found: dict[str, Option] = {}
    for option in options:
        assert option.service.code not in found, f"two options for {option.service.code}"
        found[option.service.code] = option
    return found
