"""Expected outcomes that are not the happy path: typed, with a stable code and the field."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import strawberry

from gateway.api.types.options import DeliveryOption
from gateway.service.answers import QuotedOption
from promise.errors import PromiseError
from promise.network import Network
from stock_cache.base import AllocationStatus, Shortage


@strawberry.enum
class ProblemCode(enum.Enum):
    INVALID_INPUT = "INVALID_INPUT"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    UNKNOWN_STORE = "UNKNOWN_STORE"
    UNKNOWN_POSTCODE = "UNKNOWN_POSTCODE"
    DESTINATION_NOT_SERVED = "DESTINATION_NOT_SERVED"
    NOTHING_IN_STOCK = "NOTHING_IN_STOCK"
    QUOTE_INVALID = "QUOTE_INVALID"
    QUOTE_EXPIRED = "QUOTE_EXPIRED"
    STOCK_CHANGED = "STOCK_CHANGED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    ALLOCATION_NOT_FOUND = "ALLOCATION_NOT_FOUND"
    ALLOCATION_STATE_CONFLICT = "ALLOCATION_STATE_CONFLICT"
    TEMPORARILY_UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
    GEOCODER_UNAVAILABLE = "GEOCODER_UNAVAILABLE"
    TOO_HEAVY = "TOO_HEAVY"


@strawberry.interface
class Problem:
    code: ProblemCode
    message: str
    field: str | None = strawberry.field(
        description="Path of the input field at fault, e.g. input.lines[0].quantity."
    )


@strawberry.type
class InvalidInput(Problem):
    pass


@strawberry.type
class UnknownSku(Problem):
    sku: str


@strawberry.type
class UnknownStore(Problem):
    pass


@strawberry.type
class UnknownPostcode(Problem):
    pass


@strawberry.type
class DestinationNotServed(Problem):
    pass


@strawberry.type
class NothingInStock(Problem):
    pass


@strawberry.type
class TooHeavy(Problem):
    pass


@strawberry.type
class QuoteInvalid(Problem):
    pass


@strawberry.type
class QuoteExpired(Problem):
    pass


@strawberry.type
class ShortLine:
    node_id: strawberry.ID
    sku: str
    requested: int
    available: int


@strawberry.type(
    description="The promise changed: stock moved so that the quoted plan no longer holds."
)
class StockChanged(Problem):
    short_lines: list[ShortLine]
    options: list[DeliveryOption] = strawberry.field(
        description=(
            "Fresh options for the same cart and destination, quoted now, best first; "
            "empty when nothing can be offered any more."
        )
    )

    @staticmethod
    def from_domain(
        shortages: tuple[Shortage, ...],
        fresh: list[QuotedOption] | None = None,
        network: Network | None = None,
        full_nodes: Sequence[str] = (),
    ) -> StockChanged:
        message = "stock moved since the quote: the promise changed, see the fresh options"
        if full_nodes:
            message = (
                f"{', '.join(full_nodes)} took every order it can today since the quote:"
                " the promise changed, see the fresh options"
            )
        return StockChanged(
            code=ProblemCode.STOCK_CHANGED,
            message=message,
            options=[
                DeliveryOption.from_domain(q, network) for q in fresh or [] if network is not None
            ],
            field="input.quoteToken",
            short_lines=[
                ShortLine(
                    node_id=strawberry.ID(s.node_id),
                    sku=s.sku,
                    requested=s.requested,
                    available=s.available,
                )
                for s in shortages
            ],
        )


@strawberry.type
class IdempotencyConflict(Problem):
    pass


@strawberry.type
class AllocationNotFound(Problem):
    pass


@strawberry.type
class AllocationStateConflict(Problem):
    # The enum of `Allocation.status`: a client selects `status` on either member of a result
    # union with one selection, which GraphQL refuses when the two fields differ in type.
    status: AllocationStatus


@strawberry.type
class TemporarilyUnavailable(Problem):
    retryable: bool = True


@strawberry.type
class AddressNotFound(Problem):
    pass


@strawberry.type
class GeocoderUnavailable(Problem):
    retryable: bool = True


_BY_CODE: dict[str, type[Problem]] = {
    "INVALID_INPUT": InvalidInput,
    "UNKNOWN_NODE": UnknownStore,
    "UNKNOWN_POSTCODE": UnknownPostcode,
    "DESTINATION_NOT_SERVED": DestinationNotServed,
    "NOTHING_IN_STOCK": NothingInStock,
    "QUOTE_INVALID": QuoteInvalid,
    "QUOTE_EXPIRED": QuoteExpired,
}


def problem_of(error: PromiseError) -> Problem:
    """The schema type for a domain error, carrying its message and field."""
    if error.code.value == "UNKNOWN_SKU":
        sku = getattr(error, "sku", "")
        return UnknownSku(
            code=ProblemCode.UNKNOWN_SKU, message=error.message, field=error.field, sku=sku
        )
    kind = _BY_CODE[error.code.value]
    code = ProblemCode.UNKNOWN_STORE if kind is UnknownStore else ProblemCode(error.code.value)
    return kind(code=code, message=error.message, field=error.field)


def unavailable() -> TemporarilyUnavailable:
    return TemporarilyUnavailable(
        code=ProblemCode.TEMPORARILY_UNAVAILABLE,
        message="the stock store is unreachable; nothing was changed, retry shortly",
        field=None,
    )


def outcome_unknown(error: Exception) -> TemporarilyUnavailable:
    """The store stopped answering after the change was sent, or another call with the same
    idempotency key is still at it: the same call again (same key) settles it."""
    return TemporarilyUnavailable(
        code=ProblemCode.OUTCOME_UNKNOWN,
        message=f"{error}; retry the same call with the same idempotency key",
        field=None,
    )
