"""Promise watches over GraphQL (admin scope): `watchPromise` registers a cart and destination
whose promise an endpoint of the caller's client receives `promise.changed` events about,
`unwatchPromise` ends one; and the evaluation the watcher runs (gateway/service/
promise_watches.py), the `deliveryOptions` query as the watch's client."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry

from gateway.admission.scopes import Scope, needs
from gateway.api.context import Context, Info
from gateway.api.queries import delivery_options_answer
from gateway.api.subscriptions import FINAL_PROBLEMS
from gateway.api.types.inputs import CartLineInput, DeliveryOptionsInput, DestinationInput
from gateway.api.types.problems import (
    AddressNotFound,
    DestinationNotServed,
    InvalidInput,
    ProblemCode,
    TemporarilyUnavailable,
    TooHeavy,
    UnknownPostcode,
    UnknownSku,
    UnknownStore,
    unavailable,
)
from gateway.service.promise_service import PromiseService
from gateway.service.promise_watches import (
    MAX_WATCHES_PER_CLIENT,
    Evaluation,
    EvaluationFailed,
)
from gateway.service.resources import Platform
from gateway.service.shared_reads import SharedReads
from stock_cache.errors import StoreUnavailable
from stock_cache.webhook_state import EventType, PromiseWatch, WatchSeen

WATCHED = """
query Watched($input: DeliveryOptionsInput!) {
  deliveryOptions(input: $input) {
    __typename
    ... on DeliveryOptions {
      options {
        kind serviceCode earliestDate likelyDate promisedDate orderBy priceCents committable
        shipments { node { id } lines { sku quantity } }
        collectStore { id }
      }
    }
    ... on Problem { code field message }
  }
}"""


def _destination(destination: DestinationInput) -> dict[str, Any]:
    """The destination as the query's variables say it (one of its four ways)."""
    if destination.coordinates:
        c = destination.coordinates
        point: dict[str, Any] = {"latitude": c.latitude, "longitude": c.longitude}
        return {"coordinates": point | ({"country": c.country} if c.country else {})}
    if destination.postcode:
        p = destination.postcode
        return {"postcode": {"postcode": p.postcode, "country": p.country}}
    if destination.address:
        return {"address": destination.address}
    return {"storeId": str(destination.store_id or "")}


async def evaluate_watch(
    schema: strawberry.Schema,
    service: PromiseService,
    platform: Platform | None,
    watch: PromiseWatch,
) -> Evaluation:
    """The watch's promise now, as its client on its channel sees it."""
    context = Context(
        service=service,
        client_id=watch.client_id,
        channel=watch.channel,
        scopes=frozenset({Scope.PROMISE_READ}),
        platform=platform,
    )
    variables = {"input": json.loads(watch.request)}
    result = await schema.execute(WATCHED, variable_values=variables, context_value=context)
    answer = (result.data or {}).get("deliveryOptions")
    if result.errors or not isinstance(answer, dict):
        raise EvaluationFailed(str(result.errors))
    if answer["__typename"] == "TemporarilyUnavailable":
        raise EvaluationFailed(answer["message"])
    digest = hashlib.sha256(json.dumps(answer, sort_keys=True).encode()).hexdigest()[:32]
    now = service.clock()
    ahead = [datetime.fromisoformat(o["orderBy"]).timestamp() for o in answer.get("options", ())]
    deadline = min((at for at in ahead if at > now), default=0.0)
    return Evaluation(answer, digest, int(deadline * 1000))


@strawberry.input
class WatchPromiseInput:
    endpoint_id: str = strawberry.field(
        description="An endpoint of the caller's client taking PROMISE_CHANGED events."
    )
    lines: list[CartLineInput]
    destination: DestinationInput


@strawberry.type(name="PromiseWatch")
class PromiseWatchType:
    id: str
    endpoint_id: str
    skus: list[str]
    created_at: datetime

    @classmethod
    def from_domain(cls, watch: PromiseWatch) -> PromiseWatchType:
        at = datetime.fromtimestamp(watch.created_at_ms / 1000, tz=UTC)
        return cls(id=watch.id, endpoint_id=watch.endpoint_id, skus=list(watch.skus), created_at=at)


