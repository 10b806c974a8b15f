"""Delivery options as the API shows them."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from carriers.services import DeliveryKind
from gateway.promising import QuotedOption
from gateway.types.network import Line, NodeInfo
from promise.network import Network
from promise.options import Shipment


@strawberry.enum
class OptionLabel(enum.Enum):
    FASTEST = "FASTEST"
    CHEAPEST = "CHEAPEST"
    GREENEST = "GREENEST"
    RECOMMENDED = "RECOMMENDED"


@strawberry.type
class TimeWindow:
    start: dt.datetime
    end: dt.datetime


@strawberry.type(name="Shipment")
class ShipmentInfo:
    node: NodeInfo
    service_code: str
    lines: list[Line]
    distance_km: float
    weight_grams: int
    likely_date: dt.date
    promised_date: dt.date
    order_by: dt.datetime
    window: TimeWindow | None
    price_cents: int
    co2e_grams: float

    @staticmethod
    def from_domain(shipment: Shipment, network: Network) -> ShipmentInfo:
        timing = shipment.timing
        window = (
            TimeWindow(start=timing.window_start, end=timing.window_end)
            if timing.window_start and timing.window_end
            else None
        )
        return ShipmentInfo(
            node=NodeInfo.from_domain(network.nodes[shipment.node_id]),
            service_code=shipment.service_code,
            lines=[Line(sku=line.sku, quantity=line.quantity) for line in shipment.lines],
            distance_km=shipment.distance_km,
            weight_grams=shipment.weight_grams,
            likely_date=timing.likely,
            promised_date=timing.promised,
            order_by=timing.order_by,
            window=window,
            price_cents=shipment.price_cents,
            co2e_grams=shipment.co2e_grams,
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
    price_cents: int
    currency: str
    co2e_grams: float
    labels: list[OptionLabel]
    collect_store: NodeInfo | None
    shipments: list[ShipmentInfo]
    quote_token: str
    quote_expires_at: dt.datetime

    @staticmethod
    def from_domain(quoted: QuotedOption, network: Network) -> DeliveryOption:
        option = quoted.option
        store = option.collect_store_id
        return DeliveryOption(
            kind=option.kind,
            service_code=option.service.code,
            service_name=option.service.name,
            carrier=option.service.carrier,
            earliest_date=option.earliest,
            likely_date=option.likely,
            promised_date=option.promised,
            order_by=option.order_by,
            price_cents=option.price_cents,
            currency="EUR",
            co2e_grams=round(option.co2e_grams, 1),
            labels=sorted(
                (OptionLabel(label.value) for label in option.labels), key=lambda x: x.value
            ),
            collect_store=NodeInfo.from_domain(network.nodes[store]) if store else None,
            shipments=[ShipmentInfo.from_domain(s, network) for s in option.shipments],
            quote_token=quoted.token,
            quote_expires_at=quoted.expires_at,
        )


@strawberry.type
class DeliveryOptions:
    options: list[DeliveryOption]
