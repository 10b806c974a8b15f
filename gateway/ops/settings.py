"""Settings, read in one place from environment variables, with errors naming the variable."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ProxyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_NETWORK_DIR = Path(__file__).resolve().parents[2] / "network" / "demo"


class SettingsError(ValueError):
    """A setting has a value that can't be used; the message names the variable."""


@dataclass(frozen=True)
class Secret:
    """A value that is never printed."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return "**********"


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; beyond these it is refused before it runs."""

    max_body_bytes: int = 64 * 1024
    max_depth: int = 10
    # Introspection's own depth, counted to the leaf: the standard query's is 15.
    max_introspection_depth: int = 15
    max_aliases: int = 10
    max_tokens: int = 2_000
    max_batch: int = 5
    # The leaky bucket of query points per client: its size (also the most one request may
    # cost) and how many points drain from it per second.
    bucket_points: int = 20_000
    points_per_second: float = 2_500.0
    # The most one operation may cost (never more than a bucket holds).
    max_cost: int = 1_000
    # Each shopper's own bucket, under the key's: one shopper's burst never spends the site's.
    shopper_bucket_points: int = 1_000
    shopper_points_per_second: float = 5.0


@dataclass(frozen=True)
class Settings:
    store_url: str = "memory://"
    network_dir: Path = DEFAULT_NETWORK_DIR
    # "kid:secret" pairs separated by commas; the first signs, all verify (rotation).
    quote_keys: Secret = field(default_factory=lambda: Secret(""))
    # "kid=ISO instant" pairs: keys of quote_keys retired, accepted until that instant only.
    quote_keys_retire_by: str = ""
    quote_ttl_seconds: int = 900
    dev_mode: bool = False
    # A JSON list of {"sha256", "client", "channel", "scopes", "kind"}
    # (gateway/admission/api_keys.py).
    api_keys: Secret = field(default_factory=lambda: Secret(""))
    limits: Limits = field(default_factory=Limits)
    trusted_documents_file: Path | None = None
    # Proxies whose X-Forwarded-For names the client (addresses or CIDR blocks, commas).
    trusted_proxies: str = ""
    cache_max_age_seconds: int = 30
    # A Nominatim-compatible geocoder ("http://nominatim.internal:8080"); none when empty.
    geocoder_url: str = ""
    geocoder_timeout_seconds: float = 2.0
    geocode_cache_seconds: int = 7 * 24 * 3600
    json_logs: bool = False
    # Move what the start-up built (the network, its indexes, the schema) out of the
    # collector's sight once the app is ready: a full collection then walks what requests
    # made, not the whole network again (a pause of 65 ms became 22 ms on the reference
    # network). For server processes; tests building many apps in one process keep it off.
    freeze_heap_at_start: bool = False
    # Every request answers within this budget: the rate limiter, the API keys and the stock
    # store share it (gateway/service/deadline.py).
    request_timeout_seconds: float = 2.0
    # Slow clients (gateway/ops/slow_clients.py): a request's headers must arrive within
    # this long of its first byte (or of the connection), its body within this long of them;
    # beyond `max_connections` per worker a request is answered 503.
    header_timeout_seconds: float = 5.0
    body_timeout_seconds: float = 10.0
    max_connections: int = 1_000
    keep_alive_seconds: int = 5
    # Off: every checked operation runs through strawberry's own Schema.execute instead of
    # the gateway's execution path (gateway/fastpath): the same answers, slower.
    fast_path: bool = True
    # How often each process publishes the channels' quantities that moved (0: never).
    publish_every_seconds: float = 0.5
    # How often this process delivers the webhooks that are due (0: never; see deliver-webhooks).
    deliver_webhooks_every_seconds: float = 0.0
    # Live promises (GraphQL subscriptions): how often each process looks for the changes they
    # wait on, how long one waits at most before it looks again by itself, and how many one
    # WebSocket connection may hold.
    live_every_seconds: float = 1.0
    live_fallback_seconds: float = 30.0
    max_subscriptions_per_connection: int = 10
    # Where the built postcode table is kept for this process to read (gateway/ops/
    # places_table.py); None: the process builds it.
    places_table_dir: Path | None = None

    @property
    def has_configured_keys(self) -> bool:
        return bool(self.quote_keys.value)

    def signing_keys(self) -> tuple[str, dict[str, bytes]]:
        """The current key id and every accepted key; a random one when none is configured."""
        if not self.quote_keys.value:
            return "dev", {"dev": secrets.token_bytes(32)}
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for index, pair in enumerate(self.quote_keys.value.split(",")):
            kid, colon, secret = pair.strip().partition(":")
            if not colon or not kid or len(secret) < 16:
                raise SettingsError(
                    f"QUOTE_SIGNING_KEYS entry {index + 1} must be 'key-id:secret' with a "
                    "secret of at least 16 characters"
                )
            keys[kid] = secret.encode("utf-8")
            order.append(kid)
        return order[0], keys

    def retired_keys(self) -> dict[str, float]:
        """Retired key ids and the Unix instant their tokens stop being accepted."""
        retire_by: dict[str, float] = {}
        current, keys = self.signing_keys()
        for index, pair in enumerate(filter(None, self.quote_keys_retire_by.split(","))):
            kid, equals, instant = pair.strip().partition("=")
            try:
                moment = datetime.fromisoformat(instant.strip())
            except ValueError:
                moment = None
            if not equals or moment is None or moment.tzinfo is None:
                raise SettingsError(
                    f"QUOTE_KEYS_RETIRE_BY entry {index + 1} must be 'key-id=ISO instant with "
                    "offset', e.g. 'k1=2025-04-01T12:00:00+00:00'"
                )
            if kid not in keys or kid == current:
                raise SettingsError(
                    f"QUOTE_KEYS_RETIRE_BY names {kid!r}, which is not a key of "
                    "QUOTE_SIGNING_KEYS other than the first (the signing key)"
                )
            retire_by[kid] = moment.timestamp()
        return retire_by


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}={value} must be at least {minimum}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise SettingsError(f"{name}={value} must be above 0 and at most 3600 seconds")
    return value


