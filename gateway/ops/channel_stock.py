"""Publication per channel in the gateway: the background task that keeps it current, and
the full export (`promise-gateway export-channel-stock`) a connector starts from."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import TextIO

from stock_cache.publishing_store import PublishingStore

log = logging.getLogger("gateway.publication")


async def publish_periodically(
    publishing: PublishingStore,
    skus: Iterable[str],
    every_seconds: float,
    stop: asyncio.Event,
    *,
    published: asyncio.Event | None = None,
) -> None:
    """Publish every SKU once (then set `published`), then, every `every_seconds`, what changed
    and what expired, until `stop` is set (a cancellation that a store client swallows
    half-way still ends it)."""
    pending = list(skus)
    while not stop.is_set():
        try:
            if pending:
                # What was noted of these SKUs before this refresh starts, it covers.
                publishing.covered(pending)
                await publishing.publisher.refresh(pending)
                pending = []
                if published is not None:
                    published.set()
            await publishing.flush()
            await publishing.follow_expiries()
        except Exception:
            # The store may be down for a while: what is noted stays noted; try again.
            log.warning("channel publication failed; retrying", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)


async def export_channel(
    publishing: PublishingStore,
    channel: str,
    out: TextIO,
    *,
    kind: str,
    progress: Callable[[int], None] = lambda rows: None,
) -> tuple[int, str]:
    """Write every SKU's published quantity (CSV or JSON Lines); (rows, the feed's cursor).

    The cursor is read first: a change made while the rows are written comes again after it.
    """
    publisher = publishing.publisher
    publisher.channel(channel)
    cursor = await publisher.feed.head(channel)
    rows = 0
    if kind == "csv":
        out.write("sku,quantity,changed_at_ms\n")
    async for chunk in publisher.feed.quantities(channel):
        for change in chunk:
            if kind == "csv":
                out.write(f"{change.sku},{change.quantity},{change.at_ms}\n")
            else:
                record = {"sku": change.sku, "quantity": change.quantity, "at_ms": change.at_ms}
                out.write(json.dumps(record) + "\n")
        rows += len(chunk)
        progress(len(chunk))
    return rows, cursor
