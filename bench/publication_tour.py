"""A tour of the channels' publication, printed: marketplace-x's export, then its change feed
after a stock event, a commit and the commit's hold lapsing.

    .venv/bin/python -m bench.publication_tour

The gateway in process (dev mode, the embedded store seeded from the demo network), on a
clock the tour moves (Monday 23 November 2026, 10:00 in Paris; then past the hold's time),
called over its ASGI app with the demo keys; each step ends with a pass of the publisher, as
the gateway's background task makes every PUBLISH_EVERY_MS.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from gateway.app import create_app
from gateway.ops.channel_stock import export_channel
from gateway.ops.settings import Settings
from gateway.service.bounded_store import unbounded
from stock_cache.publishing_store import PublishingStore

CHANNEL = "marketplace-x"
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
FEED = """query Feed($after: String) {
  channelStock(channel: "marketplace-x", after: $after, first: 20) {
    ... on ChannelStockPage { cursor changes { sku quantity changedAt } }
    ... on Problem { code field message }
  }
}"""
EVENT = """mutation Event($input: ApplyStockEventsInput!) {
  applyStockEvents(input: $input) { ... on StockEventsApplied { results { status } } }
}"""
OPTIONS = """query Options($input: DeliveryOptionsInput!) {
  deliveryOptions(input: $input) {
    ... on DeliveryOptions { options { kind committable quoteToken
                                      shipments { node { id } lines { sku quantity } } } }
    ... on Problem { code message }
  }
}"""
COMMIT = """mutation Commit($input: CommitAllocationInput!) {
  commitAllocation(input: $input) {
    ... on Allocation { id status expiresAt shipments { node { id } lines { sku quantity } } }
    ... on Problem { code message }
  }
}"""


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def call(http: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any]) -> Any:
    reply = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {key}"},
    )
    answer = reply.json()
    assert "data" in answer, answer
    return answer["data"]


async def feed_after(http: httpx.AsyncClient, cursor: str, title: str) -> str:
    page = (await call(http, "demo-marketplace-key", FEED, {"after": cursor}))["channelStock"]
    print(f"\n## channelStock(channel: {CHANNEL}, after: {cursor!r}) after {title}")
    print(json.dumps(page, indent=2))
    return str(page["cursor"])


async def tour() -> None:
    clock = Clock(MONDAY_10)
    # The background publisher sleeps: each step publishes by itself, so the output is fixed.
    settings = Settings(store_url="memory://", dev_mode=True, publish_every_seconds=3600.0)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        service = app.state.promise_service
        publishing = unbounded(service.store)
        assert isinstance(publishing, PublishingStore)
        await publishing.publish()
        out = io.StringIO()
        rows, cursor = await export_channel(publishing, CHANNEL, out, kind="csv")
        print(f"## promise-gateway export-channel-stock --channel {CHANNEL} (first 6 of {rows})")
        print("\n".join(out.getvalue().splitlines()[:7]))
        print(f"exported {rows} SKUs of {CHANNEL}; follow its changes after cursor {cursor}")

        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            count = {"eventId": "miramas-count-1", "nodeId": "DC-MIRAMAS", "sku": "OAK-TABLE-120",
                     "sequence": 1, "kind": "COUNT", "quantity": 40}  # fmt: skip
            await call(http, "demo-stock-feed-key", EVENT, {"input": {"events": [count]}})
            await publishing.publish()
            title = "a stock event (DC-MIRAMAS counts 40 OAK-TABLE-120, was 53)"
            cursor = await feed_after(http, cursor, title)

            cart = {"lines": [{"sku": "OAK-TABLE-120", "quantity": 3}],
                    "destination": {"postcode": {"postcode": "13001"}}}  # fmt: skip
            found = await call(http, "demo-marketplace-key", OPTIONS, {"input": cart})
            option = next(o for o in found["deliveryOptions"]["options"] if o["committable"])
            commit = {"quoteToken": option["quoteToken"], "idempotencyKey": "tour-order-1"}
            held = await call(http, "demo-marketplace-key", COMMIT, {"input": commit})
            print("\n## commitAllocation")
            print(json.dumps(held["commitAllocation"], indent=2))
            await publishing.publish()
            cursor = await feed_after(http, cursor, "the commit (3 tables held)")

            clock.now += service.network.reservation_ttl_seconds + 1
            await publishing.publish()
            await feed_after(http, cursor, "the hold's expiry (nobody confirmed it)")


if __name__ == "__main__":
    asyncio.run(tour())
