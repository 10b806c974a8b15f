"""The `promise-gateway` command: serve the API, export the schema, seed a store."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gateway.admission.api_keys import key_digest
from gateway.ops.logs import uvicorn_log_config
from gateway.ops.settings import DEFAULT_NETWORK_DIR, SettingsError, settings_from_env
from promise.errors import NetworkDataError
from stock_cache.errors import StockStoreError


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.ops.places_table import load_built_apart, table_built_once
    from gateway.ops.slow_clients import server_options

    # Workers are separate processes: settings travel to them through the environment.
    os.environ["NETWORK_DIR"] = str(args.network)
    os.environ["STOCK_STORE_URL"] = args.store
    if args.dev:
        os.environ["GATEWAY_DEV_MODE"] = "true"
    settings = settings_from_env()
    if args.workers > 1 and settings.store_url.startswith("memory://"):
        print(
            "promise-gateway: --workers above 1 needs a shared store. The embedded memory:// "
            "store lives inside one process, so each worker would sell the same units again. "
            "Use --store redis://HOST:PORT/DB (or STOCK_STORE_URL), or --workers 1.",
            file=sys.stderr,
        )
        return 2
    if args.workers > 1 and not settings.has_configured_keys:
        print(
            "promise-gateway: --workers above 1 needs QUOTE_SIGNING_KEYS, so that a quote "
            "signed by one worker is accepted by the others.",
            file=sys.stderr,
        )
        return 2
    # Production logs are JSON lines (gateway/ops/logs.py), one per request, written by the
    # endpoint with the request id, client and operation: uvicorn's access line would say
    # it again with less. Dev mode keeps uvicorn's own format and its access lines.
    logging: dict[str, Any] = (
        {"log_config": uvicorn_log_config(), "access_log": False} if settings.json_logs else {}
    )
    if args.workers > 1:
        # The postcode table built once, by a child, for every worker to read (not each its
        # own).
        with table_built_once():
            return _serve_workers(args, {**logging, **server_options(settings)})
    # Built by a child all the same: the build's garbage would stay in this process's heap.
    load_built_apart()
    from gateway.app import create_app

    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        **logging,
        **server_options(settings),
    )
    return 0


def _serve_workers(args: argparse.Namespace, options: dict[str, Any]) -> int:
    from gateway.ops import workers

    try:
        return workers.serve(
            "gateway.app:create_app_from_env",
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
            **options,
        )
    except workers.PortTakenError as error:
        print(f"promise-gateway: {error}", file=sys.stderr)
        return 2


def _hash_api_key(args: argparse.Namespace) -> int:
    key = sys.stdin.readline().strip()
    if not key:
        print("promise-gateway: give the key on standard input", file=sys.stderr)
        return 2
    print(key_digest(key))
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from gateway.api.schema import schema

    text = schema.as_str() + "\n"
    if args.check is None:
        sys.stdout.write(text)
        return 0
    committed = Path(args.check).read_text(encoding="utf-8") if Path(args.check).exists() else ""
    if committed != text:
        print(
            f"promise-gateway: {args.check} differs from the schema the code exports; "
            "run `make schema` and commit the result.",
            file=sys.stderr,
        )
        return 1
    return 0


def _seed_stock(args: argparse.Namespace) -> int:
    from gateway.app import open_publication, safety_by_node, seed_stock
    from network_loader.network_files import load_network, load_stock_levels
    from stock_cache.url import store_from_url

    network = load_network(args.network)
    levels = load_stock_levels(args.network, network=network)

    async def run() -> None:
        opened = store_from_url(args.store, safety_by_node=safety_by_node(network))
        # Noted for the channels' publisher, which the gateway runs.
        store = open_publication(args.store, args.network, network, store=opened)
        try:
            await store.ping()
            await seed_stock(store, levels)
        finally:
            await store.close()

    asyncio.run(run())
    rows = sum(len(node_levels) for node_levels in levels.values())
    print(f"seeded {rows} stock levels at {len(levels)} nodes into the store")
    return 0


def _import_stock(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from gateway.app import open_publication
    from gateway.ops.stock_import import StockImportError, check, format_of, import_stock
    from network_loader.network_files import load_network
    from network_loader.stock_rules import load_stock_rules
    from stock_cache.url import store_from_url

    path = Path(args.file)
    network = load_network(args.network)
    kind = format_of(path, args.format)
    try:
        total = check(path, kind, known_nodes=network.nodes)
    except (StockImportError, OSError) as error:
        print(f"promise-gateway import-stock: {error}", file=sys.stderr)
        return 2
    rules = load_stock_rules(args.network, network).rules

    async def run() -> str:
        # Noted for the channels' publisher, which the gateway runs.
        store = open_publication(
            args.store, args.network, network, store=store_from_url(args.store, rules=rules)
        )
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        try:
            await store.ping()
            with Progress(*columns, TimeRemainingColumn(), disable=args.quiet) as bar:
                task = bar.add_task(f"importing {path.name}", total=total)
                summary = await import_stock(
                    store,
                    path,
                    kind,
                    watermark=args.watermark,
                    progress=lambda rows: bar.advance(task, rows),
                )
        finally:
            await store.close()
        stale = f"; stale (a newer snapshot is there): {', '.join(summary.stale_nodes)}"
        return f"imported {summary.rows} stock levels at {summary.nodes} nodes" + (
            stale if summary.stale_nodes else ""
        )

    print(asyncio.run(run()))
    return 0


def _export_channel_stock(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    from gateway.app import open_publication, seed_stock
    from gateway.ops.channel_stock import export_channel
    from network_loader.network_files import load_network, load_stock_levels

    network = load_network(args.network)
    out = sys.stdout if args.output in (None, "-") else Path(args.output).open("w")  # noqa: SIM115

    async def run() -> tuple[int, str]:
        publishing = open_publication(args.store, args.network, network)
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        try:
            await publishing.ping()
            if args.store.startswith("memory://"):
                # The embedded store starts empty with each process: fill it as serve does.
                await seed_stock(publishing, load_stock_levels(args.network, network=network))
            if args.refresh:
                await publishing.publisher.refresh(network.skus)
            # Catch up on what is noted (every SKU when never published on this network): a
            # gateway holding the publisher's lease does it instead.
            await publishing.publish()
            total = await publishing.publisher.feed.count(args.channel)
            console = Console(stderr=True)
            with Progress(*columns, console=console, disable=args.quiet) as bar:
                task = bar.add_task(f"exporting {args.channel}", total=total)
                return await export_channel(
                    publishing,
                    args.channel,
                    out,
                    kind=args.format,
                    progress=lambda rows: bar.advance(task, rows),
                )
        finally:
            await publishing.close()
            if out is not sys.stdout:
                out.close()

    rows, cursor = asyncio.run(run())
    print(
        f"exported {rows} SKUs of {args.channel}; follow its changes after cursor {cursor}",
        file=sys.stderr,
    )
    return 0


def _deliver_webhooks(args: argparse.Namespace) -> int:
    from gateway.service.webhook_loop import deliver_periodically, open_sender, webhook_client
    from network_loader.network_files import load_network
    from network_loader.stock_rules import load_stock_rules
    from stock_cache.url import store_from_url

    if args.store.startswith("memory://"):
        print(
            "promise-gateway deliver-webhooks: needs the gateway's Redis (--store redis://…);"
            " the embedded store's events live inside the gateway's own process",
            file=sys.stderr,
        )
        return 2
    rules = load_stock_rules(args.network, load_network(args.network)).rules

    async def run() -> int:
        store = store_from_url(args.store, rules=rules)
        try:
            async with webhook_client() as client:
                sender = open_sender(store, client)
                assert sender is not None
                if args.once:
                    return await sender.run_once()
                await deliver_periodically(sender, args.every_ms / 1000, asyncio.Event())
                return 0
        finally:
            await store.close()

    delivered = asyncio.run(run())
    print(f"delivered {delivered} webhook events", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="promise-gateway", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--network",
        type=Path,
        default=Path(os.environ.get("NETWORK_DIR") or DEFAULT_NETWORK_DIR),
        help="directory of network files (default: the demo network)",
    )
    serve.add_argument(
        "--store",
        default=os.environ.get("STOCK_STORE_URL") or "memory://",
        help="stock store URL: memory:// (default) or redis://HOST:PORT/DB",
    )
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--dev",
        action="store_true",
        help="dev mode: GraphiQL at /graphql, demo API keys, no key needed (see README)",
    )
    serve.set_defaults(run=_serve)

    hashing = commands.add_parser(
        "hash-api-key", help="print the SHA-256 of the API key read from standard input"
    )
    hashing.set_defaults(run=_hash_api_key)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--check", metavar="FILE", help="fail if FILE differs from the schema")
    export.set_defaults(run=_export_schema)

    seed = commands.add_parser("seed-stock", help="load the network's stock.csv into a store")
    seed.add_argument("--network", type=Path, default=DEFAULT_NETWORK_DIR)
    seed.add_argument("--store", default=os.environ.get("STOCK_STORE_URL") or "memory://")
    seed.set_defaults(run=_seed_stock)

    imports = commands.add_parser(
        "import-stock", help="load node snapshots from a CSV or JSON Lines file, streaming"
    )
    imports.add_argument("file", help="node_id,sku,on_hand rows; each node's rows together")
    imports.add_argument("--store", default=os.environ.get("STOCK_STORE_URL") or "memory://")
    imports.add_argument("--network", type=Path, default=DEFAULT_NETWORK_DIR)
    imports.add_argument("--format", choices=["csv", "jsonl"], help="default: from the suffix")
    imports.add_argument(
        "--watermark", type=int, help="the newest event sequence the snapshots include"
    )
    imports.add_argument("--quiet", action="store_true", help="no progress bar")
    imports.set_defaults(run=_import_stock)

    channel_export = commands.add_parser(
        "export-channel-stock",
        help="write every SKU's quantity a channel may sell, and the cursor of its changes",
    )
    channel_export.add_argument("--channel", required=True)
    channel_export.add_argument("--store", default=os.environ.get("STOCK_STORE_URL") or "memory://")
    channel_export.add_argument("--network", type=Path, default=DEFAULT_NETWORK_DIR)
    channel_export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    channel_export.add_argument("--output", help="file to write (default: standard output)")
    channel_export.add_argument(
        "--refresh", action="store_true", help="recompute every SKU before exporting"
    )
    channel_export.add_argument("--quiet", action="store_true", help="no progress bar")
    channel_export.set_defaults(run=_export_channel_stock)

    deliver = commands.add_parser(
        "deliver-webhooks", help="deliver the webhooks that are due, as a gateway worker does"
    )
    deliver.add_argument("--store", default=os.environ.get("STOCK_STORE_URL") or "memory://")
    deliver.add_argument("--network", type=Path, default=DEFAULT_NETWORK_DIR)
    deliver.add_argument("--every-ms", type=int, default=1000, help="between passes")
    deliver.add_argument("--once", action="store_true", help="one pass, then exit")
    deliver.set_defaults(run=_deliver_webhooks)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "workers", 1) < 1:
        print("promise-gateway: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        code: int = args.run(args)
    except (SettingsError, NetworkDataError, StockStoreError) as error:
        print(f"promise-gateway: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