@strawberry.type
class PromiseWatchRegistered:
    watch: PromiseWatchType


@strawberry.type
class PromiseWatchRemoved:
    id: str


WatchPromiseResult = Annotated[
    PromiseWatchRegistered
    | InvalidInput
    | UnknownSku
    | UnknownPostcode
    | UnknownStore
    | AddressNotFound
    | DestinationNotServed
    | TooHeavy
    | TemporarilyUnavailable,
    strawberry.union("WatchPromiseResult"),
]
UnwatchPromiseResult = Annotated[
    PromiseWatchRemoved | InvalidInput | TemporarilyUnavailable,
    strawberry.union("UnwatchPromiseResult"),
]


def _invalid(message: str, field: str | None) -> InvalidInput:
    return InvalidInput(code=ProblemCode.INVALID_INPUT, message=message, field=field)


async def _register(info: Info, input: WatchPromiseInput) -> WatchPromiseResult:
    service = info.context.service
    sender = service.webhooks
    if sender is None or sender.watcher is None:
        return _invalid("this gateway's store keeps no webhooks", None)
    client = info.context.client_id
    endpoints = {e.id: e for e in await sender.state.endpoints() if e.client_id == client}
    endpoint = endpoints.get(input.endpoint_id)
    if endpoint is None:
        return _invalid(
            f"no endpoint {input.endpoint_id[:64]!r} of this client", "input.endpointId"
        )
    if EventType.PROMISE_CHANGED not in endpoint.event_types:
        return _invalid(
            f"endpoint {endpoint.id} does not take PROMISE_CHANGED events", "input.endpointId"
        )
    asked = DeliveryOptionsInput(lines=input.lines, destination=input.destination)
    answer = await delivery_options_answer(info, asked, SharedReads())
    if isinstance(answer, (*FINAL_PROBLEMS, TemporarilyUnavailable)):
        # The same fields as deliveryOptions' input: input.lines[0].sku, input.destination…
        return answer
    lines = [{"sku": line.sku, "quantity": line.quantity} for line in input.lines]
    watch = PromiseWatch(
        id=f"pw_{uuid.uuid4().hex}",
        endpoint_id=endpoint.id,
        client_id=client,
        channel=info.context.channel,
        skus=tuple(dict.fromkeys(line.sku for line in input.lines)),
        request=json.dumps({"lines": lines, "destination": _destination(input.destination)}),
        created_at_ms=int(service.clock() * 1000),
    )
    if not await sender.state.add_watch(watch, MAX_WATCHES_PER_CLIENT):
        return _invalid(
            f"a client watches at most {MAX_WATCHES_PER_CLIENT} promises: unwatch one first",
            "input",
        )
    evaluation = await sender.watcher.evaluate(watch)
    await sender.state.save_seen(watch.id, WatchSeen(evaluation.digest, evaluation.deadline_ms))
    return PromiseWatchRegistered(watch=PromiseWatchType.from_domain(watch))


@strawberry.type
class PromiseWatchMutation:
    @strawberry.mutation(
        description=(
            f"Watch a cart's promise at a destination: the endpoint receives promise.changed "
            f"whenever what a shopper would see changes (at most {MAX_WATCHES_PER_CLIENT} "
            f"watches a client)."
        ),
        permission_classes=[needs(Scope.ADMIN)],
    )
    async def watch_promise(self, info: Info, input: WatchPromiseInput) -> WatchPromiseResult:
        try:
            return await _register(info, input)
        except (StoreUnavailable, EvaluationFailed):
            return unavailable()

    @strawberry.mutation(
        description="Stop watching a promise.", permission_classes=[needs(Scope.ADMIN)]
    )
    async def unwatch_promise(self, info: Info, id: str) -> UnwatchPromiseResult:
        sender = info.context.service.webhooks
        if sender is None:
            return _invalid("this gateway's store keeps no webhooks", None)
        try:
            removed = await sender.state.remove_watch(info.context.client_id, id)
        except StoreUnavailable:
            return unavailable()
        if not removed:
            return _invalid(f"no promise watch {id[:64]!r} of this client", "id")
        return PromiseWatchRemoved(id=id)
