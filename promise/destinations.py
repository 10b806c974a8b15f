"""Where a home destination is: its country, subdivision and time zone, and whether any
service delivers there.

The gateway resolves a place however it can (a postcode table, an offline gazetteer, a
country the caller gives) and passes country, subdivision and time zone in; the domain only
checks that some service delivers to the place's zone, so that a request nobody can serve
is refused by its country before any stock is read.
"""

from __future__ import annotations

from carriers.regions import Region, country_timezone
from promise.cart import Destination
from promise.errors import DestinationNotServed
from promise.geo import GeoPoint
from promise.network import Network


def not_served(country: str, *, field: str) -> DestinationNotServed:
    return DestinationNotServed(
        f"no delivery service of this network delivers to country {country!r}",
        field=field,
        country=country,
    )


def check_served(network: Network, region: Region | None, *, field: str) -> None:
    """DestinationNotServed naming the country when no service delivers to the region's
    zone (None: the network's own country)."""
    if not network.serves(network.zone_of(region)):
        raise not_served(region.country if region is not None else network.country, field=field)


def destination_in(
    network: Network,
    point: GeoPoint,
    *,
    country: str,
    subdivision: str | None = None,
    timezone: str | None = None,
    field: str,
) -> Destination:
    """A home destination at `point` in `country` (ISO 3166 alpha-2, upper case), dated by
    its calendar: the subdivision's holidays and the time zone given, else the country's
    mainland zone. DestinationNotServed naming the country when no service delivers there."""
    zone_name = timezone or country_timezone(country)
    if zone_name is None:
        raise not_served(country, field=field)
    region = Region(country, subdivision, zone_name)
    check_served(network, region, field=field)
    return Destination(point, region=region)
