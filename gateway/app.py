"""The ASGI application: a starlette app serving GraphQL, with resources opened in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

import places
from gateway.api.promise_watches import evaluate_watch
from gateway.api.schema import schema
from gateway.http import health
from gateway.http.endpoint import GraphQLEndpoint
from gateway.http.front import Front, RequestApp
from gateway.http.live import LiveEndpoint
from gateway.ops.channel_stock import publish_periodically
from gateway.ops.compiled import compiled_modules
from gateway.ops.logs import stamp_request_ids
from gateway.ops.settings import Settings, settings_from_env
from gateway.service.bounded_store import BoundedStore
from gateway.service.live_changes import LiveChanges
from gateway.service.promise_service import PromiseService
from gateway.service.promise_watches import PromiseWatcher
from gateway.service.resources import build_platform
from gateway.service.webhook_loop import deliver_periodically, open_sender, webhook_client
from network_loader.network_files import NetworkFiles
from network_loader.publication import load_publication
from network_loader.stock_rules import load_stock_rules
from promise.network import Network
from promise.quotes import SigningKeys
from stock_cache.base import StockStore
from stock_cache.outbox_reader import outbox_reader
from stock_cache.publication import Publisher
from stock_cache.publishing_store import PublishingStore, can_publish, channel_feed
from stock_cache.url import store_from_url

log = logging.getLogger("gateway")

# How often the store finishes what calls that died half-way left undone (StockStore.repair).
REPAIR_EVERY_SECONDS = 60.0


# Net container allocations between collections of the youngest generation in a server
# process, rather than the interpreter's default. A collection walks what it finds there and
# holds the event loop meanwhile, so a larger threshold makes fewer but longer pauses, and a
# longer middle generation behind them (docs/internals.md#garbage-collection).
YOUNG_COLLECTION_EVERY = 2_000


def safety_by_node(network: Network) -> dict[str, int]:
    return {
        node.id: network.safety_stock_by_type.get(node.type, 0) for node in network.nodes.values()
    }


async def repair_periodically(store: StockStore, every_seconds: float) -> None:
    """A safeguard: the store's own calls already finish such work, a little at a time."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            repaired = await store.repair()
        except Exception:
            # The store may be down for a while: try again next time, never stop.
            log.warning("store repair failed; retrying in %.0f s", every_seconds, exc_info=True)
        else:
            if repaired:
                log.warning("store repair finished %d confirms that had died half-way", repaired)


async def seed_stock(store: StockStore, levels: Mapping[str, Mapping[str, int]]) -> None:
    for node_id, node_levels in levels.items():
        await store.set_levels(node_id, node_levels)


