"""Domain errors. Each names the field it concerns, so the API can point at it."""

from __future__ import annotations

import enum

from promise.shortage import ShortLine


class ProblemCode(enum.Enum):
    INVALID_INPUT = "INVALID_INPUT"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    UNKNOWN_NODE = "UNKNOWN_NODE"
    UNKNOWN_POSTCODE = "UNKNOWN_POSTCODE"
    DESTINATION_NOT_SERVED = "DESTINATION_NOT_SERVED"
    NOTHING_IN_STOCK = "NOTHING_IN_STOCK"
    QUOTE_INVALID = "QUOTE_INVALID"
    QUOTE_EXPIRED = "QUOTE_EXPIRED"


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
        super().__init__(f"unknown SKU {sku!r}", field=field)
        self.sku = sku


class UnknownNode(PromiseError):
    code = ProblemCode.UNKNOWN_NODE


class UnknownPostcode(PromiseError):
    code = ProblemCode.UNKNOWN_POSTCODE


class DestinationNotServed(PromiseError):
    code = ProblemCode.DESTINATION_NOT_SERVED


class NothingInStock(PromiseError):
    """Some line of the cart is short; `short_lines` says which, how many units can be had
    and where."""

    code = ProblemCode.NOTHING_IN_STOCK

    def __init__(
        self, message: str, *, field: str | None = None, short_lines: tuple[ShortLine, ...] = ()
    ) -> None:
        super().__init__(message, field=field)
        self.short_lines = short_lines


class QuoteInvalid(PromiseError):
    code = ProblemCode.QUOTE_INVALID


class QuoteExpired(PromiseError):
    code = ProblemCode.QUOTE_EXPIRED


class NetworkDataError(ValueError):
    """Network data that does not hold together; the message names the file, row and column."""
