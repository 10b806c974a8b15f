"""Where the gateway placed a destination, as the answer echoes it: the point, the country and
calendar it was dated by, and what the point stands for (its precision)."""

from __future__ import annotations

import enum

import strawberry

from gateway.service.destinations import Placed


@strawberry.enum(description="What the point of a resolved destination stands for.")
class DestinationPrecision(enum.Enum):
    POINT = strawberry.enum_value("POINT", description="The coordinates the request gave.")
    ADDRESS = strawberry.enum_value("ADDRESS", description="The geocoder's point for an address.")
    POSTCODE = strawberry.enum_value(
        "POSTCODE", description="The postcode's own point (the mean of its located places)."
    )
    LOCALITY = strawberry.enum_value(
        "LOCALITY", description="The postcode's locality: the data has no point of its own."
    )
    REGION = strawberry.enum_value(
        "REGION", description="An estimate within the postcode's region, or its centroid."
    )


@strawberry.type(description="The destination as the gateway placed it, offline.")
class ResolvedDestination:
    latitude: float
    longitude: float
    country: str = strawberry.field(description="ISO 3166 alpha-2 code.")
    subdivision: str | None = strawberry.field(
        description=(
            "The calendar's subdivision (e.g. 57 for Moselle, 971 for Guadeloupe, BY for "
            "Bavaria; 2A/2B names Corsica); null: the national calendar."
        )
    )
    time_zone: str = strawberry.field(description="IANA time zone the delivery day is dated in.")
    precision: DestinationPrecision
    locality: str | None
    postcode: str | None = strawberry.field(description="As the data holds it (e.g. NL 1012).")

    @staticmethod
    def from_placed(placed: Placed) -> ResolvedDestination | None:
        place, region = placed.place, placed.destination.region
        if place is None or region is None:
            return None
        precision = (
            DestinationPrecision.ADDRESS
            if placed.geocoded
            else DestinationPrecision(place.precision.value)
        )
        return ResolvedDestination(
            latitude=place.latitude,
            longitude=place.longitude,
            country=region.country,
            subdivision=region.subdivision,
            time_zone=region.timezone,
            precision=precision,
            locality=place.locality,
            postcode=place.postcode,
        )
