"""Expected failures of the domain, the stock store and the geocoder, as the API's problems.

A resolver runs its calls in one `try` and answers `except EXPECTED as error: return
as_problem(error)`: this table alone says which problem each failure becomes, with its
stable code and the field it concerns. Anything else is unexpected, and stays an exception.
"""

from __future__ import annotations

import strawberry

from gateway.api.types.problems import (
    AddressNotFound,
    AllocationNotFound,
    AllocationStateConflict,
    GeocoderUnavailable,
    HoldLimitReached,
    IdempotencyConflict,
    Problem,
    ProblemCode,
    QuoteAlreadyCommitted,
    outcome_unknown,
    problem_of,
    unavailable,
)
from gateway.service.geocoding import AddressNotFound as GeocodingAddressNotFound
from gateway.service.geocoding import GeocoderUnavailable as GeocodingUnavailable
from promise.errors import PromiseError
from stock_cache.base import AllocationStatus
from stock_cache.errors import AllocationNotFound as DomainAllocationNotFound
from stock_cache.errors import AllocationStateError, StoreOutcomeUnknown, StoreUnavailable
from stock_cache.errors import HoldLimitReached as DomainHoldLimitReached
from stock_cache.errors import IdempotencyConflict as DomainIdempotencyConflict
from stock_cache.errors import QuoteAlreadyCommitted as DomainQuoteAlreadyCommitted

EXPECTED: tuple[type[Exception], ...] = (
    PromiseError,
    StoreOutcomeUnknown,
    StoreUnavailable,
    GeocodingAddressNotFound,
    GeocodingUnavailable,
    DomainAllocationNotFound,
    AllocationStateError,
    DomainIdempotencyConflict,
    DomainQuoteAlreadyCommitted,
    DomainHoldLimitReached,
)


def as_problem(error: Exception) -> Problem:
    """The problem an expected failure is shown as; any other error is raised again."""
    if isinstance(error, PromiseError):
        return problem_of(error)
    if isinstance(error, StoreOutcomeUnknown):
        return outcome_unknown(error)
    if isinstance(error, StoreUnavailable):
        return unavailable()
    if isinstance(error, GeocodingAddressNotFound):
        return AddressNotFound(
            code=ProblemCode.ADDRESS_NOT_FOUND, message=str(error), field=error.field
        )
    if isinstance(error, GeocodingUnavailable):
        return GeocoderUnavailable(
            code=ProblemCode.GEOCODER_UNAVAILABLE,
            message="the address could not be geocoded now; retry shortly",
            field=None,
        )
    if isinstance(error, DomainAllocationNotFound):
        return AllocationNotFound(
            code=ProblemCode.ALLOCATION_NOT_FOUND, message=str(error), field="input.allocationId"
        )
    if isinstance(error, AllocationStateError):
        return AllocationStateConflict(
            code=ProblemCode.ALLOCATION_STATE_CONFLICT,
            message=str(error),
            field="input.allocationId",
            status=AllocationStatus(error.status),
        )
    if isinstance(error, DomainIdempotencyConflict):
        return IdempotencyConflict(
            code=ProblemCode.IDEMPOTENCY_CONFLICT,
            message=str(error),
            field="input.idempotencyKey",
        )
    if isinstance(error, DomainQuoteAlreadyCommitted):
        made = error.allocation_id
        return QuoteAlreadyCommitted(
            code=ProblemCode.QUOTE_ALREADY_COMMITTED,
            message=str(error),
            field="input.quoteToken",
            allocation_id=None if made is None else strawberry.ID(made),
        )
    if isinstance(error, DomainHoldLimitReached):
        kind = error.holder.partition(":")[0].upper()
        whose = "the shopper" if kind == "SHOPPER" else "this client"
        return HoldLimitReached(
            code=ProblemCode.HOLD_LIMIT_REACHED,
            message=(
                f"{whose} holds {error.held} units of at most {error.limit}: {error.asked} more"
                " can't be held until a hold is confirmed, released or expires"
            ),
            field="input.quoteToken",
            limit=error.limit,
            held=error.held,
            asked=error.asked,
            holder=kind,
        )
    raise error
