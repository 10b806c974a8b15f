"""Domain errors. Each names the field it concerns, so the API can point at it."""

from __future__ import annotations

import enum

from carriers.echo import shown
from promise.shortage import ShortLine


class ProblemCode(enum.Enum):
    INVALID_INPUT = "INVALID_INPUT"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    UNKNOWN_NODE = "UNKNOWN_NODE"
    UNKNOWN_POSTCODE = "UNKNOWN_POSTCODE"
    DESTINATION_NOT_SERVED = "DESTINATION_NOT_SERVED"
    NOTHING_IN_STOCK = "NOTHING_IN_STOCK"
    TOO_HEAVY = "TOO_HEAVY"
    QUOTE_INVALID = "QUOTE_INVALID"
    QUOTE_EXPIRED = "QUOTE_EXPIRED"
    QUOTE_NOT_COMMITTABLE = "QUOTE_NOT_COMMITTABLE"
    QUOTE_ORDER_BY_PASSED = "QUOTE_ORDER_BY_PASSED"


class PromiseError(Exception):
    """Base of the domain's expected failures."""

    code: ProblemCode = ProblemCode.INVALID_INPUT

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(PromiseError):
    code = ProblemCode.INVALID_INPUT


class UnknownSku(PromiseError):
    code = ProblemCode.UNKNOWN_SKU

    def __init__(self, sku: str, *, field: str) -> None:
        super().__init__(f"unknown SKU {shown(sku)}", field=field)
        self.sku = sku


class UnknownNode(PromiseError):
    code = ProblemCode.UNKNOWN_NODE


class UnknownPostcode(PromiseError):
    code = ProblemCode.UNKNOWN_POSTCODE


class DestinationNotServed(PromiseError):
    """No service delivers there; `country` names the destination's country when known."""

    code = ProblemCode.DESTINATION_NOT_SERVED

    def __init__(self, message: str, *, field: str | None = None, country: str | None = None):
        super().__init__(message, field=field)
        self.country = country


class NothingInStock(PromiseError):
    """Some line of the cart is short; `short_lines` says which, how many units can be had
    and where."""

    code = ProblemCode.NOTHING_IN_STOCK

    def __init__(
        self, message: str, *, field: str | None = None, short_lines: tuple[ShortLine, ...] = ()
    ) -> None:
        super().__init__(message, field=field)
        self.short_lines = short_lines


class TooHeavy(PromiseError):
    """No service delivering to the destination can carry some unit of the cart (too heavy
    or too long for every parcel, and no freight service takes it)."""

    code = ProblemCode.TOO_HEAVY


class QuoteInvalid(PromiseError):
    code = ProblemCode.QUOTE_INVALID


class QuoteExpired(PromiseError):
    code = ProblemCode.QUOTE_EXPIRED


class QuoteNotCommittable(PromiseError):
    """A what-if quote (made for an order time other than now): it can be shown, not held."""

    code = ProblemCode.QUOTE_NOT_COMMITTABLE


class NetworkDataError(ValueError):
    """Network data that does not hold together; the message names the file, row and column."""
