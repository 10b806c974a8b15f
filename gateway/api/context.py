"""The typed per-request context handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info as StrawberryInfo

from gateway.admission.api_keys import DEFAULT_CHANNEL
from gateway.admission.scopes import ALL_SCOPES, Scope
from gateway.service.promise_service import PromiseService
from gateway.service.shared_reads import SharedReads

if TYPE_CHECKING:
    from gateway.service.resources import Platform


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
    # The shopper the storefront forwards (X-Shopper-Id), else the client's address
    # (gateway/http/shoppers.py); None for in-process callers.
    shopper_id: str | None = None
    # Stock read by one root field of the operation, for the others (a product page's two).
    reads: SharedReads = field(default_factory=SharedReads)


Info = StrawberryInfo[Context, None]