def open_publication(
    store_url: str,
    network_dir: Path,
    network: Network,
    *,
    store: StockStore | None = None,
    clock: Callable[[], float] = time.time,
    eager: bool = False,
) -> PublishingStore:
    """The store of `store_url` (or `store`), wrapped to keep every channel's publication."""
    stock_rules = load_stock_rules(network_dir, network)
    opened = store or store_from_url(store_url, rules=stock_rules.rules, clock=clock)
    rules = load_publication(network_dir, network, stock_rules)
    publisher = Publisher(opened, channel_feed(opened), rules, clock=clock)
    return PublishingStore(publisher, eager=eager, skus=network.skus)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], float] | None = None,
    store: StockStore | None = None,
    files: NetworkFiles | None = None,
) -> Starlette:
    """The gateway app; `store`, `clock` and the files of `settings.network_dir` already read
    let tests hand in their own."""
    settings = settings or settings_from_env()
    if files is None:
        files = NetworkFiles.read(settings.network_dir)
    elif files.directory != settings.network_dir:
        raise ValueError(f"files of {files.directory}, settings of {settings.network_dir}")
    network = files.network
    holder: dict[str, PromiseService] = {}
    platform = build_platform(settings)
    stamp_request_ids()
    if not settings.dev_mode and not settings.api_keys.value:
        log.warning("production mode without API_KEYS: only keys stored in Redis are accepted")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The postcode table and the grid of points are built once per process (a few
        # seconds), or read where the server kept it built: before the first request, and
        # before the heap is frozen.
        if settings.places_table_dir is not None:
            places.keep_table_in(settings.places_table_dir)
        places.load()
        # The store's clock is the app's, so that holds lapse on the same time as quotes do.
        stock_rules = load_stock_rules(settings.network_dir, network)
        opened = store or store_from_url(
            settings.store_url, rules=stock_rules.rules, clock=clock or time.time
        )
        if settings.store_url.startswith("memory://") and store is None:
            # The embedded store starts empty with each process: fill it from the network data
            # (before publication wraps it: its first refresh publishes every SKU anyway).
            await seed_stock(opened, files.stock_levels)
        publishing = None
        if settings.publish_every_seconds > 0 and can_publish(opened):
            publishing = open_publication(
                settings.store_url,
                settings.network_dir,
                network,
                store=opened,
                clock=clock or time.time,
            )
            opened = publishing
        current, secrets = settings.signing_keys()
        kwargs: dict[str, Any] = {"clock": clock} if clock else {}
        holder["service"] = PromiseService(
            network,
            # Each request's store calls answer by its deadline (gateway/service/deadline.py).
            BoundedStore(opened),
            SigningKeys(current, secrets, settings.retired_keys()),
            quote_ttl_seconds=settings.quote_ttl_seconds,
            channels=stock_rules,
            **kwargs,
        )
        app.state.promise_service = holder["service"]
        client = webhook_client()
        holder["service"].webhooks = open_sender(opened, client, clock=clock or time.time)
        app.state.platform = platform
        if settings.freeze_heap_at_start:
            gc.collect()
            gc.freeze()
            # A checkout makes tens of thousands of short-lived tuples; most die within the
            # request, so collecting the youngest generation less often than the default walks
            # fewer of them, while each pause stays short enough not to stretch a commit's
            # latency (cyclic garbage waits a little longer; the older generations keep their
            # pace).
            gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
        compiled = compiled_modules()
        log.info(
            "gateway ready: network %s, store %s, promise %s",
            network.version,
            settings.store_url,
            f"compiled ({len(compiled)} modules)" if compiled else "interpreted",
        )
        tasks = [asyncio.create_task(repair_periodically(opened, REPAIR_EVERY_SECONDS))]
        stop = asyncio.Event()
        # Set once every SKU is published (at once without publication): a benchmark waits
        # for it, so that the start-up refresh is not timed as requests' work.
        app.state.published = asyncio.Event()
        if publishing is not None:
            every = settings.publish_every_seconds
            publish = publish_periodically(publishing, every, stop, published=app.state.published)
            tasks.append(asyncio.create_task(publish))
        else:
            app.state.published.set()
        base = opened.inner if isinstance(opened, PublishingStore) else opened
        sender = holder["service"].webhooks
        if can_publish(base):
            feed = publishing.feed if publishing is not None else None
            live = LiveChanges(outbox_reader(base), feed, clock=clock or time.time)
            holder["service"].live = live
            tasks.append(asyncio.create_task(live.run(settings.live_every_seconds, stop)))
            if sender is not None:
                evaluate = partial(evaluate_watch, schema, holder["service"], platform)
                watcher = PromiseWatcher(
                    sender.state, outbox_reader(base), feed, evaluate, clock=clock or time.time
                )
                sender.watcher = watcher
                # Evaluated as often as live answers look, by one process at a time.
                every = settings.live_every_seconds
                tasks.append(asyncio.create_task(deliver_periodically(watcher, every, stop)))
        if settings.deliver_webhooks_every_seconds > 0 and sender is not None:
            every = settings.deliver_webhooks_every_seconds
            tasks.append(asyncio.create_task(deliver_periodically(sender, every, stop)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await client.aclose()
            if store is None:
                await opened.close()
            await platform.state.close()

    graphql = GraphQLEndpoint(schema, holder, platform)
    # Every method reaches the endpoint, so that a wrong one gets a GraphQL-shaped 405.
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    route = Route("/graphql", RequestApp(graphql.handle), methods=methods, name="handle")
    return Front(
        route,
        routes=[
            route,
            # Subscriptions (graphql-transport-ws) on the same path, sharing the checked documents.
            WebSocketRoute("/graphql", LiveEndpoint(schema, holder, platform, graphql.checks)),
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz(holder, platform)),
            Route("/metrics", health.metrics(platform)),
        ],
        lifespan=lifespan,
    )


def create_app_from_env() -> Starlette:
    """Factory for uvicorn workers: every setting comes from the environment."""
    return create_app(settings_from_env())
