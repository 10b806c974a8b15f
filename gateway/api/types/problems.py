"""Expected outcomes that are not the happy path: typed, with a stable code and the field."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

import strawberry

from carriers.echo import cut
from gateway.api.context import Info
from gateway.api.texts.shopper import ENGLISH_IN_EUROS, Shopper, shopper_of
from gateway.api.types.options import DeliveryOption
from gateway.api.types.shortages import CartShortLine
from gateway.service.answers import QuotedOption
from promise.errors import DestinationNotServed as DomainDestinationNotServed
from promise.errors import PromiseError
from promise.network import Network
from promise.quotes import QuoteOrderByPassed as DomainOrderByPassed
from stock_cache.base import AllocationStatus, Shortage


@strawberry.enum
class ProblemCode(enum.Enum):
    INVALID_INPUT = "INVALID_INPUT"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    UNKNOWN_STORE = "UNKNOWN_STORE"
    UNKNOWN_POSTCODE = "UNKNOWN_POSTCODE"
    DESTINATION_NOT_SERVED = "DESTINATION_NOT_SERVED"
    NOTHING_IN_STOCK = "NOTHING_IN_STOCK"
    TOO_HEAVY = "TOO_HEAVY"
    QUOTE_INVALID = "QUOTE_INVALID"
    QUOTE_EXPIRED = "QUOTE_EXPIRED"
    QUOTE_NOT_COMMITTABLE = "QUOTE_NOT_COMMITTABLE"
    QUOTE_ORDER_BY_PASSED = "QUOTE_ORDER_BY_PASSED"
    QUOTE_ALREADY_COMMITTED = "QUOTE_ALREADY_COMMITTED"
    HOLD_LIMIT_REACHED = "HOLD_LIMIT_REACHED"
    STOCK_CHANGED = "STOCK_CHANGED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    ALLOCATION_NOT_FOUND = "ALLOCATION_NOT_FOUND"
    ALLOCATION_STATE_CONFLICT = "ALLOCATION_STATE_CONFLICT"
    TEMPORARILY_UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
    GEOCODER_UNAVAILABLE = "GEOCODER_UNAVAILABLE"


@strawberry.interface
class Problem:
    code: ProblemCode
    message: str
    field: str | None = strawberry.field(
        description="Path of the input field at fault, e.g. input.lines[0].quantity."
    )
    # The shopper of the field that answered this problem; None: the request's own.
    _shopper: strawberry.Private[Shopper | None] = None

    def _text(self, info: Info) -> str | None:
        shopper = self._shopper or shopper_of(info)
        return shopper.texts.problem(self.code.value)

    text: str | None = strawberry.field(
        resolver=_text,
        description=(
            "For shoppers, in their language (input.locale, Accept-Language, the channel's "
            "default, English); null for a problem a shopper is not shown. `message` stays "
            "the English text for developers."
        ),
    )


def spoken(problem: Problem, shopper: Shopper) -> Problem:
    """`problem`, read in the language and currency of `shopper`."""
    problem._shopper = shopper
    return problem


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
    country: str | None = strawberry.field(
        default=None, description="ISO 3166 alpha-2 country no service delivers to, when known."
    )


@strawberry.type
class NothingInStock(Problem):
    short_lines: list[CartShortLine] = strawberry.field(
        default_factory=list,
        description="The lines that cannot be had in full: how many can, and where.",
    )
    partial_options: list[DeliveryOption] = strawberry.field(
        default_factory=list,
        description=(
            "Options for what can be had (each flagged partial, naming the lines it leaves "
            "out), when the channel's rule profile allows partial answers; else empty."
        ),
    )


@strawberry.type(
    description=(
        "No service delivering there carries some unit (weight or length): the cart's, or "
        "the one unit of a listing's SKU."
    )
)
class TooHeavy(Problem):
    pass


@strawberry.type
class QuoteInvalid(Problem):
    pass


@strawberry.type
class QuoteExpired(Problem):
    pass


@strawberry.type(
    description="A what-if quote (made for an orderTime other than now): shown, never held."
)
class QuoteNotCommittable(Problem):
    pass


@strawberry.type(
    description="The quote's orderBy passed before the commit: its dates no longer hold."
)
class QuoteOrderByPassed(Problem):
    order_by: dt.datetime = strawberry.field(description="The order-by the quote was made for.")
    options: list[DeliveryOption] = strawberry.field(
        description=(
            "Fresh options for the same cart and destination, quoted now, best first; "
            "empty when nothing can be offered any more."
        )
    )


@strawberry.type(
    description="The quote was committed under another idempotency key: one quote, one hold."
)
class QuoteAlreadyCommitted(Problem):
    allocation_id: strawberry.ID | None = strawberry.field(
        description="The allocation that commit made; null while it is still under way."
    )


@strawberry.type(
    description=(
        "The commit would take the client or the shopper past its cap of held units (the "
        "channel's, channels.toml): nothing was held; confirm or release a hold first."
    )
)
class HoldLimitReached(Problem):
    limit: int
    held: int = strawberry.field(description="Units held now (HELD, unexpired).")
    asked: int = strawberry.field(description="Units the commit asked for.")
    holder: str = strawberry.field(description="CLIENT or SHOPPER: whose cap it is.")


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
        shopper: Shopper | None = None,
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
                DeliveryOption.from_domain(q, network, shopper=shopper or ENGLISH_IN_EUROS)
                for q in fresh or []
                if network is not None
            ],
            field="input.quoteToken",
            _shopper=shopper,
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
    "TOO_HEAVY": TooHeavy,
    "QUOTE_INVALID": QuoteInvalid,
    "QUOTE_EXPIRED": QuoteExpired,
    "QUOTE_NOT_COMMITTABLE": QuoteNotCommittable,
}


def problem_of(error: PromiseError) -> Problem:
    """The schema type for a domain error, carrying its message and field."""
    if error.code.value == "UNKNOWN_SKU":
        sku = getattr(error, "sku", "")
        return UnknownSku(
            code=ProblemCode.UNKNOWN_SKU, message=error.message, field=error.field, sku=cut(sku)
        )
    if isinstance(error, DomainDestinationNotServed):
        return DestinationNotServed(
            code=ProblemCode.DESTINATION_NOT_SERVED,
            message=error.message,
            field=error.field,
            country=error.country,
        )
    if isinstance(error, DomainOrderByPassed):
        return order_by_passed(error, [], None)
    kind = _BY_CODE[error.code.value]
    code = ProblemCode.UNKNOWN_STORE if kind is UnknownStore else ProblemCode(error.code.value)
    return kind(code=code, message=error.message, field=error.field)


def order_by_passed(
    error: DomainOrderByPassed, fresh: list[QuotedOption], network: Network | None
) -> QuoteOrderByPassed:
    order_by = error.quote.order_by or 0
    return QuoteOrderByPassed(
        code=ProblemCode.QUOTE_ORDER_BY_PASSED,
        message=error.message,
        field=error.field,
        order_by=dt.datetime.fromtimestamp(order_by, tz=dt.UTC),
        options=[DeliveryOption.from_domain(q, network) for q in fresh if network is not None],
    )


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