def _bool(env: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}={raw!r} must be true or false")


def _file(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not Path(raw).is_file():
        raise SettingsError(f"{name}={raw!r} is not a file")
    return Path(raw)


def parse_trusted_proxies(raw: str) -> tuple[ProxyNetwork, ...]:
    """Addresses or CIDR blocks separated by commas; ValueError naming a bad one."""
    found = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR block") from None
    return tuple(found)


def _proxies(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name, "").strip()
    try:
        parse_trusted_proxies(raw)
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from None
    return raw


def _directory(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_dir():
        raise SettingsError(f"{name}={raw!r} is not a directory")
    return path


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    network_dir = Path(env.get("NETWORK_DIR") or DEFAULT_NETWORK_DIR)
    if not network_dir.is_dir():
        raise SettingsError(f"NETWORK_DIR={str(network_dir)!r} is not a directory")
    return Settings(
        store_url=env.get("STOCK_STORE_URL") or "memory://",
        network_dir=network_dir,
        quote_keys=Secret(env.get("QUOTE_SIGNING_KEYS", "")),
        quote_keys_retire_by=env.get("QUOTE_KEYS_RETIRE_BY", "").strip(),
        quote_ttl_seconds=_int(env, "QUOTE_TTL_SECONDS", 900),
        dev_mode=_bool(env, "GATEWAY_DEV_MODE"),
        api_keys=Secret(env.get("API_KEYS", "")),
        limits=Limits(
            max_body_bytes=_int(env, "MAX_BODY_BYTES", Limits.max_body_bytes),
            max_depth=_int(env, "MAX_QUERY_DEPTH", Limits.max_depth),
            max_introspection_depth=_int(
                env, "MAX_INTROSPECTION_DEPTH", Limits.max_introspection_depth
            ),
            max_aliases=_int(env, "MAX_ALIASES", Limits.max_aliases, minimum=0),
            max_tokens=_int(env, "MAX_QUERY_TOKENS", Limits.max_tokens),
            max_batch=_int(env, "MAX_BATCH_OPERATIONS", Limits.max_batch),
            bucket_points=_int(env, "RATE_LIMIT_POINTS", Limits.bucket_points),
            points_per_second=float(
                _int(env, "RATE_LIMIT_POINTS_PER_SECOND", int(Limits.points_per_second))
            ),
            max_cost=_int(env, "MAX_QUERY_COST", Limits.max_cost),
            shopper_bucket_points=_int(
                env, "SHOPPER_RATE_LIMIT_POINTS", Limits.shopper_bucket_points
            ),
            shopper_points_per_second=float(
                _int(
                    env,
                    "SHOPPER_RATE_LIMIT_POINTS_PER_SECOND",
                    int(Limits.shopper_points_per_second),
                )
            ),
        ),
        trusted_proxies=_proxies(env, "TRUSTED_PROXIES"),
        trusted_documents_file=_file(env, "TRUSTED_DOCUMENTS_FILE"),
        cache_max_age_seconds=_int(env, "CACHE_MAX_AGE_SECONDS", 30, minimum=0),
        geocoder_url=env.get("GEOCODER_URL", "").strip(),
        geocoder_timeout_seconds=float(_int(env, "GEOCODER_TIMEOUT_SECONDS", 2)),
        geocode_cache_seconds=_int(env, "GEOCODE_CACHE_SECONDS", 7 * 24 * 3600),
        json_logs=_bool(env, "GATEWAY_JSON_LOGS", default=not _bool(env, "GATEWAY_DEV_MODE")),
        freeze_heap_at_start=True,
        request_timeout_seconds=_seconds(env, "REQUEST_TIMEOUT_SECONDS", 2.0),
        header_timeout_seconds=_seconds(env, "HEADER_TIMEOUT_SECONDS", 5.0),
        body_timeout_seconds=_seconds(env, "BODY_TIMEOUT_SECONDS", 10.0),
        max_connections=_int(env, "MAX_CONNECTIONS_PER_WORKER", 1_000),
        keep_alive_seconds=_int(env, "KEEP_ALIVE_SECONDS", 5),
        fast_path=_bool(env, "FAST_PATH", default=True),
        publish_every_seconds=_int(env, "PUBLISH_EVERY_MS", 500, minimum=0) / 1000,
        deliver_webhooks_every_seconds=_int(env, "DELIVER_WEBHOOKS_EVERY_MS", 0, minimum=0) / 1000,
        live_every_seconds=_int(env, "LIVE_EVERY_MS", 1000) / 1000,
        live_fallback_seconds=_int(env, "LIVE_FALLBACK_MS", 30_000) / 1000,
        max_subscriptions_per_connection=_int(env, "MAX_SUBSCRIPTIONS_PER_CONNECTION", 10),
        places_table_dir=_directory(env, "PLACES_TABLE_DIR"),
    )
