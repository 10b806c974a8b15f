"""The unified stock view: ATP and reservations, one protocol over an embedded and a Redis store."""

from stock_cache.base import (
    Allocation,
    AllocationStatus,
    EventKind,
    FeedResult,
    FeedStatus,
    Inbound,
    InsufficientStock,
    NodeStock,
    OutboxEntry,
    Reserved,
    ReserveRequest,
    Shortage,
    SkuAvailability,
    StockEvent,
    StockLine,
    StockStore,
)
from stock_cache.rules import Channel, Protection, StockRules
from stock_cache.url import store_from_url

__all__ = [
    "Allocation",
    "AllocationStatus",
    "Channel",
    "EventKind",
    "FeedResult",
    "FeedStatus",
    "Inbound",
    "InsufficientStock",
    "NodeStock",
    "OutboxEntry",
    "Protection",
    "ReserveRequest",
    "Reserved",
    "Shortage",
    "SkuAvailability",
    "StockEvent",
    "StockLine",
    "StockRules",
    "StockStore",
    "store_from_url",
]
