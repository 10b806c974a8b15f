"""Delivery options as the API shows them."""

from __future__ import annotations

import datetime as dt
import enum
from operator import attrgetter

import strawberry

from carriers.services import DeliveryKind
from gateway.api.texts.shopper import ENGLISH_IN_EUROS, Shopper
from gateway.api.types.explain import OptionExplanation, UnavailableService
from gateway.api.types.money import Money
from gateway.api.types.network import Line, NodeInfo
from gateway.api.types.resolved_destination import ResolvedDestination
from gateway.service.answers import QuotedOption, QuotedPromise
from promise.dates import order_within_minutes
from promise.explain import Unavailable
from promise.network import Network, PointType
from promise.promise_builder import Label, NearbyPoint, Shipment

strawberry.enum(Label, name="OptionLabel")
# A label's value, read without the enum's `value` property (a call per read).
_LABEL_VALUE = attrgetter("_value_")


@strawberry.enum
class PickupPointType(enum.Enum):
    RELAY = "RELAY"
    LOCKER = "LOCKER"


@strawberry.type(name="PickupPoint")
class PickupPointInfo:
    id: strawberry.ID
    name: str
    type: PickupPointType
    city: str
    postcode: str
    latitude: float
    longitude: float
    distance_km: float = strawberry.field(description="From the destination, as the crow flies.")

    @staticmethod
    def from_domain(nearby: NearbyPoint, network: Network) -> PickupPointInfo:
        point = network.pickup_points[nearby.point_id]
        return PickupPointInfo(
            id=strawberry.ID(point.id),
            name=point.name,
            type=PickupPointType(PointType(point.type).value),
            city=point.city,
            postcode=point.postcode,
            latitude=point.location.latitude,
            longitude=point.location.longitude,
            distance_km=nearby.distance_km,
        )


@strawberry.type
class TimeWindow:
    start: dt.datetime
    end: dt.datetime


@strawberry.type(name="Shipment")
class ShipmentInfo:
    # What `window` and `price` are made from when a query selects them: a checkout shows
    # its shipments' nodes and lines, seldom these.
    _shipment: strawberry.Private[Shipment]
    _shopper: strawberry.Private[Shopper]

    def _window(self) -> TimeWindow | None:
        timing = self._shipment.timing
        if timing.window_start and timing.window_end:
            return TimeWindow(start=timing.window_start, end=timing.window_end)
        return None

    def _price(self) -> Money:
        return Money.of(self.price_cents, self._shopper)

    node: NodeInfo
    service_code: str
    lines: list[Line]
    distance_km: float
    weight_grams: int
    parcels: int = strawberry.field(
        description="Parcels the shipment goes in, packed by weight to the service's limit."
    )
    likely_date: dt.date
    promised_date: dt.date
    order_by: dt.datetime
    window: TimeWindow | None = strawberry.field(resolver=_window)
    price_cents: int = strawberry.field(description="In the minor unit of `price.currency`.")
    price: Money = strawberry.field(resolver=_price)
    co2e_grams: float
    confidence: float = strawberry.field(
        description="Probability, by the service's transit table, of arrival by promisedDate."
    )
    stock_arrives_at: dt.datetime | None = strawberry.field(
        description="Set when the shipment waits for inbound stock: when that stock arrives."
    )

    @staticmethod
    def from_domain(
        shipment: Shipment, network: Network, shopper: Shopper = ENGLISH_IN_EUROS
    ) -> ShipmentInfo:
        timing = shipment.timing
        return ShipmentInfo(
            _shipment=shipment,
            _shopper=shopper,
            node=NodeInfo.from_domain(network.nodes[shipment.node_id]),
            service_code=shipment.service_code,
            lines=[Line(sku=line.sku, quantity=line.quantity) for line in shipment.lines],
            distance_km=shipment.distance_km,
            weight_grams=shipment.weight_grams,
            parcels=shipment.parcels,
            likely_date=timing.likely,
            promised_date=timing.promised,
            order_by=timing.order_by,
            price_cents=shopper.price(shipment.price_cents),
            co2e_grams=shipment.co2e_grams,
            confidence=timing.confidence,
            stock_arrives_at=shipment.stock_arrives_at,
        )


