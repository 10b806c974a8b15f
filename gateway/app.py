"""The ASGI application: a starlette app serving GraphQL, with resources opened in the lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.context import CLIENT_HEADER, DEFAULT_CLIENT, Context
from gateway.network_files import load_network, load_stock_levels
from gateway.promising import PromiseService
from gateway.schema import schema
from gateway.settings import Settings, settings_from_env
from promise.network import Network
from promise.quotes import SigningKeys
from stock_cache.base import StockStore
from stock_cache.url import store_from_url

log = logging.getLogger("gateway")


def safety_by_node(network: Network) -> dict[str, int]:
    return {
        node.id: network.safety_stock_by_type.get(node.type, 0) for node in network.nodes.values()
    }


async def seed_stock(store: StockStore, levels: dict[str, dict[str, int]]) -> None:
    for node_id, node_levels in levels.items():
        await store.set_levels(node_id, node_levels)


class _GraphQL(GraphQL[Context, None]):
    def __init__(self, holder: dict[str, PromiseService], *, dev_mode: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if dev_mode else None)
        self._holder = holder

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        client = request.headers.get(CLIENT_HEADER, "").strip() or DEFAULT_CLIENT
        return Context(service=self._holder["service"], client_id=client[:64])


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], float] | None = None,
    store: StockStore | None = None,
) -> Starlette:
    """The gateway app; `store` and `clock` let tests hand in their own."""
    settings = settings or settings_from_env()
    network = load_network(settings.network_dir)
    holder: dict[str, PromiseService] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened = store or store_from_url(settings.store_url, safety_by_node=safety_by_node(network))
        if settings.store_url.startswith("memory://") and store is None:
            # The embedded store starts empty with each process: fill it from the network data.
            await seed_stock(opened, load_stock_levels(settings.network_dir, network=network))
        current, secrets = settings.signing_keys()
        kwargs: dict[str, Any] = {"clock": clock} if clock else {}
        holder["service"] = PromiseService(
            network,
            opened,
            SigningKeys(current, secrets),
            quote_ttl_seconds=settings.quote_ttl_seconds,
            **kwargs,
        )
        app.state.promise_service = holder["service"]
        log.info("gateway ready: network %s, store %s", network.version, settings.store_url)
        try:
            yield
        finally:
            if store is None:
                await opened.close()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    graphql = _GraphQL(holder, dev_mode=settings.dev_mode)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )


def create_app_from_env() -> Starlette:
    """Factory for uvicorn workers: every setting comes from the environment."""
    return create_app(settings_from_env())
