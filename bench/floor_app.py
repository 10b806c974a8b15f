"""The floor: the best stock strawberry setup, answering the benchmark's documents from memory.

    .venv/bin/python -m bench.floor_app --answers FILE [--port 8100] [--workers 2]

A typed schema with the gateway's type names for what the benchmark selects (availability,
delivery options, commit), served by strawberry's own ASGI view with its ParserCache and
ValidationCache extensions, on uvicorn's own workers with uvloop and httptools. It accepts
the very documents and variables the gateway gets; each root field answers the gateway's
recorded answer for the same variables (FILE: a JSON list of {"query", "variables", "data"}),
built into typed objects once, at start-up. No stock, no promise logic, no Redis: what a
user of stock strawberry gets at best for the same selection.
"""

from __future__ import annotations

import argparse
import enum
import json
import os
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import strawberry
import uvicorn
from graphql import OperationDefinitionNode, get_variable_values, parse
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import Info

from gateway.fastpath.compat import core_schema

ANSWERS_ENV = "BENCH_FLOOR_ANSWERS"


@strawberry.enum
class DeliveryKind(enum.Enum):
    HOME_STANDARD = "HOME_STANDARD"
    HOME_EXPRESS = "HOME_EXPRESS"
    HOME_TWO_PERSON = "HOME_TWO_PERSON"
    SAME_DAY = "SAME_DAY"
    CLICK_AND_COLLECT = "CLICK_AND_COLLECT"
    PICKUP_POINT = "PICKUP_POINT"
    TRANSFER = "TRANSFER"


@strawberry.enum
class OptionLabel(enum.Enum):
    FASTEST = "FASTEST"
    CHEAPEST = "CHEAPEST"
    GREENEST = "GREENEST"
    RECOMMENDED = "RECOMMENDED"


@strawberry.interface
class Problem:
    code: str
    message: str


@strawberry.type
class InvalidInput(Problem):
    pass


@strawberry.type
class StockChanged(Problem):
    short_lines: list[ShortLine]


@strawberry.type
class ShortLine:
    node_id: strawberry.ID
    sku: str


@strawberry.type
class Node:
    id: strawberry.ID


@strawberry.type
class NodeAvailability:
    node: Node
    atp: int
    distance_km: float | None


@strawberry.type
class SkuAvailability:
    sku: str
    total: int
    nodes: list[NodeAvailability]


@strawberry.type
class Availability:
    items: list[SkuAvailability]


@strawberry.type
class Line:
    sku: str
    quantity: int


@strawberry.type
class Shipment:
    node: Node
    lines: list[Line]
    distance_km: float


@strawberry.type
class DeliveryOption:
    kind: DeliveryKind
    service_code: str
    promised_date: date
    likely_date: date
    price_cents: int
    co2e_grams: float
    labels: list[OptionLabel]
    shipments: list[Shipment]
    quote_token: str


@strawberry.type
class DeliveryOptions:
    options: list[DeliveryOption]


@strawberry.type
class Allocation:
    id: strawberry.ID
    status: str


@strawberry.input
class PostcodeInput:
    postcode: str
    country: str = "FR"


@strawberry.input(one_of=True)
class DestinationInput:
    postcode: PostcodeInput | None = strawberry.UNSET


@strawberry.input
class CartLineInput:
    sku: str
    quantity: int


@strawberry.input
class DeliveryOptionsInput:
    lines: list[CartLineInput]
    destination: DestinationInput
    order_time: datetime | None = None
    kinds: list[DeliveryKind] | None = None


@strawberry.input
class CommitAllocationInput:
    quote_token: str
    idempotency_key: str


AvailabilityResult = Annotated[Availability | InvalidInput, strawberry.union("AvailabilityResult")]
DeliveryOptionsResult = Annotated[
    DeliveryOptions | InvalidInput, strawberry.union("DeliveryOptionsResult")
]
CommitResult = Annotated[
    Allocation | StockChanged | InvalidInput, strawberry.union("CommitAllocationResult")
]


