"""Steps 4 to 7 of a request: its document, validation, variables, scopes and cost.

A document comes by trusted-document id, by APQ hash or as text (a storefront key in
production may send only trusted documents); it is parsed (at most `MAX_QUERY_TOKENS`
tokens) and validated against the schema and the gateway's own rules (no introspection for
storefronts in production, depth, aliases), and what passes is remembered with a plan per
operation. Then the variables are coerced, each root field's scope is checked and the cost
priced, so that every request error is known before anything runs. Each step refuses with a
`Refusal`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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
    get_variable_values,
    parse,
    specified_rules,
    validate,
)

from gateway.admission.api_keys import Caller, ClientKind
from gateway.admission.cost import cost_plan
from gateway.admission.introspection_depth import introspection_depth_rule
from gateway.admission.scopes import Scope, scope_of
from gateway.admission.trusted_documents import digest_of, parse_document_id
from gateway.fastpath.compat import aliases_validator, depth_validator, validate_document
from gateway.fastpath.execution import CheckedDocument, check_document
from gateway.fastpath.variable_plans import VariablePlan, plan_variables
from gateway.http.cache_rules import LISTING_FIELD, destinations_are_postcodes
from gateway.http.protocol import Refusal, object_param, string_param
from gateway.ops.cache_sizes import CacheSize
from gateway.service.resources import Platform

CACHEABLE_FIELDS = frozenset({"availability", LISTING_FIELD, "__typename"})
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")

# Validated documents kept per process; storefronts send a few documents over and over.
CHECKED_DOCUMENTS = 1024
# ...and at most about this many bytes of them: a document costs its parse, plans and memo,
# estimated from its text (BYTES_PER_CHARACTER, measured: BENCHMARKS.md).
CHECKED_BYTES = 32 * 1024 * 1024
BYTES_PER_CHARACTER = 128
BYTES_PER_DOCUMENT = 16 * 1024


def document_bytes(text: str) -> int:
    """The estimated bytes a checked document keeps, its memo once filled included."""
    return BYTES_PER_DOCUMENT + BYTES_PER_CHARACTER * len(text)


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": at.line, "column": at.column} for at in error.locations or ()]


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


_ROOT_TYPES = {
    OperationType.QUERY: "Query",
    OperationType.MUTATION: "Mutation",
    OperationType.SUBSCRIPTION: "Subscription",
}
# The "method" of an operation sent over WebSocket (gateway/http/live.py): subscriptions only.
WEBSOCKET = "WEBSOCKET"


def _plan(
    schema: GraphQLSchema, operation: OperationDefinitionNode, checked: CheckedDocument
) -> _Plan:
    root_type = _ROOT_TYPES[operation.operation]
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


class OperationChecks:
    """Every check an operation passes before it runs, validated documents remembered."""

    def __init__(self, graphql_schema: GraphQLSchema, platform: Platform) -> None:
        self.graphql_schema = graphql_schema
        self.platform = platform
        limits = platform.limits
        self._depth_rule = depth_validator(limits.max_depth, None, None)
        self._introspection_rule = introspection_depth_rule(limits.max_introspection_depth)
        self._aliases_rule = aliases_validator(limits.max_aliases)
        self._checked: dict[tuple[str, bool], _Document] = {}
        self._bytes = 0

    def size(self) -> CacheSize:
        """The document cache's entries and estimated bytes, with its bounds."""
        return CacheSize(len(self._checked), self._bytes, CHECKED_DOCUMENTS, CHECKED_BYTES)

    def memo_entries(self) -> int:
        """What the cached documents' memos hold (bounded with them)."""
        return sum(d.checked.memo.entries for d in self._checked.values())

    def _keep(self, key: tuple[str, bool], document: _Document) -> None:
        """Keep a checked document, the oldest ones going first (a dict keeps insertion order)
        while the cache is over its bounds in entries or bytes."""
        self._checked[key] = document
        self._bytes += document_bytes(key[0])
        while len(self._checked) > CHECKED_DOCUMENTS or (
            self._bytes > CHECKED_BYTES and len(self._checked) > 1
        ):
            oldest = next(iter(self._checked))
            del self._checked[oldest]
            self._bytes -= document_bytes(oldest[0])

    async def document(self, params: Mapping[str, Any], caller: Caller) -> tuple[str, bool]:
        """The document's text and whether it was named by id (trusted id or APQ hash)."""
        restricted = not self.platform.dev_mode and caller.kind is ClientKind.STOREFRONT
        from_query_string = not isinstance(params.get("extensions"), dict)
        query = string_param(params, "query")
        extensions = object_param(params, "extensions", from_query_string=from_query_string) or {}
        documents = self.platform.documents
        document_id = string_param(params, "documentId")
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

    def validation(self, errors: list[GraphQLError], code: str) -> Refusal:
        """A 400 of graphql-core's errors, each with its message and locations."""
        found = [(error.message, _locations(error)) for error in errors]
        if not self.platform.dev_mode:
            found = [(_SUGGESTION.sub("", message), where) for message, where in found]
        refusal = Refusal(400, code, found[0][0], graphql_error=True)
        refusal.locations = found[0][1]
        refusal.more = found[1:]
        return refusal

    def check(self, text: str, *, strict: bool) -> _Document:
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
            ("DEPTH_LIMIT_EXCEEDED", [self._depth_rule, self._introspection_rule]),
            ("ALIAS_LIMIT_EXCEEDED", [self._aliases_rule]),
        ]
        for code, rules in checks:
            # The schema's own rules first (strawberry's: graphql-core's and @oneOf's), as
            # Schema.execute validates; then the gateway's, alone.
            errors = (
                validate_document(schema, document, specified_rules)
                if rules is None
                else validate(schema, document, rules)
            )
            if errors:
                raise self.validation(errors, code)
        checked = check_document(schema, document)
        plans = {
            name: _plan(schema, operation, checked)
            for name, operation in checked.operations.items()
        }
        return _Document(checked, plans)

    async def prepare(self, params: Any, caller: Caller, method: str) -> Prepared:
        if not isinstance(params, dict):
            raise Refusal(400, "BAD_REQUEST", "each operation must be a JSON object")
        text, by_id = await self.document(params, caller)
        from_query_string = method == "GET"
        variables = object_param(params, "variables", from_query_string=from_query_string)
        operation_name = string_param(params, "operationName")
        strict = not self.platform.dev_mode and caller.kind is ClientKind.STOREFRONT
        document = self._checked.get((text, strict))
        if document is None:
            document = self.check(text, strict=strict)
            self._keep((text, strict), document)
        plan = document.plans.get(operation_name)
        if plan is None:
            # graphql-core's own words for an unknown or missing operation name.
            raise self.validation(document.checked.operation_errors(operation_name), "BAD_REQUEST")
        operation = plan.operation
        if (operation.operation is OperationType.SUBSCRIPTION) != (method == WEBSOCKET):
            raise Refusal(
                400,
                "BAD_REQUEST",
                "only subscriptions are served over WebSocket: send the others over HTTP"
                if method == WEBSOCKET
                else "subscriptions are not served over HTTP: open a WebSocket on /graphql",
            )
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
            raise self.validation(coerced, "BAD_USER_INPUT")
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
        most = min(limits.max_cost, limits.bucket_points, limits.shopper_bucket_points)
        if cost > most:
            raise Refusal(
                400,
                "COST_LIMIT_EXCEEDED",
                f"the operation costs {cost} points; at most {most} are allowed",
                extensions={"cost": cost, "maximum": most},
            )
        cacheable = (
            method == "GET"
            and by_id
            and operation.operation is OperationType.QUERY
            and plan.only_cacheable_fields
            and (
                LISTING_FIELD not in plan.label or destinations_are_postcodes(operation, variables)
            )
        )
        return Prepared(
            text, checked, variables, coerced, operation_name, plan.label, cost, cacheable
        )
