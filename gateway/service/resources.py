"""What the HTTP layer and some resolvers share beyond the promise service: keys, limits,
trusted documents, metrics, the geocoder and the gateway's own state. One per app."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.admission.api_keys import KeyRing, parse_api_keys
from gateway.admission.trusted_documents import TrustedDocuments, load_manifest
from gateway.ops.metrics import Metrics
from gateway.ops.settings import Limits, ProxyNetwork, Settings, parse_trusted_proxies
from gateway.ops.state import GatewayState, state_from_url
from gateway.service.geocoding import Geocoder


@dataclass(frozen=True, slots=True)
class Platform:
    limits: Limits
    keys: KeyRing
    state: GatewayState
    documents: TrustedDocuments
    metrics: Metrics
    geocoder: Geocoder | None
    dev_mode: bool
    cache_max_age_seconds: int
    # Proxies whose X-Forwarded-For names the shopper (gateway/http/shoppers.py).
    trusted_proxies: tuple[ProxyNetwork, ...] = ()
    request_timeout_seconds: float = 2.0
    # False: checked operations run through strawberry's Schema.execute (same answers, slower).
    fast_path: bool = True
    # Live promises: how often changes are looked for, how long a subscription waits at most
    # before it looks again by itself, and how many a connection holds.
    live_every_seconds: float = 1.0
    live_fallback_seconds: float = 30.0
    max_subscriptions: int = 10


def build_platform(settings: Settings) -> Platform:
    """Everything from the settings; no I/O beyond reading the manifest file."""
    state = state_from_url(settings.store_url)
    manifest = (
        load_manifest(settings.trusted_documents_file) if settings.trusted_documents_file else {}
    )
    geocoder = (
        Geocoder(
            settings.geocoder_url,
            timeout_seconds=settings.geocoder_timeout_seconds,
            state=state,
            cache_seconds=settings.geocode_cache_seconds,
        )
        if settings.geocoder_url
        else None
    )
    return Platform(
        limits=settings.limits,
        keys=KeyRing(
            parse_api_keys(settings.api_keys.value),
            dev_mode=settings.dev_mode,
            lookup=state.api_key,
        ),
        state=state,
        documents=TrustedDocuments(manifest, state),
        metrics=Metrics(),
        geocoder=geocoder,
        dev_mode=settings.dev_mode,
        cache_max_age_seconds=settings.cache_max_age_seconds,
        trusted_proxies=parse_trusted_proxies(settings.trusted_proxies),
        request_timeout_seconds=settings.request_timeout_seconds,
        fast_path=settings.fast_path,
        live_every_seconds=settings.live_every_seconds,
        live_fallback_seconds=settings.live_fallback_seconds,
        max_subscriptions=settings.max_subscriptions_per_connection,
    )
