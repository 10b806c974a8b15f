"""Scopes: what an API key lets its client do, and which scope each root field needs.

The HTTP layer refuses an operation before it runs (403, naming the scope) when one of its
root fields needs a scope the key lacks; each resolver checks again through a strawberry
permission class, so that a field reached another way (in-process, a future transport) is
guarded too. A root field missing from the table needs `admin`: new fields are closed by
default until someone decides who may call them.
"""

from __future__ import annotations

import enum
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info


class Scope(enum.Enum):
    PROMISE_READ = "promise:read"
    ALLOCATION_WRITE = "allocation:write"
    STOCK_WRITE = "stock:write"
    ADMIN = "admin"


ALL_SCOPES = frozenset(Scope)

# (root type, field name) -> the scope it needs. Anything else needs ADMIN.
ROOT_FIELD_SCOPES: dict[tuple[str, str], Scope] = {
    ("Query", "availability"): Scope.PROMISE_READ,
    ("Query", "deliveryOptions"): Scope.PROMISE_READ,
    ("Query", "listingPromises"): Scope.PROMISE_READ,
    ("Query", "collectStores"): Scope.PROMISE_READ,
    ("Query", "allocation"): Scope.ALLOCATION_WRITE,
    ("Query", "channelStock"): Scope.PROMISE_READ,
    ("Mutation", "commitAllocation"): Scope.ALLOCATION_WRITE,
    ("Mutation", "confirmAllocation"): Scope.ALLOCATION_WRITE,
    ("Mutation", "releaseAllocation"): Scope.ALLOCATION_WRITE,
    ("Mutation", "fulfilAllocation"): Scope.ALLOCATION_WRITE,
    ("Mutation", "applyStockEvents"): Scope.STOCK_WRITE,
    ("Mutation", "replaceNodeStock"): Scope.STOCK_WRITE,
    ("Mutation", "importStock"): Scope.STOCK_WRITE,
    ("Mutation", "registerTrustedDocument"): Scope.ADMIN,
    ("Mutation", "registerWebhookEndpoint"): Scope.ADMIN,
    ("Mutation", "watchPromise"): Scope.ADMIN,
    ("Mutation", "unwatchPromise"): Scope.ADMIN,
    ("Query", "webhookDeliveries"): Scope.ADMIN,
    ("Subscription", "promiseChanged"): Scope.PROMISE_READ,
    ("Subscription", "allocationChanged"): Scope.ALLOCATION_WRITE,
}


def scope_of(root_type: str, field: str) -> Scope:
    """The scope a root field needs; `__typename` needs none (None is never returned)."""
    return ROOT_FIELD_SCOPES.get((root_type, field), Scope.ADMIN)


def missing_scope_error(scope: Scope) -> GraphQLError:
    return GraphQLError(
        f"this API key lacks the scope {scope.value!r}",
        extensions={"code": "FORBIDDEN", "scope": scope.value},
    )


class MissingScope(Exception):
    """Raised by a resolver's permission check; shown to the caller (it is expected)."""


def needs(scope: Scope) -> type[BasePermission]:
    """A permission class letting a field run only for a context holding `scope`."""

    class NeedsScope(BasePermission):
        message = f"this API key lacks the scope {scope.value!r}"
        error_extensions = {"code": "FORBIDDEN", "scope": scope.value}  # noqa: RUF012

        def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:
            return scope in info.context.scopes

    NeedsScope.__name__ = f"Needs{scope.name.title().replace('_', '')}"
    return NeedsScope
