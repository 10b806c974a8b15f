"""The unified stock view: ATP and reservations, one protocol over an embedded and a Redis store."""

from stock_cache.base import (
    Allocation,
    AllocationStatus,
    InsufficientStock,
    Reserved,
    ReserveRequest,
    Shortage,
    StockLine,
    StockStore,
)
from stock_cache.url import store_from_url

__all__ = [
    "Allocation",
    "AllocationStatus",
    "InsufficientStock",
    "ReserveRequest",
    "Reserved",
    "Shortage",
    "StockLine",
    "StockStore",
    "store_from_url",
]
