"""The GraphQL-over-HTTP endpoint: authenticate, refuse early, price, execute, answer.

A request goes through these steps, each able to answer on its own with a 4xx:

1. the method (GET or POST, else 405) and what the client accepts (`Accept`, else 406);
2. the API key (`Authorization: Bearer KEY`, else 401);
3. the parameters: from the query string for GET, from a JSON body for POST (another media
   type is 415; a body larger than `MAX_BODY_BYTES` is 413, refused from `Content-Length` or
   while reading, before any parsing); a JSON list is a batch of up to `MAX_BATCH_OPERATIONS`;
4. the document: by trusted-document id or APQ hash, or as text (in production a storefront
   key may send only trusted documents);
5. parsing (at most `MAX_QUERY_TOKENS` tokens), validation against the schema, then the
   gateway's own rules: no introspection for storefronts in production, depth and aliases;
   the variables are coerced here too, so every request error is known before execution
   (the operation then runs on these coerced values);
6. the operation: a mutation by GET is 405; each root field's scope (403 naming it);
7. the cost in points (`gateway/admission/cost.py`), admitted by the client's leaky bucket (429 with
   `Retry-After` when full);
8. execution by strawberry's schema, inside which each resolver checks its scope again.

Answers are `application/graphql-response+json` (request errors are 400 without `data`)
unless the client accepts only `application/json`, where GraphQL request errors are 200 as
that media type asks. Every answer carries `x-request-id` and `extensions.cost`; an unexpected
error is logged with that id and shown only as "Unexpected error." with the id. In production
validation messages lose graphql-core's "Did you mean ...?" hints, which would reveal the
schema to clients that may not introspect it.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableValues,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.http.ides import get_graphql_ide_html

from gateway.admission.api_keys import Caller, ClientKind, bearer_key
from gateway.admission.cost import cost_plan
from gateway.admission.scopes import Scope, scope_of
from gateway.admission.trusted_documents import digest_of, parse_document_id
from gateway.api.context import Context
from gateway.fastpath.execution import UNEXPECTED, CheckedDocument, check_document, run_checked
from gateway.fastpath.variable_plans import VariablePlan, plan_variables
from gateway.ops.logs import request_id_var
from gateway.service.promise_service import PromiseService
from gateway.service.resources import Platform

log = logging.getLogger("gateway.http")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_MEDIA = "application/json"
CACHEABLE_FIELDS = frozenset({"availability", "__typename"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class Refusal(Exception):
    """A request answered before execution: an HTTP status, a stable code, a message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        graphql_error: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extensions = dict(extensions or {})
        self.headers = dict(headers or {})
        # A GraphQL request error (parse, validation, variables): 200 for application/json.
        self.graphql_error = graphql_error
        self.more: list[str] = []

    def payload(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": self.error_extensions()}]}

    def error_extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extensions}


