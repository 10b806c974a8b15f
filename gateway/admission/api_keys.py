"""API keys: who is calling, on which channel, with which scopes.

A key is a random string the client sends as `Authorization: Bearer KEY`. The gateway keeps
only its SHA-256 (hex), from the `API_KEYS` setting (a JSON list) or from Redis (the hash
`gw:apikey:{SHA256}` with fields client, channel, scopes, kind), so a leaked configuration or
database does not leak usable keys. Lookups compare digests in a dict, so the time a lookup
takes says nothing about how close a guess was.

In dev mode (`make run`) the documented demo keys below are accepted and a request without a
key is the `dev` client holding every scope, so a local GraphiQL needs no setup.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from gateway.admission.scopes import ALL_SCOPES, Scope
from gateway.ops.settings import SettingsError

log = logging.getLogger("gateway.auth")

DEFAULT_CHANNEL = "default"
DEV_CLIENT = "dev"
# Redis answers are kept this long in process: a revoked key stops working within a minute.
_REDIS_CACHE_SECONDS = 60.0


class ApiKeyError(SettingsError):
    """`API_KEYS` can't be used; the message names the entry (never a key or a hash)."""


class ClientKind(enum.Enum):
    """A storefront runs in shoppers' browsers and apps: its key is public, so in production it
    may send only trusted documents and may not introspect. A server keeps its key secret."""

    STOREFRONT = "storefront"
    SERVER = "server"


@dataclass(frozen=True, slots=True)
class Caller:
    client_id: str
    channel: str
    scopes: frozenset[Scope]
    kind: ClientKind


DEV_CALLER = Caller(DEV_CLIENT, DEFAULT_CHANNEL, ALL_SCOPES, ClientKind.SERVER)

# The demo key set of dev mode (README): the keys themselves are public on purpose.
DEV_KEYS: dict[str, Caller] = {
    "demo-storefront-key": Caller(
        "demo-storefront",
        "web-fr",
        frozenset({Scope.PROMISE_READ, Scope.ALLOCATION_WRITE}),
        ClientKind.STOREFRONT,
    ),
    "demo-marketplace-key": Caller(
        "demo-marketplace",
        "marketplace-x",
        frozenset({Scope.PROMISE_READ, Scope.ALLOCATION_WRITE}),
        ClientKind.SERVER,
    ),
    "demo-stock-feed-key": Caller(
        "demo-stock-feed", DEFAULT_CHANNEL, frozenset({Scope.STOCK_WRITE}), ClientKind.SERVER
    ),
    "demo-admin-key": Caller("demo-admin", DEFAULT_CHANNEL, ALL_SCOPES, ClientKind.SERVER),
}


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _caller(entry: Mapping[str, object], where: str) -> Caller:
    client = entry.get("client")
    if not isinstance(client, str) or not client.strip() or len(client) > 64:
        raise ApiKeyError(f"{where}: 'client' must be a name of 1 to 64 characters")
    channel = entry.get("channel", DEFAULT_CHANNEL)
    if not isinstance(channel, str) or not channel.strip():
        raise ApiKeyError(f"{where}: 'channel' must be a non-empty string")
    raw_scopes = entry.get("scopes")
    if isinstance(raw_scopes, str):
        raw_scopes = [s for s in raw_scopes.split("|") if s]
    if not isinstance(raw_scopes, list):
        raise ApiKeyError(f"{where}: 'scopes' must be a list")
    try:
        scopes = frozenset(Scope(str(s)) for s in raw_scopes)
    except ValueError:
        known = ", ".join(s.value for s in Scope)
        raise ApiKeyError(f"{where}: unknown scope in {raw_scopes!r}; known: {known}") from None
    try:
        kind = ClientKind(str(entry.get("kind", ClientKind.STOREFRONT.value)))
    except ValueError:
        raise ApiKeyError(f"{where}: 'kind' must be 'storefront' or 'server'") from None
    return Caller(client.strip(), channel.strip(), scopes, kind)


def parse_api_keys(raw: str) -> dict[str, Caller]:
    """`API_KEYS`: a JSON list of {"sha256", "client", "channel", "scopes", "kind"}."""
    if not raw.strip():
        return {}
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ApiKeyError(f"API_KEYS is not JSON (line {error.lineno})") from None
    if not isinstance(entries, list):
        raise ApiKeyError("API_KEYS must be a JSON list of objects")
    keys: dict[str, Caller] = {}
    for index, entry in enumerate(entries):
        where = f"API_KEYS entry {index + 1}"
        if not isinstance(entry, dict):
            raise ApiKeyError(f"{where} must be an object")
        digest = str(entry.get("sha256", "")).strip().lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ApiKeyError(f"{where}: 'sha256' must be 64 hex digits (the key's SHA-256)")
        keys[digest] = _caller(entry, where)
    return keys


# Reads a key's record from the gateway state by digest; None when absent.
KeyLookup = Callable[[str], Awaitable[Mapping[str, str] | None]]


# Keys looked up in Redis, remembered per process at most (then forgotten at once).
KEYS_CACHED = 10_000


class KeyRing:
    """Every key the gateway accepts: configured, demo (dev mode only) and from Redis."""

    def __init__(
        self,
        configured: Mapping[str, Caller],
        *,
        dev_mode: bool,
        lookup: KeyLookup | None = None,
    ) -> None:
        self._keys = dict(configured)
        if dev_mode:
            for key, caller in DEV_KEYS.items():
                self._keys.setdefault(key_digest(key), caller)
        self.dev_mode = dev_mode
        self._lookup = lookup
        self._cache: dict[str, tuple[float, Caller | None]] = {}

    @property
    def cached(self) -> int:
        """Keys looked up in Redis and remembered (at most KEYS_CACHED)."""
        return len(self._cache)

    def at_once(self, key: str | None) -> tuple[bool, Caller | None]:
        """(True, what `caller` answers) when that needs no lookup in Redis, else (False, None):
        a request bounds only the lookup by its deadline."""
        if key is None:
            return True, DEV_CALLER if self.dev_mode else None
        if not key:
            return True, None
        digest = key_digest(key)
        found = self._keys.get(digest)
        if found is not None or self._lookup is None:
            return True, found
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return True, cached[1]
        return False, None

    async def caller(self, key: str | None) -> Caller | None:
        """The caller a key names; the dev caller for no key in dev mode; None if unknown."""
        settled, found = self.at_once(key)
        if settled or key is None or self._lookup is None:
            return found
        digest = key_digest(key)
        now = time.monotonic()
        entry = await self._lookup(digest)
        caller = None
        if entry:
            try:
                caller = _caller(entry, f"Redis API key {digest[:8]}…")
            except ApiKeyError as error:
                log.warning("ignoring a malformed API key record: %s", error)
        if len(self._cache) >= KEYS_CACHED:
            self._cache.clear()
        self._cache[digest] = (now + _REDIS_CACHE_SECONDS, caller)
        return caller


def bearer_key(authorization: str | None) -> str | None:
    """The key of an `Authorization: Bearer KEY` header; None when there is none."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""  # present but unusable: never the dev caller
    return value.strip()
