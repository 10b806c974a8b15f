"""The on-hand ledger of one SKU at one node, and the checks every feed goes through.

On hand is not one number but a base and what came after it:

- the base: the newest absolute figure, a COUNT event or a snapshot level, with the sequence
  it is true at (a count's own sequence, a snapshot's watermark);
- adjustments (ADJUSTMENT events and resellable RETURNs) newer than the base, kept with
  their sequence;
- fulfilments: units that left with a FULFILLED allocation, kept until a base newer than
  anything seen at fulfilment time arrives (that count includes the shipment).

on hand = base + adjustments newer than the base + fulfilments not yet covered.

Adjustments commute, so an adjustment arriving late is still applied unless a base at or
after its sequence already includes it; a count or snapshot older than the base is stale.
The outcome is the same in whatever order the events arrive, which is what a feed of
retried, reordered and duplicated messages needs. Event ids are remembered 24 hours, per
(node, SKU), to skip duplicates. The Redis scripts (lua/_ledger.lua, read, and
lua/_ledger_writes.lua) mirror this class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stock_cache.base import EventKind, StockEvent
from stock_cache.rules import StockRules

MAX_SEQUENCE = 10**14  # Lua numbers print 14 significant digits: stay below.
MAX_QUANTITY = 10**9
MAX_EVENT_ID = 200
EVENT_ID_TTL_MS = 24 * 60 * 60 * 1000
# A ledger keeps at most this many adjustments; past it, the older half is folded into the
# base, as a count at the newest folded sequence would (docs/stock-store.md, "Ledgers").
MAX_ADJUSTMENTS = 100
NO_SEQUENCE = -1


# NUL ends strings in many a WMS; a line break would make an event id ambiguous (the Redis
# store remembers `node \n event id`) and forge log lines.
_FORBIDDEN = frozenset("\x00\n\r")


def name_rejection(field: str, value: str) -> str | None:
    """Why a node id, SKU or event id is malformed (empty, NUL, line breaks), or None."""
    if not value:
        return f"{field} must not be empty"
    if not _FORBIDDEN.isdisjoint(value):
        return f"{field} must not contain NUL or line breaks"
    return None


def rejection(event: StockEvent, rules: StockRules | None = None) -> str | None:
    """Why an event is malformed (naming the field), or None; with `rules`, also an event
    naming a node or SKU the network does not have."""
    if not event.event_id or len(event.event_id) > MAX_EVENT_ID:
        return f"eventId must have 1 to {MAX_EVENT_ID} characters"
    reason = (
        name_rejection("eventId", event.event_id)
        or name_rejection("nodeId", event.node_id)
        or name_rejection("sku", event.sku)
    )
    if reason is None and rules is not None:
        reason = rules.unknown_node(event.node_id) or rules.unknown_sku(event.sku)
    if reason is not None:
        return reason
    if not 0 <= event.sequence < MAX_SEQUENCE:
        return f"sequence {event.sequence} must be at least 0 and below {MAX_SEQUENCE}"
    if abs(event.quantity) > MAX_QUANTITY:
        return f"quantity {event.quantity} is beyond {MAX_QUANTITY} units"
    if event.kind is EventKind.COUNT and event.quantity < 0:
        return f"quantity {event.quantity} of a COUNT must not be negative"
    if event.kind is EventKind.RETURN and event.quantity < 1:
        return f"quantity {event.quantity} of a RETURN must be at least 1"
    return None


def level_rejection(sku: str, quantity: int, rules: StockRules | None = None) -> str | None:
    reason = name_rejection("sku", sku) or (rules.unknown_sku(sku) if rules else None)
    if reason is not None:
        return reason
    if not 0 <= quantity <= MAX_QUANTITY:
        return f"level {quantity} of {sku!r} must be between 0 and {MAX_QUANTITY}"
    return None


def watermark_rejection(watermark: int | None) -> str | None:
    if watermark is not None and not 0 <= watermark < MAX_SEQUENCE:
        return f"watermark {watermark} must be at least 0 and below {MAX_SEQUENCE}"
    return None


@dataclass(slots=True)
class Ledger:
    base: int = 0
    base_sequence: int = NO_SEQUENCE
    adjustments: list[tuple[int, int]] = field(default_factory=list)
    fulfilments: list[tuple[int, int]] = field(default_factory=list)

    @property
    def on_hand(self) -> int:
        if not self.adjustments and not self.fulfilments:
            return self.base  # the common case: a level and nothing since
        return (
            self.base
            + sum(qty for seq, qty in self.adjustments if seq > self.base_sequence)
            + sum(qty for after, qty in self.fulfilments if after >= self.base_sequence)
        )

    @property
    def known(self) -> int:
        """The newest sequence this ledger has seen."""
        if not self.adjustments:
            return self.base_sequence
        return max(self.base_sequence, max(seq for seq, _ in self.adjustments))

    def covers(self, sequence: int) -> bool:
        return sequence <= self.base_sequence

    def adjust(self, sequence: int, quantity: int) -> None:
        self.adjustments.append((sequence, quantity))
        if len(self.adjustments) > MAX_ADJUSTMENTS:
            self.fold()

    def fold(self) -> None:
        """Fold the older half of the adjustments, and the fulfilments before them, into the
        base: on hand stays the same; events at or before the fold's sequence are then STALE."""
        ordered = sorted(self.adjustments)
        upto = ordered[len(ordered) // 2 - 1][0]
        self.base += sum(q for s, q in ordered if self.base_sequence < s <= upto)
        self.base += sum(q for a, q in self.fulfilments if self.base_sequence <= a < upto)
        self.base_sequence = upto
        self.adjustments = [(s, q) for s, q in ordered if s > upto]
        self.fulfilments = [(a, q) for a, q in self.fulfilments if a >= upto]

    def rebase(self, quantity: int, sequence: int) -> None:
        """A newer absolute figure: it includes every adjustment up to its sequence."""
        self.base, self.base_sequence = quantity, sequence
        if self.adjustments:
            self.adjustments = [(s, q) for s, q in self.adjustments if s > sequence]
        if self.fulfilments:
            self.fulfilments = [(a, q) for a, q in self.fulfilments if a >= sequence]

    def override(self, quantity: int) -> None:
        """An operator's level: true now, covering everything seen so far."""
        self.rebase(quantity, self.known)

    def fulfil(self, quantity: int) -> None:
        self.fulfilments.append((self.known, -quantity))
