"""A delivery option's shipments as the API shows them."""

from __future__ import annotations

import datetime as dt

import strawberry

from gateway.api.texts.shopper import ENGLISH_IN_EUROS, Shopper
from gateway.api.types.money import Money
from gateway.api.types.network import Line, NodeInfo
from promise.network import Network
from promise.promise_builder import Shipment


@strawberry.type
class TimeWindow:
    start: dt.datetime
    end: dt.datetime


@strawberry.type(name="Shipment")
class ShipmentInfo:
    # What the fields beyond node, lines and distance are read from when a query selects
    # them: a checkout shows its shipments' nodes and lines, seldom the rest.
    _shipment: strawberry.Private[Shipment]
    _shopper: strawberry.Private[Shopper]

    def _service_code(self) -> str:
        return self._shipment.service_code

    def _weight_grams(self) -> int:
        return self._shipment.weight_grams

    def _parcels(self) -> int:
        return self._shipment.parcels

    def _likely_date(self) -> dt.date:
        return self._shipment.timing.likely

    def _promised_date(self) -> dt.date:
        return self._shipment.timing.promised

    def _order_by(self) -> dt.datetime:
        return self._shipment.timing.order_by

    def _window(self) -> TimeWindow | None:
        timing = self._shipment.timing
        if timing.window_start and timing.window_end:
            return TimeWindow(start=timing.window_start, end=timing.window_end)
        return None

    def _price_cents(self) -> int:
        return self._shopper.price(self._shipment.price_cents)

    def _price(self) -> Money:
        return Money.of(self._price_cents(), self._shopper)

    def _co2e_grams(self) -> float:
        return self._shipment.co2e_grams

    def _confidence(self) -> float:
        return self._shipment.timing.confidence

    def _stock_arrives_at(self) -> dt.datetime | None:
        return self._shipment.stock_arrives_at

    node: NodeInfo
    service_code: str = strawberry.field(resolver=_service_code)
    lines: list[Line]
    distance_km: float
    weight_grams: int = strawberry.field(resolver=_weight_grams)
    parcels: int = strawberry.field(
        resolver=_parcels,
        description="Parcels the shipment goes in, packed by weight to the service's limit.",
    )
    likely_date: dt.date = strawberry.field(resolver=_likely_date)
    promised_date: dt.date = strawberry.field(resolver=_promised_date)
    order_by: dt.datetime = strawberry.field(resolver=_order_by)
    window: TimeWindow | None = strawberry.field(resolver=_window)
    price_cents: int = strawberry.field(
        resolver=_price_cents, description="In the minor unit of `price.currency`."
    )
    price: Money = strawberry.field(resolver=_price)
    co2e_grams: float = strawberry.field(resolver=_co2e_grams)
    confidence: float = strawberry.field(
        resolver=_confidence,
        description="Probability, by the service's transit table, of arrival by promisedDate.",
    )
    stock_arrives_at: dt.datetime | None = strawberry.field(
        resolver=_stock_arrives_at,
        description="Set when the shipment waits for inbound stock: when that stock arrives.",
    )

    @staticmethod
    def from_domain(
        shipment: Shipment, network: Network, shopper: Shopper = ENGLISH_IN_EUROS
    ) -> ShipmentInfo:
        return ShipmentInfo(
            _shipment=shipment,
            _shopper=shopper,
            node=NodeInfo.from_domain(network.nodes[shipment.node_id]),
            lines=[Line(sku=line.sku, quantity=line.quantity) for line in shipment.lines],
            distance_km=shipment.distance_km,
        )
