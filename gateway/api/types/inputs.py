"""GraphQL inputs, and their translation into domain values with errors naming the field."""

from __future__ import annotations

from datetime import datetime

import strawberry

from carriers.echo import shown
from carriers.services import DeliveryKind
from gateway.service.destinations import Placed, at_point, at_postcode
from promise.cart import Destination
from promise.destinations import check_served
from promise.errors import InvalidInput, UnknownNode
from promise.network import Capability, Network


@strawberry.input
class CoordinatesInput:
    latitude: float
    longitude: float
    country: str | None = strawberry.field(
        default=None,
        description=(
            "ISO 3166 alpha-2 country of the point (e.g. DE), when the caller knows it better "
            "than the map (a few km from a border): it is dated by that country's calendar and "
            "served by the services delivering there. Absent: the country the point lies in, "
            "found offline."
        ),
    )


@strawberry.input(
    description=(
        "A postcode of a served country (FR with Corsica and overseas, DE, BE, NL, LU, ES, IT, "
        "AT, CH, MC, LI), checked against the country's format."
    )
)
class PostcodeInput:
    postcode: str
    country: str = strawberry.field(default="FR", description="ISO 3166 alpha-2 code.")


@strawberry.input(
    one_of=True,
    description="Exactly one of: coordinates, a postcode, a free-text address, a store.",
)
class DestinationInput:
    coordinates: CoordinatesInput | None = strawberry.UNSET
    postcode: PostcodeInput | None = strawberry.UNSET
    store_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A store, for click & collect."
    )
    address: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A postal address, geocoded by the gateway's geocoder (results cached).",
    )

    def resolve(self, network: Network, *, field: str) -> Placed:
        """The destination, placed offline (a store's own location for click & collect)."""
        if self.coordinates:
            c = self.coordinates
            placed = at_point(
                c.latitude, c.longitude, field=f"{field}.coordinates", country=c.country
            )
            if c.country is not None:
                # Refused by the country the caller gave, naming that field.
                where = f"{field}.coordinates.country"
                check_served(network, placed.destination.region, field=where)
            return placed
        if self.postcode:
            return at_postcode(
                self.postcode.country, self.postcode.postcode, field=f"{field}.postcode"
            )
        if self.address:
            # Addresses are geocoded before (gateway/service/geocoding.py): reaching here is a bug.
            raise InvalidInput("an address must be geocoded first", field=f"{field}.address")
        store_id = str(self.store_id or "")
        store = network.nodes.get(store_id)
        if store is None or Capability.CLICK_AND_COLLECT not in store.capabilities:
            raise UnknownNode(
                f"{shown(store_id)} is not a store offering click & collect",
                field=f"{field}.storeId",
            )
        return Placed(Destination(store.location, store_id=store.id))


@strawberry.input
class CartLineInput:
    sku: str
    quantity: int


@strawberry.input
class DeliveryOptionsInput:
    lines: list[CartLineInput]
    destination: DestinationInput
    order_time: datetime | None = strawberry.field(
        default=None, description="When the order is placed; now when absent."
    )
    confidence: float = strawberry.field(
        default=0.95, description="Share of parcels delivered by the promised date."
    )
    include_customer_trip: bool = strawberry.field(
        default=False,
        description=(
            "Count the shopper's own trip to a store or pickup point in co2eGrams; it is "
            "always given apart as customerTripCo2eGrams."
        ),
    )
    explain: bool = strawberry.field(
        default=False,
        description=(
            "Add each option's explanation: nodes considered and rejected (with the filter), "
            "the plans compared with their objective values, profile and network versions."
        ),
    )
    kinds: list[DeliveryKind] | None = strawberry.field(
        default=None,
        description=(
            "Only options of these kinds (every kind when absent): a product page showing the "
            "headline home-delivery date asks for HOME_STANDARD alone, which spares the "
            "searches of the others."
        ),
    )

    locale: str | None = strawberry.field(
        default=None,
        description=(
            "The shopper's language, as a tag ('fr-FR', 'de-CH', 'en'): before the "
            "Accept-Language header. Texts are in French, German or English, dates, times and "
            "prices formatted for the tag's region; a language not spoken falls back to the "
            "header's, the channel's default, then English."
        ),
    )

    def kind_set(self) -> frozenset[DeliveryKind] | None:
        return None if self.kinds is None else frozenset(self.kinds)


@strawberry.input
class CommitAllocationInput:
    quote_token: str
    idempotency_key: str


@strawberry.input
class ConfirmAllocationInput:
    allocation_id: strawberry.ID
    order_reference: str


@strawberry.input
class ReleaseAllocationInput:
    allocation_id: strawberry.ID


@strawberry.input
class FulfilAllocationInput:
    allocation_id: strawberry.ID


def checked_first(first: int, *, maximum: int, field: str = "first") -> int:
    if not 1 <= first <= maximum:
        raise InvalidInput(f"{field} {first} must be between 1 and {maximum}", field=field)
    return first
