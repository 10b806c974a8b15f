"""The typed per-request context handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.types import Info as StrawberryInfo

from gateway.promising import PromiseService

# Until API keys arrive, a caller names its client in this header; one client never sees
# another's allocations or idempotency keys.
CLIENT_HEADER = "x-client-id"
DEFAULT_CLIENT = "anonymous"


@dataclass(frozen=True, slots=True)
class Context:
    service: PromiseService
    client_id: str


Info = StrawberryInfo[Context, None]