@strawberry.type
class DeliveryOption:
    kind: DeliveryKind
    service_code: str
    service_name: str
    carrier: str
    earliest_date: dt.date = strawberry.field(description="The first shipment's likely day.")
    likely_date: dt.date = strawberry.field(description="The most likely day it is all there.")
    promised_date: dt.date = strawberry.field(
        description="The day it is all there with the requested confidence."
    )
    order_by: dt.datetime = strawberry.field(description="Order before this for these dates.")
    order_within_minutes: int = strawberry.field(
        description="Whole minutes from the order time until orderBy."
    )
    confidence: float = strawberry.field(
        description=(
            "Probability that every shipment arrives by its promised date, by the transit "
            "tables, taking shipments as independent: at least the requested confidence for "
            "one shipment, possibly less for several."
        )
    )
    ready_at: dt.datetime | None = strawberry.field(
        description="Click & collect: when the order can be picked up at the store."
    )
    price_cents: int = strawberry.field(description="In the minor unit of `currency`.")
    currency: str = strawberry.field(description="The caller's channel's (ISO 4217).")
    co2e_grams: float = strawberry.field(
        description="The shipments' CO2e, plus the customer trip when includeCustomerTrip."
    )
    customer_trip_co2e_grams: float | None = strawberry.field(
        description=(
            "The shopper's own round trip to the store or the nearest pickup point (average "
            "car, nothing under 1 km), apart from the shipments; null when not known."
        )
    )
    co2e_includes_customer_trip: bool
    labels: list[Label]
    committable: bool = strawberry.field(
        description=(
            "Whether commitAllocation takes this quote: false for a what-if (an orderTime "
            "other than now), whose dates are shown but never held."
        )
    )
    # What the fields below are built from, when a query selects them: most select a few
    # scalars (a product page asks for dates and prices), and building every shipment,
    # pickup point, nudge and signed token for each option was most of the work here.
    _quoted: strawberry.Private[QuotedOption]
    _network: strawberry.Private[Network]
    _explain: strawberry.Private[bool]
    _shopper: strawberry.Private[Shopper]

    def _order_within(self) -> str:
        return self._shopper.texts.order_within(self.order_within_minutes)

    def _ready(self) -> str | None:
        ready_at = self.ready_at
        if ready_at is None:
            return None
        return self._shopper.texts.ready(ready_at, self._quoted.ordered_at)

    def _price(self) -> Money:
        return Money.of(self.price_cents, self._shopper)

    def _collect_store(self) -> NodeInfo | None:
        store = self._quoted.option.collect_store_id
        return NodeInfo.from_domain(self._network.nodes[store]) if store else None

    def _pickup_points(self) -> list[PickupPointInfo]:
        network = self._network
        return [PickupPointInfo.from_domain(p, network) for p in self._quoted.option.pickup_points]

    def _shipments(self) -> list[ShipmentInfo]:
        shopper, network = self._shopper, self._network
        return [
            ShipmentInfo.from_domain(s, network, shopper) for s in self._quoted.option.shipments
        ]

    def _quote_token(self) -> str:
        # Signed here, once per option however many times it is selected.
        return self._quoted.token

    def _quote_expires_at(self) -> dt.datetime:
        return self._quoted.expires_at

    def _nudge(self) -> CarbonNudge | None:
        return CarbonNudge.from_domain(
            self._quoted, self._network, explain=self._explain, shopper=self._shopper
        )

    def _explanation(self) -> OptionExplanation | None:
        trace = self._quoted.option.explanation
        if not self._explain or trace is None:
            return None
        return OptionExplanation.from_domain(trace)

    order_within: str = strawberry.field(
        resolver=_order_within,
        description="orderWithinMinutes for shoppers, in their language: '2 h 13 min'.",
    )
    ready: str | None = strawberry.field(
        resolver=_ready,
        description=(
            "readyAt for shoppers, on the store's clock, in their language: "
            "'aujourd'hui à partir de 16:00', 'today from 4:00 PM'."
        ),
    )
    price: Money = strawberry.field(resolver=_price, description="priceCents with its currency.")
    collect_store: NodeInfo | None = strawberry.field(resolver=_collect_store)
    pickup_points: list[PickupPointInfo] = strawberry.field(
        resolver=_pickup_points,
        description="Pickup points near the destination this option delivers to, nearest first.",
    )
    shipments: list[ShipmentInfo] = strawberry.field(resolver=_shipments)
    quote_token: str = strawberry.field(resolver=_quote_token)
    quote_expires_at: dt.datetime = strawberry.field(resolver=_quote_expires_at)
    nudge: CarbonNudge | None = strawberry.field(
        resolver=_nudge,
        description="A later plan of this service with less CO2e, when there is one.",
    )
    explanation: OptionExplanation | None = strawberry.field(
        resolver=_explanation,
        description="How the plan was chosen; only when the request sets explain.",
    )
    partial: bool = strawberry.field(
        default=False,
        description="The option serves part of the cart only; leftOut names the rest.",
    )
    left_out: list[Line] = strawberry.field(
        default_factory=list, description="The units of the cart a partial option leaves out."
    )

    @staticmethod
    def from_domain(
        quoted: QuotedOption,
        network: Network,
        *,
        explain: bool = False,
        shopper: Shopper = ENGLISH_IN_EUROS,
    ) -> DeliveryOption:
        option = quoted.option
        minutes = order_within_minutes(option.order_by, quoted.ordered_at)
        return DeliveryOption(
            kind=option.kind,
            service_code=option.service.code,
            service_name=option.service.name,
            carrier=option.service.carrier,
            earliest_date=option.earliest,
            likely_date=option.likely,
            promised_date=option.promised,
            order_by=option.order_by,
            order_within_minutes=minutes,
            confidence=option.confidence,
            ready_at=option.ready_at,
            price_cents=shopper.price(option.price_cents),
            currency=shopper.currency,
            co2e_grams=round(option.co2e_grams, 1),
            customer_trip_co2e_grams=option.customer_trip_grams,
            co2e_includes_customer_trip=(
                option.counts_customer_trip and option.customer_trip_grams is not None
            ),
            labels=sorted(option.labels, key=_LABEL_VALUE),
            committable=quoted.committable,
            _quoted=quoted,
            _network=network,
            _explain=explain,
            _shopper=shopper,
        )


