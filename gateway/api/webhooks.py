"""Webhook endpoints over GraphQL (admin scope): `registerWebhookEndpoint`, which answers the
endpoint with the secret that signs its events, and `webhookDeliveries`, the delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from gateway.admission.scopes import Scope, needs
from gateway.api.context import Info
from gateway.api.types.problems import (
    InvalidInput,
    ProblemCode,
    TemporarilyUnavailable,
    unavailable,
)
from gateway.service.webhooks import WebhookInputError
from stock_cache.errors import StoreUnavailable
from stock_cache.webhook_state import DeliveryRecord, DeliveryStatus, EventType, WebhookEndpoint

strawberry.enum(EventType, name="WebhookEventType")
strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")

MAX_LOG = 500


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@strawberry.input
class RegisterWebhookEndpointInput:
    url: str
    event_types: list[EventType]


@strawberry.type(name="WebhookEndpoint")
class WebhookEndpointType:
    id: str
    url: str
    event_types: list[EventType]
    secret: str = strawberry.field(
        description="Signs every event (Standard Webhooks, HMAC-SHA256): keep it to verify them."
    )
    created_at: datetime

    @classmethod
    def from_domain(cls, endpoint: WebhookEndpoint) -> WebhookEndpointType:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            event_types=list(endpoint.event_types),
            secret=endpoint.secret,
            created_at=_at(endpoint.created_at_ms),
        )


@strawberry.type
class WebhookEndpointRegistered:
    endpoint: WebhookEndpointType


@strawberry.type
class WebhookDelivery:
    endpoint_id: str
    event_id: str
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    at: datetime
    detail: str

    @classmethod
    def from_domain(cls, record: DeliveryRecord) -> WebhookDelivery:
        return cls(
            endpoint_id=record.endpoint_id,
            event_id=record.event_id,
            event_type=record.event_type,
            status=record.status,
            attempts=record.attempts,
            at=_at(record.at_ms),
            detail=record.detail,
        )


@strawberry.type
class WebhookDeliveries:
    deliveries: list[WebhookDelivery]


RegisterWebhookEndpointResult = Annotated[
    WebhookEndpointRegistered | InvalidInput | TemporarilyUnavailable,
    strawberry.union("RegisterWebhookEndpointResult"),
]
WebhookDeliveriesResult = Annotated[
    WebhookDeliveries | InvalidInput | TemporarilyUnavailable,
    strawberry.union("WebhookDeliveriesResult"),
]


def _not_here() -> InvalidInput:
    return InvalidInput(
        code=ProblemCode.INVALID_INPUT, message="this gateway's store keeps no webhooks", field=None
    )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register an endpoint of the caller's client for some event types.",
        permission_classes=[needs(Scope.ADMIN)],
    )
    async def register_webhook_endpoint(
        self, info: Info, input: RegisterWebhookEndpointInput
    ) -> RegisterWebhookEndpointResult:
        service = info.context.service
        if service.webhooks is None:
            return _not_here()
        channel = service.store_channel(info.context.client_id, info.context.channel)
        try:
            endpoint = await service.webhooks.register(
                info.context.client_id, channel or "", input.url.strip(), input.event_types
            )
        except WebhookInputError as error:
            return InvalidInput(
                code=ProblemCode.INVALID_INPUT, message=str(error), field=error.field
            )
        except StoreUnavailable:
            return unavailable()
        return WebhookEndpointRegistered(endpoint=WebhookEndpointType.from_domain(endpoint))


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description=f"The newest deliveries (of one endpoint, or all), `first` at most {MAX_LOG}.",
        permission_classes=[needs(Scope.ADMIN)],
    )
    async def webhook_deliveries(
        self, info: Info, endpoint_id: str | None = None, first: int = 50
    ) -> WebhookDeliveriesResult:
        service = info.context.service
        if service.webhooks is None:
            return _not_here()
        if not 1 <= first <= MAX_LOG:
            return InvalidInput(
                code=ProblemCode.INVALID_INPUT,
                message=f"first must be between 1 and {MAX_LOG}, got {first}",
                field="first",
            )
        try:
            records = await service.webhooks.state.log(endpoint_id, first)
        except StoreUnavailable:
            return unavailable()
        return WebhookDeliveries(deliveries=[WebhookDelivery.from_domain(r) for r in records])