def _key(coerced: Any) -> str:
    """Coerced variables (the floor's own coercion: defaults filled, scalars parsed) as text."""
    return json.dumps(coerced, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return vars(value) if hasattr(value, "__dict__") else str(value)


def _coerced(query: str, variables: dict[str, Any]) -> Any:
    """`variables` as the floor's schema coerces them for the operation of `query`."""
    operation = next(d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode))
    found = get_variable_values(
        core_schema(schema), operation.variable_definitions or (), variables
    )
    if isinstance(found, list):
        raise ValueError(found[0].message)
    return found.coerced


def _typed(value: dict[str, Any]) -> Any:
    """A recorded answer of a root field as the floor's typed objects."""
    if "items" in value:
        return Availability(
            items=[
                SkuAvailability(
                    sku=item["sku"],
                    total=item["total"],
                    nodes=[
                        NodeAvailability(
                            node=Node(id=n["node"]["id"]), atp=n["atp"], distance_km=n["distanceKm"]
                        )
                        for n in item["nodes"]
                    ],
                )
                for item in value["items"]
            ]
        )
    if "options" in value:
        return DeliveryOptions(options=[_option(o) for o in value["options"]])
    if "status" in value:
        return Allocation(id=value["id"], status=value["status"])
    code = value.get("code", "INVALID_INPUT")
    if "shortLines" in value:
        lines = [ShortLine(node_id=s["nodeId"], sku=s["sku"]) for s in value["shortLines"]]
        return StockChanged(code=code, message="", short_lines=lines)
    return InvalidInput(code=code, message="")


def _option(o: dict[str, Any]) -> DeliveryOption:
    shipments = [
        Shipment(
            node=Node(id=s["node"]["id"]),
            lines=[Line(sku=line["sku"], quantity=line["quantity"]) for line in s["lines"]],
            distance_km=s["distanceKm"],
        )
        for s in o.get("shipments", [])
    ]
    return DeliveryOption(
        kind=DeliveryKind(o["kind"]),
        service_code=o.get("serviceCode", ""),
        promised_date=date.fromisoformat(o["promisedDate"]),
        likely_date=date.fromisoformat(o["likelyDate"]),
        price_cents=o["priceCents"],
        co2e_grams=o.get("co2eGrams", 0.0),
        labels=[OptionLabel(label) for label in o.get("labels", [])],
        shipments=shipments,
        quote_token=o.get("quoteToken", ""),
    )


def _answers() -> dict[tuple[str, str], Any]:
    path = os.environ.get(ANSWERS_ENV)
    if not path:
        return {}
    loaded: list[dict[str, Any]] = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        (_key(_coerced(entry["query"], entry["variables"])), field): _typed(value)
        for entry in loaded
        for field, value in (entry["data"] or {}).items()
    }


def _recorded(info: Info[None, None]) -> Any:
    return _ANSWERS[(_key(info.variable_values), info.field_name)]


@strawberry.type
class Query:
    @strawberry.field
    def availability(
        self,
        info: Info[None, None],
        skus: list[str],
        near: DestinationInput | None = None,
        first: int = 5,
    ) -> AvailabilityResult:
        found: AvailabilityResult = _recorded(info)
        return found

    @strawberry.field
    def delivery_options(
        self, info: Info[None, None], input: DeliveryOptionsInput
    ) -> DeliveryOptionsResult:
        found: DeliveryOptionsResult = _recorded(info)
        return found


@strawberry.type
class Mutation:
    @strawberry.mutation
    def commit_allocation(
        self, info: Info[None, None], input: CommitAllocationInput
    ) -> CommitResult:
        found: CommitResult = _recorded(info)
        return found


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[partial(ParserCache, maxsize=1024), partial(ValidationCache, maxsize=1024)],
)


_ANSWERS = _answers()


def create_app() -> Starlette:
    view: GraphQL[None, None] = GraphQL(schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", view, methods=["GET", "POST"])])


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--answers", type=Path, required=True)
    arguments.add_argument("--port", type=int, default=8100)
    arguments.add_argument("--workers", type=int, default=1)
    args = arguments.parse_args()
    os.environ[ANSWERS_ENV] = str(args.answers.resolve())
    uvicorn.run(
        "bench.floor_app:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
