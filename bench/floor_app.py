"""The floor: a plain strawberry app on the gateway's server stack, answering from memory.

    .venv/bin/python -m bench.floor_app --bodies FILE [--port 8100] [--workers 2]

Starlette and uvicorn as the gateway, strawberry's own ASGI view, one field
`body(i: Int!): JSON` returning the i-th recorded answer body of the gateway (a JSON list
in FILE, read at import by each worker). No stock, no promise logic, no Redis: what GraphQL
over HTTP costs for the very same bodies.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.scalars import JSON

from gateway.ops import workers

BODIES_ENV = "BENCH_FLOOR_BODIES"
DOCUMENT = "query Floor($i: Int!) { body(i: $i) }"


def _bodies() -> list[Any]:
    path = os.environ.get(BODIES_ENV)
    if not path:
        return [{}]
    loaded: list[Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return loaded


_BODIES = _bodies()


@strawberry.type
class Query:
    @strawberry.field
    def body(self, i: int) -> JSON:
        answer: JSON = _BODIES[i % len(_BODIES)]
        return answer


schema = strawberry.Schema(query=Query)
graphql: GraphQL[None, None] = GraphQL(schema, graphql_ide=None)
app = Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])


def create_app() -> Starlette:
    return app


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--bodies", type=Path, required=True)
    arguments.add_argument("--port", type=int, default=8100)
    arguments.add_argument("--workers", type=int, default=1)
    args = arguments.parse_args()
    os.environ[BODIES_ENV] = str(args.bodies.resolve())
    if args.workers > 1:
        # The gateway's own worker processes (a listening socket each), so that both servers
        # get their connections spread between the workers alike.
        sys.exit(
            workers.serve(
                "bench.floor_app:create_app",
                host="127.0.0.1",
                port=args.port,
                workers=args.workers,
                log_level="warning",
            )
        )
    uvicorn.run("bench.floor_app:app", host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
