"""Free-text addresses to coordinates, through a geopy geocoder, cached in the gateway state.

geopy is synchronous, so a lookup runs in a worker thread with geopy's own timeout, and an
asyncio deadline a little longer in case the thread hangs anyway: a shopper waits at most
about the configured timeout. Answers (found or not) are cached under the SHA-256 of the
normalised address, so a repeated address costs no lookup; failures are not cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import Protocol
from urllib.parse import urlsplit

from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from gateway.ops.outage_log import OutageLog
from gateway.ops.state import GatewayState
from gateway.service.destinations import Placed, at_point
from promise.errors import InvalidInput
from promise.geo import GeoPoint
from promise.network import Network

log = logging.getLogger("gateway.geocoding")
_cache_unreachable = OutageLog(log, "geocode cache unreachable")
_NOT_FOUND = "none"
_NOT_FOUND_SECONDS = 3600
MAX_ADDRESS_CHARS = 300


class DestinationGiven(Protocol):
    """A destination as a request gives it (the API's `DestinationInput`): an address to
    geocode, or coordinates, a postcode or a store it resolves itself."""

    @property
    def address(self) -> str | None: ...

    def resolve(self, network: Network, *, field: str) -> Placed: ...


class GeocoderUnavailable(Exception):
    """The geocoder failed or timed out; the caller may retry."""


class Geocoder:
    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float,
        state: GatewayState,
        cache_seconds: int,
    ) -> None:
        parts = urlsplit(url)
        self._nominatim = Nominatim(
            domain=parts.netloc + parts.path.rstrip("/"),
            scheme=parts.scheme or "https",
            timeout=timeout_seconds,
            user_agent="promise-gateway",
        )
        self._timeout = timeout_seconds
        self._state = state
        self._cache_seconds = cache_seconds
        self.lookups = 0

    @staticmethod
    def _key(address: str) -> str:
        normal = " ".join(address.lower().split())
        return "geo:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()

    async def locate(self, address: str) -> GeoPoint | None:
        """The address's coordinates; None when the geocoder knows no such place."""
        key = self._key(address)
        try:
            cached = await self._state.cached(key)
        except Exception:  # a cache outage costs a lookup, not the request
            _cache_unreachable.warn()
            cached = None
        if cached is not None:
            if cached == _NOT_FOUND:
                return None
            latitude, longitude = json.loads(cached)
            return GeoPoint(float(latitude), float(longitude))
        self.lookups += 1
        try:
            found = await asyncio.wait_for(
                asyncio.to_thread(self._nominatim.geocode, address, exactly_one=True),
                timeout=self._timeout + 0.5,
            )
        except (GeopyError, TimeoutError, OSError) as error:
            log.warning("geocoder failed: %s", type(error).__name__)
            raise GeocoderUnavailable("the geocoder did not answer; retry shortly") from None
        if found is None:
            value, ttl, point = _NOT_FOUND, _NOT_FOUND_SECONDS, None
        else:
            point = GeoPoint(float(found.latitude), float(found.longitude))
            value, ttl = json.dumps([point.latitude, point.longitude]), self._cache_seconds
        try:
            await self._state.cache(key, value, ttl_seconds=ttl)
        except Exception:
            _cache_unreachable.warn()
        return point


class AddressNotFound(Exception):
    """The geocoder knows no place by this address."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


async def resolve_destination(
    destination: DestinationGiven, network: Network, geocoder: Geocoder | None, *, field: str
) -> Placed:
    """A destination of any kind; a free-text address goes through the geocoder, and its
    point is placed offline like given coordinates.

    Raises the domain errors `destination.resolve` raises, InvalidInput for an address
    too long or without a geocoder configured, AddressNotFound, or GeocoderUnavailable.
    """
    if not destination.address:
        return destination.resolve(network, field=field)
    where = f"{field}.address"
    address = destination.address.strip()
    if not 3 <= len(address) <= MAX_ADDRESS_CHARS:
        raise InvalidInput(f"an address has 3 to {MAX_ADDRESS_CHARS} characters", field=where)
    if geocoder is None:
        raise InvalidInput(
            "this gateway geocodes no addresses: give coordinates or a postcode", field=where
        )
    point = await geocoder.locate(address)
    if point is None:
        raise AddressNotFound(f"no place found for the address {address[:80]!r}", field=where)
    return at_point(point.latitude, point.longitude, field=where, geocoded=True)
