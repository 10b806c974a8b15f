"""The typed per-request context handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.types import Info as StrawberryInfo

from gateway.auth import DEFAULT_CHANNEL
from gateway.promising import PromiseService
from gateway.scopes import ALL_SCOPES, Scope

if TYPE_CHECKING:
    from gateway.platform import Platform


@dataclass(frozen=True, slots=True)
class Context:
    """Who calls (from the API key: one client never sees another's allocations or
    idempotency keys) and what the request may use. The HTTP layer sets every field; the
    defaults serve in-process callers (tests, scripts), which are trusted."""

    service: PromiseService
    client_id: str
    channel: str = DEFAULT_CHANNEL
    scopes: frozenset[Scope] = ALL_SCOPES
    request_id: str = ""
    platform: Platform | None = None


Info = StrawberryInfo[Context, None]
