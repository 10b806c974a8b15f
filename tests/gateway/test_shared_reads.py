"""A product page's operation reads its SKU's stock once for both of its root fields.

`availability` of a SKU near a postcode and `deliveryOptions` for it, in one operation,
through the real schema on the demo network's embedded store: the second field answers from
the first one's read, and exactly as it would have answered alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from gateway.api.context import Context
from gateway.api.schema import schema
from gateway.service.promise_service import PromiseService
from tests.gateway.conftest import MONDAY_10_PARIS

LYON_3RD = {"postcode": {"country": "FR", "postcode": "69003"}}
OAK_CHAIR = "OAK-CHAIR"
OPTIONS = """deliveryOptions(input: {lines: [{sku: "OAK-CHAIR", quantity: 1}],
    destination: {postcode: {country: "FR", postcode: "69003"}}, orderTime: "ORDER_TIME"}) {
    ... on DeliveryOptions { options { kind serviceCode promisedDate priceCents
      shipments { node { id } } } } }""".replace("ORDER_TIME", MONDAY_10_PARIS.isoformat())
AVAILABILITY = """availability(skus: ["OAK-CHAIR"],
    near: {postcode: {country: "FR", postcode: "69003"}}, first: 5) {
    ... on Availability { items { total nodes { node { id } atp } } } }"""
PRODUCT_PAGE = "query { " + AVAILABILITY + " " + OPTIONS + " }"


def counting(calls: list[str], name: str, read: Callable[..., Awaitable[Any]]) -> Any:
    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return await read(*args, **kwargs)

    return counted


async def execute(service: PromiseService, query: str) -> Any:
    result = await schema.execute(query, context_value=Context(service=service, client_id="pdp"))
    assert result.errors is None, result.errors
    return result.data


async def test_the_product_page_reads_stock_once_and_answers_as_each_field_alone(
    service: PromiseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = {
        **await execute(service, "query { " + AVAILABILITY + " }"),
        **await execute(service, "query { " + OPTIONS + " }"),
    }
    calls: list[str] = []
    monkeypatch.setattr(service, "store", _Counted(service.store, calls))

    together = await execute(service, PRODUCT_PAGE)

    assert together == alone
    assert together["deliveryOptions"]["options"], together
    assert calls == ["availability"]


async def test_a_destination_other_than_the_one_near_reads_its_own_stock(
    service: PromiseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(service, "store", _Counted(service.store, calls))
    elsewhere = OPTIONS.replace('postcode: "69003"', 'postcode: "75011"')

    await execute(service, "query { " + AVAILABILITY + " " + elsewhere + " }")

    assert calls == ["availability", "atp"]


class _Counted:
    """The real store, its stock reads counted by name."""

    def __init__(self, store: Any, calls: list[str]) -> None:
        self._store = store
        self.atp = counting(calls, "atp", store.atp)
        self.availability = counting(calls, "availability", store.availability)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
