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
from gateway.api.types.shipments import ShipmentInfo
from gateway.service.answers import QuotedOption, QuotedPromise
from promise.dates import order_within_minutes
from promise.explain import Unavailable
from promise.network import Network, PointType
from promise.promise_builder import Label, NearbyPoint

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
class DeliveryOption:
    # Read from the quoted option when a query selects them (the resolvers below): a page
    # selects a few of these, and reading each one for every option cost more than the rest.
    _quoted: strawberry.Private[QuotedOption]
    _network: strawberry.Private[Network]
    _explain: strawberry.Private[bool]
    _shopper: strawberry.Private[Shopper]

    def _service_name(self) -> str:
        return self._quoted.option.service.name

    def _carrier(self) -> str:
        return self._quoted.option.service.carrier

    def _earliest_date(self) -> dt.date:
        return self._quoted.option.earliest

    def _order_by(self) -> dt.datetime:
        return self._quoted.option.order_by

    def _order_within_minutes(self) -> int:
        return order_within_minutes(self._quoted.option.order_by, self._quoted.ordered_at)

    def _confidence(self) -> float:
        return self._quoted.option.confidence

    def _ready_at(self) -> dt.datetime | None:
        return self._quoted.option.ready_at

    def _currency(self) -> str:
        return self._shopper.currency

    def _customer_trip_co2e_grams(self) -> float | None:
        return self._quoted.option.customer_trip_grams

    def _co2e_includes_customer_trip(self) -> bool:
        option = self._quoted.option
        return option.counts_customer_trip and option.customer_trip_grams is not None

    def _committable(self) -> bool:
        return self._quoted.committable

    kind: DeliveryKind
    service_code: str
    service_name: str = strawberry.field(resolver=_service_name)
    carrier: str = strawberry.field(resolver=_carrier)
    earliest_date: dt.date = strawberry.field(
        resolver=_earliest_date, description="The first shipment's likely day."
    )
    likely_date: dt.date = strawberry.field(description="The most likely day it is all there.")
    promised_date: dt.date = strawberry.field(
        description="The day it is all there with the requested confidence."
    )
    order_by: dt.datetime = strawberry.field(
        resolver=_order_by, description="Order before this for these dates."
    )
    order_within_minutes: int = strawberry.field(
        resolver=_order_within_minutes,
        description="Whole minutes from the order time until orderBy.",
    )
    confidence: float = strawberry.field(
        resolver=_confidence,
        description=(
            "Probability that every shipment arrives by its promised date, by the transit "
            "tables, taking shipments as independent: at least the requested confidence for "
            "one shipment, possibly less for several."
        ),
    )
    ready_at: dt.datetime | None = strawberry.field(
        resolver=_ready_at,
        description="Click & collect: when the order can be picked up at the store.",
    )
    price_cents: int = strawberry.field(description="In the minor unit of `currency`.")
    currency: str = strawberry.field(
        resolver=_currency, description="The caller's channel's (ISO 4217)."
    )
    co2e_grams: float = strawberry.field(
        description="The shipments' CO2e, plus the customer trip when includeCustomerTrip."
    )
    customer_trip_co2e_grams: float | None = strawberry.field(
        resolver=_customer_trip_co2e_grams,
        description=(
            "The shopper's own round trip to the store or the nearest pickup point (average "
            "car, nothing under 1 km), apart from the shipments; null when not known."
        ),
    )
    co2e_includes_customer_trip: bool = strawberry.field(resolver=_co2e_includes_customer_trip)
    labels: list[Label]
    committable: bool = strawberry.field(
        resolver=_committable,
        description=(
            "Whether commitAllocation takes this quote: false for a what-if (an orderTime "
            "other than now), whose dates are shown but never held."
        ),
    )

    def _order_within(self) -> str:
        return self._shopper.texts.order_within(self._order_within_minutes())

    def _ready(self) -> str | None:
        ready_at = self._quoted.option.ready_at
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
        return DeliveryOption(
            kind=option.kind,
            service_code=option.service.code,
            likely_date=option.likely,
            promised_date=option.promised,
            price_cents=shopper.price(option.price_cents),
            co2e_grams=round(option.co2e_grams, 1),
            labels=sorted(option.labels, key=_LABEL_VALUE),
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
