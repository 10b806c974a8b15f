"""Settings, read in one place from environment variables, with errors naming the variable."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_NETWORK_DIR = Path(__file__).resolve().parent.parent / "network" / "demo"


class SettingsError(ValueError):
    """A setting has a value that can't be used; the message names the variable."""


@dataclass(frozen=True)
class Secret:
    """A value that is never printed."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return "**********"


@dataclass(frozen=True)
class Settings:
    store_url: str = "memory://"
    network_dir: Path = DEFAULT_NETWORK_DIR
    # "kid:secret" pairs separated by commas; the first signs, all verify (rotation).
    quote_keys: Secret = field(default_factory=lambda: Secret(""))
    quote_ttl_seconds: int = 900
    dev_mode: bool = False

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


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}={raw!r} must be true or false")


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    network_dir = Path(env.get("NETWORK_DIR") or DEFAULT_NETWORK_DIR)
    if not network_dir.is_dir():
        raise SettingsError(f"NETWORK_DIR={str(network_dir)!r} is not a directory")
    return Settings(
        store_url=env.get("STOCK_STORE_URL") or "memory://",
        network_dir=network_dir,
        quote_keys=Secret(env.get("QUOTE_SIGNING_KEYS", "")),
        quote_ttl_seconds=_int(env, "QUOTE_TTL_SECONDS", 900),
        dev_mode=_bool(env, "GATEWAY_DEV_MODE"),
    )
