"""Destinations placed offline: a postcode or a point becomes the domain's `Destination` (its
point and the calendar it is dated by) through `places`, kept with the `Place` it resolved to
so that the answer can say which country, calendar and precision it used. The errors of
`places` become the domain's typed problems, each naming the request's field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import places
from carriers.echo import shown
from carriers.regions import Region, country_timezone
from places import Place, Precision, Unserved
from promise.cart import Destination
from promise.errors import DestinationNotServed, InvalidInput, UnknownPostcode
from promise.geo import GeoPoint

_COUNTRY = re.compile(r"[A-Z]{2}")
# Corsica keeps the national holidays; its department names it for delivery zones.
_CORSICA = frozenset({"2A", "2B"})
# Postcodes whose destination a process keeps (the table never changes while it runs): a
# product page resolves its postcode for each of its root fields, and shoppers of one town
# share a few.
POSTCODES_KEPT = 4_096


@dataclass(frozen=True, slots=True)
class Placed:
    """A destination for the domain and the place it was resolved to: None for a store
    (click & collect); `geocoded` when the point came from an address."""

    destination: Destination
    place: Place | None = None
    geocoded: bool = False


def region_of(place: Place) -> Region:
    """The calendar a place is dated by: its country, `holidays` subdivision and time zone;
    Corsica (national holidays) is named by its department, as delivery zones name it."""
    subdivision = place.subdivision
    if subdivision is None and place.country == "FR" and place.region in _CORSICA:
        subdivision = place.region
    return Region(place.country, subdivision, place.time_zone)


def _placed(place: Place, *, geocoded: bool = False) -> Placed:
    point = GeoPoint(place.latitude, place.longitude)
    return Placed(Destination(point, region=region_of(place)), place, geocoded)


def at_postcode(country: str, postcode: str, *, field: str) -> Placed:
    """The destination of `postcode` in `country` (ISO 3166 alpha-2).

    `field` is the postcode input's (e.g. `input.destination.postcode`): InvalidInput names
    its `country` (not an alpha-2 code) or its `postcode` (not the country's format),
    UnknownPostcode its `postcode`, DestinationNotServed its `country` (a country whose
    postcodes no data here covers).
    """
    code = _checked_country(country, field=f"{field}.country")
    try:
        return kept_postcode(code, postcode)
    except places.CountryNotServed:
        raise DestinationNotServed(
            f"postcodes of country {code} are not served", field=f"{field}.country", country=code
        ) from None
    except places.InvalidPostcode as error:
        raise InvalidInput(str(error), field=f"{field}.postcode") from None
    except places.UnknownPostcode as error:
        raise UnknownPostcode(str(error), field=f"{field}.postcode") from None


@lru_cache(maxsize=POSTCODES_KEPT)
def kept_postcode(country: str, postcode: str) -> Placed:
    """The destination of a postcode of `country` (already checked), kept for the process;
    its errors are not kept, as each names the field of its own request."""
    return _placed(places.resolve_postcode(country, postcode))


def at_point(
    latitude: float,
    longitude: float,
    *,
    field: str,
    country: str | None = None,
    geocoded: bool = False,
) -> Placed:
    """The destination at a point, dated by the calendar of the place it lies in.

    InvalidInput names `field.latitude` or `field.longitude` out of range, or `field.country`
    for a country given that is not alpha-2; DestinationNotServed names `field` for a point
    outside the served countries (its country said when known). A `country` the caller
    gives wins over the map (a point a few km from a border): a point placed in another
    country is dated by the national calendar of the one given.
    """
    point = GeoPoint.checked(latitude, longitude, field=field)
    given = None if country is None else _checked_country(country, field=f"{field}.country")
    found = places.place_at(point.latitude, point.longitude)
    if given is not None and (isinstance(found, Unserved) or found.country != given):
        return _placed(_national_point(point, given, field=f"{field}.country"), geocoded=geocoded)
    if isinstance(found, Unserved):
        where = f"country {found.country}" if found.country else "no served country"
        raise DestinationNotServed(
            f"the point ({latitude:.4f}, {longitude:.4f}) lies in {where}",
            field=field,
            country=found.country,
        )
    return _placed(found, geocoded=geocoded)


def _checked_country(country: str, *, field: str) -> str:
    code = country.strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise InvalidInput(
            f"country {shown(country)} is not an ISO 3166 alpha-2 code like 'FR'", field=field
        )
    return code


def _national_point(point: GeoPoint, country: str, *, field: str) -> Place:
    zone = country_timezone(country)
    if zone is None:
        raise DestinationNotServed(
            f"no time zone is known for country {country}", field=field, country=country
        )
    return Place(point.latitude, point.longitude, country, None, zone, Precision.POINT, None)
