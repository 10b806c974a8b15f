"""The demo network, its stock by SKU and a promise to a destination, for domain tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from network_loader.network_files import load_network, load_stock_levels
from promise.candidates import CandidateFinder
from promise.cart import CartLine, Destination
from promise.network import Network
from promise.option_values import Option
from promise.promise_builder import Promise, PromiseRequest, build_promise

DEMO = Path(__file__).resolve().parents[2] / "network" / "demo"
CHAIR = (CartLine("BEECH-CHAIR", 1),)


@pytest.fixture(scope="module")
def demo() -> Network:
    return load_network(DEMO)


@pytest.fixture(scope="module")
def stock(demo: Network) -> dict[str, dict[str, int]]:
    by_node = load_stock_levels(DEMO, network=demo)
    by_sku: dict[str, dict[str, int]] = {}
    for node, levels in by_node.items():
        for sku, units in levels.items():
            by_sku.setdefault(sku, {})[node] = units
    return by_sku


def promise_to(
    demo: Network,
    stock: dict[str, dict[str, int]],
    destination: Destination,
    now: datetime,
    cart: tuple[CartLine, ...] = CHAIR,
) -> Promise:
    candidates = CandidateFinder(demo).around(
        destination.point, placed=destination.region is not None
    )
    request = PromiseRequest(cart, destination, now, explain=False, nudge=False)
    return build_promise(demo, request, candidates, stock)


def home(promise: Promise) -> list[Option]:
    return [o for o in promise.options if o.kind.name.startswith("HOME")]
