"""Errors of the stock store. Each message names the value at fault."""

from __future__ import annotations

from carriers.echo import shown


class StockStoreError(Exception):
    """Base of every error the stock store raises on purpose."""


class UnknownStoreScheme(StockStoreError):
    """The store URL names a scheme no backend serves."""


class InvalidStoreUrl(StockStoreError, ValueError):
    """The store URL carries an option with a value the backend can't use."""


class StoreUnavailable(StockStoreError):
    """The backing store could not be reached, or refused before running anything: nothing was
    changed. Retry later."""


class IdempotencyConflict(StockStoreError):
    """The idempotency key was already used by this client for a different request."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {shown(key)} was already used for a different request")
        self.key = key


class QuoteAlreadyCommitted(StockStoreError):
    """The quote was committed under another idempotency key of the client: one quote, one
    allocation. `allocation_id` is that commit's allocation (None while it is under way)."""

    def __init__(self, quote_id: str, key: str, allocation_id: str | None) -> None:
        made = f"allocation {shown(allocation_id)}" if allocation_id else "a commit still under way"
        super().__init__(
            f"the quote was already committed with idempotency key {shown(key)} ({made});"
            " ask for options again to commit once more"
        )
        self.quote_id = quote_id
        self.key = key
        self.allocation_id = allocation_id


class HoldLimitReached(StockStoreError):
    """The units asked would take a holder past its cap of held units: nothing was held."""

    def __init__(self, holder: str, limit: int, held: int, asked: int) -> None:
        super().__init__(
            f"{shown(holder)} holds {held} units of at most {limit}: {asked} more can't be"
            " held until a hold is confirmed, released or expires"
        )
        self.holder = holder
        self.limit = limit
        self.held = held
        self.asked = asked


class AllocationNotFound(StockStoreError):
    def __init__(self, allocation_id: str) -> None:
        super().__init__(f"no allocation {shown(allocation_id)} for this client")
        self.allocation_id = allocation_id


class AllocationStateError(StockStoreError):
    """The allocation is not in a state that allows the change asked for."""

    def __init__(self, allocation_id: str, status: str, wanted: str) -> None:
        super().__init__(f"allocation {shown(allocation_id)} is {status}; it cannot be {wanted}")
        self.allocation_id = allocation_id
        self.status = status
        self.wanted = wanted


class UnknownChannel(StockStoreError):
    def __init__(self, channel: str) -> None:
        super().__init__(f"unknown sales channel {shown(channel)}")
        self.channel = channel


class StoreOutcomeUnknown(StockStoreError):
    """The store stopped answering after a change was sent: it may or may not have been made.

    Retry with the same idempotency key (or the same call, for changes that are idempotent):
    the retry settles it, finding what was made or making it once.
    """


class ReserveInProgress(StoreOutcomeUnknown):
    """Another call with the same idempotency key is still reserving; retry with that key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"a commit with idempotency key {shown(key)} is in progress; retry it")
        self.key = key


class BadCursor(StockStoreError, ValueError):
    """A cursor of a change feed that this store never handed out."""

    def __init__(self, field: str, cursor: str) -> None:
        super().__init__(f"{field} {cursor[:64]!r} is not a cursor of this feed")
        self.field = field
        self.cursor = cursor


class NotPublished(StockStoreError):
    """A channel that publishes no quantities (no publication rules name it)."""

    def __init__(self, channel: str) -> None:
        super().__init__(f"channel {channel[:64]!r} publishes no quantities")
        self.channel = channel
