"""Running webhook deliveries: a sender over a store, and the loop a worker runs it in (the
gateway's lifespan with `DELIVER_WEBHOOKS`, or `promise-gateway deliver-webhooks`)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import time
from collections.abc import Callable
from typing import Protocol

import httpx

from gateway.service.webhooks import WebhookSender
from stock_cache.base import StockStore
from stock_cache.outbox_reader import outbox_reader
from stock_cache.publishing_store import PublishingStore, can_publish, channel_feed
from stock_cache.webhook_redis import webhook_state

log = logging.getLogger("gateway.webhooks")


@functools.cache
def _tls() -> ssl.SSLContext:
    # httpx's default context, read once a process: loading the CA bundle costs about 0.1 s
    # of CPU, which every app started in a process (one per test) would otherwise pay again.
    return httpx.create_ssl_context()


def webhook_client() -> httpx.AsyncClient:
    """The HTTP client webhooks are posted with: httpx's defaults, the TLS context shared."""
    return httpx.AsyncClient(verify=_tls())


def open_sender(
    store: StockStore, client: httpx.AsyncClient, *, clock: Callable[[], float] = time.time
) -> WebhookSender | None:
    """The webhook sender over a store `store_from_url` opened (maybe publishing); None for
    any other store."""
    inner = store.inner if isinstance(store, PublishingStore) else store
    if not can_publish(inner):
        return None
    feed = store.publisher.feed if isinstance(store, PublishingStore) else channel_feed(inner)
    state = webhook_state(inner, clock=clock)
    return WebhookSender(state, outbox_reader(inner), feed, client, clock=clock)


class Pass(Protocol):
    async def run_once(self) -> int: ...


async def deliver_periodically(sender: Pass, every_seconds: float, stop: asyncio.Event) -> None:
    """A pass (deliveries, or the promise watches' evaluation) every `every_seconds` until
    `stop` is set."""
    while not stop.is_set():
        try:
            await sender.run_once()
        except Exception:
            # The store or a receiver may misbehave for a while: never stop delivering.
            log.warning("webhook delivery failed; retrying", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