@strawberry.type
class CarbonNudge:
    text: str = strawberry.field(
        description=(
            "For shoppers, in their language: 'one day later: 1 parcel instead of 2 and "
            "340 g CO2e less'."
        )
    )
    days_later: int
    parcels: int
    instead_of_parcels: int
    co2e_saved_grams: float
    option: DeliveryOption = strawberry.field(description="The greener option, with its quote.")

    @staticmethod
    def from_domain(
        quoted: QuotedOption, network: Network, *, explain: bool, shopper: Shopper
    ) -> CarbonNudge | None:
        option, greener = quoted.option, quoted.greener
        if greener is None:
            return None
        days = (greener.option.promised - option.promised).days
        parcels, instead_of = len(greener.option.shipments), len(option.shipments)
        saved = option.shipments_co2e_grams - greener.option.shipments_co2e_grams
        return CarbonNudge(
            text=shopper.texts.nudge(
                days_later=days, parcels=parcels, instead_of=instead_of, saved_grams=saved
            ),
            days_later=days,
            parcels=parcels,
            instead_of_parcels=instead_of,
            co2e_saved_grams=round(saved, 1),
            option=DeliveryOption.from_domain(greener, network, explain=explain, shopper=shopper),
        )


@strawberry.type
class DeliveryOptions:
    options: list[DeliveryOption]
    _unavailable: strawberry.Private[tuple[Unavailable, ...]]
    _shopper: strawberry.Private[Shopper]

    def _unavailable_services(self) -> list[UnavailableService]:
        texts = self._shopper.texts
        return [UnavailableService.from_domain(u, texts) for u in self._unavailable]

    unavailable: list[UnavailableService] = strawberry.field(
        resolver=_unavailable_services,
        description="Services not offered for this cart and destination, each with its reason.",
    )
    resolved_destination: ResolvedDestination | None = strawberry.field(
        default=None,
        description="Where the destination was placed and dated; null for a store.",
    )

    @staticmethod
    def from_domain(
        found: QuotedPromise,
        network: Network,
        *,
        explain: bool,
        destination: ResolvedDestination | None = None,
        shopper: Shopper = ENGLISH_IN_EUROS,
    ) -> DeliveryOptions:
        return DeliveryOptions(
            options=[
                DeliveryOption.from_domain(q, network, explain=explain, shopper=shopper)
                for q in found.options
            ],
            _unavailable=found.unavailable,
            resolved_destination=destination,
            _shopper=shopper,
        )