# Validated documents kept per process; storefronts send a few documents over and over.
_CHECKED_DOCUMENTS = 1024


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the checks of one operation of a document need, whatever the variables."""

    operation: OperationDefinitionNode
    # The root fields in document order, each with the scope it needs (`__typename` none).
    scoped: tuple[tuple[str, Scope], ...]
    label: str
    only_cacheable_fields: bool
    # None: graphql-core coerces this operation's variables (see gateway.fastpath.variable_plans).
    variables: VariablePlan | None
    # The operation's cost as a function of the request's variables.
    cost: Callable[[Mapping[str, Any] | None], int]


@dataclass(frozen=True, slots=True)
class _Document:
    """A document that passed validation, with a plan per operation (None: the only one)."""

    checked: CheckedDocument
    plans: dict[str | None, _Plan]


@dataclass
class Prepared:
    """An operation that passed every check and may run."""

    text: str
    document: CheckedDocument
    variables: dict[str, Any] | None
    coerced: VariableValues
    operation_name: str | None
    label: str
    cost: int
    cacheable: bool


@dataclass
class Outcome:
    status: int
    payload: dict[str, Any]
    label: str = "-"
    cost: int = 0
    cacheable: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def _media_type(accept: str) -> str | None:
    """The response media type for an Accept header; None when it allows neither."""
    if not accept.strip():
        return GRAPHQL_RESPONSE
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if kinds & {GRAPHQL_RESPONSE, "*/*", "application/*"}:
        return GRAPHQL_RESPONSE
    if JSON_MEDIA in kinds:
        return JSON_MEDIA
    return None


def _root_fields(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> list[str]:
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names += _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                names += _root_fields(fragments[name].selection_set, fragments, seen | {name})
    return names


def _plan(
    schema: GraphQLSchema, operation: OperationDefinitionNode, checked: CheckedDocument
) -> _Plan:
    root_type = "Mutation" if operation.operation is OperationType.MUTATION else "Query"
    fields = _root_fields(operation.selection_set, checked.fragment_definitions)
    scoped = tuple(
        (name, scope_of(root_type, name)) for name in fields if not name.startswith("__")
    )
    # Metrics are labelled by root fields (bounded by the schema), never by a name the
    # client chose.
    label = ",".join(sorted(set(fields)))
    variables = plan_variables(schema, operation.variable_definitions or ())
    cost = cost_plan(operation, checked.fragment_definitions)
    return _Plan(operation, scoped, label, set(fields) <= CACHEABLE_FIELDS, variables, cost)


def _string(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    raise Refusal(400, "BAD_REQUEST", f"the parameter {name!r} must be a string")


def _object(params: Mapping[str, Any], name: str, *, from_query_string: bool) -> Any:
    value = params.get(name)
    if from_query_string and isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Refusal(400, "BAD_REQUEST", f"the parameter {name!r} is not JSON") from None
    if value is None or isinstance(value, dict):
        return value
    raise Refusal(400, "BAD_REQUEST", f"the parameter {name!r} must be a JSON object")


class GraphQLEndpoint:
    """The ASGI endpoint of `/graphql`; `holder` gets the promise service in the lifespan."""

    def __init__(
        self,
        schema: strawberry.Schema,
        holder: dict[str, PromiseService],
        platform: Platform,
    ) -> None:
        self.schema = schema
        self.graphql_schema: GraphQLSchema = schema._schema
        self.holder = holder
        self.platform = platform
        limits = platform.limits
        self._depth_rule = depth_validator(limits.max_depth, None, None)
        self._aliases_rule = aliases_validator(limits.max_aliases)
        self._checked: dict[tuple[str, bool], _Document] = {}

    # -- the request -------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        given = request.headers.get("x-request-id", "")
        # A request id correlates lines, it guards nothing: 128 random bits of the process's
        # generator (reseeded in a forked child) rather than a system call per request.
        request_id = given if _REQUEST_ID.match(given) else f"{random.getrandbits(128):032x}"
        reset = request_id_var.set(request_id)
        started = time.perf_counter()
        media = _media_type(request.headers.get("accept", ""))
        caller: Caller | None = None
        try:
            if self._wants_graphiql(request):
                return HTMLResponse(get_graphql_ide_html("graphiql"))
            if media is None:
                outcome = Outcome(
                    406, Refusal(406, "NOT_ACCEPTABLE", self._accept_hint()).payload()
                )
            else:
                try:
                    caller = await self.platform.keys.caller(
                        bearer_key(request.headers.get("authorization"))
                    )
                except Exception:
                    # Keys kept in Redis can't be checked: nobody is let in, but it is an
                    # outage (503, retry), not a refusal of the key.
                    log.warning("API keys unreachable", exc_info=True)
                    self.platform.metrics.redis_errors.labels("api_keys").inc()
                    unavailable = Refusal(
                        503,
                        "SERVICE_UNAVAILABLE",
                        "the gateway cannot check API keys now; retry shortly",
                        headers={"retry-after": "1"},
                    )
                    return self._response(self._refused(unavailable, media), media, request_id)
                outcome = await self._answer(request, caller, media, request_id)
        except Exception:
            log.exception("unexpected failure serving a request")
            outcome = Outcome(500, self._internal_error(request_id))
        finally:
            request_id_var.reset(reset)
        elapsed = time.perf_counter() - started
        self._observe(outcome, caller, elapsed, request_id)
        return self._response(outcome, media or JSON_MEDIA, request_id)

    def _accept_hint(self) -> str:
        return f"this endpoint answers {GRAPHQL_RESPONSE} or {JSON_MEDIA}"

    def _wants_graphiql(self, request: Request) -> bool:
        return (
            self.platform.dev_mode
            and request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _answer(
        self, request: Request, caller: Caller | None, media: str, request_id: str
    ) -> Outcome:
        try:
            if request.method not in ("GET", "POST"):
                raise Refusal(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"{request.method} is not allowed: use POST, or GET for queries",
                    headers={"allow": "GET, POST"},
                )
            if caller is None:
                raise Refusal(
                    401,
                    "UNAUTHENTICATED",
                    "a valid API key is required: Authorization: Bearer KEY",
                    headers={"www-authenticate": 'Bearer realm="promise-gateway"'},
                )
            if request.method == "GET":
                batch: list[Any] = [dict(request.query_params)]
                is_batch = False
            else:
                body = await self._body(request)
                is_batch = isinstance(body, list)
                batch = body if isinstance(body, list) else [body]
                if is_batch and not 1 <= len(batch) <= self.platform.limits.max_batch:
                    raise Refusal(
                        400,
                        "BATCH_LIMIT_EXCEEDED",
                        f"a batch holds 1 to {self.platform.limits.max_batch} operations",
                    )
        except Refusal as refusal:
            return self._refused(refusal, media)
        prepared: list[Prepared | Refusal] = []
        for params in batch:
            try:
                prepared.append(await self._prepare(params, caller, request.method))
            except Refusal as refusal:
                prepared.append(refusal)
        cost = sum(p.cost for p in prepared if isinstance(p, Prepared))
        throttle = await self._admit(caller, cost) if cost else None
        if throttle is not None and isinstance(throttle, Refusal):
            return self._refused(throttle, media)
        outcomes = [
            self._refused(p, media)
            if isinstance(p, Refusal)
            else await self._execute(p, caller, request_id)
            for p in prepared
        ]
        for outcome in outcomes:
            if throttle is not None:
                outcome.payload.setdefault("extensions", {})["cost"] = {
                    **throttle,
                    "requestedQueryCost": outcome.cost,
                }
        if not is_batch:
            return outcomes[0]
        label = ",".join(o.label for o in outcomes)
        return Outcome(200, {"batch": [o.payload for o in outcomes]}, label=label, cost=cost)

    async def _body(self, request: Request) -> Any:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON_MEDIA:
            raise Refusal(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"POST a body of type {JSON_MEDIA} (got {content_type or 'none'!r})",
            )
        limit = self.platform.limits.max_body_bytes
        too_large = Refusal(413, "BODY_TOO_LARGE", f"the body exceeds {limit} bytes")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks = bytearray()
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > limit:
                raise too_large
        try:
            body = orjson.loads(chunks)
        except orjson.JSONDecodeError:
            raise Refusal(400, "BAD_REQUEST", "the body is not valid JSON") from None
        if not isinstance(body, dict | list):
            raise Refusal(400, "BAD_REQUEST", "the body must be a JSON object or list")
        return body

    # -- one operation -----------------------------------------------------------------

    async def _document(self, params: Mapping[str, Any], caller: Caller) -> tuple[str, bool]:
        """The document's text and whether it was named by id (trusted id or APQ hash)."""
        restricted = not self.platform.dev_mode and caller.kind is ClientKind.STOREFRONT
        from_query_string = not isinstance(params.get("extensions"), dict)
        query = _string(params, "query")
        extensions = _object(params, "extensions", from_query_string=from_query_string) or {}
        documents = self.platform.documents
        document_id = _string(params, "documentId")
        if document_id is not None:
            digest = parse_document_id(document_id)
            if digest is None:
                raise Refusal(400, "BAD_REQUEST", "documentId must be 'sha256:' and 64 hex digits")
            text = await documents.trusted(digest)
            if text is None:
                raise Refusal(400, "TRUSTED_DOCUMENT_NOT_FOUND", "no trusted document has this id")
            return text, True
        persisted = extensions.get("persistedQuery")
        if persisted is not None:
            if not isinstance(persisted, dict) or persisted.get("version") != 1:
                raise Refusal(400, "PERSISTED_QUERY_NOT_SUPPORTED", "persistedQuery version 1 only")
            digest = parse_document_id(str(persisted.get("sha256Hash", "")))
            if digest is None:
                raise Refusal(400, "BAD_REQUEST", "sha256Hash must be 64 hex digits")
            if query is None:
                found = await (documents.trusted if restricted else documents.persisted)(digest)
                if found is None:
                    # Apollo clients look for this message and code, then send the text.
                    raise Refusal(400, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
                return found, True
            if digest_of(query) != digest:
                raise Refusal(
                    400, "PERSISTED_QUERY_HASH_MISMATCH", "sha256Hash is not the query's hash"
                )
            if restricted and await documents.trusted(digest) is None:
                raise self._untrusted()
            if not restricted:
                await documents.remember(digest, query)
            return query, True
        if query is None or not query.strip():
            raise Refusal(400, "BAD_REQUEST", "a 'query' or a 'documentId' is required")
        if restricted and await documents.trusted(digest_of(query)) is None:
            raise self._untrusted()
        return query, False

    @staticmethod
    def _untrusted() -> Refusal:
        return Refusal(
            400,
            "TRUSTED_DOCUMENT_REQUIRED",
            "storefront keys may send only registered documents: send its documentId",
        )

    def _validation(self, errors: list[GraphQLError], code: str) -> Refusal:
        messages = [error.message for error in errors]
        if not self.platform.dev_mode:
            messages = [_SUGGESTION.sub("", message) for message in messages]
        refusal = Refusal(400, code, messages[0], graphql_error=True)
        refusal.more = messages[1:]
        return refusal

    def _check(self, text: str, *, strict: bool) -> _Document:
        """The parsed document if it passes every validation rule; a Refusal otherwise.

        The outcome depends on the text and on whether introspection is barred, never on
        variables, so successes are remembered: a storefront sends the same few documents.
        """
        limits = self.platform.limits
        try:
            document: DocumentNode = parse(text, max_tokens=limits.max_tokens)
        except GraphQLError as error:
            code = "TOKEN_LIMIT_EXCEEDED" if "tokens" in error.message else "GRAPHQL_PARSE_FAILED"
            raise Refusal(400, code, error.message, graphql_error=True) from None
        schema = self.graphql_schema
        checks: list[tuple[str, list[Any] | None]] = [("GRAPHQL_VALIDATION_FAILED", None)]
        if strict:
            checks.append(("INTROSPECTION_DISABLED", [NoSchemaIntrospectionCustomRule]))
        checks += [
            ("DEPTH_LIMIT_EXCEEDED", [self._depth_rule]),
            ("ALIAS_LIMIT_EXCEEDED", [self._aliases_rule]),
        ]
        for code, rules in checks:
            errors = validate(schema, document, rules)
            if errors:
                raise self._validation(errors, code)
        checked = check_document(schema, document)
        plans = {
            name: _plan(schema, operation, checked)
            for name, operation in checked.operations.items()
        }
        return _Document(checked, plans)

    async def _prepare(self, params: Any, caller: Caller, method: str) -> Prepared:
        if not isinstance(params, dict):
            raise Refusal(400, "BAD_REQUEST", "each operation must be a JSON object")
        text, by_id = await self._document(params, caller)
        from_query_string = method == "GET"
        variables = _object(params, "variables", from_query_string=from_query_string)
        operation_name = _string(params, "operationName")
        strict = not self.platform.dev_mode and caller.kind is ClientKind.STOREFRONT
        document = self._checked.get((text, strict))
        if document is None:
            document = self._check(text, strict=strict)
            if len(self._checked) >= _CHECKED_DOCUMENTS:
                # Oldest first: a dict keeps insertion order.
                del self._checked[next(iter(self._checked))]
            self._checked[(text, strict)] = document
        plan = document.plans.get(operation_name)
        if plan is None:
            raise Refusal(
                400,
                "BAD_REQUEST",
                "name the operation to run in operationName"
                if operation_name is None
                else f"no operation named {operation_name!r}",
                graphql_error=True,
            )
        operation = plan.operation
        if operation.operation is OperationType.SUBSCRIPTION:
            raise Refusal(400, "BAD_REQUEST", "subscriptions are not served over HTTP")
        if operation.operation is OperationType.MUTATION and method == "GET":
            raise Refusal(
                405,
                "METHOD_NOT_ALLOWED",
                "mutations are sent by POST, never GET",
                headers={"allow": "POST"},
            )
        planned = plan.variables(variables or {}) if plan.variables is not None else None
        coerced = (
            planned
            if planned is not None
            else get_variable_values(
                self.graphql_schema, operation.variable_definitions or (), variables or {}
            )
        )
        if isinstance(coerced, list):
            raise self._validation(coerced, "BAD_USER_INPUT")
        for name, scope in plan.scoped:
            if scope not in caller.scopes:
                raise Refusal(
                    403,
                    "FORBIDDEN",
                    f"this API key lacks the scope {scope.value!r} that {name} needs",
                    extensions={"scope": scope.value},
                )
        checked = document.checked
        cost = plan.cost(variables)
        limits = self.platform.limits
        if cost > limits.bucket_points:
            raise Refusal(
                400,
                "COST_LIMIT_EXCEEDED",
                f"the operation costs {cost} points; at most {limits.bucket_points} are allowed",
                extensions={"cost": cost, "maximum": limits.bucket_points},
            )
        cacheable = (
            method == "GET"
            and by_id
            and operation.operation is OperationType.QUERY
            and plan.only_cacheable_fields
        )
        return Prepared(
            text, checked, variables, coerced, operation_name, plan.label, cost, cacheable
        )

    async def _admit(self, caller: Caller, cost: int) -> dict[str, Any] | Refusal:
        """The bucket's answer as Shopify's `throttleStatus`, or a 429 refusal."""
        limits = self.platform.limits
        try:
            answer = await self.platform.state.admit(
                caller.client_id,
                cost,
                capacity=limits.bucket_points,
                per_second=limits.points_per_second,
            )
        except Exception:
            # The limiter protects the gateway; its outage must not take checkout down.
            log.warning("rate limiter unreachable: admitting the request", exc_info=True)
            self.platform.metrics.redis_errors.labels("rate_limit").inc()
            return {"requestedQueryCost": cost}
        status = {
            "requestedQueryCost": cost,
            "throttleStatus": {
                "maximumAvailable": limits.bucket_points,
                "currentlyAvailable": max(0, math.floor(limits.bucket_points - answer.level)),
                "restoreRate": limits.points_per_second,
            },
        }
        if answer.admitted:
            return status
        retry = max(1, math.ceil(answer.retry_after_seconds))
        return Refusal(
            429,
            "RATE_LIMITED",
            f"this client's query budget is spent; retry in {retry} s",
            extensions={"cost": status},
            headers={"retry-after": str(retry)},
        )

    async def _execute(self, prepared: Prepared, caller: Caller, request_id: str) -> Outcome:
        context = Context(
            service=self.holder["service"],
            client_id=caller.client_id,
            channel=caller.channel,
            scopes=caller.scopes,
            request_id=request_id,
            platform=self.platform,
        )
        result = await run_checked(
            self.schema,
            prepared.document,
            variables=prepared.variables,
            operation_name=prepared.operation_name,
            context=context,
            coerced=prepared.coerced,
        )
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [self._formatted(error, request_id) for error in result.errors]
        payload["data"] = result.data
        return Outcome(
            200,
            payload,
            label=prepared.label,
            cost=prepared.cost,
            cacheable=prepared.cacheable and not result.errors,
        )

    def _formatted(self, error: GraphQLError, request_id: str) -> dict[str, Any]:
        formatted = dict(error.formatted)
        if formatted.get("message") == UNEXPECTED:
            formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return formatted

    @staticmethod
    def _internal_error(request_id: str) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "message": "Unexpected error.",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                }
            ]
        }

    def _refused(self, refusal: Refusal, media: str) -> Outcome:
        payload = refusal.payload()
        for message in refusal.more:
            payload["errors"].append({"message": message, "extensions": {"code": refusal.code}})
        status = refusal.status
        if refusal.graphql_error and media == JSON_MEDIA:
            status = 200
        self.platform.metrics.refusals.labels(refusal.code).inc()
        return Outcome(status, payload, label="-", headers=refusal.headers)

    # -- the answer --------------------------------------------------------------------

    def _response(self, outcome: Outcome, media: str, request_id: str) -> Response:
        body = outcome.payload.get("batch", outcome.payload)
        headers = {
            "x-request-id": request_id,
            "vary": "Accept, Authorization",
            "cache-control": (
                f"public, max-age={self.platform.cache_max_age_seconds}"
                if outcome.cacheable and outcome.status == 200
                else "no-store"
            ),
            **outcome.headers,
        }
        return Response(
            orjson.dumps(body),
            status_code=outcome.status,
            media_type=f"{media}; charset=utf-8",
            headers=headers,
        )

    def _observe(
        self, outcome: Outcome, caller: Caller | None, elapsed: float, request_id: str
    ) -> None:
        self.platform.metrics.served(outcome.label, outcome.status, elapsed)
        if not log.isEnabledFor(logging.INFO):
            return
        log.info(
            "graphql request",
            extra={
                "request_id": request_id,
                "client": caller.client_id if caller else None,
                "operation": outcome.label,
                "status": outcome.status,
                "cost": outcome.cost,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
