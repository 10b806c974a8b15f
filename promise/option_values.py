"""A delivery option offered to the shopper, the shipments behind it, and what was asked."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, datetime

from carriers.services import CarrierService, DeliveryKind
from promise.cart import CartLine, Destination
from promise.dates import Timing
from promise.errors import InvalidInput
from promise.explain import Explanation
from promise.profiles import DEFAULT_PROFILE, RuleProfile


class Label(enum.Enum):
    FASTEST = "FASTEST"
    CHEAPEST = "CHEAPEST"
    GREENEST = "GREENEST"
    RECOMMENDED = "RECOMMENDED"


# __init__ written out, compiled (see promise.plans): options are built and replaced many
# times a request, the generated one being interpreted.
@dataclass(frozen=True, slots=True, init=False)
class Shipment:
    """What one node sends (or hands over): its lines, in `parcels` parcels."""

    node_id: str
    service_code: str
    lines: tuple[CartLine, ...]
    distance_km: float
    weight_grams: int
    timing: Timing
    price_cents: int
    co2e_grams: float
    # Set when the shipment waits for inbound stock: the arrival of the last lot it needs.
    stock_arrives_at: datetime | None = None
    parcels: int = 1

    def __init__(
        self,
        node_id: str,
        service_code: str,
        lines: tuple[CartLine, ...],
        distance_km: float,
        weight_grams: int,
        timing: Timing,
        price_cents: int,
        co2e_grams: float,
        stock_arrives_at: datetime | None = None,
        parcels: int = 1,
    ) -> None:
        object.__setattr__(self, "node_id", node_id)
        object.__setattr__(self, "service_code", service_code)
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "distance_km", distance_km)
        object.__setattr__(self, "weight_grams", weight_grams)
        object.__setattr__(self, "timing", timing)
        object.__setattr__(self, "price_cents", price_cents)
        object.__setattr__(self, "co2e_grams", co2e_grams)
        object.__setattr__(self, "stock_arrives_at", stock_arrives_at)
        object.__setattr__(self, "parcels", parcels)


@dataclass(frozen=True, slots=True)
class NearbyPoint:
    """A pickup point offered with an option, and how far it is from the destination."""

    point_id: str
    distance_km: float


@dataclass(frozen=True, slots=True, init=False)
class Option:
    kind: DeliveryKind
    service: CarrierService
    shipments: tuple[Shipment, ...]
    collect_store_id: str | None = None
    labels: frozenset[Label] = frozenset()
    pickup_points: tuple[NearbyPoint, ...] = ()
    # The shopper's round trip to the store or the nearest point; None when not known.
    customer_trip_grams: float | None = None
    counts_customer_trip: bool = False
    # The plan's values under the request's rule profile, in its objective's order.
    objective_values: tuple[float, ...] = ()
    explanation: Explanation | None = None
    # A later plan of the same service with less CO2e, when there is one (the carbon nudge).
    greener: Option | None = None

    def __init__(
        self,
        kind: DeliveryKind,
        service: CarrierService,
        shipments: tuple[Shipment, ...],
        collect_store_id: str | None = None,
        labels: frozenset[Label] = frozenset(),
        pickup_points: tuple[NearbyPoint, ...] = (),
        customer_trip_grams: float | None = None,
        counts_customer_trip: bool = False,
        objective_values: tuple[float, ...] = (),
        explanation: Explanation | None = None,
        greener: Option | None = None,
    ) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "service", service)
        object.__setattr__(self, "shipments", shipments)
        object.__setattr__(self, "collect_store_id", collect_store_id)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "pickup_points", pickup_points)
        object.__setattr__(self, "customer_trip_grams", customer_trip_grams)
        object.__setattr__(self, "counts_customer_trip", counts_customer_trip)
        object.__setattr__(self, "objective_values", objective_values)
        object.__setattr__(self, "explanation", explanation)
        object.__setattr__(self, "greener", greener)

    # Copies with a field or two changed, as dataclasses.replace makes them: that one is
    # generic interpreted Python, a few of these a request cost more than the rest of it.
    def replaced(
        self,
        *,
        labels: frozenset[Label] | None = None,
        objective_values: tuple[float, ...] | None = None,
        explanation: Explanation | None = None,
        greener: Option | None = None,
    ) -> Option:
        """This option with the fields given (not None) replaced."""
        return Option(
            self.kind,
            self.service,
            self.shipments,
            self.collect_store_id,
            self.labels if labels is None else labels,
            self.pickup_points,
            self.customer_trip_grams,
            self.counts_customer_trip,
            self.objective_values if objective_values is None else objective_values,
            self.explanation if explanation is None else explanation,
            self.greener if greener is None else greener,
        )

    @property
    def price_cents(self) -> int:
        return sum(s.price_cents for s in self.shipments)

    @property
    def shipments_co2e_grams(self) -> float:
        return sum(s.co2e_grams for s in self.shipments)

    @property
    def co2e_grams(self) -> float:
        """The shipments' CO2e, plus the shopper's trip when the request counts it."""
        trip = self.customer_trip_grams if self.counts_customer_trip else None
        return self.shipments_co2e_grams + (trip or 0.0)

    @property
    def confidence(self) -> float:
        """P(everything arrives by its promised day), taking shipments as independent."""
        return round(math.prod(s.timing.confidence for s in self.shipments), 6)

    @property
    def ready_at(self) -> datetime | None:
        """For a collection: when all of it can be picked up (at the promised day)."""
        moments = [s.timing.ready_at for s in self.shipments]
        if not moments or any(m is None for m in moments):
            return None
        return max(m for m in moments if m is not None)

    @property
    def promised(self) -> date:
        """The day by which everything has arrived, at the requested confidence."""
        return max(s.timing.promised for s in self.shipments)

    @property
    def likely(self) -> date:
        return max(s.timing.likely for s in self.shipments)

    @property
    def earliest(self) -> date:
        return min(s.timing.likely for s in self.shipments)

    @property
    def order_by(self) -> datetime:
        return min(s.timing.order_by for s in self.shipments)

    @property
    def distance_km(self) -> float:
        return sum(s.distance_km for s in self.shipments)

    def sort_key(self) -> tuple[date, date, int, float]:
        return (self.promised, self.likely, self.price_cents, self.co2e_grams)


@dataclass(frozen=True, slots=True)
class PromiseRequest:
    cart: tuple[CartLine, ...]
    destination: Destination
    now: datetime
    confidence: float = 0.95
    include_customer_trip: bool = False
    profile: RuleProfile = DEFAULT_PROFILE
    # The kinds of option asked for; None for every kind. A product page showing the headline
    # home-delivery date asks for that kind alone and spares the searches of the others.
    kinds: frozenset[DeliveryKind] | None = None
    # Whether the options carry the trace of how their plans were chosen (profile, nodes
    # rejected, plans compared): a page that shows none of it spares ranking the plans.
    explain: bool = True
    # Whether home options look for a later plan with less CO2e (the carbon nudge): a page
    # that shows no nudge spares each home service its second search.
    nudge: bool = True

    def __post_init__(self) -> None:
        if self.kinds is None:
            return
        if not self.kinds:
            raise InvalidInput("ask for at least one kind of option", field="input.kinds")
        if self.destination.store_id is not None and not self.wants(DeliveryKind.CLICK_AND_COLLECT):
            raise InvalidInput(
                f"store {self.destination.store_id} is served by click & collect only",
                field="input.kinds",
            )

    def wants(self, kind: DeliveryKind) -> bool:
        return self.kinds is None or kind in self.kinds
