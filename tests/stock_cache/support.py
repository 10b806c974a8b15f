"""Test data and small fakes shared by the stock_cache tests."""

from __future__ import annotations

import uuid

from stock_cache import ReserveRequest, StockLine
from stock_cache.base import EventKind, StockEvent
from stock_cache.rules import Channel, Protection, StockRules

LYON = "LYON-PART-DIEU"  # a distribution centre: no safety stock, takes future stock
PARIS = "PARIS-RIVOLI"  # a store: keeps 2 units of everything for walk-in shoppers
MARSEILLE = "MARSEILLE-PRADO"  # a store whose counts are trusted: no safety stock
BORDEAUX = "BORDEAUX-LAC"  # a store under the store rule: 20% of on hand held back
# Every node of the tests, and the two near a shopper in Marseille, nearest first.
NETWORK = (LYON, PARIS, MARSEILLE, BORDEAUX)
NEAR = (MARSEILLE, LYON)

TABLE = "OAK-TABLE-120"
SOFA = "LINEN-SOFA-3P"
CHAIR = "WALNUT-CHAIR"

SAFETY_BY_NODE = {PARIS: 2}

STOREFRONT = "storefront-fr"
MARKETPLACE = "marketplace-eu"

WEB = "web-fr"
MARKETPLACE_X = "marketplace-x"

RULES = StockRules(
    node_types={LYON: "DC", PARIS: "STORE", MARSEILLE: "STORE", BORDEAUX: "STORE"},
    by_type={"STORE": Protection(share_bp=2_000)},
    by_node={PARIS: Protection(units=2), MARSEILLE: Protection(units=0)},
    by_node_sku={(PARIS, CHAIR): Protection(units=0), (BORDEAUX, SOFA): Protection(units=5)},
    channels={
        WEB: Channel(WEB),
        MARKETPLACE_X: Channel(MARKETPLACE_X, frozenset({LYON, PARIS}), {PARIS: 5}),
    },
    future_stock_nodes=frozenset({LYON}),
)


class FakeClock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self, now: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    @property
    def now_ms(self) -> int:
        return int(self.now * 1000)


def hold(
    *lines: tuple[str, str, int],
    client: str = STOREFRONT,
    key: str | None = None,
    fingerprint: str = "cart-v1",
    ttl_seconds: int = 900,
    payload: str = "",
) -> ReserveRequest:
    """A reserve request for (node, sku, quantity) lines, under a fresh key unless one is given."""
    return ReserveRequest(
        client_id=client,
        idempotency_key=key if key is not None else uuid.uuid4().hex,
        fingerprint=fingerprint,
        lines=tuple(StockLine(node, sku, quantity) for node, sku, quantity in lines),
        ttl_seconds=ttl_seconds,
        payload=payload,
    )


def event(
    event_id: str,
    sequence: int,
    kind: EventKind,
    quantity: int,
    *,
    node: str = LYON,
    sku: str = "OAK-TABLE-120",
    resellable: bool = True,
) -> StockEvent:
    return StockEvent(event_id, node, sku, sequence, kind, quantity, resellable)
